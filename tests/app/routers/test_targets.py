from fastapi.testclient import TestClient

from app.schemas.target import TargetList


def test_targets_lists_the_plan_commitments_with_legal_source(client: TestClient):
    response = client.get("/api/v1/targets")
    assert response.status_code == 200
    targets = TargetList.model_validate(response.json()).targets
    by_metric = {t.metric: t for t in targets}
    assert by_metric["cleared_land_ha"].target_value == 500
    assert by_metric["new_zone_cluster_area_ha"].unit == "ha"
    assert by_metric["relocations_completed"].target_value == 3
    assert by_metric["kcn_compliant_wastewater_pct"].target_value == 100
    assert all("34-NQ/TU" in t.legal_source for t in targets)
