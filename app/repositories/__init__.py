"""Registry reads and writes with select(); functions take the session first."""


class NotFound(LookupError):
    """A registry object does not exist."""

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} '{key}' does not exist")
        self.what = what
        self.key = key


class Conflict(RuntimeError):
    """A write collides with an existing object (duplicate code)."""
