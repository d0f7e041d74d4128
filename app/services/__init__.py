"""Multi-step use cases shared by the API and the CLI; each owns its unit of work."""
