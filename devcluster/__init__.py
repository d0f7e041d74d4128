"""The embedded PostgreSQL + PostGIS cluster of development and tests; not loaded by the server."""
