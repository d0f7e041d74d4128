"""Downloads for GIS analysts: a collection or one site's bundle in five file formats."""
