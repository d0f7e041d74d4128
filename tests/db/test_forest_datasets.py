import sqlalchemy as sa
from factories import make_forest, square
from sqlalchemy.orm import Session

from app.models.reference import ForestParcel


def _datasets(session: Session) -> dict[str, bool]:
    rows = session.execute(sa.text("SELECT dataset, synthetic FROM forest_datasets()")).all()
    return {str(row[0]): bool(row[1]) for row in rows}


def test_forest_datasets_name_each_dataset_once_and_flag_only_the_synthetic_ones(
    db_session: Session,
):
    before = _datasets(db_session)
    assert before and all(before.values())  # the demo layer is synthetic
    for number in range(3):
        real = make_forest(db_session, f"REAL-{number}", square(103.5 + number * 0.01, 22.5, 0.004))
        real.dataset, real.synthetic = "inventory-2026", False
    mixed = make_forest(db_session, "MIXED-REAL", square(103.6, 22.5, 0.004))
    mixed.dataset, mixed.synthetic = "mixed-2026", False
    make_forest(db_session, "MIXED-SYNTHETIC", square(103.61, 22.5, 0.004)).dataset = "mixed-2026"
    db_session.flush()
    assert _datasets(db_session) == {**before, "inventory-2026": False, "mixed-2026": True}


def test_forest_datasets_of_an_empty_layer_are_none(db_session: Session):
    db_session.execute(sa.delete(ForestParcel))
    assert _datasets(db_session) == {}
