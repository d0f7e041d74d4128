"""Who the caller is and what it may write: one check, reading scopes that are data.

``Caller`` is built once per request from a bearer token or a web session's cookie
(``app.deps.CallerDep``, which also checks the CSRF token of cookie-signed writes); write services
call ``require_write`` with the layer, site kind and province they are about to change. Nothing
here queries: the caller carries its agency's scope, read in the token's single lookup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.models.enums import Role

SCOPED_ROLES = frozenset({Role.EDITOR, Role.APPROVER})


class Unauthorized(Exception):
    """No usable credentials: none were sent, or the token is malformed, unknown or dead."""

    def __init__(self, detail: str, *, invalid_token: bool = False) -> None:
        super().__init__(detail)
        # RFC 6750 §3: the challenge names the scheme, and the error when a token was refused.
        challenge = 'Bearer realm="sitereg"'
        if invalid_token:
            challenge += ', error="invalid_token"'
        self.headers = {"WWW-Authenticate": challenge}


class CsrfFailed(Exception):
    """A cookie-authenticated request changes state without the session's CSRF token."""


class TooManySignIns(Exception):
    """Sign-in is throttled for this username or client address; retry after some seconds."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many failed sign-ins: try again in {retry_after_s} s")
        self.headers = {"Retry-After": str(retry_after_s)}


class Forbidden(Exception):
    """The caller is known but its role or its agency's scope does not cover this write."""


@dataclass(frozen=True, slots=True)
class Caller:
    """The caller of one request: anonymous, or a user with a role and its agency's scope."""

    username: str | None = None
    display_name: str | None = None
    role: Role | None = None
    user_id: int | None = None
    token_id: int | None = None
    agency_code: str | None = None
    agency_name: str | None = None
    province: str | None = None
    layers: frozenset[str] = field(default_factory=frozenset)
    site_kinds: frozenset[str] = field(default_factory=frozenset)
    # What of an editor's change waits for an approver (the agency's ``approval_for``).
    approval_for: frozenset[str] = field(default_factory=frozenset)
    # Set when a web session's cookie named the caller: the token its writes must send back.
    csrf_token: str | None = None

    @property
    def authenticated(self) -> bool:
        """Return whether a user stands behind this request."""
        return self.user_id is not None


ANONYMOUS = Caller()


def require_signed_in(caller: Caller) -> None:
    """Refuse an anonymous caller of a write (401).

    Raises:
        Unauthorized: the caller is anonymous.
    """
    if not caller.authenticated:
        raise Unauthorized(
            "writing needs an API token ('Authorization: Bearer srg_…') or signing in at /sign-in"
        )


def require_write(
    caller: Caller, *, layer: str, kind: str | None = None, province: str | None = None
) -> None:
    """Allow the write of ``layer`` (of site ``kind``, in ``province``) or raise.

    Admins write anywhere; editors and approvers within their agency's province, layers and
    site kinds; viewers nowhere. ``kind`` and ``province`` are checked when given: a service
    writing a site always passes both.

    Raises:
        Unauthorized: the caller is anonymous.
        Forbidden: the caller's role or scope does not cover the write.
    """
    require_signed_in(caller)
    if caller.role is Role.ADMIN:
        return
    if caller.role not in SCOPED_ROLES:
        raise Forbidden(f"user '{caller.username}' is a {caller.role}: it may not write")
    missing = _outside_scope(caller, layer=layer, kind=kind, province=province)
    if missing:
        raise Forbidden(f"{caller.agency_code} does not keep {missing}")


def _outside_scope(caller: Caller, *, layer: str, kind: str | None, province: str | None) -> str:
    if layer not in caller.layers:
        return f"the layer '{layer}'"
    if kind is not None and kind not in caller.site_kinds:
        return f"sites of kind '{kind}'"
    if province is not None and province != caller.province:
        return f"{province}"
    return ""
