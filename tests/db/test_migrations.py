from collections.abc import Callable

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from app.cli import upgrade_database
from app.db.engine import make_engine
from app.settings import PROJECT_ROOT

EXPECTED_TABLES = {
    "sites",
    "zone_details",
    "mining_details",
    "relocation_details",
    "sites_versions",
    "registry_changes",
    "registry_state",
    "clearance_parcels",
    "clearance_status_history",
    "infrastructure",
    "forest_parcels",
    "forest_tile_cells",
    "protected_areas",
    "admin_units",
    "plan_targets",
    "dataset_loads",
    "agencies",
    "users",
    "api_tokens",
    "auth_events",
}


def _config(url: str) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.attributes["url"] = url
    return config


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrations_upgrade_from_empty_creates_every_table(make_database: Callable[[], str]):
    url = make_database()
    upgrade_database(url)
    assert _tables(url) >= EXPECTED_TABLES


def test_migrations_downgrade_one_step_and_up_again(make_database: Callable[[], str]):
    url = make_database()
    config = _config(url)
    upgrade_database(url)
    head = ScriptDirectory.from_config(config).get_current_head()
    command.downgrade(config, "-1")
    command.upgrade(config, "head")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head
    finally:
        engine.dispose()
    assert _tables(url) >= EXPECTED_TABLES


def test_migrations_downgrade_to_base_removes_registry_tables(make_database: Callable[[], str]):
    url = make_database()
    upgrade_database(url)
    command.downgrade(_config(url), "base")
    assert not (EXPECTED_TABLES & _tables(url))


def test_migrations_match_the_models(database_url: str):
    """`alembic check`: the models and the migrated schema do not drift."""
    command.check(_config(database_url))
