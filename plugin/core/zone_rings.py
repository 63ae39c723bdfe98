"""The rings of zones as coordinate arrays, from WKB (read directly) or OGR geometries.

The scanline (rasterize.py) takes a batch of zones as one array of points with the number of
points of each ring, the polygon part of each ring and the zone of each part. The WKB of a
Polygon or MultiPolygon is read without building OGR geometries; the zones of a batch that are one
simple ring (grids of a million cells, most layers QGIS writes) are read with a few numpy
operations for the whole batch, the others (several parts or rings) one at a time, and the rings
put back in zone order. Anything else goes through OGR.
"""

import struct
from typing import Iterable, Optional, Sequence

import numpy as np

from .errors import CiscError
from .intervals import owners
from .wkb_coords import wkb_header

SPAN_DTYPE = np.int64


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


def _wkb_polygon(view, offset):
    endian, base, per_point, offset = wkb_header(view, offset)
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
        endian, base, _, offset = wkb_header(view, 0)
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


# WKB of a one-ring 2D little-endian Polygon, and of a MultiPolygon of one such part (as QGIS
# writes most layers): the header before the point count; the coordinates follow the count. Such
# a zone is "simple": _simple_ring_table reads a batch's simple zones without parsing them.
_SIMPLE_POLYGON = b"\x01\x03\x00\x00\x00\x01\x00\x00\x00"
_SIMPLE_MULTIPOLYGON = b"\x01\x06\x00\x00\x00\x01\x00\x00\x00" + _SIMPLE_POLYGON
# the shortest WKB of one simple ring: a Polygon header, its point count and three points
_SHORTEST_SIMPLE = len(_SIMPLE_POLYGON) + 4 + 48


def _simple_ring_table(zones):
    """The zones of a batch that are one simple ring (bytes exactly, with a header above, at
    least three points and nothing after them; memoryviews and others take the general path),
    read with a few numpy operations for the whole batch: (which zones they are, a bool per zone;
    their points (n, 2), zone after zone; their point counts), or None when there are none."""
    if all(type(zone) is bytes for zone in zones):  # noqa: E721 (the usual case: a C loop for the sizes)
        sizes = np.fromiter(map(len, zones), dtype=np.int64, count=len(zones))
    else:
        sizes = np.fromiter((len(zone) if type(zone) is bytes else 0 for zone in zones),  # noqa: E721
                            dtype=np.int64, count=len(zones))
    chosen = np.flatnonzero(sizes >= _SHORTEST_SIMPLE)
    if not chosen.size:
        return None
    buffer = b"".join(zones if chosen.size == len(zones) else [zones[index] for index in chosen.tolist()])
    sizes = sizes[chosen]
    data = np.frombuffer(buffer + bytes(len(_SIMPLE_MULTIPOLYGON) + 4), dtype=np.uint8)
    offsets = np.cumsum(sizes) - sizes
    head = data[offsets[:, None] + np.arange(len(_SIMPLE_MULTIPOLYGON) + 4)]
    is_polygon = (head[:, :9] == np.frombuffer(_SIMPLE_POLYGON, np.uint8)).all(axis=1)
    is_multi = (head[:, :18] == np.frombuffer(_SIMPLE_MULTIPOLYGON, np.uint8)).all(axis=1)
    header = np.where(is_polygon, 13, 22)
    count_bytes = head[np.arange(chosen.size)[:, None], header[:, None] - 4 + np.arange(4)]
    counts = count_bytes.astype(np.int64) @ np.array([1, 1 << 8, 1 << 16, 1 << 24], dtype=np.int64)
    simple = (is_polygon | is_multi) & (counts >= 3) & (sizes == header + 16 * counts)
    if not simple.any():
        return None
    simple_sizes, simple_headers = sizes[simple], header[simple]
    if (simple_sizes == simple_sizes[0]).all() and (simple_headers == simple_headers[0]).all():
        # zones of one size (the cells of a grid): a table, zone by row, cut past the header
        first, size = int(simple_headers[0]), int(simple_sizes[0])
        # the simple zones come in stretches between the others (usually one stretch): each a table
        edges = [0, *(np.flatnonzero(simple[1:] != simple[:-1]) + 1).tolist(), simple.size]
        stretches = [data[offsets[lo] : offsets[lo] + (hi - lo) * size].reshape(hi - lo, size)[:, first:].ravel()
                     for lo, hi in zip(edges[:-1], edges[1:]) if simple[lo]]
        coordinates = stretches[0] if len(stretches) == 1 else np.concatenate(stretches)
    else:
        # keep each simple zone's bytes past its header: its coordinates
        delta = np.zeros(len(buffer) + 1, dtype=np.int8)
        delta[offsets[simple] + header[simple]] = 1
        delta[offsets[simple] + sizes[simple]] = -1
        coordinates = data[: len(buffer)][np.cumsum(delta[:-1], dtype=np.int8) == 1]  # 0 or 1: int8 holds it
    points = coordinates.view("<f8").reshape(-1, 2).astype(np.float64)
    which = np.zeros(len(zones), dtype=bool)
    which[chosen[simple]] = True
    return which, points, counts[simple]


def batch_rings(zones, first_zone):
    """Every ring of a batch of zones, closed, in zone order: (points (n, 2), points per ring,
    part of each ring, zone of each part)."""
    table = _simple_ring_table(zones)
    if table is not None and table[0].all():
        _, points, counts = table
        zone_index = np.arange(len(zones), dtype=SPAN_DTYPE)
        return _close_rings(points, counts.astype(SPAN_DTYPE), zone_index, zone_index + first_zone)
    # the other zones (several rings or parts, other encodings) one at a time, parsed
    others = range(len(zones)) if table is None else np.flatnonzero(~table[0]).tolist()
    chunks, lengths, ring_part, part_zone = [], [], [], []
    for offset in others:
        try:
            parts = zone_polygon_rings(zones[offset])
        except CiscError as exc:
            raise CiscError(f"Zone {first_zone + offset + 1}: {exc}") from None
        for part_rings in parts:
            part_zone.append(first_zone + offset)
            for ring in part_rings:
                chunks.append(np.ascontiguousarray(ring, dtype="<f8").tobytes())
                lengths.append(len(ring))
                ring_part.append(len(part_zone) - 1)
    lengths = np.array(lengths, dtype=SPAN_DTYPE)
    ring_part = np.array(ring_part, dtype=SPAN_DTYPE)
    part_zone = np.array(part_zone, dtype=SPAN_DTYPE)
    points = (np.frombuffer(b"".join(chunks), dtype="<f8").reshape(-1, 2).astype(np.float64) if chunks
              else np.empty((0, 2)))
    if table is not None:
        which, table_points, table_counts = table
        points, lengths, ring_part, part_zone = _merge_by_zone(
            (table_points, table_counts.astype(SPAN_DTYPE), np.flatnonzero(which).astype(SPAN_DTYPE) + first_zone),
            (points, lengths, ring_part, part_zone),
        )
    if not lengths.size:
        return np.empty((0, 2)), lengths, ring_part, part_zone
    return _close_rings(points, lengths, ring_part, part_zone)


def _merge_by_zone(simple, others):
    """The rings of a batch's simple zones (points, point counts, zone of each: one ring, one
    part each) and of its other zones (points, lengths, ring parts, part zones) in zone order."""
    simple_points, simple_counts, simple_zones = simple
    points, lengths, ring_part, part_zone = others
    part_zone = np.concatenate([simple_zones, part_zone])
    ring_part = np.concatenate([np.arange(simple_zones.size, dtype=SPAN_DTYPE), ring_part + simple_zones.size])
    lengths = np.concatenate([simple_counts, lengths])
    points = np.concatenate([simple_points, points])
    # parts by zone, rings by their part's new place: both stable, so a zone's parts and a part's
    # rings keep their order
    part_order = np.argsort(part_zone, kind="stable")
    part_place = np.empty_like(part_order)
    part_place[part_order] = np.arange(part_order.size)
    ring_part = part_place[ring_part].astype(SPAN_DTYPE)
    ring_order = np.argsort(ring_part, kind="stable")
    ring_firsts = np.cumsum(lengths) - lengths
    lengths = lengths[ring_order]
    owner, firsts = owners(lengths)
    point_order = ring_firsts[ring_order][owner] + (np.arange(owner.size) - firsts[owner])
    return points[point_order], lengths, ring_part[ring_order], part_zone[part_order]


def _close_rings(points, lengths, ring_part, part_zone):
    """The rings that are not closed get their first point appended after their last."""
    ends = np.cumsum(lengths)
    firsts = ends - lengths
    is_open = (points[firsts, 0] != points[ends - 1, 0]) | (points[firsts, 1] != points[ends - 1, 1])
    if is_open.any():
        points = np.insert(points, ends[is_open], points[firsts[is_open]], axis=0)
        lengths = lengths + is_open
    return points, lengths, ring_part, part_zone
