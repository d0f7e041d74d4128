"""Reading a collection: metadata, queryables, items and single features."""
