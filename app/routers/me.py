"""The caller: who it is and what it may write."""

from __future__ import annotations

from fastapi import APIRouter

from app.access import SCOPED_ROLES, Caller
from app.deps import CallerDep
from app.models.enums import Role
from app.schemas.identity import AgencyRead, Me, WriteScope
from app.schemas.problem import problem_responses

router = APIRouter(prefix="/api/v1", tags=["identity"])


@router.get(
    "/me",
    response_model=Me,
    summary="Who the caller is and what it may write",
    responses=problem_responses(401),
)
def get_me(caller: CallerDep) -> Me:
    """Return the caller named by `Authorization: Bearer srg_…` or the session cookie.

    Without either the answer is `authenticated: false` (reads need no token). A token that
    is malformed, unknown, expired or revoked, or whose user is disabled, is a 401. Signed in
    by the cookie, the answer carries the session's `csrf_token`, which scripts on our pages
    send back as `X-CSRF-Token` on every POST, PUT, PATCH or DELETE.
    """
    if not caller.authenticated:
        return Me(authenticated=False)
    return Me(
        authenticated=True,
        username=caller.username,
        display_name=caller.display_name,
        role=caller.role,
        agency=_agency(caller),
        may_write=_scope(caller),
        csrf_token=caller.csrf_token,
    )


def _agency(caller: Caller) -> AgencyRead | None:
    if caller.agency_code is None or caller.agency_name is None or caller.province is None:
        return None
    return AgencyRead(code=caller.agency_code, name=caller.agency_name, province=caller.province)


def _scope(caller: Caller) -> WriteScope:
    if caller.role is Role.ADMIN:
        return WriteScope(anywhere=True)
    if caller.role not in SCOPED_ROLES or caller.province is None:
        return WriteScope()
    return WriteScope(
        layers=sorted(caller.layers),
        site_kinds=sorted(caller.site_kinds),
        provinces=[caller.province],
    )
