import sqlalchemy as sa
from factories import ORIGIN, make_site, square
from geoalchemy2 import Geometry
from geoalchemy2.shape import from_shape
from sqlalchemy.orm import Session

from app.db.stream import driver_statement, stream_rows
from app.models import Site
from app.models.enums import SiteKind

X, Y = ORIGIN
AREA = from_shape(square(X, Y, 0.05), srid=4326)


def _statement() -> sa.Select[tuple[str]]:
    # Binds that need the dialect's processors: enum members, a geometry, an expanded IN list.
    return (
        sa.select(Site.code)
        .where(
            Site.kind.in_([SiteKind.INDUSTRIAL_ZONE, SiteKind.MINING_SITE]),
            Site.kind != SiteKind.RELOCATION_AREA,
            Site.geom.ST_Intersects(sa.bindparam("area", AREA, type_=Geometry(srid=4326))),
        )
        .order_by(Site.code)
    )


def test_a_streamed_statement_gets_the_values_sqlalchemy_would_send(db_session: Session):
    make_site(db_session, "TEST-ZONE", square(X, Y, 0.01), kind="industrial_zone")
    make_site(db_session, "TEST-MINE", square(X + 0.02, Y, 0.01), kind="mining_site")
    make_site(db_session, "TEST-CLUSTER", square(X, Y + 0.02, 0.01))
    make_site(db_session, "TEST-FAR", square(X + 1, Y, 0.01), kind="industrial_zone")
    expected = list(db_session.execute(_statement()).scalars())
    streamed = [code for (code,) in stream_rows(db_session.connection(), _statement(), size=1)]
    assert streamed == expected == ["TEST-MINE", "TEST-ZONE"]


def test_driver_statement_expands_lists_and_processes_every_bind(db_session: Session):
    sql_text, params = driver_statement(_statement(), db_session.connection().dialect)
    assert "ST_GeomFromEWKT(%(area)s)" in sql_text
    assert params["area"].startswith("SRID=4326;POLYGON")
    kinds = sorted(value for name, value in params.items() if name.startswith("kind"))
    assert kinds == ["industrial_zone", "mining_site", "relocation_area"]
    assert all(type(value) is str for value in params.values())  # no enum members left
