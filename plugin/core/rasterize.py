"""Polygons to pixel runs ("spans") under the pixel-centre rule.

A pixel belongs to a polygon when its centre lies inside it. For each pixel row the
polygon's rings are cut by the horizontal line through the row's pixel centres; the
crossings, paired by the even-odd rule, bound the runs of pixel centres inside. Holes
are therefore excluded, and the parts of a multipolygon are united (overlaps counted
once). A centre exactly on an edge is decided as GDAL's rasterizer decides it (rows:
[top, bottom), columns: (left, right], with GDAL's arithmetic), so two polygons sharing
an edge never share a pixel and the result equals gdal_rasterize's; the one exception is
a centre lying exactly on a horizontal edge, which GDAL may add and this never does.

Spans are computed for an unbounded grid: the counts include pixel centres beyond a
raster's edge, which the statistics report as invalid area.
"""

from dataclasses import dataclass
from typing import Iterable, Optional, Sequence, Tuple

import numpy as np

from .errors import CiscError

SPAN_DTYPE = np.int64


@dataclass
class Spans:
    """Runs of pixel centres of one zone: row, first column, end column (exclusive).

    Sorted by row then column; within a row the runs neither overlap nor touch.
    """

    rows: np.ndarray
    starts: np.ndarray
    ends: np.ndarray

    @property
    def pixel_count(self) -> int:
        return int((self.ends - self.starts).sum())

    def __len__(self) -> int:
        return len(self.rows)

    def row_slice(self, row_start: int, row_stop: int) -> "Spans":
        lo = np.searchsorted(self.rows, row_start, side="left")
        hi = np.searchsorted(self.rows, row_stop, side="left")
        return Spans(self.rows[lo:hi], self.starts[lo:hi], self.ends[lo:hi])


def empty_spans() -> Spans:
    empty = np.empty(0, dtype=SPAN_DTYPE)
    return Spans(empty, empty.copy(), empty.copy())


def polygon_rings(geometry) -> Iterable[Sequence[np.ndarray]]:
    """Yield, per polygon part of an OGR geometry, its rings as (n, 2) coordinate arrays."""
    from osgeo import ogr

    if geometry is None or geometry.IsEmpty():
        return
    if geometry.HasCurveGeometry():
        geometry = geometry.GetLinearGeometry()
    flat_type = ogr.GT_Flatten(geometry.GetGeometryType())
    if flat_type == ogr.wkbPolygon:
        rings = []
        for index in range(geometry.GetGeometryCount()):
            points = geometry.GetGeometryRef(index).GetPoints()
            if points and len(points) >= 3:
                rings.append(np.asarray(points, dtype=np.float64)[:, :2])
        if rings:
            yield rings
    elif flat_type in (ogr.wkbMultiPolygon, ogr.wkbGeometryCollection, ogr.wkbMultiSurface):
        for index in range(geometry.GetGeometryCount()):
            yield from polygon_rings(geometry.GetGeometryRef(index))
    # points and lines hold no area: no pixel centre can lie inside them


def geometry_from_wkb(wkb) -> Optional[object]:
    """An OGR geometry from WKB bytes (or None / an OGR geometry passed through)."""
    from osgeo import ogr

    if wkb is None:
        return None
    if isinstance(wkb, ogr.Geometry):
        return wkb
    if isinstance(wkb, memoryview):
        wkb = wkb.tobytes()
    if len(wkb) == 0:
        return None
    try:
        geometry = ogr.CreateGeometryFromWkb(bytes(wkb))
    except RuntimeError:
        geometry = None
    if geometry is None:
        raise CiscError("A zone geometry could not be read (invalid WKB).")
    return geometry


def _ring_crossings(ring_pixels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Rows and x positions where the ring's edges cross the rows' centre lines.

    The arithmetic follows GDAL's scanline fill step by step (edges oriented downwards,
    the same formula), so that ties on pixel centres fall the same way.
    """
    ax, ay = ring_pixels[:-1, 0], ring_pixels[:-1, 1]
    bx, by = ring_pixels[1:, 0], ring_pixels[1:, 1]
    not_flat = ay != by
    ax, ay, bx, by = ax[not_flat], ay[not_flat], bx[not_flat], by[not_flat]
    swap = ay > by
    x0, y0 = np.where(swap, bx, ax), np.where(swap, by, ay)
    x1, y1 = np.where(swap, ax, bx), np.where(swap, ay, by)
    # rows whose centre line y = row + 0.5 satisfies y0 <= y < y1
    first_row = np.ceil(y0 - 0.5).astype(SPAN_DTYPE)
    stop_row = np.ceil(y1 - 0.5).astype(SPAN_DTYPE)
    counts = stop_row - first_row
    has_rows = counts > 0
    if not has_rows.any():
        empty = np.empty(0, dtype=SPAN_DTYPE)
        return empty, np.empty(0, dtype=np.float64)
    x0, y0, x1, y1 = x0[has_rows], y0[has_rows], x1[has_rows], y1[has_rows]
    first_row, counts = first_row[has_rows], counts[has_rows]
    edge_index = np.repeat(np.arange(len(counts)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    rows = first_row[edge_index] + offsets
    centre_y = rows + 0.5
    ex0, ey0, ex1, ey1 = x0[edge_index], y0[edge_index], x1[edge_index], y1[edge_index]
    xs = (centre_y - ey0) * (ex1 - ex0) / (ey1 - ey0) + ex0
    return rows, xs


def _inverse_geotransform(geotransform):
    """GDAL's inverse of a north-up geotransform (GDALInvGeoTransform's no-rotation case)."""
    origin_x, pixel_w, _, origin_y, _, pixel_h = geotransform
    return -origin_x / pixel_w, 1.0 / pixel_w, -origin_y / pixel_h, 1.0 / pixel_h


def _part_spans(rings: Sequence[np.ndarray], geotransform) -> Spans:
    col_origin, col_scale, row_origin, row_scale = _inverse_geotransform(geotransform)
    all_rows, all_xs = [], []
    for ring in rings:
        if not np.array_equal(ring[0], ring[-1]):
            ring = np.vstack([ring, ring[:1]])
        pixels = np.empty_like(ring)
        pixels[:, 0] = col_origin + ring[:, 0] * col_scale
        pixels[:, 1] = row_origin + ring[:, 1] * row_scale
        rows, xs = _ring_crossings(pixels)
        all_rows.append(rows)
        all_xs.append(xs)
    rows = np.concatenate(all_rows)
    if rows.size == 0:
        return empty_spans()
    # a crossing at x starts or ends the run at the first pixel whose centre lies beyond x
    columns = np.floor(np.concatenate(all_xs) + 0.5).astype(SPAN_DTYPE)
    order = np.argsort(_row_major_key(rows, columns), kind="stable")
    rows, columns = rows[order], columns[order]
    # the half-open crossing rule gives every row an even number of crossings
    rows, starts, ends = rows[0::2], columns[0::2], columns[1::2]
    keep = ends > starts
    return Spans(rows[keep], starts[keep], ends[keep])


def _row_major_key(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """One int64 per (row, column) that sorts like the pair: one argsort instead of a lexsort."""
    return (rows - rows.min()) * (np.int64(columns.max()) - columns.min() + 1) + (columns - columns.min())


def merge_spans(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> Spans:
    """Union of runs: sorted by row and column, overlapping or touching runs joined."""
    if rows.size == 0:
        return empty_spans()
    order = np.argsort(_row_major_key(rows, starts), kind="stable")
    rows, starts, ends = rows[order], starts[order], ends[order]
    # running maximum of ends within each row, rows kept apart by a large offset
    span_of_row = np.int64(1) << 40
    keyed_ends = np.maximum.accumulate(ends + rows * span_of_row) - rows * span_of_row
    previous_end = np.empty_like(keyed_ends)
    previous_end[0] = np.iinfo(np.int64).min
    previous_end[1:] = keyed_ends[:-1]
    new_row = np.ones(rows.size, dtype=bool)
    new_row[1:] = rows[1:] != rows[:-1]
    begins = new_row | (starts > previous_end)
    group_start = np.flatnonzero(begins)
    group_last = np.append(group_start[1:], rows.size) - 1
    return Spans(rows[group_start], starts[group_start], keyed_ends[group_last])


def geometry_spans(geometry, geotransform) -> Spans:
    """Spans of a polygon or multipolygon (OGR geometry or WKB) on the grid of geotransform."""
    geometry = geometry_from_wkb(geometry)
    if geotransform[2] != 0 or geotransform[4] != 0:
        raise CiscError("Rotated rasters are not supported (the geotransform has rotation terms).")
    parts = [_part_spans(rings, geotransform) for rings in polygon_rings(geometry)]
    parts = [part for part in parts if len(part)]
    if not parts:
        return empty_spans()
    if len(parts) == 1:
        return merge_spans(parts[0].rows, parts[0].starts, parts[0].ends)
    return merge_spans(
        np.concatenate([p.rows for p in parts]),
        np.concatenate([p.starts for p in parts]),
        np.concatenate([p.ends for p in parts]),
    )
