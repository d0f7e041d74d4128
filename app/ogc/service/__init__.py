"""The service itself: landing page, conformance declaration and OpenAPI 3.0 description."""
