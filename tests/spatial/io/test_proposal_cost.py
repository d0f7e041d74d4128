"""What a proposal check may cost: counted and measured before any database work."""

import math

import pytest
import sqlalchemy as sa
from shapely.geometry import MultiPolygon, Polygon, box
from sqlalchemy.orm import Session

from spatial.io.proposal_cost import (
    ProposalLimits,
    ProposalTooCostly,
    box_bound_ha,
    check,
    measure,
)

LIMITS = ProposalLimits(max_vertices=100, max_parts=2, max_area_ha=1_000.0)
# About 130 ha near KCN Tằng Loỏng, with a hole of about 12 ha.
OUTER = [(104.13, 22.29), (104.14, 22.29), (104.14, 22.30), (104.13, 22.30)]
HOLE = [(104.133, 22.293), (104.136, 22.293), (104.136, 22.296), (104.133, 22.296)]


def _star(points: int) -> Polygon:
    """Return a star of ``points`` tips around Tằng Loỏng (2 × ``points`` vertices)."""
    ring = []
    for k in range(2 * points):
        radius = 0.01 if k % 2 == 0 else 0.004
        angle = math.pi * k / points
        ring.append((104.13 + radius * math.cos(angle), 22.29 + radius * math.sin(angle)))
    return Polygon(ring)


@pytest.mark.parametrize("hole_clockwise", [True, False])
def test_area_matches_postgis_geography_whatever_the_ring_order(
    db_session: Session, hole_clockwise: bool
):
    hole = HOLE[::-1] if hole_clockwise else HOLE
    polygon = Polygon(OUTER[::-1], [hole])  # exterior clockwise, as a file may hold it
    expected = db_session.execute(
        sa.text("SELECT ST_Area(ST_GeomFromText(:wkt, 4326)::geography) / 10000"),
        {"wkt": polygon.wkt},
    ).scalar_one()
    cost = measure([polygon])
    assert abs(cost.area_ha - expected) / expected < 1e-6
    assert (cost.vertices, cost.parts) == (10, 1)


def test_parts_and_vertices_add_up_over_features():
    two = MultiPolygon([box(104.13, 22.29, 104.131, 22.291), box(104.14, 22.29, 104.141, 22.291)])
    cost = measure([two, box(104.15, 22.29, 104.151, 22.291)])
    assert (cost.vertices, cost.parts) == (15, 3)


def test_within_the_limits_returns_the_cost():
    assert check([box(104.13, 22.29, 104.131, 22.291)], LIMITS).parts == 1


def test_every_limit_exceeded_is_named_with_its_value():
    parts = [_star(60), box(104.2, 22.2, 104.5, 22.5), box(104.6, 22.6, 104.61, 22.61)]
    with pytest.raises(ProposalTooCostly) as raised:
        check(parts, LIMITS)
    detail = raised.value.detail
    assert "131 vertices (limit 100)" in detail
    assert "3 polygon parts (limit 2)" in detail
    assert "ha (limit 1,000 ha)" in detail


def test_far_over_the_vertex_limit_is_refused_on_its_count_alone():
    star = _star(600)  # 1 201 vertices: over ten times the limit of 100
    with pytest.raises(ProposalTooCostly) as raised:
        check([star, box(104.2, 22.2, 104.5, 22.5)], LIMITS)
    detail = raised.value.detail
    assert "1,206 vertices (limit 100)" in detail
    assert "(area not measured)" in detail
    assert "ha (limit" not in detail


@pytest.mark.parametrize(
    "polygon",
    [
        box(104.13, 22.29, 104.63, 22.79),  # the widest box bounded, near Lào Cai
        box(104.0, -0.25, 104.5, 0.25),  # across the equator
        Polygon([(10.0, 70.0), (10.5, 70.0), (10.25, 70.001)]),  # a sliver whose edge bows north
        _star(60),
    ],
)
def test_the_box_bound_is_never_under_the_geodesic_area(polygon: Polygon):
    assert box_bound_ha([polygon]) >= measure([polygon]).area_ha


def test_the_area_is_measured_only_when_the_boxes_do_not_settle_it():
    assert math.isnan(check([box(104.13, 22.29, 104.131, 22.291)], LIMITS).area_ha)
    # A thin diagonal strip: its box is over 1 000 ha, its area under.
    strip = Polygon([(104.13, 22.29), (104.131, 22.29), (104.161, 22.32), (104.16, 22.32)])
    assert box_bound_ha([strip]) > LIMITS.max_area_ha
    assert check([strip], LIMITS).area_ha == pytest.approx(measure([strip]).area_ha)
    assert math.isinf(box_bound_ha([box(104.0, 22.0, 104.6, 22.1)]))
