"""Web sessions: sign in with a password, find the caller behind a cookie, sign out.

The cookie holds a random 256-bit secret; the ``web_sessions`` row keeps only its SHA-256 (the
same reasoning as API tokens in ``app.services.identity``), so one unique-index lookup finds it
and a copy of the table signs nobody in. Each session has a synchronizer CSRF token, stored as
is: it is sent back by our pages' scripts and grants nothing without the cookie.

Sign-in is throttled from ``auth_events``: when a username, or a client address, has
``max_failed_sign_ins`` failures within the window, further attempts are refused before the
password is checked (so the throttle answers the same whether the password is right or not),
and the count holds across every server process because it lives in the database.
"""

from __future__ import annotations

import hmac
import math
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.access import Caller, CsrfFailed, TooManySignIns
from app.models.enums import AuthEventKind
from app.models.identity import Agency, AuthEvent, User, WebSession
from app.services.identity import caller_for, record_event, secret_digest
from app.services.identity import sign_in as check_password
from app.settings import AuthSettings

SESSION_COOKIE = "sitereg_session"
# A session's last_seen_at and expires_at are written at most this often: a busy page costs
# one indexed SELECT per request, not a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedSession:
    """A session just opened: ``secret`` goes into the cookie and is stored nowhere."""

    secret: str
    csrf_token: str
    username: str


@dataclass(frozen=True)
class Client:
    """Who is signing in, as the request tells: its address and user agent (both optional)."""

    addr: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


def sign_in(
    session: Session, username: str, password: str, *, auth: AuthSettings, client: Client
) -> IssuedSession:
    """Check the password (unless throttled), record the outcome and open a web session.

    Raises:
        TooManySignIns: too many recent failures for this username or client address.
        Unauthorized: wrong username or password, or a disabled user.
    """
    now = datetime.now(UTC)
    name = unicodedata.normalize("NFC", username).strip()
    wait_s = retry_after_s(session, name, client.addr, auth=auth, now=now)
    if wait_s is not None:
        record_event(
            session,
            AuthEventKind.SIGN_IN_THROTTLED,
            user_id=None,
            request_id=client.request_id,
            username=name,
            client_addr=client.addr,
        )
        session.commit()
        raise TooManySignIns(wait_s)
    user = check_password(
        session, username, password, request_id=client.request_id, client_addr=client.addr
    )
    if user.user_id is None:
        raise RuntimeError("identity.sign_in returned a user without its id")
    return _open(session, user.user_id, user.username, auth=auth, client=client, now=now)


def _open(
    session: Session,
    user_id: int,
    username: str,
    *,
    auth: AuthSettings,
    client: Client,
    now: datetime,
) -> IssuedSession:
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=secret_digest(secret),
            user_id=user_id,
            csrf_token=csrf,
            expires_at=now + timedelta(hours=auth.session_hours),
            last_seen_at=now,
            user_agent=(client.user_agent or "")[:400] or None,
            client_addr=client.addr,
        )
    )
    session.commit()
    return IssuedSession(secret, csrf, username)


def retry_after_s(
    session: Session,
    username: str,
    client_addr: str | None,
    *,
    auth: AuthSettings,
    now: datetime,
) -> int | None:
    """Return the seconds until a sign-in may be tried again, or None when it may now.

    Throttled while the username (since its last success) or the address has
    ``max_failed_sign_ins`` failures within the window; it lifts when the oldest of the last
    ``max_failed_sign_ins`` leaves the window.
    """
    window = timedelta(minutes=auth.throttle_window_minutes)
    # A username's count starts again after its last successful sign-in; an address's does not
    # (one valid account must not reset the count of an address guessing other passwords).
    last_ok = (
        select(sa.func.coalesce(sa.func.max(AuthEvent.id), 0))
        .where(AuthEvent.username == username, AuthEvent.kind == AuthEventKind.SIGN_IN_OK)
        .scalar_subquery()
    )
    by_name = sa.and_(AuthEvent.username == username, AuthEvent.id > last_ok)
    waits = [
        nth + window - now
        for nth in (
            _nth_failure(session, by_name, auth, now - window),
            _nth_failure(session, AuthEvent.client_addr == client_addr, auth, now - window)
            if client_addr
            else None,
        )
        if nth is not None
    ]
    if not waits:
        return None
    return max(1, math.ceil(max(waits).total_seconds()))


def _nth_failure(
    session: Session, match: ColumnElement[bool], auth: AuthSettings, since: datetime
) -> datetime | None:
    return session.scalars(
        select(AuthEvent.at)
        .where(match, AuthEvent.kind == AuthEventKind.SIGN_IN_FAILED, AuthEvent.at > since)
        .order_by(AuthEvent.at.desc())
        .offset(auth.max_failed_sign_ins - 1)
        .limit(1)
    ).first()


def authenticate_session(session: Session, secret: str, *, auth: AuthSettings) -> Caller | None:
    """Return the caller behind a session cookie, or None when the session is not alive.

    One indexed lookup; the sliding expiry is written at most once a minute. An unknown,
    expired or revoked session, or one whose user is disabled, is None: the request is then
    anonymous, as if no cookie had been sent.
    """
    row = session.execute(
        select(WebSession, User, Agency)
        .join(User, WebSession.user_id == User.id)
        .outerjoin(Agency, User.agency_id == Agency.id)
        .where(WebSession.id == secret_digest(secret))
    ).one_or_none()
    if row is None:
        return None
    web, user, agency = row
    now = datetime.now(UTC)
    if web.revoked_at is not None or web.expires_at <= now or user.disabled:
        return None
    if now - web.last_seen_at >= TOUCH_EVERY:
        web.last_seen_at = now
        web.expires_at = now + timedelta(hours=auth.session_hours)
    caller = caller_for(user, agency, csrf_token=web.csrf_token)
    session.commit()
    return caller


def require_csrf(caller: Caller, sent: str | None) -> None:
    """Accept a state-changing request of a cookie session only with the session's CSRF token.

    Raises:
        CsrfFailed: the token is missing or differs from the session's.
    """
    expected = caller.csrf_token
    if expected is None:
        return
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed(
            "a request signed in by the session cookie sends the session's token in X-CSRF-Token"
        )


def sign_out(
    session: Session, secret: str, csrf_token: str | None, *, request_id: str | None = None
) -> None:
    """End the session behind a cookie and record it; a dead or unknown session is a no-op.

    Raises:
        CsrfFailed: the form's token is not the session's (a cross-site sign-out).
    """
    web = session.get(WebSession, secret_digest(secret))
    if web is None or web.revoked_at is not None:
        return
    sent = csrf_token or ""
    if not hmac.compare_digest(sent.encode(), web.csrf_token.encode()):
        raise CsrfFailed("the sign-out form's csrf_token is not this session's")
    web.revoked_at = datetime.now(UTC)
    record_event(session, AuthEventKind.SIGN_OUT, user_id=web.user_id, request_id=request_id)
    session.commit()


def purge(session: Session, *, keep_days: int) -> tuple[int, int]:
    """Delete sessions that ended and identity events older than ``keep_days``; return counts.

    A session ends when it expires or is revoked; its row is kept ``keep_days`` after that,
    like the events, so recent sign-ins stay auditable.
    """
    cutoff = sa.func.now() - sa.func.make_interval(0, 0, 0, keep_days)
    ended = sa.func.coalesce(WebSession.revoked_at, WebSession.expires_at)
    sessions = session.execute(
        sa.delete(WebSession).where(ended < cutoff).returning(WebSession.id)
    ).all()
    events = session.execute(
        sa.delete(AuthEvent).where(AuthEvent.at < cutoff).returning(AuthEvent.id)
    ).all()
    session.commit()
    return len(sessions), len(events)
