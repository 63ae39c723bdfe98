"""Stacks of runs: where a zone's boundary is vertical, the scanline gives a run repeated on
consecutive rows as one stack (rasterize._stack_pieces). Expanded row by row, the stacks are
exactly the runs the row-by-row scanline gives, for shapes that stack whole, in part or not at all:
steps, holes, vertices in the middle of a vertical side, vertical sides on a pixel-centre tie,
vertical and slanted edges in one part, multipolygons, and random unions of cells."""

import numpy as np
import pytest
from osgeo import ogr

from cisc_impervious.plugin.core import rasterize

# 30 m pixels; x = 1000 + 30 * column, y = 5000 - 30 * row
GEOTRANSFORM = (1000.0, 30.0, 0.0, 5000.0, 0.0, -30.0)


def _xy(column, row):
    return 1000.0 + 30.0 * column, 5000.0 - 30.0 * row


def _polygon(*rings):
    """A polygon from rings given in pixel coordinates (column, row)."""
    # repr of a Python float (numpy 2 writes its own floats as np.float64(...))
    text = ",".join("(" + ",".join(" ".join(repr(float(v)) for v in _xy(c, r)) for c, r in ring + ring[:1]) + ")"
                    for ring in rings)
    return ogr.CreateGeometryFromWkt(f"POLYGON({text})")


def _box(c0, r0, c1, r1):
    return [(c0, r0), (c1, r0), (c1, r1), (c0, r1)]


SHAPES = {
    "rectangle": _polygon(_box(2.3, 1.2, 9.7, 40.6)),
    "one row tall": _polygon(_box(2.3, 1.2, 9.7, 1.9)),
    "sides on pixel-centre ties": _polygon(_box(2.5, 1.5, 9.5, 40.5)),
    "step (L)": _polygon([(0.2, 0.2), (10.2, 0.2), (10.2, 20.7), (5.6, 20.7), (5.6, 35.1), (0.2, 35.1)]),
    "U": _polygon([(0.2, 0.2), (4.4, 0.2), (4.4, 30.3), (8.8, 30.3), (8.8, 0.2), (13.1, 0.2), (13.1, 40.9),
                   (0.2, 40.9)]),
    "hole": _polygon(_box(0.4, 0.4, 30.4, 30.4), _box(10.2, 10.2, 20.2, 20.2)),
    "hole touching rows of the outside": _polygon(_box(0.4, 0.4, 30.4, 30.4), _box(10.2, 0.4, 20.2, 20.2)),
    "vertex inside a vertical side": _polygon([(1.1, 1.1), (9.9, 1.1), (9.9, 15.5), (9.9, 30.3), (1.1, 30.3)]),
    "vertical and slanted sides": _polygon([(1.1, 1.1), (9.9, 1.1), (9.9, 30.3), (20.2, 45.5), (1.1, 45.5)]),
    "pointy-top hexagon": _polygon([(10.0, 0.3), (18.66, 5.3), (18.66, 15.3), (10.0, 20.3), (1.34, 15.3),
                                    (1.34, 5.3)]),
    "slanted only": _polygon([(0.3, 0.3), (20.6, 4.4), (9.9, 30.1)]),
    "negative rows and columns": _polygon(_box(-40.3, -20.6, -3.2, 12.2)),
}


def _multipolygon():
    multi = ogr.Geometry(ogr.wkbMultiPolygon)
    multi.AddGeometry(_polygon(_box(0.2, 0.2, 10.2, 20.2)))
    multi.AddGeometry(_polygon(_box(5.2, 10.2, 15.2, 30.2)))  # overlapping: united
    return multi


def _runs(zones, stacks, monkeypatch):
    with monkeypatch.context() as patch:
        if not stacks:
            patch.setattr(rasterize, "_stack_pieces", lambda *args: None)
        runs = rasterize.zone_runs(zones, GEOTRANSFORM)
    return [column.tolist() for column in (runs.zones, runs.rows, runs.starts, runs.ends, runs.pixel_counts)]


def _stack_heights(zones):
    _, batches = rasterize.zone_batches(zones, GEOTRANSFORM)
    return np.concatenate([runs[2] for _, _, runs, _ in batches if runs is not None])


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_stacks_expand_to_the_runs_row_by_row(name, monkeypatch):
    zones = [SHAPES[name].ExportToIsoWkb()]
    expected = _runs(zones, False, monkeypatch)
    assert sum(expected[4]) > 0
    assert _runs(zones, True, monkeypatch) == expected


def test_which_shapes_stack():
    """Vertical sides stack, cut where another vertical side of the zone starts or ends; a zone
    where a slanted side crosses the rows of a vertical one goes row by row."""
    tallest = {name: int(_stack_heights([shape.ExportToIsoWkb()]).max()) for name, shape in SHAPES.items()}
    assert tallest["rectangle"] == 40 and tallest["sides on pixel-centre ties"] == 39
    assert tallest["negative rows and columns"] == 33
    # rows 0-20 and 21-34 (the step at y = 20.7 crosses row 20's centre at 20.5)
    assert tallest["step (L)"] == 21 and tallest["U"] == 30
    assert tallest["hole"] == 10 and tallest["hole touching rows of the outside"] == 20
    assert tallest["vertex inside a vertical side"] == 15  # rows 1-14 and 15-29
    assert tallest["pointy-top hexagon"] == 10
    assert tallest["slanted only"] == 1 and tallest["one row tall"] == 1
    assert tallest["vertical and slanted sides"] == 1  # the long left side spans the slanted rows


def test_multipolygon_zones_go_row_by_row_beside_stacks(monkeypatch):
    """A zone of several parts has them united row by row; a one-part zone of its batch still
    stacks, and both get the runs they get alone."""
    zones = [_multipolygon().ExportToIsoWkb(), SHAPES["rectangle"].ExportToIsoWkb()]
    _, batches = rasterize.zone_batches(zones, GEOTRANSFORM)
    [(_, _, (zone_ids, _, heights, _, _), _)] = list(batches)
    assert zone_ids.tolist() == sorted(zone_ids.tolist())
    assert int(heights[zone_ids == 0].max()) == 1 and int(heights[zone_ids == 1].max()) == 40
    assert _runs(zones, True, monkeypatch) == _runs(zones, False, monkeypatch)
    assert _runs(zones, True, monkeypatch)[4] == [_runs([zone], True, monkeypatch)[4][0] for zone in zones]


@pytest.mark.parametrize("seed", range(8))
def test_random_unions_of_cells(seed, monkeypatch):
    """Unions of random cells of a random grid (rectilinear polygons with steps, holes and
    several parts), with zones of single rectangles among them, in one batch and apart."""
    rng = np.random.default_rng(seed)
    zones = []
    for _ in range(12):
        cell, x0, y0 = rng.uniform(1.5, 6.0), rng.uniform(-20, 20), rng.uniform(-20, 20)
        union = ogr.Geometry(ogr.wkbPolygon)
        for i, j in zip(rng.integers(0, 6, 8), rng.integers(0, 6, 8)):
            union = union.Union(_polygon(_box(x0 + i * cell, y0 + j * cell, x0 + (i + 1) * cell, y0 + (j + 1) * cell)))
        zones.append(union.ExportToIsoWkb())
        zones.append(_polygon(_box(x0, y0, x0 + cell * rng.uniform(1, 9), y0 + cell * rng.uniform(1, 9)))
                     .ExportToIsoWkb())
    assert _runs(zones, True, monkeypatch) == _runs(zones, False, monkeypatch)
    rectangles = zones[1::2]
    assert int(_stack_heights(rectangles).max()) > 1
    assert _runs(rectangles, True, monkeypatch) == _runs(rectangles, False, monkeypatch)

