"""Users, API tokens and identity events: one unit of work per function (API and CLI alike).

Passwords are hashed with argon2-cffi's ``PasswordHasher`` (argon2id, RFC 9106 parameters):
argon2-cffi is the maintained reference binding of Argon2, the winner of the Password Hashing
Competition, and it says when a stored hash's parameters are outdated (``check_needs_rehash``).
pwdlib would wrap the same binding for no gain here.

API tokens are ``srg_`` + 32 random bytes (``secrets.token_urlsafe``), stored as their SHA-256
digest. A slow hash protects guessable secrets such as passwords; a 256-bit random token cannot
be guessed, so one SHA-256 suffices, and it lets each call find its token by a unique-index
lookup. The plain token is returned once, by ``create_token``, and stored nowhere.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.access import Caller, Unauthorized
from app.models.enums import AuthEventKind, Role
from app.models.identity import Agency, ApiToken, AuthEvent, User, WebSession
from app.repositories import Conflict, NotFound
from app.services import token_rows

TOKEN_PREFIX = "srg_"
TOKEN_PATTERN = re.compile(r"srg_[A-Za-z0-9_-]{43}")
PREFIX_SHOWN = 12  # "srg_" and 8 characters: enough to tell tokens apart in a list
PASSWORD_MIN_CHARS = 12
# last_used_at (and the token_used event) is written at most this often per token, so a busy
# portal costs one indexed SELECT per call, not a write.

_hasher = PasswordHasher()


@dataclass(frozen=True)
class IssuedToken:
    """A token just created: ``plain`` is shown once and stored nowhere."""

    id: int
    plain: str
    prefix: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed: never its secret, only the prefix that identifies it."""

    id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class UserInfo:
    """A user as listed."""

    username: str
    display_name: str | None
    role: Role
    agency_code: str | None
    disabled: bool
    user_id: int | None = None


def secret_digest(plain: str) -> str:
    """Return the hex SHA-256 of a random secret (API token, session cookie): all we store."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _hash_password(password: str) -> str:
    if len(password) < PASSWORD_MIN_CHARS:
        raise ValueError(f"a password has at least {PASSWORD_MIN_CHARS} characters")
    return _hasher.hash(password)


def record_event(
    session: Session,
    kind: AuthEventKind,
    *,
    user_id: int | None,
    token_id: int | None = None,
    request_id: str | None = None,
    username: str | None = None,
    client_addr: str | None = None,
) -> None:
    """Add one identity event to the session (the caller commits)."""
    session.add(
        AuthEvent(
            kind=kind,
            user_id=user_id,
            token_id=token_id,
            request_id=request_id,
            username=username,
            client_addr=client_addr,
        )
    )


def end_sessions(session: Session, user_id: int) -> None:
    """Revoke every live web session of a user (a disabled user, a reset password)."""
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


def _user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == _clean(username))).one_or_none()
    if user is None:
        raise NotFound("user", username)
    return user


def _agency_id(session: Session, role: Role, agency_code: str | None) -> int | None:
    if agency_code is None:
        if role in (Role.EDITOR, Role.APPROVER):
            raise ValueError(f"an {role} belongs to an agency: give its code (--agency)")
        return None
    agency_id = session.scalars(select(Agency.id).where(Agency.code == agency_code)).one_or_none()
    if agency_id is None:
        raise NotFound("agency", agency_code)
    return agency_id


def create_user(
    session: Session,
    username: str,
    *,
    password: str,
    role: Role,
    agency_code: str | None = None,
    display_name: str | None = None,
) -> UserInfo:
    """Create a user with a hashed password; editors and approvers need an agency."""
    name = _clean(username)
    if not name:
        raise ValueError("a username is not empty")
    if session.scalars(select(User.id).where(User.username == name)).first() is not None:
        raise Conflict(f"user '{name}' already exists")
    user = User(
        username=name,
        display_name=_clean(display_name) if display_name else None,
        password_hash=_hash_password(password),
        role=role,
        agency_id=_agency_id(session, role, agency_code),
    )
    session.add(user)
    session.commit()
    return UserInfo(name, user.display_name, role, agency_code, disabled=False)


def set_password(
    session: Session, username: str, password: str, *, request_id: str | None = None
) -> None:
    """Replace a user's password (its hash), end its web sessions and record the reset."""
    user = _user(session, username)
    user.password_hash = _hash_password(password)
    end_sessions(session, user.id)
    record_event(session, AuthEventKind.PASSWORD_RESET, user_id=user.id, request_id=request_id)
    session.commit()


def disable_user(session: Session, username: str, *, request_id: str | None = None) -> None:
    """Disable a user: its tokens and web sessions stop working at once; its history stays."""
    user = _user(session, username)
    user.disabled = True
    end_sessions(session, user.id)
    record_event(session, AuthEventKind.USER_DISABLED, user_id=user.id, request_id=request_id)
    session.commit()


@cache
def _decoy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    request_id: str | None = None,
    client_addr: str | None = None,
) -> UserInfo:
    """Check a username and password, record the outcome, and return the user.

    Raises:
        Unauthorized: unknown user, wrong password or disabled user (one message for all).
    """
    name = _clean(username)
    user = session.scalars(select(User).where(User.username == name)).one_or_none()
    try:
        # An unknown user costs the same hash as a known one, so timing does not tell them apart.
        _hasher.verify(user.password_hash if user else _decoy_hash(), password)
        ok = user is not None and not user.disabled
    except (VerificationError, InvalidHashError):
        ok = False
    kind = AuthEventKind.SIGN_IN_OK if ok else AuthEventKind.SIGN_IN_FAILED
    user_id = user.id if user else None
    record_event(
        session,
        kind,
        user_id=user_id,
        request_id=request_id,
        username=name,
        client_addr=client_addr,
    )
    if ok and user is not None and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    session.commit()
    if not ok or user is None:
        raise Unauthorized("wrong username or password")
    agency = session.get(Agency, user.agency_id) if user.agency_id else None
    code = agency.code if agency else None
    return UserInfo(user.username, user.display_name, user.role, code, False, user.id)


def create_token(
    session: Session,
    username: str,
    *,
    name: str,
    expires_days: int = 90,
    request_id: str | None = None,
) -> IssuedToken:
    """Create an API token for a user and return it in plain text, this once."""
    if expires_days < 1:
        raise ValueError("a token lives at least one day (--expires-days)")
    user = _user(session, username)
    if user.disabled:
        raise ValueError(f"user '{user.username}' is disabled")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=_clean(name),
        token_hash=secret_digest(plain),
        prefix=plain[:PREFIX_SHOWN],
        expires_at=datetime.now(UTC) + timedelta(days=expires_days),
    )
    session.add(token)
    session.flush()
    record_event(
        session,
        AuthEventKind.TOKEN_CREATED,
        user_id=user.id,
        token_id=token.id,
        request_id=request_id,
    )
    issued = IssuedToken(token.id, plain, token.prefix, token.expires_at)
    session.commit()
    return issued


def revoke_token(session: Session, token_id: int, *, request_id: str | None = None) -> None:
    """Revoke a token (idempotent: a revoked token keeps its first revocation time)."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("token", str(token_id))
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        record_event(
            session,
            AuthEventKind.TOKEN_REVOKED,
            user_id=token.user_id,
            token_id=token.id,
            request_id=request_id,
        )
    session.commit()


def list_tokens(session: Session, username: str | None = None) -> list[TokenInfo]:
    """List tokens (of one user, or all), newest first; never their secrets."""
    query = select(ApiToken, User.username).join(User, ApiToken.user_id == User.id)
    if username is not None:
        query = query.where(User.id == _user(session, username).id)
    rows = session.execute(query.order_by(ApiToken.id.desc())).all()
    return [
        TokenInfo(
            t.id, owner, t.name, t.prefix, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
        )
        for t, owner in rows
    ]


def list_users(session: Session) -> list[UserInfo]:
    """List every user with its role and agency, by username."""
    rows = session.execute(
        select(User, Agency.code)
        .outerjoin(Agency, User.agency_id == Agency.id)
        .order_by(User.username)
    ).all()
    return [UserInfo(u.username, u.display_name, u.role, code, u.disabled) for u, code in rows]


def authenticate_token(session: Session, plain: str, *, request_id: str | None = None) -> Caller:
    """Return the caller behind a bearer token: one indexed lookup, a write once a minute.

    The statements and rules are ``token_rows``' (reads check tokens the same way). Only that
    write is committed: otherwise the transaction stays open, so a write checks its token and
    writes in one transaction.

    Raises:
        Unauthorized: the token is malformed, unknown, expired or revoked, or its user disabled.
    """
    if not TOKEN_PATTERN.fullmatch(plain):
        raise Unauthorized("the bearer token is not a sitereg token", invalid_token=True)
    connection = session.connection()
    digest = {"digest": secret_digest(plain)}
    row = connection.exec_driver_sql(token_rows.LOOKUP, digest).one_or_none()
    now = datetime.now(UTC)
    caller = token_rows.caller_of(None if row is None else tuple(row), now)
    assert row is not None
    if token_rows.needs_touch(tuple(row), now):
        connection.exec_driver_sql(
            token_rows.TOUCH, token_rows.touch_params(tuple(row), request_id)
        )
        session.commit()  # the touch stands even if what the caller asked for then fails
    return caller


def caller_for(
    user: User, agency: Agency | None, *, token_id: int | None = None, csrf_token: str | None = None
) -> Caller:
    """Return the caller a user stands for, with its agency's scope (no query)."""
    return Caller(
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        user_id=user.id,
        token_id=token_id,
        agency_code=agency.code if agency else None,
        agency_name=agency.name if agency else None,
        province=agency.province if agency else None,
        layers=frozenset(agency.layers) if agency else frozenset(),
        site_kinds=frozenset(agency.site_kinds) if agency else frozenset(),
        approval_for=frozenset(agency.approval_for) if agency else frozenset(),
        csrf_token=csrf_token,
    )
