"""Registry reads and writes with select(); functions take the session first."""


class NotFound(LookupError):
    """A registry object does not exist."""

    def __init__(self, what: str, key: str) -> None:
        super().__init__(f"{what} '{key}' does not exist")
        self.what = what
        self.key = key


class Conflict(RuntimeError):
    """A write collides with an existing object (duplicate code)."""


class StaleVersion(RuntimeError):
    """A write expected a version of a row that is no longer the current one (412)."""


class VersionRequired(RuntimeError):
    """A write did not say which version of the row it expects to replace (428)."""
