"""The web-map coordinate offsets of mainland China: GCJ-02 and BD-09 (pure numpy).

Chinese web maps do not publish WGS84 coordinates. AMap (Gaode), Tencent, Google's China
maps and DataV GeoAtlas (AMap's boundary downloads) use **GCJ-02** ("Mars coordinates"):
longitude/latitude passed through a deliberately nonlinear offset of roughly 100 to 700 m.
Baidu adds a second offset on top of GCJ-02: **BD-09**. A layer in either system loaded as
EPSG:4326 sits hundreds of metres away from its true place.

The forward formulas (WGS84 -> GCJ-02, GCJ-02 -> BD-09) are not official but have been
published and reproduced for over a decade; this module implements them from their
published form:

- GCJ-02: the offset polynomial + sine series in (lon - 105, lat - 35), scaled to degrees on
  the Krasovsky 1940 ellipsoid (a = 6378245 m, e^2 = 0.00669342162296594323), as published by
  the "eviltransform" project (https://github.com/googollee/eviltransform, 2015, with ports in
  many languages) and in "coordtransform" (https://github.com/wandergis/coordtransform).
- BD-09 from GCJ-02: x_pi = pi * 3000 / 180; z = hypot(x, y) + 2e-5 sin(y x_pi);
  theta = atan2(y, x) + 3e-6 cos(x x_pi); (z cos theta + 0.0065, z sin theta + 0.006).
- The area where the offset is applied: the bounding box lon 72.004 .. 137.8347,
  lat 0.8293 .. 55.8271 (eviltransform's outOfChina rule, the one in common use). Points
  outside it are left unchanged, as the services do.

No closed-form inverse exists. The published "inverses" (subtract the offset computed at the
offset point) leave errors of metres; here the inverse solves forward(w) = g by fixed-point
iteration (the offset's Jacobian is about 1e-3, so each step shrinks the error about a
thousand times) until the residual |forward(w) - g| is below 0.1 mm for every point, i.e.
well inside the 1 mm the plugin promises.

Everything takes and returns numpy arrays (or scalars) of longitudes and latitudes in
degrees; nothing here imports Qt or QGIS.
"""

from __future__ import annotations

import math
from typing import Tuple

import numpy as np

# ZONES_OFFSET values of the Processing algorithms (the order of the enum's options)
OFFSET_NONE, OFFSET_GCJ02, OFFSET_BD09 = 0, 1, 2
OFFSET_NAMES = {OFFSET_NONE: "none", OFFSET_GCJ02: "GCJ-02", OFFSET_BD09: "BD-09"}

# The GCJ-02 formulas' ellipsoid (Krasovsky 1940) and constants
KRASOVSKY_A = 6378245.0
KRASOVSKY_EE = 0.00669342162296594323
BD_X_PI = math.pi * 3000.0 / 180.0
BD_DX, BD_DY = 0.0065, 0.006

# (lon_min, lat_min, lon_max, lat_max): where the services apply the offset
OFFSET_AREA = (72.004, 0.8293, 137.8347, 55.8271)

# inverse: stop when every residual is below this (metres), or after this many steps
INVERSE_TOLERANCE_M = 1e-4
INVERSE_MAX_STEPS = 60
# points per block of the vectorised arithmetic (the temporaries of a block stay in cache)
BLOCK = 8192

# WGS84 ellipsoid, for distances in metres (shift_metres) and residuals
_WGS84_A = 6378137.0
_WGS84_EE = 0.00669437999014

Arrays = Tuple[np.ndarray, np.ndarray]


def _arrays(lon, lat) -> Arrays:
    lon = np.array(lon, dtype=np.float64, copy=True, ndmin=1)
    lat = np.array(lat, dtype=np.float64, copy=True, ndmin=1)
    lon, lat = np.broadcast_arrays(lon, lat)
    return np.array(lon, dtype=np.float64), np.array(lat, dtype=np.float64)


def in_offset_area(lon, lat) -> np.ndarray:
    """True where the services offset a point (the published bounding box, edges included);
    False for NaN."""
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    lon_min, lat_min, lon_max, lat_max = OFFSET_AREA
    with np.errstate(invalid="ignore"):
        return (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)


def gcj02_delta(lon, lat) -> Arrays:
    """(dlon, dlat) in degrees that GCJ-02 adds to a WGS84 point (no area check)."""
    lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    x = lon - 105.0
    y = lat - 35.0
    root = np.sqrt(np.abs(x))
    # the part of the series both components share: 20 sin(6 pi x) + 20 sin(2 pi x)
    common = (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    north = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * root + common
    north += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    north += (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    east = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * root + common
    east += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    east += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    # the series is in metres (roughly): to degrees on the Krasovsky ellipsoid at this latitude
    phi = lat / 180.0 * math.pi
    sin_phi = np.sin(phi)
    magic = 1.0 - KRASOVSKY_EE * sin_phi * sin_phi
    sqrt_magic = np.sqrt(magic)
    dlat = (north * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (east * 180.0) / (KRASOVSKY_A / sqrt_magic * np.cos(phi) * math.pi)
    return dlon, dlat


def _gcj02_forward_raw(lon, lat) -> Arrays:
    dlon, dlat = gcj02_delta(lon, lat)
    return lon + dlon, lat + dlat


def _bd09_from_gcj02_raw(lon, lat) -> Arrays:
    x, y = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * BD_X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * BD_X_PI)
    return z * np.cos(theta) + BD_DX, z * np.sin(theta) + BD_DY


def _bd09_forward_raw(lon, lat) -> Arrays:
    return _bd09_from_gcj02_raw(*_gcj02_forward_raw(lon, lat))


_FORWARD_RAW = {OFFSET_GCJ02: _gcj02_forward_raw, OFFSET_BD09: _bd09_forward_raw}


def _check_kind(kind: int) -> int:
    kind = int(kind)
    if kind not in _FORWARD_RAW:
        raise ValueError(f"unknown web-map offset {kind!r} (1 = GCJ-02, 2 = BD-09)")
    return kind


def forward(lon, lat, kind: int) -> Arrays:
    """WGS84 -> GCJ-02 (kind 1) or BD-09 (kind 2); points outside the offset area unchanged.
    Arrays of the broadcast shape (at least 1-D)."""
    kind = _check_kind(kind)
    lon, lat = _arrays(lon, lat)
    flat_lon, flat_lat = lon.reshape(-1), lat.reshape(-1)
    inside = np.flatnonzero(in_offset_area(flat_lon, flat_lat))
    for start in range(0, inside.size, BLOCK):
        block = inside[start:start + BLOCK]
        flat_lon[block], flat_lat[block] = _FORWARD_RAW[kind](flat_lon[block], flat_lat[block])
    return lon, lat


def metres_per_degree(lat) -> Arrays:
    """(metres per degree of longitude, per degree of latitude) on the WGS84 ellipsoid."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    sin2 = np.sin(phi) ** 2
    w = np.sqrt(1.0 - _WGS84_EE * sin2)
    prime_vertical = _WGS84_A / w
    meridional = _WGS84_A * (1.0 - _WGS84_EE) / (w * w * w)
    return prime_vertical * np.cos(phi) * (math.pi / 180.0), meridional * (math.pi / 180.0)


def shift_metres(lon0, lat0, lon1, lat1) -> np.ndarray:
    """Distance in metres between two close points (local ellipsoidal approximation, far
    better than 0.1 % over the few hundred metres of an offset)."""
    lon0, lat0 = np.asarray(lon0, dtype=np.float64), np.asarray(lat0, dtype=np.float64)
    lon1, lat1 = np.asarray(lon1, dtype=np.float64), np.asarray(lat1, dtype=np.float64)
    east, north = metres_per_degree(0.5 * (lat0 + lat1))
    return np.hypot((lon1 - lon0) * east, (lat1 - lat0) * north)


def inverse(lon, lat, kind: int, tolerance_m: float = INVERSE_TOLERANCE_M, max_steps: int = INVERSE_MAX_STEPS,
            with_residual: bool = False):
    """GCJ-02 (kind 1) or BD-09 (kind 2) -> WGS84, exact to tolerance_m: the WGS84 point w
    whose forward offset is the given point g, found by the fixed-point iteration
    w <- w - (forward(w) - g). Points outside the offset area are unchanged.

    Returns (lon, lat), or (lon, lat, residual_m) with with_residual (the final
    |forward(w) - g| in metres, 0 outside the offset area)."""
    kind = _check_kind(kind)
    target_lon, target_lat = _arrays(lon, lat)
    out_lon, out_lat = target_lon.copy(), target_lat.copy()
    residual = np.zeros(out_lon.shape, dtype=np.float64)
    flat_lon, flat_lat, flat_res = out_lon.reshape(-1), out_lat.reshape(-1), residual.reshape(-1)
    active = np.flatnonzero(in_offset_area(target_lon, target_lat).ravel())
    steps = max(1, int(max_steps))
    for start in range(0, active.size, BLOCK):  # blocks that stay in the CPU's cache: 3-4x faster
        block = active[start:start + BLOCK]
        w_lon, w_lat, res = _solve(_FORWARD_RAW[kind], flat_lon[block], flat_lat[block], float(tolerance_m), steps)
        flat_lon[block], flat_lat[block], flat_res[block] = w_lon, w_lat, res
    if with_residual:
        return out_lon, out_lat, residual
    return out_lon, out_lat


def _solve(raw, goal_lon: np.ndarray, goal_lat: np.ndarray, tolerance_m: float, steps: int):
    """(lon, lat, residual in metres) with raw(lon, lat) = goal, by fixed-point iteration."""
    out_lon, out_lat = np.empty_like(goal_lon), np.empty_like(goal_lat)
    out_res = np.empty_like(goal_lon)
    index = np.arange(goal_lon.size)
    east, north = metres_per_degree(goal_lat)
    tolerance2 = tolerance_m * tolerance_m
    # first guess: the point moved back by the offset measured at the point itself (the
    # published one-step inverse, off by up to about 5 m)
    f_lon, f_lat = raw(goal_lon, goal_lat)
    w_lon, w_lat = goal_lon - (f_lon - goal_lon), goal_lat - (f_lat - goal_lat)
    for step in range(steps):
        f_lon, f_lat = raw(w_lon, w_lat)
        r_lon, r_lat = f_lon - goal_lon, f_lat - goal_lat
        res2 = (r_lon * east) ** 2 + (r_lat * north) ** 2
        done = res2 < tolerance2  # NaN never converges: it stays NaN, with a NaN residual
        if step == steps - 1 or done.all():
            out_lon[index], out_lat[index], out_res[index] = w_lon, w_lat, np.sqrt(res2)
            break
        if done.any():  # converged points leave; the others go on
            out_lon[index[done]], out_lat[index[done]] = w_lon[done], w_lat[done]
            out_res[index[done]] = np.sqrt(res2[done])
            moving = ~done
            index, goal_lon, goal_lat = index[moving], goal_lon[moving], goal_lat[moving]
            east, north = east[moving], north[moving]
            w_lon, w_lat, r_lon, r_lat = w_lon[moving], w_lat[moving], r_lon[moving], r_lat[moving]
        w_lon, w_lat = w_lon - r_lon, w_lat - r_lat
    return out_lon, out_lat, out_res


# -- named conversions (the published function names) ---------------------------------------

def wgs84_to_gcj02(lon, lat) -> Arrays:
    return forward(lon, lat, OFFSET_GCJ02)


def gcj02_to_wgs84(lon, lat) -> Arrays:
    return inverse(lon, lat, OFFSET_GCJ02)


def wgs84_to_bd09(lon, lat) -> Arrays:
    return forward(lon, lat, OFFSET_BD09)


def gcj02_to_bd09(lon, lat) -> Arrays:
    """GCJ-02 -> BD-09 (Baidu's published formula; applied where the point is in the offset area)."""
    lon, lat = _arrays(lon, lat)
    inside = in_offset_area(lon, lat)
    if inside.any():
        lon[inside], lat[inside] = _bd09_from_gcj02_raw(lon[inside], lat[inside])
    return lon, lat


# -- a whole layer's vertices: corrected points and what moved ---------------------------------

class ShiftSummary:
    """How far a conversion moved the vertices: count, median and maximum in metres.
    add() takes the distances of one batch; the median is exact (all distances kept as
    float32, 4 bytes a moved vertex)."""

    def __init__(self):
        self.total = 0
        self._moved = []

    def add(self, distances: np.ndarray) -> None:
        distances = np.asarray(distances, dtype=np.float64).ravel()
        self.total += distances.size
        moved = distances[distances > 0]
        if moved.size:
            self._moved.append(moved.astype(np.float32))

    @property
    def moved(self) -> int:
        return int(sum(part.size for part in self._moved))

    def median_m(self) -> float:
        if not self._moved:
            return 0.0
        return float(np.median(np.concatenate(self._moved)))

    def max_m(self) -> float:
        if not self._moved:
            return 0.0
        return float(max(part.max() for part in self._moved))


def to_wgs84(lon, lat, kind: int, summary: ShiftSummary = None) -> Arrays:
    """inverse() of many vertices, their shifts added to summary."""
    out_lon, out_lat = inverse(lon, lat, kind)
    if summary is not None:
        summary.add(shift_metres(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64),
                                 out_lon, out_lat))
    return out_lon, out_lat
