"""File input and output: format sniffing, reading uploads, writing downloads."""
