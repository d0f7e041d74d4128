"""Database wiring: engine, declarative base and the embedded cluster."""
