"""Exact reprojection of polygon edges: adaptive densification in the source CRS.

A polygon edge is a straight line in the CRS its coordinates are stored in. Transformed vertex
by vertex into another CRS it stays a straight line there, although its true image is a curve:
a parallel of latitude in EPSG:4490 becomes an arc of a circle in an Albers projection. For a
1 x 1 degree box in China the chord of its northern edge lies about 150 m inside the arc:
hundreds of 30 m pixels change zone.

densify_transform() inserts vertices where needed: an edge is split at its midpoint (in source
coordinates) while the transformed midpoint lies farther than `tolerance` (target units) from
the chord between the transformed end points, recursively, level by level, all edges of all
rings at once (one call of the transform per level). The original vertices are kept as they
are, so a boundary that needs nothing (vertices every few hundred metres, where the chord's
departure is millimetres) comes out exactly as a vertex-by-vertex transformation would give it.

The transform is any callable (x, y) -> (x', y') on float64 arrays: QGIS's coordinate
transformation in Processing, pyproj or OSR elsewhere. Pure numpy, no Qt, no QGIS.

Polygon WKB in and out: polygon_wkb_blocks() finds where a Polygon / MultiPolygon keeps its rings'
coordinates (read and rewritten in place, no rebuilding when no vertex is added);
polygon_wkb_arrays() reads the rings into flat arrays, polygon_wkb() writes them (little-endian 2-D).
"""

from __future__ import annotations

import struct
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np

from .rasterize import wkb_polygon_rings

Transform = Callable[[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]]

# depth of the recursion: an edge is cut into at most 2**MAX_DEPTH pieces
MAX_DEPTH = 24


class TransformFailed(Exception):
    """The transform gave a non-finite coordinate (a point it cannot transform)."""


def _finite_or_raise(x: np.ndarray, y: np.ndarray) -> None:
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise TransformFailed("the transformation gave non-finite coordinates")


def chord_distance(px, py, ax, ay, bx, by) -> np.ndarray:
    """Distance of each point p from the segment a-b (all arrays)."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    with np.errstate(invalid="ignore", divide="ignore"):
        t = ((px - ax) * dx + (py - ay) * dy) / length2
    t = np.where(length2 > 0, np.clip(t, 0.0, 1.0), 0.0)
    return np.hypot(px - (ax + t * dx), py - (ay + t * dy))


def densify_transform(x: np.ndarray, y: np.ndarray, ring_sizes: Sequence[int], transform: Transform,
                      tolerance: float, max_depth: int = MAX_DEPTH,
                      transformed: Optional[Tuple[np.ndarray, np.ndarray]] = None):
    """Transform rings, adding vertices until every transformed edge is within tolerance of
    its true curve.

    x, y: the vertices of every ring, ring after ring (float64); ring_sizes: the number of
    vertices of each ring (edges join consecutive vertices of a ring; a closed ring repeats
    its first vertex at its end, as in WKB). transformed: (tx, ty) of x, y when already known.

    Returns (tx, ty, sizes, inserted): the transformed vertices ring after ring (originals and
    inserted ones in order along each edge), each ring's new vertex count, and the number of
    vertices inserted. Raises TransformFailed on a non-finite transformed coordinate.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    sizes = np.asarray(ring_sizes, dtype=np.int64)
    if transformed is None:
        tx, ty = transform(x, y)
    else:
        tx, ty = transformed
    tx, ty = np.asarray(tx, dtype=np.float64), np.asarray(ty, dtype=np.float64)
    _finite_or_raise(tx, ty)
    if x.size < 2 or not tolerance > 0:
        return tx, ty, sizes.copy(), 0
    # edge i joins vertex i and i + 1 unless vertex i is the last of its ring
    last = np.cumsum(sizes) - 1
    starts = np.ones(x.size, dtype=bool)
    starts[last[sizes > 0]] = False
    edge = np.flatnonzero(starts)
    # pending pieces: (edge, t0, t1) with their end points in source and target coordinates
    e, t0, t1 = edge, np.zeros(edge.size), np.ones(edge.size)
    ax, ay, bx, by = x[edge], y[edge], x[edge + 1], y[edge + 1]
    tax, tay, tbx, tby = tx[edge], ty[edge], tx[edge + 1], ty[edge + 1]
    found_edge: List[np.ndarray] = []
    found_t: List[np.ndarray] = []
    found_x: List[np.ndarray] = []
    found_y: List[np.ndarray] = []
    for _depth in range(int(max_depth)):
        keep = (ax != bx) | (ay != by)  # a zero-length piece has nothing to bend
        if not keep.all():
            e, t0, t1, ax, ay, bx, by, tax, tay, tbx, tby = (
                v[keep] for v in (e, t0, t1, ax, ay, bx, by, tax, tay, tbx, tby))
        if e.size == 0:
            break
        mx, my = 0.5 * (ax + bx), 0.5 * (ay + by)
        tmx, tmy = transform(mx, my)
        tmx, tmy = np.asarray(tmx, dtype=np.float64), np.asarray(tmy, dtype=np.float64)
        _finite_or_raise(tmx, tmy)
        split = chord_distance(tmx, tmy, tax, tay, tbx, tby) > tolerance
        if not split.any():
            break
        e, t0, t1, ax, ay, bx, by = (v[split] for v in (e, t0, t1, ax, ay, bx, by))
        tax, tay, tbx, tby, mx, my, tmx, tmy = (v[split] for v in (tax, tay, tbx, tby, mx, my, tmx, tmy))
        tm = 0.5 * (t0 + t1)
        found_edge.append(e)
        found_t.append(tm)
        found_x.append(tmx)
        found_y.append(tmy)
        # both halves go on
        e = np.concatenate([e, e])
        t0, t1 = np.concatenate([t0, tm]), np.concatenate([tm, t1])
        ax, ay, bx, by = np.concatenate([ax, mx]), np.concatenate([ay, my]), np.concatenate([mx, bx]), \
            np.concatenate([my, by])
        tax, tay = np.concatenate([tax, tmx]), np.concatenate([tay, tmy])
        tbx, tby = np.concatenate([tmx, tbx]), np.concatenate([tmy, tby])
    if not found_edge:
        return tx, ty, sizes.copy(), 0
    new_edge = np.concatenate(found_edge)
    new_t = np.concatenate(found_t)
    # every vertex i sorts as (i, 0); an inserted vertex as (its edge's first vertex, t)
    keys_major = np.concatenate([np.arange(x.size), new_edge])
    keys_minor = np.concatenate([np.zeros(x.size), new_t])
    order = np.lexsort((keys_minor, keys_major))
    out_x = np.concatenate([tx, np.concatenate(found_x)])[order]
    out_y = np.concatenate([ty, np.concatenate(found_y)])[order]
    ring_of_vertex = np.repeat(np.arange(sizes.size), sizes)
    new_sizes = sizes + np.bincount(ring_of_vertex[new_edge], minlength=sizes.size)
    return out_x, out_y, new_sizes, int(new_edge.size)


# -- polygon WKB <-> flat arrays ------------------------------------------------------------

class PolygonArrays:
    """The rings of a Polygon / MultiPolygon as flat arrays: x, y (every vertex, ring after
    ring), ring_sizes (vertices per ring) and part_rings (rings per polygon part)."""

    __slots__ = ("x", "y", "ring_sizes", "part_rings")

    def __init__(self, x, y, ring_sizes, part_rings):
        self.x, self.y = x, y
        self.ring_sizes = np.asarray(ring_sizes, dtype=np.int64)
        self.part_rings = list(part_rings)

    @property
    def vertex_count(self) -> int:
        return int(self.x.size)


def polygon_wkb_arrays(wkb) -> Optional[PolygonArrays]:
    """The rings of a Polygon or MultiPolygon WKB (Z/M dropped); None for other geometries
    or unreadable WKB; rings of fewer than 3 vertices are left out, as the engine does."""
    parts = wkb_polygon_rings(wkb)
    if parts is None:
        return None
    rings = [ring for part in parts for ring in part]
    if not rings:
        return PolygonArrays(np.empty(0), np.empty(0), [], [])
    coordinates = np.concatenate(rings)
    return PolygonArrays(
        np.ascontiguousarray(coordinates[:, 0]),
        np.ascontiguousarray(coordinates[:, 1]),
        [len(ring) for ring in rings],
        [len(part) for part in parts],
    )


def polygon_wkb(x: np.ndarray, y: np.ndarray, ring_sizes: Sequence[int], part_rings: Sequence[int]) -> bytes:
    """Little-endian 2-D WKB: a Polygon for one part, else a MultiPolygon."""
    xy = np.empty((len(x), 2), dtype="<f8")
    xy[:, 0], xy[:, 1] = x, y
    sizes = [int(s) for s in ring_sizes]
    out = []
    start = 0
    ring = 0
    for count in part_rings:
        chunk = [struct.pack("<BII", 1, 3, int(count))]
        for _ in range(int(count)):
            n = sizes[ring]
            chunk.append(struct.pack("<I", n))
            chunk.append(xy[start:start + n].tobytes())
            start += n
            ring += 1
        out.append(b"".join(chunk))
    if len(out) == 1:
        return out[0]
    return struct.pack("<BII", 1, 6, len(out)) + b"".join(out)


class PolygonBlocks:
    """A little-endian 2-D Polygon / MultiPolygon WKB and where its rings' coordinates are:
    offsets (bytes) and counts (points) of every ring, rings per part."""

    __slots__ = ("wkb", "offsets", "counts", "part_rings")

    def __init__(self, wkb: bytes, offsets: List[int], counts: List[int], part_rings: List[int]):
        self.wkb, self.offsets, self.counts, self.part_rings = wkb, offsets, counts, part_rings

    @property
    def vertex_count(self) -> int:
        return sum(self.counts)

    def ring_arrays(self) -> List[np.ndarray]:
        """(n, 2) read-only views of the rings' coordinates."""
        return [np.frombuffer(self.wkb, dtype="<f8", count=2 * n, offset=o).reshape(n, 2)
                for o, n in zip(self.offsets, self.counts)]

    def with_coordinates(self, xy: np.ndarray) -> bytes:
        """The WKB with its vertices replaced by xy ((vertex_count, 2) float64, ring after ring)."""
        out = bytearray(self.wkb)
        data = np.ascontiguousarray(xy, dtype="<f8")
        start = 0
        for offset, count in zip(self.offsets, self.counts):
            out[offset:offset + 16 * count] = data[start:start + count].tobytes()
            start += count
        return bytes(out)


def _polygon_blocks_le2d(wkb: bytes, offset: int, offsets: List[int], counts: List[int]) -> Optional[int]:
    """Ring blocks of the little-endian 2-D polygon at offset; the offset after it, or None."""
    if wkb[offset] != 1 or struct.unpack_from("<I", wkb, offset + 1)[0] != 3:
        return None
    (rings,) = struct.unpack_from("<I", wkb, offset + 5)
    offset += 9
    for _ in range(rings):
        (count,) = struct.unpack_from("<I", wkb, offset)
        offsets.append(offset + 4)
        counts.append(count)
        offset += 4 + 16 * count
    return offset


def polygon_wkb_blocks(wkb) -> Optional[PolygonBlocks]:
    """The ring blocks of a Polygon / MultiPolygon WKB; other encodings (big-endian, Z/M) are
    rewritten as little-endian 2-D first (rings of fewer than 3 vertices dropped). None for
    other geometries or unreadable WKB."""
    wkb = bytes(wkb)
    offsets: List[int] = []
    counts: List[int] = []
    try:
        if len(wkb) >= 9 and wkb[0] == 1:
            (code,) = struct.unpack_from("<I", wkb, 1)
            end = None
            if code == 3:
                end = _polygon_blocks_le2d(wkb, 0, offsets, counts)
                part_rings = [len(counts)]
            elif code == 6:
                (parts,) = struct.unpack_from("<I", wkb, 5)
                end, part_rings = 9, []
                for _ in range(parts):
                    before = len(counts)
                    end = _polygon_blocks_le2d(wkb, end, offsets, counts)
                    if end is None:
                        break
                    part_rings.append(len(counts) - before)
            if end is not None and end == len(wkb):
                return PolygonBlocks(wkb, offsets, counts, part_rings)
    except (struct.error, IndexError):
        pass
    arrays = polygon_wkb_arrays(wkb)
    if arrays is None:
        return None
    if arrays.vertex_count == 0:
        return PolygonBlocks(wkb, [], [], [])
    normal = polygon_wkb(arrays.x, arrays.y, arrays.ring_sizes, arrays.part_rings)
    return polygon_wkb_blocks(normal)
