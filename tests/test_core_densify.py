"""Adaptive densification of polygon edges (plugin/core/densify.py) and the WKB coordinate
walkers (densify's polygon arrays, wkb_coords.map_wkb_xy), against analytic curves and OGR."""

import numpy as np
import pytest
from osgeo import ogr

from cisc_impervious.plugin.core.densify import (
    TransformFailed,
    chord_distance,
    densify_transform,
    polygon_wkb,
    polygon_wkb_arrays,
)
from cisc_impervious.plugin.core.wkb_coords import map_many_wkb_xy, map_wkb_xy

ogr.UseExceptions()


def bend(c):
    """(x, y) -> (x, y + c x^2): straight horizontal edges become parabolas."""

    def transform(x, y):
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        return x.copy(), y + c * x * x

    return transform


def _polyline_distance(px, py, vx, vy):
    """Distance of each point p from the polyline through v (brute force)."""
    best = np.full(px.shape, np.inf)
    for i in range(len(vx) - 1):
        best = np.minimum(best, chord_distance(px, py, vx[i], vy[i], vx[i + 1], vy[i + 1]))
    return best


@pytest.mark.parametrize("tolerance", [1.0, 0.1, 0.01])
def test_densified_edge_stays_within_tolerance_of_the_true_curve(tolerance):
    c = 1e-3
    transform = bend(c)
    x = np.array([-300.0, 500.0, 500.0, -300.0, -300.0])
    y = np.array([0.0, 0.0, 400.0, 400.0, 0.0])
    tx, ty, sizes, inserted = densify_transform(x, y, [5], transform, tolerance)
    assert sizes.tolist() == [5 + inserted] and tx.size == 5 + inserted and inserted > 0
    # the original vertices are all there, in order, transformed
    ox, oy = transform(x, y)
    positions = [int(np.flatnonzero((tx == a) & (ty == b))[0]) for a, b in zip(ox[:-1], oy[:-1])]
    positions.append(int(np.flatnonzero((tx == ox[-1]) & (ty == oy[-1]))[-1]))  # the closing vertex
    assert positions == sorted(positions) and positions[0] == 0 and positions[-1] == tx.size - 1
    # every inserted vertex lies on the true curve, and the true curve (sampled densely) never
    # leaves the densified outline by more than the tolerance
    for (ax, ay), (bx, by) in zip(zip(x[:-1], y[:-1]), zip(x[1:], y[1:])):
        t = np.linspace(0.0, 1.0, 20001)
        cx, cy = transform(ax + t * (bx - ax), ay + t * (by - ay))
        assert _polyline_distance(cx, cy, tx, ty).max() <= tolerance * (1 + 1e-9)
    # not wastefully dense: a chord of y = c x^2 spanning L in x departs c L^2 / 4 from it at its
    # middle, so about L / sqrt(4 tolerance / c) pieces are needed per edge (x2: bisection rounds up)
    needed = sum(abs(b - a) / np.sqrt(4 * tolerance / c) for a, b in ((-300, 500), (500, -300)))
    assert inserted <= 2 * needed + 4


def test_affine_transform_needs_no_vertex():
    x = np.array([0.0, 1e5, 1e5, 0.0, 0.0])
    y = np.array([0.0, 0.0, 2e5, 2e5, 0.0])
    tx, ty, sizes, inserted = densify_transform(x, y, [5], lambda a, b: (2 * a + 3 * b + 7, -a + 0.5 * b), 1e-6)
    assert inserted == 0 and sizes.tolist() == [5]
    assert np.array_equal(tx, 2 * x + 3 * y + 7) and np.array_equal(ty, -x + 0.5 * y)


def test_several_rings_keep_their_own_vertices():
    transform = bend(1e-2)
    rings = [
        (np.array([0.0, 100.0, 100.0, 0.0, 0.0]), np.array([0.0, 0.0, 50.0, 50.0, 0.0])),
        (np.array([10.0, 20.0, 20.0, 10.0]), np.array([10.0, 10.0, 20.0, 10.0])),
        (np.array([-50.0, -40.0, -45.0, -50.0]), np.array([0.0, 0.0, 5.0, 0.0])),
    ]
    x = np.concatenate([r[0] for r in rings])
    y = np.concatenate([r[1] for r in rings])
    tx, ty, sizes, inserted = densify_transform(x, y, [len(r[0]) for r in rings], transform, 0.05)
    assert sizes.sum() == tx.size == x.size + inserted
    start = 0
    for (rx, ry), size in zip(rings, sizes):
        ring_x, ring_y = tx[start:start + size], ty[start:start + size]
        ex, ey = transform(rx, ry)
        # each ring starts and ends with its own first and last vertex: no vertex crossed rings
        assert (ring_x[0], ring_y[0]) == (ex[0], ey[0]) and (ring_x[-1], ring_y[-1]) == (ex[-1], ey[-1])
        for a, b in zip(range(len(rx) - 1), range(1, len(rx))):
            t = np.linspace(0, 1, 2001)
            cx, cy = transform(rx[a] + t * (rx[b] - rx[a]), ry[a] + t * (ry[b] - ry[a]))
            assert _polyline_distance(cx, cy, ring_x, ring_y).max() <= 0.05 * (1 + 1e-9)
        start += size


def test_non_finite_transform_raises():
    def broken(x, y):
        out = np.asarray(x, dtype=float).copy()
        out[out > 50] = np.inf
        return out, np.asarray(y, dtype=float).copy()

    with pytest.raises(TransformFailed):
        densify_transform(np.array([0.0, 100.0, 0.0]), np.array([0.0, 0.0, 1.0]), [3], broken, 1.0)


def test_polygon_arrays_round_trip_through_wkb():
    multi = ogr.CreateGeometryFromWkt(
        "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 2 2)), ((20 20, 30 20, 25 28, 20 20)))"
    )
    arrays = polygon_wkb_arrays(bytes(multi.ExportToIsoWkb()))
    assert arrays.ring_sizes.tolist() == [5, 4, 4] and arrays.part_rings == [2, 1]
    back = ogr.CreateGeometryFromWkb(polygon_wkb(arrays.x, arrays.y, arrays.ring_sizes, arrays.part_rings))
    assert back.Equals(multi) and back.GetGeometryType() == ogr.wkbMultiPolygon
    single = ogr.CreateGeometryFromWkt("POLYGON Z ((0 0 5, 1 0 5, 1 1 5, 0 0 5))")
    arrays = polygon_wkb_arrays(bytes(single.ExportToIsoWkb()))
    back = ogr.CreateGeometryFromWkb(polygon_wkb(arrays.x, arrays.y, arrays.ring_sizes, arrays.part_rings))
    assert back.GetGeometryType() == ogr.wkbPolygon and back.ExportToWkt() == "POLYGON ((0 0,1 0,1 1,0 0))"
    assert polygon_wkb_arrays(bytes(ogr.CreateGeometryFromWkt("POINT (1 2)").ExportToIsoWkb())) is None


GEOMETRIES = [
    "POINT (1 2)",
    "POINT ZM (1 2 3 4)",
    "LINESTRING (0 0, 1 1, 2 0)",
    "LINESTRING M (0 0 7, 1 1 8)",
    "POLYGON Z ((0 0 1, 4 0 2, 4 4 3, 0 0 1), (1 1 0, 2 1 0, 2 2 0, 1 1 0))",
    "MULTIPOINT ((1 1), (2 2))",
    "MULTILINESTRING ((0 0, 1 1), (5 5, 6 6, 7 5))",
    "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
    "GEOMETRYCOLLECTION (POINT (3 3), LINESTRING (0 0, 9 9), POLYGON ((0 0, 1 0, 1 1, 0 0)))",
    "CIRCULARSTRING (0 0, 1 1, 2 0)",
    "COMPOUNDCURVE ((0 0, 1 0), CIRCULARSTRING (1 0, 2 1, 3 0))",
    "CURVEPOLYGON (COMPOUNDCURVE (CIRCULARSTRING (0 0, 1 1, 2 0), (2 0, 0 0)))",
    "MULTISURFACE (CURVEPOLYGON (CIRCULARSTRING (0 0, 2 0, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
    "POLYGON EMPTY",
]


def _points(geometry):
    """Every point (x, y, z, m) of an OGR geometry, in order (OGR's own walk)."""
    out = []
    count = geometry.GetGeometryCount()
    if count:
        for index in range(count):
            out.extend(_points(geometry.GetGeometryRef(index)))
        return out
    for index in range(geometry.GetPointCount()):
        out.append((geometry.GetX(index), geometry.GetY(index), geometry.GetZ(index), geometry.GetM(index)))
    return out


@pytest.mark.parametrize("wkt", GEOMETRIES)
@pytest.mark.parametrize("order", [ogr.wkbNDR, ogr.wkbXDR])
def test_map_wkb_xy_changes_every_xy_and_nothing_else(wkt, order):
    geometry = ogr.CreateGeometryFromWkt(wkt)
    wkb = bytes(geometry.ExportToIsoWkb(order))
    mapped = ogr.CreateGeometryFromWkb(map_wkb_xy(wkb, lambda x, y: (x + 100.0, y * 2.0 - 1.0)))
    assert mapped.GetGeometryType() == geometry.GetGeometryType()
    before, after = _points(geometry), _points(mapped)
    assert len(before) == len(after)
    for (x, y, z, m), (x2, y2, z2, m2) in zip(before, after):
        assert (x2, y2, z2, m2) == (x + 100.0, y * 2.0 - 1.0, z, m)


def test_map_many_wkb_xy_calls_once_and_keeps_none():
    calls = []

    def shift(x, y):
        calls.append(x.size)
        return x - 1.0, y

    wkbs = [bytes(ogr.CreateGeometryFromWkt(w).ExportToIsoWkb()) for w in ("POINT (1 2)", "LINESTRING (0 0, 5 5)")]
    out = map_many_wkb_xy([wkbs[0], None, wkbs[1]], shift)
    assert calls == [3] and out[1] is None
    assert ogr.CreateGeometryFromWkb(out[2]).ExportToWkt() == "LINESTRING (-1 0,4 5)"
    with pytest.raises(ValueError):
        map_wkb_xy(b"\x01\x02\x00\x00\x00\xff", shift)


def test_polygon_blocks_rewrite_in_place_and_normalise_other_encodings():
    from cisc_impervious.plugin.core.densify import polygon_wkb_blocks

    multi = ogr.CreateGeometryFromWkt(
        "MULTIPOLYGON (((0 0, 10 0, 10 10, 0 10, 0 0), (2 2, 2 4, 4 4, 2 2)), ((20 20, 30 20, 25 28, 20 20)))"
    )
    wkb = bytes(multi.ExportToIsoWkb(ogr.wkbNDR))
    blocks = polygon_wkb_blocks(wkb)
    assert blocks.wkb == wkb and blocks.counts == [5, 4, 4] and blocks.part_rings == [2, 1]
    xy = np.concatenate(blocks.ring_arrays())
    assert xy.tolist() == [list(p[:2]) for p in _points(multi)]
    moved = ogr.CreateGeometryFromWkb(blocks.with_coordinates(xy * 2.0 + 1.0))
    assert [p[:2] for p in _points(moved)] == [(2 * x + 1.0, 2 * y + 1.0) for x, y, _, _ in _points(multi)]
    # big-endian with Z: rewritten as little-endian 2-D first
    z_polygon = ogr.CreateGeometryFromWkt("POLYGON Z ((0 0 1, 4 0 1, 4 4 1, 0 0 1))")
    blocks = polygon_wkb_blocks(bytes(z_polygon.ExportToIsoWkb(ogr.wkbXDR)))
    assert blocks.wkb[0] == 1 and blocks.counts == [4]
    assert ogr.CreateGeometryFromWkb(blocks.wkb).ExportToWkt() == "POLYGON ((0 0,4 0,4 4,0 0))"
    assert polygon_wkb_blocks(bytes(ogr.CreateGeometryFromWkt("LINESTRING (0 0, 1 1)").ExportToIsoWkb())) is None
    assert polygon_wkb_blocks(bytes(ogr.CreateGeometryFromWkt("POLYGON EMPTY").ExportToIsoWkb())).vertex_count == 0
