"""Every x, y of a WKB geometry through one vectorised function (pure Python + numpy).

map_wkb_xy(wkb, func) walks any ISO, OGR-2.5D or EWKB geometry (points, lines, polygons,
their multi-types, curves, collections, surfaces, with or without Z/M, either byte order),
hands all its x and y to func at once and writes the results back in place; Z, M and the
structure are left untouched. It is how cisc:webmapoffset converts whole layers between
WGS84 and GCJ-02 / BD-09 without touching vertices one by one in Python.
"""

from __future__ import annotations

import struct
from typing import Callable, List, Tuple

import numpy as np

# base type codes (ISO): 1 point, 2 linestring, 3 polygon, 4..7 multi-types and collection,
# 8 circularstring, 9 compoundcurve, 10 curvepolygon, 11 multicurve, 12 multisurface,
# 15 polyhedralsurface, 16 tin, 17 triangle
_POINT = 1
_POINT_LISTS = {2, 8}  # one list of points
_RING_LISTS = {3, 17}  # a list of point lists
_CONTAINERS = {4, 5, 6, 7, 9, 10, 11, 12, 15, 16}  # a list of geometries


def wkb_header(view, offset: int):
    """Byte order, base type, coordinates per point and the offset after an (ISO, OGR 2.5D or
    EWKB) WKB geometry header; the one reader of WKB headers (rasterize.py uses it too)."""
    order = view[offset]
    if order not in (0, 1):
        raise ValueError("not WKB: bad byte order")
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


def _coordinate_blocks(view, offset: int, blocks: List[Tuple[str, int, int, int]]) -> int:
    """Append (endian, byte offset, points, values per point) of every coordinate block of the
    geometry at offset; return the offset after it."""
    endian, base, per_point, offset = wkb_header(view, offset)
    if base == _POINT:
        blocks.append((endian, offset, 1, per_point))
        return offset + 8 * per_point
    if base in _POINT_LISTS:
        (count,) = struct.unpack_from(endian + "I", view, offset)
        offset += 4
        blocks.append((endian, offset, count, per_point))
        return offset + 8 * per_point * count
    if base in _RING_LISTS:
        (rings,) = struct.unpack_from(endian + "I", view, offset)
        offset += 4
        for _ in range(rings):
            (count,) = struct.unpack_from(endian + "I", view, offset)
            offset += 4
            blocks.append((endian, offset, count, per_point))
            offset += 8 * per_point * count
        return offset
    if base in _CONTAINERS:
        (count,) = struct.unpack_from(endian + "I", view, offset)
        offset += 4
        for _ in range(count):
            offset = _coordinate_blocks(view, offset, blocks)
        return offset
    raise ValueError(f"unsupported WKB geometry type {base}")


def _coordinate_arrays(buffer: bytearray) -> List[np.ndarray]:
    """Writable (points, values per point) views of every coordinate block of a WKB buffer."""
    if not buffer:
        return []
    view = memoryview(buffer)
    blocks: List[Tuple[str, int, int, int]] = []
    try:
        end = _coordinate_blocks(view, 0, blocks)
    except struct.error as exc:
        raise ValueError(f"not WKB: {exc}") from None
    finally:
        view.release()
    if end > len(buffer):
        raise ValueError("not WKB: truncated")
    return [
        np.frombuffer(buffer, dtype=endian + "f8", count=count * per_point, offset=offset).reshape(count, per_point)
        for endian, offset, count, per_point in blocks
        if count
    ]


def map_wkb_xy(wkb, func: Callable[[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]]) -> bytes:
    """The WKB with every (x, y) replaced by func(x, y) (func gets and returns float64 arrays
    of all the geometry's points at once). Raises ValueError for WKB it cannot read."""
    return map_many_wkb_xy([wkb], func)[0]


def map_many_wkb_xy(wkbs, func: Callable[[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]]) -> List[bytes]:
    """map_wkb_xy for many geometries with one call of func for all their points (None stays
    None). Raises ValueError for WKB it cannot read."""
    buffers = [None if wkb is None else bytearray(wkb) for wkb in wkbs]
    arrays = [array for buffer in buffers if buffer is not None for array in _coordinate_arrays(buffer)]
    if not arrays:
        return [None if buffer is None else bytes(buffer) for buffer in buffers]
    x = np.concatenate([a[:, 0] for a in arrays]).astype(np.float64)
    y = np.concatenate([a[:, 1] for a in arrays]).astype(np.float64)
    new_x, new_y = func(x, y)
    new_x = np.asarray(new_x, dtype=np.float64).reshape(-1)
    new_y = np.asarray(new_y, dtype=np.float64).reshape(-1)
    if new_x.size != x.size or new_y.size != y.size:
        raise ValueError("map_wkb_xy: func changed the number of points")
    start = 0
    for array in arrays:
        n = array.shape[0]
        array[:, 0] = new_x[start:start + n]
        array[:, 1] = new_y[start:start + n]
        start += n
    return [None if buffer is None else bytes(buffer) for buffer in buffers]
