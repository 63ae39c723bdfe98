"""Many zones and spread zone ids: results do not depend on the ids, their spread, the zone
count, the block size or the thread count, and equal the oracle for grids of small zones.

The engine compacts the ids of the zones present in a strip and again in each read window, by
a table or, when they spread wide, a sort (block_counting.DIRECT_SPAN): both paths are forced
here and must agree."""

import math

import numpy as np
import pytest
from osgeo import ogr

import datafactory
import oracle
from cisc_impervious.plugin.core import block_counting, engine

PIXEL_KM2 = 30 * 30 / 1e6


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("many_zones_set")
    return datafactory.make_cisc_set(folder, 300, 260, seed=11, tile=128, with_dates=False)


def _square_wkt(x0, y0, size):
    return f"POLYGON(({x0} {y0},{x0 + size} {y0},{x0 + size} {y0 - size},{x0} {y0 - size},{x0} {y0}))"


def _hexagon_wkt(cx, cy, side):
    points = [(cx + side * math.cos(math.radians(90 + 60 * k)), cy + side * math.sin(math.radians(90 + 60 * k)))
              for k in range(7)]
    return "POLYGON((" + ",".join(f"{x} {y}" for x, y in points) + "))"


def _grid_zones(sample):
    """Square cells of about 4.3 pixels (not on pixel edges) over the raster and beyond its edge,
    then hexagons of about 3 pixels: some 2,700 small zones, every boundary case of the pixel rule."""
    xmin, ymin, xmax, ymax = sample.bounds("cisc_2020")
    zones = []
    cell = 129.7  # metres: 4.3 pixels of 30 m
    y = ymax + 200.0
    while y > ymin - 200.0:
        x = xmin - 200.0
        while x < xmax + 200.0:
            zones.append(ogr.CreateGeometryFromWkt(_square_wkt(x, y, cell)))
            x += cell
        y -= cell
    side = 52.0
    for row in range(30):
        for col in range(40):
            cx = xmin + 300 + col * math.sqrt(3) * side + (row % 2) * math.sqrt(3) * side / 2
            cy = ymax - 300 - row * 1.5 * side
            zones.append(ogr.CreateGeometryFromWkt(_hexagon_wkt(cx, cy, side)))
    return zones


@pytest.fixture(scope="module")
def grid(small):
    return _grid_zones(small)


def _wkb(geometries):
    return [None if g is None else bytes(g.ExportToIsoWkb()) for g in geometries]


def test_grid_of_small_zones_equals_oracle(small, grid):
    assert len(grid) > 2000
    rows = engine.zonal_statistics(small.cisc_2020, _wkb(grid), small.valid_mask_2020)
    expected = oracle.oracle_zonal(small.cisc_2020, grid, small.valid_mask_2020)
    for index, (row, want) in enumerate(zip(rows, expected)):
        try:
            oracle.assert_rows_equal(row, oracle.expected_zonal_row(want, PIXEL_KM2))
        except AssertionError as exc:
            raise AssertionError(f"zone {index}: {exc}") from None
    # real values: the cells hold impervious pixels and some lie partly beyond the raster
    assert sum(row["imperv_km2"] for row in rows) > 0
    assert any(row["valid_km2"] > 0 and row["invalid_km2"] > 0 for row in rows)


def test_grid_change_equals_oracle(small, grid):
    rows = engine.change_statistics(small.cisc_2020, small.cisc_2022, _wkb(grid), small.valid_mask_2020,
                                    small.valid_mask_2022, block_size=64, threads=2)
    expected = oracle.oracle_change(small.cisc_2020, small.cisc_2022, grid, small.valid_mask_2020,
                                    small.valid_mask_2022)
    for index, (row, want) in enumerate(zip(rows, expected)):
        try:
            oracle.assert_rows_equal(row, oracle.expected_change_row(want, PIXEL_KM2))
        except AssertionError as exc:
            raise AssertionError(f"zone {index}: {exc}") from None


@pytest.mark.parametrize("direct_span", [-(10 ** 9), 10 ** 9])
@pytest.mark.parametrize("block_size, threads", [(32, 1), (100, 2), (128, 3), (300, 2)])
def test_grid_identical_whatever_block_size_threads_and_id_compaction(
    small, grid, monkeypatch, block_size, threads, direct_span
):
    wkbs = _wkb(grid)
    reference = engine.zonal_statistics(small.cisc_2020, wkbs, small.valid_mask_2020, threads=1)
    change_reference = engine.change_statistics(small.cisc_2020, small.cisc_2022, wkbs, small.valid_mask_2020,
                                                small.valid_mask_2022, threads=1)
    # compact the ids with a sort always (-1e9), or with a table always (1e9)
    monkeypatch.setattr(block_counting, "DIRECT_SPAN", direct_span)
    assert engine.zonal_statistics(small.cisc_2020, wkbs, small.valid_mask_2020, block_size=block_size,
                                   threads=threads) == reference
    assert engine.change_statistics(small.cisc_2020, small.cisc_2022, wkbs, small.valid_mask_2020,
                                    small.valid_mask_2022, block_size=block_size, threads=threads) == change_reference


def _two_zones(sample):
    """Two zones sharing a boundary that crosses blocks: the spread-id case of the engine issue."""
    xmin, ymin, xmax, ymax = sample.bounds("cisc_2020")
    middle = (xmin + xmax) / 2 + 7.0
    left = f"POLYGON(({xmin + 40} {ymax - 40},{middle} {ymax - 40},{middle} {ymin + 55},{xmin + 40} {ymin + 55},{xmin + 40} {ymax - 40}))"
    right = f"POLYGON(({middle} {ymax - 40},{xmax - 31} {ymax - 40},{xmax - 31} {ymin + 55},{middle} {ymin + 55},{middle} {ymax - 40}))"
    return [bytes(ogr.CreateGeometryFromWkt(wkt).ExportToIsoWkb()) for wkt in (left, right)]


def test_results_identical_whatever_the_spread_of_zone_ids(small):
    left, right = _two_zones(small)
    args = (small.cisc_2020, small.cisc_2022)
    masks = (small.valid_mask_2020, small.valid_mask_2022)
    near = engine.zonal_statistics(small.cisc_2020, [left, right], small.valid_mask_2020, block_size=64)
    near_change = engine.change_statistics(*args, [left, right], *masks, block_size=64)
    assert near[0]["valid_km2"] > 0 and near[1]["imperv_km2"] > 0
    spread = 1_000_000
    zones = [None] * spread
    zones[0], zones[spread - 1] = left, right
    far = engine.zonal_statistics(small.cisc_2020, zones, small.valid_mask_2020, block_size=64, threads=2)
    assert len(far) == spread
    assert [far[0], far[-1]] == near
    empty = {name: (None if name.endswith("_pct") else 0.0) for name in near[0]}
    assert far[1] == far[spread // 2] == far[-2] == empty
    # the other order, and change statistics, with ids 0 and 300,000 apart
    zones = [None] * 300_001
    zones[0], zones[-1] = right, left
    far_change = engine.change_statistics(*args, zones, *masks, block_size=64, threads=2)
    assert [far_change[-1], far_change[0]] == near_change
    assert sum(row["gain_km2"] for row in near_change) > 0


def test_results_follow_the_zones_whatever_their_order(small, grid):
    wkbs = _wkb(grid)
    reference = engine.zonal_statistics(small.cisc_2020, wkbs, small.valid_mask_2020, block_size=64)
    order = np.random.default_rng(5).permutation(len(wkbs))
    permuted = engine.zonal_statistics(small.cisc_2020, [wkbs[i] for i in order], small.valid_mask_2020,
                                       block_size=100, threads=2)
    assert permuted == [reference[i] for i in order]


def test_batches_of_one_ring_zones_read_as_zone_by_zone(small, grid, monkeypatch):
    """A batch of one-ring zones is read with a few numpy operations: the same runs as zone by zone."""
    from cisc_impervious.plugin.core import rasterize, zone_rings

    wkbs = [bytes(ogr.ForceToMultiPolygon(g.Clone()).ExportToIsoWkb()) if i % 3 else bytes(g.ExportToIsoWkb())
            for i, g in enumerate(grid)]
    assert zone_rings._simple_ring_table(wkbs[:256])[0].all()
    fast = rasterize.zone_runs(wkbs, small.geotransform)
    monkeypatch.setattr(zone_rings, "_simple_ring_table", lambda zones: None)
    monkeypatch.setattr(rasterize, "BATCH_BYTES", 3000)  # and in other batches: about 30 zones each
    slow = rasterize.zone_runs(wkbs, small.geotransform, threads=2)
    for column in ("zones", "rows", "starts", "ends", "pixel_counts"):
        np.testing.assert_array_equal(getattr(fast, column), getattr(slow, column), err_msg=column)
    assert len(fast) > 10_000


@pytest.mark.parametrize("multi", [False, True])
def test_batches_of_grid_cells_of_one_size_read_as_zone_by_zone(small, grid, multi, monkeypatch):
    """Cells of one WKB size (a fishnet) are read as a table, zone by row: the same runs as zone by zone."""
    from cisc_impervious.plugin.core import rasterize, zone_rings

    squares = [g for g in grid if g.GetGeometryRef(0).GetPointCount() == 5]
    wkbs = [bytes((ogr.ForceToMultiPolygon(g.Clone()) if multi else g).ExportToIsoWkb()) for g in squares]
    assert len(set(map(len, wkbs))) == 1 and len(wkbs) > 2000
    assert zone_rings._simple_ring_table(wkbs)[0].all()
    fast = rasterize.zone_runs(wkbs, small.geotransform)
    monkeypatch.setattr(zone_rings, "_simple_ring_table", lambda zones: None)
    slow = rasterize.zone_runs(wkbs, small.geotransform)
    for column in ("zones", "rows", "starts", "ends", "pixel_counts"):
        np.testing.assert_array_equal(getattr(fast, column), getattr(slow, column), err_msg=column)


def test_batches_mixing_one_ring_cells_and_other_zones(small, grid, monkeypatch):
    """A fishnet clipped to a coastline: among one-ring cells, a few of two parts, one with a hole,
    an OGR geometry, an empty zone and None. The one-ring cells are still read as a table and
    still stack; the runs are those of every zone read alone, row by row, in zone order."""
    from cisc_impervious.plugin.core import rasterize, zone_rings

    squares = [g for g in grid if g.GetGeometryRef(0).GetPointCount() == 5]
    wkbs = [bytes(ogr.ForceToMultiPolygon(g.Clone()).ExportToIsoWkb()) for g in squares]
    for index in range(7, len(wkbs), 211):  # a second part: half a cell, half a cell below the cell
        x0, x1, _, y1 = squares[index].GetEnvelope()
        cell = ogr.ForceToMultiPolygon(squares[index].Clone())
        cell.AddGeometry(ogr.CreateGeometryFromWkt(_square_wkt(x0, y1 - 1.5 * (x1 - x0), (x1 - x0) / 2)))
        wkbs[index] = bytes(cell.ExportToIsoWkb())
    x0, x1, _, y1 = squares[100].GetEnvelope()
    hole = ogr.CreateGeometryFromWkt(_square_wkt(x0 + 30.0, y1 - 30.0, (x1 - x0) - 60.0))
    wkbs[100] = bytes(squares[100].Difference(hole).ExportToIsoWkb())
    wkbs[101] = squares[101].Clone()
    wkbs[102] = None
    wkbs[103] = bytes(ogr.Geometry(ogr.wkbMultiPolygon).ExportToIsoWkb())
    which, _, _ = zone_rings._simple_ring_table(wkbs[:256])
    assert which.sum() == 256 - 4 - 2 and not which[[7, 100, 101, 102, 103, 218]].any()
    heights = np.concatenate([runs[2] for _, _, runs, _ in rasterize.zone_batches(wkbs, small.geotransform)[1]
                              if runs is not None])
    assert int(heights.max()) > 1  # the one-part cells stack beside the zones of two parts
    fast = rasterize.zone_runs(wkbs, small.geotransform, threads=2)
    monkeypatch.setattr(zone_rings, "_simple_ring_table", lambda zones: None)
    monkeypatch.setattr(rasterize, "_stack_pieces", lambda *args: None)
    slow = rasterize.zone_runs(wkbs, small.geotransform)
    for column in ("zones", "rows", "starts", "ends", "pixel_counts"):
        np.testing.assert_array_equal(getattr(fast, column), getattr(slow, column), err_msg=column)
    assert fast.pixel_counts[7] > fast.pixel_counts[8] > 0  # a cell and a half
    assert 0 < fast.pixel_counts[100] < fast.pixel_counts[99]
    assert fast.pixel_counts[102] == fast.pixel_counts[103] == 0


def test_one_ring_wkb_fast_path_reads_as_ogr(small):
    """Polygons and one-part MultiPolygons of one ring are read without parsing: the same runs as
    the general path (XDR, a hole, an open ring) gives for the same shapes."""
    from cisc_impervious.plugin.core import rasterize, zone_rings

    xmin, _, _, ymax = small.bounds("cisc_2020")
    square = ogr.CreateGeometryFromWkt(_square_wkt(xmin + 101.3, ymax - 77.7, 911.0))
    multi = ogr.ForceToMultiPolygon(square.Clone())
    fast = [bytes(square.ExportToIsoWkb()), bytes(multi.ExportToIsoWkb())]
    assert all(zone_rings._simple_ring_table([wkb])[0].all() for wkb in fast)
    general = [bytes(square.ExportToIsoWkb(ogr.wkbXDR)), square]
    assert all(zone_rings._simple_ring_table([wkb]) is None for wkb in general)
    runs = [rasterize.zone_runs([zone], small.geotransform) for zone in fast + general]
    for other in runs[1:]:
        for column in ("rows", "starts", "ends", "pixel_counts"):
            np.testing.assert_array_equal(getattr(other, column), getattr(runs[0], column))
    assert runs[0].pixel_counts[0] > 800
