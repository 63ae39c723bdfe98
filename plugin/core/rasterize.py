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

import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterable, Optional, Sequence

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


_WKB_POLYGON, _WKB_MULTIPOLYGON = 3, 6


def _wkb_header(view, offset):
    """Byte order, base type, coordinates per point and the offset after an (ISO, OGR 2.5D
    or EWKB) WKB geometry header."""
    order = view[offset]
    if order not in (0, 1):
        raise ValueError("not WKB")
    endian = "<" if order == 1 else ">"
    (code,) = struct.unpack_from(endian + "I", view, offset + 1)
    offset += 5
    has_z, has_m = bool(code & 0x80000000), bool(code & 0x40000000)
    if code & 0x20000000:  # EWKB SRID
        offset += 4
    code &= 0x0FFFFFFF
    dims = code // 1000
    has_z |= dims in (1, 3)
    has_m |= dims in (2, 3)
    return endian, code % 1000, 2 + has_z + has_m, offset


def _wkb_polygon(view, offset):
    endian, base, per_point, offset = _wkb_header(view, offset)
    if base != _WKB_POLYGON:
        raise TypeError("not a polygon")
    (ring_count,) = struct.unpack_from(endian + "I", view, offset)
    offset += 4
    rings = []
    for _ in range(ring_count):
        (point_count,) = struct.unpack_from(endian + "I", view, offset)
        offset += 4
        coordinates = np.frombuffer(view, dtype=endian + "f8", count=point_count * per_point, offset=offset)
        offset += 8 * point_count * per_point
        if point_count >= 3:
            rings.append(coordinates.reshape(point_count, per_point)[:, :2].astype(np.float64))
    return rings, offset


def wkb_polygon_rings(wkb: bytes):
    """Rings per polygon part read straight from the WKB of a Polygon or MultiPolygon (the
    common case, far cheaper than building OGR geometries); None for any other geometry."""
    try:
        view = memoryview(wkb).cast("B")
        endian, base, _, offset = _wkb_header(view, 0)
        if base == _WKB_POLYGON:
            rings, _ = _wkb_polygon(view, 0)
            return [rings] if rings else []
        if base == _WKB_MULTIPOLYGON:
            (count,) = struct.unpack_from(endian + "I", view, offset)
            offset += 4
            parts = []
            for _ in range(count):
                rings, offset = _wkb_polygon(view, offset)
                if rings:
                    parts.append(rings)
            return parts
    except (ValueError, TypeError, struct.error, IndexError):
        pass
    return None


def zone_polygon_rings(zone):
    """Rings per polygon part of a zone given as WKB, an OGR geometry or None."""
    if isinstance(zone, (bytes, bytearray, memoryview)) and len(zone):
        parts = wkb_polygon_rings(zone)
        if parts is not None:
            return parts
    return list(polygon_rings(geometry_from_wkb(zone)))


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


def _inverse_geotransform(geotransform):
    """GDAL's inverse of a north-up geotransform (GDALInvGeoTransform's no-rotation case)."""
    origin_x, pixel_w, _, origin_y, _, pixel_h = geotransform
    return -origin_x / pixel_w, 1.0 / pixel_w, -origin_y / pixel_h, 1.0 / pixel_h


@dataclass
class ZoneRuns:
    """Runs of pixel centres of many zones, sorted by row: zone index, row, first column,
    end column (exclusive). Within a zone and row the runs neither overlap nor touch."""

    zones: np.ndarray
    rows: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    pixel_counts: np.ndarray  # per zone, all its pixel centres
    # zones whose coordinates on the grid are not finite (NaN, infinity: e.g. latitudes beyond 90
    # degrees transformed) or lie beyond MAX_PIXEL_COORDINATE: they have no runs, and no figure
    # can be given for them
    unmeasurable: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=SPAN_DTYPE))

    def __len__(self) -> int:
        return len(self.rows)


# zones parsed together, and crossings computed together: both bound the temporary arrays
# whatever the number of zones and the length of their boundaries in pixels
ZONES_PER_BATCH = 256
CROSSINGS_PER_CHUNK = 1 << 17
# a vertex further than this many pixels from the grid's origin (2,000,000 km at 30 m, far beyond
# any coordinate on Earth) makes its zone unmeasurable, like a NaN or infinite one
MAX_PIXEL_COORDINATE = float(1 << 26)


def zone_runs(zones: Sequence, geotransform, threads: int = 1) -> ZoneRuns:
    """Runs of every zone (WKB, OGR geometries or None) on the grid of geotransform.

    Batches of zones are rasterized on `threads` threads (numpy releases the GIL on the
    batches' large arrays)."""
    if geotransform[2] != 0 or geotransform[4] != 0:
        raise CiscError("Rotated rasters are not supported (the geotransform has rotation terms).")
    zones = list(zones)
    firsts = range(0, len(zones), ZONES_PER_BATCH)

    def batch(first):
        return _batch_runs(zones[first : first + ZONES_PER_BATCH], first, geotransform)

    if threads > 1 and len(firsts) > 1:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cisc-zones") as pool:
            batches = list(pool.map(batch, firsts))
    else:
        batches = [batch(first) for first in firsts]
    unmeasurable = np.array(sorted(zone for _, bad in batches for zone in bad), dtype=SPAN_DTYPE)
    batches = [runs for runs, _ in batches if runs is not None]
    if not batches:
        empty = np.empty(0, dtype=SPAN_DTYPE)
        return ZoneRuns(empty, empty, empty, empty, np.zeros(len(zones), dtype=np.int64), unmeasurable)
    zone_ids, rows, starts, ends = _concatenate(batches)
    del batches
    pixel_counts = np.bincount(zone_ids, weights=ends - starts, minlength=len(zones)).astype(np.int64)
    # each batch is sorted by zone then row: a stable sort by row merges these runs cheaply,
    # and numpy's stable sort of 16-bit integers is a radix sort
    row_span = rows.max() - rows.min()
    order = np.argsort((rows - rows.min()).astype(np.uint16) if row_span < 65536 else rows, kind="stable")
    # gathered one array at a time, so at most one extra copy of the runs lives at once
    zone_ids = zone_ids[order]
    rows = rows[order]
    starts = starts[order]
    ends = ends[order]
    return ZoneRuns(zone_ids, rows, starts, ends, pixel_counts, unmeasurable)


def _concatenate(pieces):
    """Column-wise concatenation of (zone_ids, rows, starts, ends) pieces (no copy for one)."""
    if len(pieces) == 1:
        return pieces[0]
    return tuple(np.concatenate(column) for column in zip(*pieces))


def _batch_runs(zones, first_zone, geotransform):
    """(runs of a batch of zones sorted by zone, row and column, or None if there are none;
    the indices of its unmeasurable zones)."""
    col_origin, col_scale, row_origin, row_scale = _inverse_geotransform(geotransform)
    rings, ring_part, part_zone = [], [], []
    for offset, zone in enumerate(zones):
        try:
            parts = zone_polygon_rings(zone)
        except CiscError as exc:
            raise CiscError(f"Zone {first_zone + offset + 1}: {exc}") from None
        for part_rings in parts:
            part_zone.append(first_zone + offset)
            for ring in part_rings:
                if ring[0, 0] != ring[-1, 0] or ring[0, 1] != ring[-1, 1]:
                    ring = np.vstack([ring, ring[:1]])
                rings.append(ring)
                ring_part.append(len(part_zone) - 1)
    if not rings:
        return None, []
    points = np.concatenate(rings)
    lengths = np.array([len(ring) for ring in rings])
    point_part = np.repeat(np.array(ring_part, dtype=SPAN_DTYPE), lengths)
    # the same arithmetic as GDAL's transformer and scanline fill, so ties fall the same way
    with np.errstate(invalid="ignore", over="ignore"):
        px = col_origin + points[:, 0] * col_scale
        py = row_origin + points[:, 1] * row_scale
        bad_point = ~((np.abs(px) <= MAX_PIXEL_COORDINATE) & (np.abs(py) <= MAX_PIXEL_COORDINATE))
    unmeasurable = []
    if bad_point.any():  # NaN and infinity fail the comparison too
        part_zone_array = np.array(part_zone, dtype=SPAN_DTYPE)
        unmeasurable = np.unique(part_zone_array[point_part[bad_point]]).tolist()
        ring_zone = part_zone_array[np.array(ring_part, dtype=SPAN_DTYPE)]
        keep_ring = ~np.isin(ring_zone, unmeasurable)
        if not keep_ring.any():
            return None, unmeasurable
        keep_point = np.repeat(keep_ring, lengths)
        points, px, py, point_part = points[keep_point], px[keep_point], py[keep_point], point_part[keep_point]
        lengths = lengths[keep_ring]
    # an edge joins consecutive points of one ring
    last_of_ring = np.cumsum(lengths) - 1
    is_edge = np.ones(len(points), dtype=bool)
    is_edge[last_of_ring] = False
    start = np.flatnonzero(is_edge)
    ax, ay, bx, by = px[start], py[start], px[start + 1], py[start + 1]
    edge_part = point_part[start]
    part_zone = np.array(part_zone, dtype=SPAN_DTYPE)
    # whole zones go into chunks of about CROSSINGS_PER_CHUNK crossings (edges come zone by zone)
    edge_zone = part_zone[edge_part]
    per_zone = np.bincount(edge_zone - first_zone, weights=_crossing_counts(ay, by), minlength=len(zones))
    zone_chunk = (np.cumsum(per_zone) - per_zone) // CROSSINGS_PER_CHUNK
    edge_chunk = zone_chunk[edge_zone - first_zone]
    bounds = np.concatenate([[0], np.flatnonzero(edge_chunk[1:] != edge_chunk[:-1]) + 1, [edge_chunk.size]])
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi > lo:
            piece = _chunk_runs(ax[lo:hi], ay[lo:hi], bx[lo:hi], by[lo:hi], edge_part[lo:hi], part_zone)
            if piece is not None:
                pieces.append(piece)
    return (_concatenate(pieces) if pieces else None), unmeasurable


def _chunk_runs(ax, ay, bx, by, edge_part, part_zone):
    """Runs of the edges of whole zones, sorted by zone, row and column; None if there are none."""
    rows, xs, parts = _crossings(ax, ay, bx, by, edge_part)
    if rows.size == 0:
        return None
    # a crossing at x starts or ends a run at the first pixel whose centre lies beyond x
    columns = np.floor(xs + 0.5).astype(SPAN_DTYPE)
    del xs
    # crossings come edge by edge, each edge's rows ascending: a stable sort merges them fast
    order = np.argsort(_sort_key(parts, rows, columns), kind="stable")
    parts, rows, columns = parts[order], rows[order], columns[order]
    del order
    # the half-open crossing rule gives every (part, row) an even number of crossings
    parts, rows, starts, ends = parts[0::2], rows[0::2], columns[0::2], columns[1::2]
    keep = ends > starts
    if not keep.any():
        return None
    zone_ids = part_zone[parts[keep]]
    return _union_per_zone(zone_ids, rows[keep], starts[keep], ends[keep])


def _crossing_counts(ay, by):
    """How many pixel-row centre lines each edge crosses (see _crossings)."""
    low, high = np.minimum(ay, by), np.maximum(ay, by)
    # an estimate for chunking only: non-finite coordinates count as none
    return np.nan_to_num(np.ceil(high - 0.5) - np.ceil(low - 0.5), nan=0.0, posinf=0.0, neginf=0.0)


def _crossings(ax, ay, bx, by, part):
    """Rows, x positions and parts where edges cross the centre lines of pixel rows.

    Edges are oriented downwards and the crossing computed with GDAL's formula; rows whose
    centre y = row + 0.5 satisfies top <= y < bottom are crossed (horizontal edges never)."""
    swap = ay > by
    x0, y0 = np.where(swap, bx, ax), np.where(swap, by, ay)
    x1, y1 = np.where(swap, ax, bx), np.where(swap, ay, by)
    first_row = np.ceil(y0 - 0.5).astype(SPAN_DTYPE)
    counts = np.ceil(y1 - 0.5).astype(SPAN_DTYPE) - first_row
    crossed = counts > 0
    x0, y0, x1, y1 = x0[crossed], y0[crossed], x1[crossed], y1[crossed]
    first_row, counts, part = first_row[crossed], counts[crossed], part[crossed]
    edge = np.repeat(np.arange(counts.size), counts)
    rows = np.arange(edge.size, dtype=SPAN_DTYPE) - np.repeat(np.cumsum(counts) - counts - first_row, counts)
    ex0, ey0 = x0[edge], y0[edge]
    xs = (rows + 0.5 - ey0) * (x1[edge] - ex0) / (y1[edge] - ey0) + ex0
    return rows, xs, part[edge]


def _sort_key(major, rows, columns):
    """One int64 that sorts like (major, row, column): one argsort instead of a lexsort."""
    row_span = np.int64(rows.max() - rows.min() + 1)
    column_span = np.int64(columns.max() - columns.min() + 1)
    if row_span * column_span * np.int64(major.max() + 1) >= np.int64(1) << 62:
        raise CiscError("A zone lies too far from the raster for its pixels to be counted.")
    return (major * row_span + (rows - rows.min())) * column_span + (columns - columns.min())


def _union_per_zone(zone_ids, rows, starts, ends):
    """Runs united per zone and row (parts of a multipolygon may overlap or touch),
    sorted by zone, row and column."""
    order = np.argsort(_sort_key(zone_ids, rows, starts), kind="stable")
    zone_ids, rows, starts, ends = zone_ids[order], rows[order], starts[order], ends[order]
    group = np.ones(rows.size, dtype=bool)  # first run of a (zone, row)
    group[1:] = (rows[1:] != rows[:-1]) | (zone_ids[1:] != zone_ids[:-1])
    # running maximum of the ends within each (zone, row), groups kept apart by an offset
    group_number = np.cumsum(group)
    offset = (group_number * (np.int64(ends.max()) - starts.min() + 2)).astype(SPAN_DTYPE)
    running_end = np.maximum.accumulate(ends + offset) - offset
    previous_end = np.empty_like(running_end)
    previous_end[0] = 0
    previous_end[1:] = running_end[:-1]
    begins = group | (starts > previous_end)
    first = np.flatnonzero(begins)
    last = np.append(first[1:], rows.size) - 1
    return zone_ids[first], rows[first], starts[first], running_end[last]


def geometry_spans(geometry, geotransform) -> Spans:
    """Runs of one polygon or multipolygon (OGR geometry or WKB) on the grid of geotransform."""
    runs = zone_runs([geometry], geotransform)
    order = np.argsort(_sort_key(np.zeros_like(runs.rows), runs.rows, runs.starts), kind="stable") \
        if len(runs) else np.empty(0, dtype=SPAN_DTYPE)
    return Spans(runs.rows[order], runs.starts[order], runs.ends[order])
