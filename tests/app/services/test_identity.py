"""Users, tokens and identity events against the real database (rolled back per test)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.access import Unauthorized
from app.models import Agency, ApiToken, AuthEvent, User
from app.models.enums import AuthEventKind, Role
from app.repositories import Conflict, NotFound
from app.services import identity

PASSWORD = "mật khẩu đủ dài 2026"


def _events(session: Session, kind: AuthEventKind) -> list[AuthEvent]:
    """Return this test's events of ``kind`` (the CLI tests commit theirs to the database)."""
    since = session.info["events_before"]
    query = select(AuthEvent).where(AuthEvent.kind == kind, AuthEvent.id > since)
    return list(session.scalars(query.order_by(AuthEvent.id)))


@pytest.fixture(autouse=True)
def _events_before(db_session: Session) -> None:
    last = db_session.scalar(select(func.coalesce(func.max(AuthEvent.id), 0)))
    db_session.info["events_before"] = last


def _editor(session: Session, name: str = "bql_editor") -> identity.IssuedToken:
    identity.create_user(
        session, name, password=PASSWORD, role=Role.EDITOR, agency_code="LC-BQL-KCN"
    )
    return identity.create_token(session, name, name="cổng KCN")


def test_identity_seed_agencies_keep_their_layers_and_kinds(db_session: Session):
    agencies = {a.code: a for a in db_session.scalars(select(Agency))}
    assert len(agencies) == 6
    kcn = agencies["LC-BQL-KCN"]
    assert kcn.province == "Lào Cai" and kcn.site_kinds == ["industrial_zone"]
    assert agencies["LCH-SCT"].site_kinds == ["industrial_cluster"]
    assert agencies["LCH-SNNMT"].layers == ["forest", "protected_areas"]
    assert agencies["LCH-SNNMT"].name == "Sở Nông nghiệp và Môi trường tỉnh Lai Châu"


def test_identity_password_is_stored_only_as_an_argon2_hash(db_session: Session):
    identity.create_user(db_session, "admin", password=PASSWORD, role=Role.ADMIN)
    stored = db_session.scalars(select(User.password_hash).where(User.username == "admin")).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert identity.sign_in(db_session, "admin", PASSWORD).role is Role.ADMIN


def test_identity_wrong_password_is_401_and_recorded(db_session: Session):
    identity.create_user(db_session, "admin", password=PASSWORD, role=Role.ADMIN)
    with pytest.raises(Unauthorized):
        identity.sign_in(db_session, "admin", "not the password", request_id="r-1")
    with pytest.raises(Unauthorized):
        identity.sign_in(db_session, "nobody", PASSWORD)
    failed = _events(db_session, AuthEventKind.SIGN_IN_FAILED)
    assert [e.request_id for e in failed] == ["r-1", None]


def test_identity_short_password_is_refused(db_session: Session):
    with pytest.raises(ValueError, match="12 characters"):
        identity.create_user(db_session, "admin", password="short", role=Role.ADMIN)


def test_identity_editor_needs_an_agency_that_exists(db_session: Session):
    with pytest.raises(ValueError, match="agency"):
        identity.create_user(db_session, "e", password=PASSWORD, role=Role.EDITOR)
    with pytest.raises(NotFound):
        identity.create_user(
            db_session, "e", password=PASSWORD, role=Role.EDITOR, agency_code="HN-SCT"
        )


def test_identity_duplicate_username_is_a_conflict(db_session: Session):
    identity.create_user(db_session, "viewer", password=PASSWORD, role=Role.VIEWER)
    with pytest.raises(Conflict):
        identity.create_user(db_session, "viewer", password=PASSWORD, role=Role.VIEWER)


def test_identity_token_is_stored_only_as_its_sha256(db_session: Session):
    issued = _editor(db_session)
    assert issued.plain.startswith("srg_") and len(issued.plain) == 47
    row = db_session.get(ApiToken, issued.id)
    assert row is not None and row.token_hash == identity.secret_digest(issued.plain)
    assert issued.plain not in row.token_hash and row.prefix == issued.plain[:12]
    dump = db_session.execute(text("SELECT api_tokens::text FROM api_tokens")).scalars().all()
    assert not any(issued.plain in line for line in dump)


def test_identity_listed_tokens_never_carry_the_secret(db_session: Session):
    issued = _editor(db_session)
    listed = identity.list_tokens(db_session, "bql_editor")
    assert [t.id for t in listed] == [issued.id]
    assert issued.plain not in repr(listed)


def test_identity_token_authenticates_with_the_agency_scope(db_session: Session):
    issued = _editor(db_session)
    caller = identity.authenticate_token(db_session, issued.plain, request_id="req-7")
    assert caller.role is Role.EDITOR and caller.province == "Lào Cai"
    assert caller.site_kinds == {"industrial_zone"} and "sites" in caller.layers
    used = _events(db_session, AuthEventKind.TOKEN_USED)
    assert [(e.token_id, e.request_id) for e in used] == [(issued.id, "req-7")]
    assert len(_events(db_session, AuthEventKind.TOKEN_CREATED)) == 1


def test_identity_token_use_is_written_at_most_once_a_minute(db_session: Session):
    issued = _editor(db_session)
    identity.authenticate_token(db_session, issued.plain)
    identity.authenticate_token(db_session, issued.plain)
    assert len(_events(db_session, AuthEventKind.TOKEN_USED)) == 1
    token = db_session.get(ApiToken, issued.id)
    assert token is not None and token.last_used_at is not None
    token.last_used_at -= timedelta(minutes=2)
    db_session.commit()
    identity.authenticate_token(db_session, issued.plain)
    assert len(_events(db_session, AuthEventKind.TOKEN_USED)) == 2


def test_identity_revoked_token_is_401_and_recorded(db_session: Session):
    issued = _editor(db_session)
    identity.revoke_token(db_session, issued.id)
    identity.revoke_token(db_session, issued.id)
    with pytest.raises(Unauthorized, match="revoked"):
        identity.authenticate_token(db_session, issued.plain)
    assert len(_events(db_session, AuthEventKind.TOKEN_REVOKED)) == 1


def test_identity_expired_token_is_401(db_session: Session):
    issued = _editor(db_session)
    token = db_session.get(ApiToken, issued.id)
    assert token is not None
    token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db_session.commit()
    with pytest.raises(Unauthorized, match="expired"):
        identity.authenticate_token(db_session, issued.plain)


def test_identity_disabled_user_token_is_401_and_recorded(db_session: Session):
    issued = _editor(db_session)
    identity.disable_user(db_session, "bql_editor")
    with pytest.raises(Unauthorized, match="disabled"):
        identity.authenticate_token(db_session, issued.plain)
    with pytest.raises(Unauthorized):
        identity.sign_in(db_session, "bql_editor", PASSWORD)
    assert len(_events(db_session, AuthEventKind.USER_DISABLED)) == 1


@pytest.mark.parametrize("plain", ["", "srg_", "abc", "srg_" + "x" * 43, "srg_" + "é" * 43])
def test_identity_malformed_or_unknown_token_is_401(db_session: Session, plain: str):
    with pytest.raises(Unauthorized):
        identity.authenticate_token(db_session, plain)


def test_identity_password_reset_replaces_the_hash_and_is_recorded(db_session: Session):
    identity.create_user(db_session, "admin", password=PASSWORD, role=Role.ADMIN)
    identity.set_password(db_session, "admin", "một mật khẩu mới hơn")
    with pytest.raises(Unauthorized):
        identity.sign_in(db_session, "admin", PASSWORD)
    assert identity.sign_in(db_session, "admin", "một mật khẩu mới hơn").username == "admin"
    assert len(_events(db_session, AuthEventKind.PASSWORD_RESET)) == 1
    assert len(_events(db_session, AuthEventKind.SIGN_IN_OK)) == 1


def test_identity_agency_refuses_an_unknown_site_kind(db_session: Session):
    agency = db_session.scalars(select(Agency).where(Agency.code == "LC-SCT")).one()
    agency.site_kinds = ["industrial_cluster", "mining_site"]
    db_session.flush()
    agency.site_kinds = ["industrial_clusters"]
    with pytest.raises(IntegrityError, match="ck_agencies_known_kinds"):
        db_session.flush()
