"""Deterministic CISC-like sample data: rasters, valid masks, zones and acquisition dates.

Only numpy, osgeo (gdal/ogr/osr) and the standard library, so the pure engine tests, the
benchmarks and the demo can all use it. Also a command line tool:

    /usr/bin/python3 -m tests.datafactory OUTDIR [--size 16000] [--seed 1]

How the rasters are made
------------------------
Land cover is a pure function of the ABSOLUTE pixel position (column/row index of the 30 m
grid counted from Albers x=0, y=0) and the seed, so every file (both years, both masks, any
extent) agrees where it overlaps, and any window can be regenerated on its own. The fields
are multi-octave value noise: a lattice of hashed random integers per octave, interpolated
with quantised smoothstep weights. The interpolation is exact integer arithmetic (a float64
matrix product of small integers), so thresholds give the same classes on every machine,
whatever BLAS is used. Rasters are produced strip by strip (bounded memory), written into a
temporary tiled GeoTIFF and converted to a Cloud Optimized GeoTIFF by GDAL's COG driver.

Classes: 0 bare/other, 1 impervious (cities, villages, roads), 2 vegetation, 3 water (lakes,
rivers, ponds); roughly 25 / 10 / 57 / 8 % over large areas. 2022 = 2020 with urban growth at
city fringes (about +7 % impervious), a little loss, small water and vegetation/bare changes.
Invalid pixels are 0 in the class rasters; a pixel of a class raster is invalid where its own
year's mask is 0 or where that mask does not cover it.

Environment: CISC_DATAFACTORY_WORKERS=N computes strips in N forked processes (default: CPUs
- 1, so 1 on a 2-core machine); CISC_DATAFACTORY_TUNE=0 leaves malloc and the OpenBLAS thread
count alone (by default, while generating, OpenBLAS uses 1 thread and the GDAL cache is capped
at 256 MB; both are restored afterwards).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import functools
import hashlib
import json
import math
import os
import sys
import tempfile
import time
import zipfile
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
from osgeo import gdal, ogr, osr

__all__ = [
    "CHINA_ALBERS_PROJ4",
    "CHINA_ALBERS_WKT",
    "DEFAULT_ORIGIN",
    "SampleSet",
    "make_cisc_set",
    "write_cog",
    "make_provinces",
    "make_counties",
    "voronoi_cells",
    "make_awkward_zones",
    "write_zones",
    "make_dates_zip",
    "make_misaligned_mask",
    "make_bad_rasters",
    "class_block",
    "mask_block",
    "read_array",
]

CHINA_ALBERS_PROJ4 = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
CHINA_ALBERS_WKT = (
    'PROJCS["China Albers Equal Area (WGS 84)",'
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]],'
    'PROJECTION["Albers_Conic_Equal_Area"],'
    'PARAMETER["latitude_of_center",0],PARAMETER["longitude_of_center",105],'
    'PARAMETER["standard_parallel_1",25],PARAMETER["standard_parallel_2",47],'
    'PARAMETER["false_easting",0],PARAMETER["false_northing",0],'
    'UNIT["metre",1,AUTHORITY["EPSG","9001"]],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
)
# Top-left corner of cisc_2020 (Albers metres, multiples of 30): about 116.0 E, 34.9 N. A
# 16000 x 16000 raster (480 km) then covers roughly Anhui/Jiangsu, 116-121 E, 30-35 N.
DEFAULT_ORIGIN = (990000.0, 3780000.0)

YEARS = (2020, 2022)
DATES_ZIP_NAME = "source_date_dissovle.zip"  # sic: the record's own spelling

# ----------------------------------------------------------------------------------------
# GDAL exception mode: switched on inside our functions, restored afterwards.


@contextlib.contextmanager
def _gdal_exceptions():
    previous = [(module, bool(module.GetUseExceptions())) for module in (gdal, ogr, osr)]
    for module, _ in previous:
        module.UseExceptions()
    try:
        yield
    finally:
        for module, was_on in reversed(previous):
            if not was_on:
                try:
                    module.DontUseExceptions()
                except RuntimeError:  # GDAL < 3.7 insists on a strict order; leave it on
                    pass


def _with_gdal_exceptions(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _gdal_exceptions():
            return func(*args, **kwargs)

    return wrapper


def _generating(func):
    """GDAL exceptions on and generation resources (see _generation_resources) for func."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with _gdal_exceptions(), _generation_resources():
            return func(*args, **kwargs)

    return wrapper


# ----------------------------------------------------------------------------------------
# Process resources while generating: bounded GDAL cache, one BLAS thread (the products
# are small, and GDAL's COG conversion runs on the other core), big temporaries kept on the
# heap. The GDAL cache size and the BLAS thread count are restored afterwards.

_GDAL_CACHE_BYTES = 256 << 20


@functools.cache
def _openblas():
    """(get, set) of the OpenBLAS thread count numpy uses, or None."""
    try:
        import ctypes

        with open("/proc/self/maps", encoding="utf-8", errors="replace") as handle:
            libs = sorted({line.split()[-1] for line in handle if "blas" in line.rsplit("/", 1)[-1].lower()})
        for lib in libs:
            try:
                handle = ctypes.CDLL(lib)
                getter, setter = handle.openblas_get_num_threads, handle.openblas_set_num_threads
            except (OSError, AttributeError):
                continue
            getter.restype = ctypes.c_int
            setter.argtypes = [ctypes.c_int]
            return getter, setter
    except Exception:  # not Linux, no OpenBLAS: nothing to tune
        return None
    return None


@functools.cache
def _tune_malloc() -> None:
    """glibc: keep freed float64 temporaries (up to 64 MB) on the heap instead of fresh mmaps."""
    if os.environ.get("CISC_DATAFACTORY_TUNE", "1") == "0":
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(-3, 64 << 20)  # M_MMAP_THRESHOLD
        libc.mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD
    except Exception:
        pass


@contextlib.contextmanager
def _generation_resources():
    _tune_malloc()
    cache = gdal.GetCacheMax()
    gdal.SetCacheMax(min(cache, _GDAL_CACHE_BYTES))
    blas = _openblas() if os.environ.get("CISC_DATAFACTORY_TUNE", "1") != "0" else None
    threads = None
    if blas is not None:
        threads = blas[0]()
        blas[1](1)
    try:
        yield
    finally:
        if blas is not None and threads:
            blas[1](threads)
        gdal.SetCacheMax(cache)


# ----------------------------------------------------------------------------------------
# Exact, position-based value noise.

_U64 = np.uint64
_P1 = _U64(0x9E3779B97F4A7C15)
_P2 = _U64(0xC2B2AE3D27D4EB4F)
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)
_S30, _S27, _S31, _S56 = _U64(30), _U64(27), _U64(31), _U64(56)
_CHUNK_ROWS = 32  # rows per matrix product in _noise_raw
_WONE = 1024  # interpolation weights are integers 0.._WONE
_LMAX = 255  # lattice values are integers 0.._LMAX


def _mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place on a uint64 array."""
    h ^= h >> _S30
    h *= _M1
    h ^= h >> _S27
    h *= _M2
    h ^= h >> _S31
    return h


def _key(seed: int, name: str) -> int:
    digest = hashlib.blake2b(f"cisc-datafactory:{int(seed)}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def _lattice(key: int, y0: int, ny: int, x0: int, nx: int) -> np.ndarray:
    """Hashed lattice values 0.._LMAX (int64, shape ny x nx) at lattice indices y0.., x0.."""
    gy = np.arange(y0, y0 + ny, dtype=np.int64).view(np.uint64)[:, None]
    gx = np.arange(x0, x0 + nx, dtype=np.int64).view(np.uint64)[None, :]
    with np.errstate(over="ignore"):
        hy = _mix64(gy * _P2 + _U64(key))
        h = _mix64(gx * _P1 + hy)
    return (h >> _S56).astype(np.int64)


@functools.cache
def _weights(scale: int) -> np.ndarray:
    """Quantised smoothstep weights (0.._WONE) of the pixel centres inside one lattice cell."""
    t = (np.arange(scale, dtype=np.float64) + 0.5) / scale
    w = t * t * (3.0 - 2.0 * t)
    return np.floor(w * _WONE + 0.5).astype(np.int64)


Octaves = Tuple[Tuple[int, int], ...]  # ((lattice cell size in pixels, integer weight), ...)


_UNIT = float(_LMAX * _WONE * _WONE)  # raw value of one unit of octave weight at lattice value _LMAX

NoiseParts = Sequence[Tuple[int, "Octaves"]]  # ((key, octaves), ...): summed into one field


def _noise_raw(parts: NoiseParts, r0: int, nr: int, c0: int, nc: int) -> np.ndarray:
    """Sum of value-noise octaves at absolute rows r0.., columns c0.. (float64 nr x nc).

    Exact: the array holds integers (sums of small integer products, far below 2**53), so
    it is the same on every machine whatever BLAS computes the product. Divided by
    _UNIT * (sum of the weights) it is in [0, 1]; each octave is the bilinear (smoothstep)
    interpolation of a hashed lattice, so a field part depends only on its key and octaves.
    """
    rows = np.arange(r0, r0 + nr, dtype=np.int64)
    cols = np.arange(c0, c0 + nc, dtype=np.int64)
    plan = []
    k_total = 0
    for key, octaves in parts:
        for number, (scale, weight) in enumerate(octaves):
            scale, weight = int(scale), int(weight)
            okey = (int(key) + (number + 1) * 0x632BE59BD9B4E019) % (1 << 64)
            ix = cols // scale
            iy = rows // scale
            lx0, ly0 = int(ix[0]), int(iy[0])
            nlx, nly = int(ix[-1]) - lx0 + 2, int(iy[-1]) - ly0 + 2
            plan.append((okey, scale, weight, ix, iy, lx0, ly0, nlx, nly, k_total))
            k_total += nly
    a = np.empty((k_total, nc), dtype=np.float64)
    w = np.zeros((nr, k_total), dtype=np.float64)
    row_index = np.arange(nr)
    for okey, scale, weight, ix, iy, lx0, ly0, nlx, nly, k0 in plan:
        lat = _lattice(okey, ly0, nly, lx0, nlx).astype(np.float64)
        wx = _weights(scale)[cols - ix * scale]
        jx = ix - lx0
        np.multiply(lat[:, jx], (_WONE - wx).astype(np.float64), out=a[k0 : k0 + nly])
        a[k0 : k0 + nly] += lat[:, jx + 1] * wx.astype(np.float64)
        wy = _weights(scale)[rows - iy * scale]
        jy = iy - ly0 + k0
        w[row_index, jy] = (_WONE - wy) * weight
        w[row_index, jy + 1] = wy * weight
    if nr <= _CHUNK_ROWS:
        return w @ a
    # The weight matrix is sparse (2 non-zeros per octave and row): multiply chunk by chunk
    # of rows with only the lattice rows each chunk needs.
    out = np.empty((nr, nc), dtype=np.float64)
    for c_start in range(0, nr, _CHUNK_ROWS):
        c_end = min(nr, c_start + _CHUNK_ROWS)
        idx = []
        for _okey, _scale, _weight, _ix, iy, _lx0, ly0, _nlx, _nly, k0 in plan:
            first = int(iy[c_start]) - ly0 + k0
            last = int(iy[c_end - 1]) - ly0 + k0 + 1
            idx.extend(range(first, last + 1))
        np.matmul(w[c_start:c_end][:, idx], a[idx], out=out[c_start:c_end])
    return out


def _weight_sum(octaves: Octaves) -> int:
    return sum(int(weight) for _, weight in octaves)


def _field_raw(key: int, octaves: Octaves, r0: int, nr: int, c0: int, nc: int) -> Tuple[np.ndarray, float]:
    """One noise field: (raw float64 array, norm); raw / norm is in [0, 1]."""
    return _noise_raw([(key, octaves)], r0, nr, c0, nc), _UNIT * _weight_sum(octaves)


def _field(key: int, octaves: Octaves, r0: int, nr: int, c0: int, nc: int) -> np.ndarray:
    """Value noise in [0, 1] (float32, nr x nc) at absolute rows r0.., columns c0..."""
    raw, norm = _field_raw(key, octaves, r0, nr, c0, nc)
    out = np.empty(raw.shape, dtype=np.float32)
    np.multiply(raw, 1.0 / norm, out=out, casting="unsafe")
    return out


# ----------------------------------------------------------------------------------------
# The synthetic landscape.

# Fields of the land cover (absolute scales, so they do not depend on the raster size).
# Changes 2020 -> 2022 are extra octaves added to a field (weights relative to its own).
_URBAN: Octaves = ((1024, 500), (256, 300), (64, 150), (16, 100))
_GROWTH: Octaves = ((256, 8), (64, 5))  # urban field + up to 13 / 1050 = 1.2 %
_VEG: Octaves = ((512, 120), (128, 80), (32, 60), (8, 40), (4, 20))
_VCHANGE: Octaves = ((128, 11), (32, 5))  # vegetation field +- 16 / 320 / 2 = 2.5 %
_LAKE: Octaves = ((2048, 160), (512, 80), (128, 40), (32, 20))
_WCHANGE: Octaves = ((128, 9),)  # lake field +- 9 / 300 / 2 = 1.5 %
_RIVER: Octaves = ((4096, 6), (1024, 2), (256, 1))
_ROAD: Octaves = ((2048, 6), (512, 1))
_VILLAGE: Octaves = ((16, 2), (4, 1))
_LOSS: Octaves = ((32, 1), (8, 1))
_POND: Octaves = ((512, 20), (32, 30), (8, 10))  # fish ponds and small reservoirs, everywhere
_PCHANGE: Octaves = ((64, 3),)  # pond field +- 3 / 60 / 2 = 2.5 % (ponds dug or drained)

# Thresholds on fields in [0, 1], chosen for roughly 10 % impervious, 58 % vegetation and
# 6.5 % water in 2020, and about +6 % impervious by 2022 (see the tests for measured shares).
_T_URBAN = 0.70
_T_VEG = 0.45
_T_LAKE = 0.71
_RIVER_HALF_PX = 1.6  # river half width, in pixels
_ROAD_HALF_PX = 0.55  # road half width, in pixels
_RIDGE_LOOSE = 0.006  # pre-selection of ridge candidates (|field - 0.5| below this)
_T_ROAD_ZONE = 0.45  # secondary roads only where the urban field exceeds this
_T_VILLAGE = 0.74  # village field threshold
_T_VILLAGE_ZONE = 0.35  # villages only where the urban field exceeds this
_T_LOSS = 0.82  # impervious lost where the loss field exceeds this (near city edges)
_LOSS_BAND = 0.045  # ... and the urban field is below _T_URBAN + this
_T_POND = 0.77


@dataclass(frozen=True)
class _Frame:
    """The base frame: seed, pixel size and the 2020 raster's absolute top-left pixel index."""

    seed: int
    gc0: int  # absolute column of cisc_2020's first column
    gr0: int  # absolute row of cisc_2020's first row
    width: int
    height: int
    pixel: float

    @property
    def m(self) -> int:
        return max(1, min(self.width, self.height))


@dataclass(frozen=True)
class _Grid:
    """A raster grid in base-frame pixel offsets (relative to cisc_2020's top-left)."""

    col: int
    row: int
    width: int
    height: int

    def geotransform(self, frame: _Frame, origin: Tuple[float, float], pixel: Optional[float] = None):
        px = frame.pixel if pixel is None else pixel
        return (
            origin[0] + self.col * frame.pixel,
            px,
            0.0,
            origin[1] - self.row * frame.pixel,
            0.0,
            -px,
        )


def _grids(width: int, height: int) -> Dict[str, _Grid]:
    w, h = width, height
    c22 = max(1, w // 40)
    r22 = -max(1, h // 50)
    w22 = w - max(2, w // 16)
    h22 = h + max(2, h // 25)
    g = {
        "cisc_2020": _Grid(0, 0, w, h),
        "cisc_2022": _Grid(c22, r22, w22, h22),
    }
    # 2020 mask: larger on the left and bottom, smaller on the right and top.
    mc = -max(1, w // 128)
    mr = max(1, h // 100)
    g["valid_mask_2020"] = _Grid(mc, mr, (w - max(1, w // 50)) - mc, (h + max(1, h // 64)) - mr)
    # 2022 mask: smaller on the left and bottom, larger on the right and top.
    mc = c22 + max(1, w // 100)
    mr = r22 - max(1, h // 80)
    g["valid_mask_2022"] = _Grid(mc, mr, (c22 + w22 + max(1, w // 64)) - mc, (r22 + h22 - max(1, h // 40)) - mr)
    return g


@dataclass(frozen=True)
class _MaskParams:
    blob: Tuple[float, float, float]  # centre x, y (fractions of the frame), radius (fraction of min side)
    band: str  # "left" or "bottom"
    corner: bool  # top-right "outside the country" triangle
    holes: Optional[Tuple[float, float, float, float]]  # x0, y0, x1, y1 of a field of small gaps


@functools.lru_cache(maxsize=64)
def _mask_params(seed: int, year: int) -> _MaskParams:
    rng = np.random.default_rng([int(seed), int(year), 77])
    if year == 2020:
        blob = (float(rng.uniform(0.58, 0.72)), float(rng.uniform(0.28, 0.42)), float(rng.uniform(0.09, 0.12)))
        return _MaskParams(blob, "left", True, None)
    blob = (float(rng.uniform(0.25, 0.38)), float(rng.uniform(0.58, 0.72)), float(rng.uniform(0.08, 0.11)))
    x0 = float(rng.uniform(0.55, 0.62))
    y0 = float(rng.uniform(0.10, 0.18))
    return _MaskParams(blob, "bottom", False, (x0, y0, x0 + 0.3, y0 + 0.25))


def _window(r0: int, nr: int, c0: int, nc: int, rmin: float, rmax: float, cmin: float, cmax: float):
    """Part of the block (relative slices) whose base rows/columns fall in [min, max], or None."""
    ra = max(r0, int(math.floor(rmin)))
    rb = min(r0 + nr, int(math.ceil(rmax)) + 1)
    ca = max(c0, int(math.floor(cmin)))
    cb = min(c0 + nc, int(math.ceil(cmax)) + 1)
    if ra >= rb or ca >= cb:
        return None
    return ra - r0, rb - r0, ca - c0, cb - c0


def _valid_block(frame: _Frame, year: int, r0: int, nr: int, c0: int, nc: int) -> np.ndarray:
    """Boolean validity of the year's mask at base-frame rows r0.., columns c0.. (ignores extents).

    Each invalid feature is evaluated only on the part of the block it can reach.
    """
    params = _mask_params(frame.seed, year)
    width, height, m = frame.width, frame.height, frame.m
    f32 = np.float32
    key = _key(frame.seed, f"mask{year}")
    s1 = max(4, m // 12)
    band_octaves = ((max(4, m // 6), 2), (max(4, m // 24), 1))
    invalid = np.zeros((nr, nc), dtype=bool)

    def coords(win):
        ra, rb, ca, cb = win
        x = ((np.arange(c0 + ca, c0 + cb, dtype=np.float32) + f32(0.5)) / f32(width))[None, :]
        y = ((np.arange(r0 + ra, r0 + rb, dtype=np.float32) + f32(0.5)) / f32(height))[:, None]
        return x, y

    def field(win, k, octaves):
        ra, rb, ca, cb = win
        return _field(k, octaves, frame.gr0 + r0 + ra, rb - ra, frame.gc0 + c0 + ca, cb - ca)

    # irregular blob without imagery
    bx, by, br = params.blob
    reach = 1.45 * br * m + 2
    win = _window(r0, nr, c0, nc, by * height - reach, by * height + reach, bx * width - reach, bx * width + reach)
    if win is not None:
        x, y = coords(win)
        dx = (x - f32(bx)) * f32(width / m)
        dy = (y - f32(by)) * f32(height / m)
        wobble = field(win, key + 1, ((2 * s1, 2), (s1, 2), (max(4, s1 // 4), 1)))
        radius = f32(br) * (f32(0.55) + f32(0.9) * wobble)
        ra, rb, ca, cb = win
        invalid[ra:rb, ca:cb] |= dx * dx + dy * dy < radius * radius
    # irregular band along one edge (and everything beyond it)
    big = 1e12
    if params.band == "left":
        win = _window(r0, nr, c0, nc, -big, big, -big, 0.075 * width + 1)
    else:
        win = _window(r0, nr, c0, nc, 0.895 * height - 1, big, -big, big)
    if win is not None:
        x, y = coords(win)
        noise = field(win, key + 2, band_octaves)
        ra, rb, ca, cb = win
        if params.band == "left":
            invalid[ra:rb, ca:cb] |= x < f32(0.015) + f32(0.06) * noise
        else:
            invalid[ra:rb, ca:cb] |= y > f32(0.955) - f32(0.06) * noise
    if params.corner:  # outside the country: a ragged triangle in the top-right corner
        y_first = (r0 + 0.5) / height
        win = _window(r0, nr, c0, nc, -big, big, (0.78 + y_first) * width - 2, big)
        if win is not None:
            x, y = coords(win)
            noise = field(win, key + 2, band_octaves)
            ra, rb, ca, cb = win
            invalid[ra:rb, ca:cb] |= (x - y) > f32(0.78) + f32(0.08) * noise
    if params.holes is not None:  # scattered gaps (clouds, missing scenes)
        hx0, hy0, hx1, hy1 = params.holes
        win = _window(r0, nr, c0, nc, hy0 * height - 1, hy1 * height + 1, hx0 * width - 1, hx1 * width + 1)
        if win is not None:
            x, y = coords(win)
            inside = (x > f32(hx0)) & (x < f32(hx1)) & (y > f32(hy0)) & (y < f32(hy1))
            gaps = field(win, key + 3, ((max(4, m // 48), 2), (max(4, m // 160), 1)))
            ra, rb, ca, cb = win
            invalid[ra:rb, ca:cb] |= inside & (gaps > f32(0.68))
    np.logical_not(invalid, out=invalid)
    return invalid


def _thin_ridge(key: int, octaves: Octaves, ar: int, nr: int, ac: int, nc: int, half_px: float) -> np.ndarray:
    """Lines where a noise field crosses 0.5, about 2 * half_px pixels wide everywhere.

    |f - 0.5| < half_px * (largest one-pixel change of f), tested only on the few pixels
    where |f - 0.5| < _RIDGE_LOOSE.
    """
    raw, norm = _field_raw(key, octaves, ar, nr + 1, ac, nc + 1)
    f = raw[:-1, :-1]
    cand = f > (0.5 - _RIDGE_LOOSE) * norm
    cand &= f < (0.5 + _RIDGE_LOOSE) * norm
    rr, cc = np.nonzero(cand)
    out = np.zeros((nr, nc), dtype=bool)
    if rr.size:
        v = raw[rr, cc]
        grad = np.maximum(np.abs(raw[rr, cc + 1] - v), np.abs(raw[rr + 1, cc] - v))
        keep = np.abs(v - 0.5 * norm) < half_px * grad
        out[rr[keep], cc[keep]] = True
    return out


def _landcover_block(frame: _Frame, year: int, r0: int, nr: int, c0: int, nc: int) -> np.ndarray:
    """Classes 0..3 (uint8) before masking, at base-frame rows r0.., columns c0...

    Depends only on the absolute pixel position and the seed. Works on the exact (integer
    valued) float64 fields with thresholds scaled to raw units.
    """
    ar, ac = frame.gr0 + r0, frame.gc0 + c0
    s = frame.seed
    later = year != 2020
    # urban field (2022: plus growth)
    su = _weight_sum(_URBAN)
    parts = [(_key(s, "urban"), _URBAN)] + ([(_key(s, "growth"), _GROWTH)] if later else [])
    urban = _noise_raw(parts, ar, nr, ac, nc)
    unit_u = _UNIT * su
    # vegetation / bare (2022: plus a centred change field)
    sv = _weight_sum(_VEG)
    parts = [(_key(s, "veg"), _VEG)] + ([(_key(s, "vchange"), _VCHANGE)] if later else [])
    veg = _noise_raw(parts, ar, nr, ac, nc)
    t_veg = _UNIT * (_T_VEG * sv + (0.5 * _weight_sum(_VCHANGE) if later else 0.0))
    out = np.where(veg > t_veg, np.uint8(2), np.uint8(0))
    del veg
    # impervious: roads, villages, urban fabric
    impervious = _thin_ridge(_key(s, "road1"), _ROAD, ar, nr, ac, nc, _ROAD_HALF_PX)
    road2 = _thin_ridge(_key(s, "road2"), _ROAD, ar, nr, ac, nc, _ROAD_HALF_PX)
    road2 &= urban > _T_ROAD_ZONE * unit_u
    impervious |= road2
    del road2
    village, nvl = _field_raw(_key(s, "village"), _VILLAGE, ar, nr, ac, nc)
    villages = village > _T_VILLAGE * nvl
    del village
    villages &= urban > _T_VILLAGE_ZONE * unit_u
    impervious |= villages
    del villages
    impervious |= urban > _T_URBAN * unit_u
    if later:
        # a little loss, only of 2020 urban fabric: urban + growth above _T_URBAN + max growth
        loss_raw, nl = _field_raw(_key(s, "loss"), _LOSS, ar, nr, ac, nc)
        loss = loss_raw > _T_LOSS * nl
        del loss_raw
        loss &= urban > _UNIT * (_T_URBAN * su + _weight_sum(_GROWTH))
        loss &= urban < (_T_URBAN + _LOSS_BAND) * unit_u
        impervious &= ~loss
        out[loss] = 2
        del loss
    del urban
    out[impervious] = 1
    del impervious
    # water: lakes (2022: plus a centred change field) and rivers
    sk = _weight_sum(_LAKE)
    parts = [(_key(s, "lake"), _LAKE)] + ([(_key(s, "wchange"), _WCHANGE)] if later else [])
    lake = _noise_raw(parts, ar, nr, ac, nc)
    water = lake > _UNIT * (_T_LAKE * sk + (0.5 * _weight_sum(_WCHANGE) if later else 0.0))
    del lake
    water |= _thin_ridge(_key(s, "river"), _RIVER, ar, nr, ac, nc, _RIVER_HALF_PX)
    parts = [(_key(s, "pond"), _POND)] + ([(_key(s, "pchange"), _PCHANGE)] if later else [])
    pond = _noise_raw(parts, ar, nr, ac, nc)
    water |= pond > _UNIT * (_T_POND * _weight_sum(_POND) + (0.5 * _weight_sum(_PCHANGE) if later else 0.0))
    del pond
    out[water] = 3
    return out


def _inside(grid: _Grid, r0: int, nr: int, c0: int, nc: int) -> np.ndarray:
    rows = np.arange(r0, r0 + nr)
    cols = np.arange(c0, c0 + nc)
    rin = (rows >= grid.row) & (rows < grid.row + grid.height)
    cin = (cols >= grid.col) & (cols < grid.col + grid.width)
    return rin[:, None] & cin[None, :]


def _sub_rows(nc: int) -> int:
    """Rows per sub-block so float64 temporaries stay below ~16 MB (heap, not fresh mmaps)."""
    return max(8, min(256, 2_000_000 // max(1, nc)))


def _class_strip(frame: _Frame, year: int, grids: Dict[str, _Grid], r0: int, nr: int, c0: int, nc: int):
    out = np.empty((nr, nc), dtype=np.uint8)
    step = _sub_rows(nc)
    for start in range(0, nr, step):
        n = min(step, nr - start)
        block = _landcover_block(frame, year, r0 + start, n, c0, nc)
        valid = _valid_block(frame, year, r0 + start, n, c0, nc)
        valid &= _inside(grids[f"valid_mask_{year}"], r0 + start, n, c0, nc)
        block[~valid] = 0
        out[start : start + n] = block
    return out


def _mask_strip(frame: _Frame, year: int, r0: int, nr: int, c0: int, nc: int):
    out = np.empty((nr, nc), dtype=np.uint8)
    step = _sub_rows(nc)
    for start in range(0, nr, step):
        n = min(step, nr - start)
        out[start : start + n] = _valid_block(frame, year, r0 + start, n, c0, nc)
    return out


def _strip_rows(width: int, tile: int) -> int:
    rows = max(16, min(1024, 8_000_000 // max(1, width)))
    if rows >= tile:
        rows = (rows // tile) * tile
    return rows


def _run_job(job: tuple, r0: int, nr: int, c0: int, nc: int) -> np.ndarray:
    """One strip of a file: job = ("class", frame, year, grids) or ("mask", frame, year)."""
    if job[0] == "class":
        return _class_strip(job[1], job[2], job[3], r0, nr, c0, nc)
    if job[0] == "mask":
        return _mask_strip(job[1], job[2], r0, nr, c0, nc)
    if job[0] == "mask_coarse":  # every second pixel of the 30 m mask (a 60 m mask)
        return _mask_strip(job[1], job[2], r0, 2 * nr, c0, 2 * nc)[::2, ::2].copy()
    raise ValueError(job[0])


def _pool(workers: int):
    """A process pool (fork: no GIL, nothing to import again) or, where fork is missing, threads."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    return ThreadPoolExecutor(max_workers=workers)


def _grid_strips(grid: _Grid, job: tuple, tile: int, workers: int, *, step: int = 1) -> Iterator[np.ndarray]:
    """The strips of grid, in order, computed by `workers` processes (at most 2 per worker in flight).

    step=2: grid is in half resolution (job "mask_coarse"): its rows/columns map to 2x the base ones.
    """
    rows = _strip_rows(grid.width * step, tile) // step or 1
    spans = [(start, min(rows, grid.height - start)) for start in range(0, grid.height, rows)]

    def args(span):
        start, n = span
        return (job, grid.row + step * start, n, grid.col, grid.width)

    if workers <= 1 or len(spans) <= 1:
        for span in spans:
            yield _run_job(*args(span))
        return
    with _pool(workers) as pool:
        pending: deque = deque()
        for span in spans:
            pending.append(pool.submit(_run_job, *args(span)))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _workers() -> int:
    """Processes computing strips: CISC_DATAFACTORY_WORKERS, else CPUs - 1 (at most 4).

    One CPU is left to GDAL's COG conversion, which runs alongside; 1 means no extra process.
    """
    wanted = os.environ.get("CISC_DATAFACTORY_WORKERS", "").strip()
    if wanted.isdigit():
        return max(1, int(wanted))
    return max(1, min(4, (os.cpu_count() or 1) - 1))


# ----------------------------------------------------------------------------------------
# Writing Cloud Optimized GeoTIFFs.


_GDAL_TYPES = {
    "uint8": "Byte",
    "int8": "Int8",
    "uint16": "UInt16",
    "int16": "Int16",
    "uint32": "UInt32",
    "int32": "Int32",
    "float32": "Float32",
    "float64": "Float64",
}


def _write_tiled_tmp(path, data, geotransform, crs_wkt, *, dtype, nodata, tile, size, bands) -> str:
    """Write data (array or strips) into an uncompressed tiled GeoTIFF beside path; its name."""
    np_dtype = np.dtype(dtype)
    if isinstance(data, np.ndarray):
        arr = data if data.ndim == 3 else data[None, :, :]
        bands, height, width = arr.shape
        strips: Iterable[np.ndarray] = [arr]
    else:
        if size is None:
            raise ValueError("write_cog: size=(width, height) is required with a strip iterable")
        width, height = int(size[0]), int(size[1])
        strips = data
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.tmp.tif")
    ds = None
    try:
        ds = gdal.GetDriverByName("GTiff").Create(
            tmp,
            width,
            height,
            bands,
            gdal.GetDataTypeByName(_GDAL_TYPES[np_dtype.name]),
            options=["TILED=YES", f"BLOCKXSIZE={tile}", f"BLOCKYSIZE={tile}", "BIGTIFF=IF_SAFER", "INTERLEAVE=BAND"],
        )
        ds.SetGeoTransform(tuple(float(v) for v in geotransform))
        ds.SetProjection(crs_wkt)
        if nodata is not None:
            for b in range(1, bands + 1):
                ds.GetRasterBand(b).SetNoDataValue(float(nodata))
        row = 0
        for strip in strips:
            strip = np.asarray(strip)
            if strip.ndim == 2:
                strip = strip[None, :, :]
            if strip.shape[0] != bands or strip.shape[2] != width:
                raise ValueError(f"write_cog: strip of shape {strip.shape}, expected ({bands}, n, {width})")
            for b in range(bands):
                ds.GetRasterBand(b + 1).WriteArray(strip[b].astype(np_dtype, copy=False), 0, row)
            row += strip.shape[1]
        if row != height:
            raise ValueError(f"write_cog: got {row} rows, expected {height}")
        ds.FlushCache()
        ds = None
    except BaseException:
        ds = None
        if os.path.exists(tmp):
            gdal.GetDriverByName("GTiff").Delete(tmp)
        raise
    return tmp


def _tmp_to_cog(tmp, path, *, tile, overviews, resampling, compress, level) -> str:
    """Convert the temporary GeoTIFF to a COG at path, then delete it."""
    try:
        options = [
            f"COMPRESS={compress}",
            f"BLOCKSIZE={tile}",
            f"OVERVIEWS={'AUTO' if overviews else 'NONE'}",
            f"OVERVIEW_RESAMPLING={resampling}",
            "NUM_THREADS=ALL_CPUS",
            "BIGTIFF=IF_SAFER",
        ]
        if level is not None:
            options.append(f"LEVEL={int(level)}")
        if os.path.exists(path):
            os.remove(path)
        out = gdal.Translate(path, tmp, format="COG", creationOptions=options)
        if out is None:
            raise RuntimeError(f"COG conversion of {path} failed: {gdal.GetLastErrorMsg()}")
        out = None
    finally:
        if os.path.exists(tmp):
            gdal.GetDriverByName("GTiff").Delete(tmp)
    return path


@_generating
def write_cog(
    path: str,
    data: Union[np.ndarray, Iterable[np.ndarray]],
    geotransform: Sequence[float],
    crs_wkt: str,
    *,
    dtype=np.uint8,
    nodata: Optional[float] = None,
    tile: int = 512,
    overviews: bool = True,
    size: Optional[Tuple[int, int]] = None,
    bands: int = 1,
    resampling: str = "NEAREST",
    compress: str = "DEFLATE",
    level: Optional[int] = None,
) -> str:
    """Write a Cloud Optimized GeoTIFF (DEFLATE, tile x tile blocks, internal overviews).

    data: a 2-D array (rows, columns), a 3-D array (bands, rows, columns), or an iterable of
    consecutive row strips (2-D, or 3-D band-first) from row 0 down; an iterable needs
    size=(width, height) (and bands= when more than one). Strips go to a temporary tiled
    GeoTIFF beside path, which GDAL's COG driver then converts, so memory stays bounded.
    Overviews: resampling (NEAREST by default, MODE also fits classes), down to one tile.
    """
    path = os.fspath(path)
    tmp = _write_tiled_tmp(
        path, data, geotransform, crs_wkt, dtype=dtype, nodata=nodata, tile=tile, size=size, bands=bands
    )
    return _tmp_to_cog(tmp, path, tile=tile, overviews=overviews, resampling=resampling, compress=compress, level=level)


# ----------------------------------------------------------------------------------------
# The sample set.


@dataclass
class SampleSet:
    folder: str
    cisc_2020: str
    cisc_2022: str
    valid_mask_2020: str
    valid_mask_2022: str
    width: int  # of cisc_2020
    height: int
    geotransform: Tuple[float, float, float, float, float, float]  # of cisc_2020
    crs_wkt: str
    dates_zip: Optional[str] = None
    seed: int = 1
    pixel: float = 30.0
    # every file's grid: name ("cisc_2020", "valid_mask_2022", ...) -> {"geotransform", "width", "height"}
    grids: Dict[str, dict] = field(default_factory=dict)

    @property
    def paths(self) -> Dict[str, str]:
        return {
            "cisc_2020": self.cisc_2020,
            "cisc_2022": self.cisc_2022,
            "valid_mask_2020": self.valid_mask_2020,
            "valid_mask_2022": self.valid_mask_2022,
        }

    def bounds(self, name: str = "cisc_2020") -> Tuple[float, float, float, float]:
        """(xmin, ymin, xmax, ymax) in Albers metres of one file's grid."""
        g = (
            self.grids[name]
            if self.grids
            else {"geotransform": self.geotransform, "width": self.width, "height": self.height}
        )
        gt = g["geotransform"]
        return (gt[0], gt[3] + gt[5] * g["height"], gt[0] + gt[1] * g["width"], gt[3])

    def union_bounds(self) -> Tuple[float, float, float, float]:
        boxes = [self.bounds(n) for n in (self.grids or {"cisc_2020": None})]
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))

    def to_json(self) -> dict:
        return asdict(self)


def _frame_of(sample_set: SampleSet) -> _Frame:
    gt = sample_set.geotransform
    px = float(sample_set.pixel)
    return _Frame(
        int(sample_set.seed), int(round(gt[0] / px)), int(round(-gt[3] / px)), sample_set.width, sample_set.height, px
    )


def _file_names(naming: str) -> Dict[str, str]:
    if naming == "underscore":
        return {f"cisc_{y}": f"cisc_{y}.tif" for y in YEARS} | {f"valid_mask_{y}": f"valid_mask_{y}.tif" for y in YEARS}
    if naming == "nounderscore":
        return {f"cisc_{y}": f"cisc{y}.tif" for y in YEARS} | {f"valid_mask_{y}": f"valid_mask_{y}.tif" for y in YEARS}
    if naming == "upper":
        return {f"cisc_{y}": f"CISC_{y}.TIF" for y in YEARS} | {f"valid_mask_{y}": f"VALID_MASK_{y}.TIF" for y in YEARS}
    raise ValueError(f"naming must be 'underscore', 'nounderscore' or 'upper', not {naming!r}")


def class_block(sample_set: SampleSet, year: int, col: int, row: int, width: int, height: int) -> np.ndarray:
    """What cisc_<year> holds (or would hold) at the window given in cisc_2020 pixel offsets.

    Pixels outside the year's mask grid or where the mask is 0 are 0, as in the files;
    the window may lie anywhere (outside the file's extent it shows what a larger file would).
    """
    frame = _frame_of(sample_set)
    grids = _grids(frame.width, frame.height)
    return _class_strip(frame, int(year), grids, row, height, col, width)


def mask_block(sample_set: SampleSet, year: int, col: int, row: int, width: int, height: int) -> np.ndarray:
    """The year's mask values (uint8 0/1) at a window in cisc_2020 pixel offsets, ignoring its extent."""
    frame = _frame_of(sample_set)
    return _mask_strip(frame, int(year), row, height, col, width)


@_generating
def make_cisc_set(
    folder,
    width: int,
    height: int,
    seed: int = 1,
    *,
    origin: Tuple[float, float] = DEFAULT_ORIGIN,
    pixel: float = 30.0,
    tile: int = 512,
    overviews: bool = True,
    naming: str = "underscore",
    with_dates: bool = True,
    date_format: str = "yyyymmdd",
    workers: Optional[int] = None,
) -> SampleSet:
    """Write cisc_2020/2022 and valid_mask_2020/2022 (+ the dates zip) into folder.

    width, height: size of cisc_2020; the other three files have other extents on the same
    pixel grid (see SampleSet.grids).
    """
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    width, height, seed = int(width), int(height), int(seed)
    if width < 8 or height < 8:
        raise ValueError("make_cisc_set: width and height must be at least 8")
    pixel = float(pixel)
    frame = _Frame(seed, int(round(origin[0] / pixel)), int(round(-origin[1] / pixel)), width, height, pixel)
    grids = _grids(width, height)
    names = _file_names(naming)
    workers = _workers() if workers is None else int(workers)
    paths, grid_info = {}, {}
    # Each file: strips -> temporary tiled GeoTIFF (here), then COG conversion in a thread
    # (GDAL works without the GIL) while the next file is computed.
    with ThreadPoolExecutor(max_workers=1) as converter:
        conversions = []
        for name in ("cisc_2020", "cisc_2022", "valid_mask_2020", "valid_mask_2022"):
            grid = grids[name]
            year = int(name[-4:])
            job = ("class", frame, year, grids) if name.startswith("cisc") else ("mask", frame, year)
            gt = grid.geotransform(frame, origin)
            path = os.path.join(folder, names[name])
            tmp = _write_tiled_tmp(
                path,
                _grid_strips(grid, job, tile, workers),
                gt,
                CHINA_ALBERS_WKT,
                dtype=np.uint8,
                nodata=None,
                tile=tile,
                size=(grid.width, grid.height),
                bands=1,
            )
            conversions.append(
                converter.submit(
                    _with_gdal_exceptions(_tmp_to_cog),
                    tmp,
                    path,
                    tile=tile,
                    overviews=overviews,
                    resampling="NEAREST",
                    compress="DEFLATE",
                    level=None,
                )
            )
            paths[name] = path
            grid_info[name] = {"geotransform": gt, "width": grid.width, "height": grid.height}
        for conversion in conversions:
            conversion.result()
    sample = SampleSet(
        folder=folder,
        cisc_2020=paths["cisc_2020"],
        cisc_2022=paths["cisc_2022"],
        valid_mask_2020=paths["valid_mask_2020"],
        valid_mask_2022=paths["valid_mask_2022"],
        width=width,
        height=height,
        geotransform=grid_info["cisc_2020"]["geotransform"],
        crs_wkt=CHINA_ALBERS_WKT,
        dates_zip=None,
        seed=seed,
        pixel=pixel,
        grids=grid_info,
    )
    if with_dates:
        sample.dates_zip = make_dates_zip(os.path.join(folder, DATES_ZIP_NAME), sample, seed, date_format=date_format)
    return sample


@_generating
def make_misaligned_mask(path, sample_set: SampleSet, kind: str = "coarser") -> str:
    """A 2020 mask on a grid that does not match the rasters.

    kind="coarser": 60 m pixels over the 2020 mask's extent; kind="shifted": 30 m pixels
    shifted by half a pixel (+15 m east, -15 m north).
    """
    frame = _frame_of(sample_set)
    grid = _grids(frame.width, frame.height)["valid_mask_2020"]
    gt = list(grid.geotransform(frame, (sample_set.geotransform[0], sample_set.geotransform[3])))
    if kind == "shifted":
        gt[0] += frame.pixel / 2.0
        gt[3] -= frame.pixel / 2.0
        strips = _grid_strips(grid, ("mask", frame, 2020), 512, _workers())
        size = (grid.width, grid.height)
    elif kind == "coarser":
        gt[1] *= 2.0
        gt[5] *= 2.0
        coarse = _Grid(grid.col, grid.row, (grid.width + 1) // 2, (grid.height + 1) // 2)
        strips = _grid_strips(coarse, ("mask_coarse", frame, 2020), 512, _workers(), step=2)
        size = (coarse.width, coarse.height)
    else:
        raise ValueError("kind must be 'coarser' or 'shifted'")
    return write_cog(path, strips, tuple(gt), sample_set.crs_wkt, size=size)


@_with_gdal_exceptions
def make_bad_rasters(folder, seed: int = 1, size: int = 256) -> Dict[str, str]:
    """Rasters the plugin must refuse or handle: name -> path (see the module's tests)."""
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    frame = _Frame(
        int(seed), int(round(DEFAULT_ORIGIN[0] / 30.0)), int(round(-DEFAULT_ORIGIN[1] / 30.0)), size, size, 30.0
    )
    classes = _landcover_block(frame, 2020, 0, size, 0, size)
    gt = (DEFAULT_ORIGIN[0], 30.0, 0.0, DEFAULT_ORIGIN[1], 0.0, -30.0)
    rng = np.random.default_rng([int(seed), 404])
    out = {}
    fractional = classes.astype(np.float32) + rng.random(classes.shape, dtype=np.float32) * np.float32(0.25)
    out["float"] = write_cog(os.path.join(folder, "float.tif"), fractional, gt, CHINA_ALBERS_WKT, dtype=np.float32)
    out["multiband"] = write_cog(
        os.path.join(folder, "multiband.tif"), np.stack([classes, classes, classes]), gt, CHINA_ALBERS_WKT
    )
    above = classes.copy()
    idx = rng.choice(above.size, size=above.size // 50, replace=False)
    above.flat[idx[: len(idx) // 2]] = 7
    above.flat[idx[len(idx) // 2 :]] = 255
    out["values_above_3"] = write_cog(os.path.join(folder, "values_above_3.tif"), above, gt, CHINA_ALBERS_WKT)
    not_raster = os.path.join(folder, "not_a_raster.tif")
    with open(not_raster, "w", encoding="utf-8") as handle:
        handle.write("This is not a GeoTIFF, only text with a .tif name.\n")
    out["not_a_raster"] = not_raster
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    out["geographic"] = write_cog(
        os.path.join(folder, "geographic.tif"), classes, (116.0, 0.00025, 0.0, 34.0, 0.0, -0.00025), wgs84.ExportToWkt()
    )
    nd = classes.copy()
    nd[: size // 8, :] = 255
    nd.flat[idx[: len(idx) // 3]] = 255
    out["nodata255"] = write_cog(os.path.join(folder, "nodata255.tif"), nd, gt, CHINA_ALBERS_WKT, nodata=255)
    return out


@_with_gdal_exceptions
def read_array(path) -> np.ndarray:
    """Band 1 of a (small) raster as an array: a helper for tests."""
    ds = gdal.Open(os.fspath(path))
    try:
        return ds.GetRasterBand(1).ReadAsArray()
    finally:
        ds = None


# ----------------------------------------------------------------------------------------
# Zones: Voronoi tessellations with exactly shared, optionally wiggly, boundaries.


def _as_bounds(obj) -> Tuple[float, float, float, float]:
    if isinstance(obj, SampleSet):
        return obj.union_bounds()
    xmin, ymin, xmax, ymax = (float(v) for v in obj)
    if not (xmax > xmin and ymax > ymin):
        raise ValueError(f"bad bounds {obj!r}")
    return xmin, ymin, xmax, ymax


def _expand(bounds, fraction: float):
    xmin, ymin, xmax, ymax = bounds
    dx, dy = (xmax - xmin) * fraction, (ymax - ymin) * fraction
    return (xmin - dx, ymin - dy, xmax + dx, ymax + dy)


def _spread_points(n: int, bounds, rng: np.random.Generator, candidates: int = 6) -> np.ndarray:
    """n points in bounds, evenly spread (best-candidate sampling)."""
    xmin, ymin, xmax, ymax = bounds
    pts = np.empty((n, 2), dtype=np.float64)
    for i in range(n):
        cand = np.column_stack([rng.uniform(xmin, xmax, candidates), rng.uniform(ymin, ymax, candidates)])
        if i == 0:
            pts[0] = cand[0]
            continue
        d2 = ((cand[:, None, :] - pts[None, :i, :]) ** 2).sum(axis=2).min(axis=1)
        pts[i] = cand[int(np.argmax(d2))]
    return pts


def _circumcenter(a, b, c):
    ax, ay = a
    bx, by = b
    cx, cy = c
    d = 2.0 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    a2, b2, c2 = ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy
    ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
    uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    return (ux, uy)


def _voronoi_topology(points: np.ndarray, box):
    """Cells as lists of (vertex key, label of the edge leaving that vertex).

    Labels: ("S", j) bisector with site j, ("B", k) box side k (0 bottom, 1 right, 2 top, 3 left).
    Vertex keys are canonical so neighbouring cells share them exactly.
    """
    xmin, ymin, xmax, ymax = box
    n = len(points)
    corners = [(xmin, ymin), (xmax, ymin), (xmax, ymax), (xmin, ymax)]
    cells = []
    for i in range(n):
        pi = points[i]
        poly = [(corners[k], ("B", k)) for k in range(4)]  # edge k from corner k to corner k+1
        order = np.argsort(((points - pi) ** 2).sum(axis=1), kind="stable")
        for j in order:
            j = int(j)
            if j == i:
                continue
            pj = points[j]
            dist = math.hypot(pj[0] - pi[0], pj[1] - pi[1])
            radius = max(math.hypot(v[0] - pi[0], v[1] - pi[1]) for v, _ in poly)
            if dist > 2.0 * radius:
                break
            # keep points closer to pi: (p - m) . (pj - pi) <= 0
            mx, my = (pi[0] + pj[0]) / 2.0, (pi[1] + pj[1]) / 2.0
            nx, ny = pj[0] - pi[0], pj[1] - pi[1]

            def side(p, mx=mx, my=my, nx=nx, ny=ny):
                return (p[0] - mx) * nx + (p[1] - my) * ny

            new = []
            m = len(poly)
            for k in range(m):
                p, lab = poly[k]
                q, _ = poly[(k + 1) % m]
                sp, sq = side(p), side(q)
                pin, qin = sp <= 0.0, sq <= 0.0
                if pin:
                    new.append((p, lab))
                if pin != qin:
                    t = sp / (sp - sq)
                    ipt = (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
                    new.append((ipt, ("S", j) if pin else lab))
            poly = new
            if len(poly) < 3:
                break
        cells.append([lab for _, lab in poly])
    # vertex keys: vertex k sits between incoming label[k-1] and outgoing label[k]
    topo = []
    for i, labels in enumerate(cells):
        verts = []
        m = len(labels)
        for k in range(m):
            lin, lout = labels[k - 1], labels[k]
            verts.append((_vertex_key(i, lin, lout), lout))
        # drop duplicates (degenerate, zero-length edges)
        clean = []
        for key, lab in verts:
            if clean and clean[-1][0] == key:
                clean[-1] = (key, lab)
                continue
            clean.append((key, lab))
        if len(clean) > 1 and clean[0][0] == clean[-1][0]:
            clean.pop()
        topo.append(clean)
    return topo


def _vertex_key(i: int, lin, lout):
    kinds = (lin[0], lout[0])
    if kinds == ("S", "S"):
        return ("C", tuple(sorted((i, lin[1], lout[1]))))
    if kinds == ("B", "B"):
        return ("K", tuple(sorted((lin[1], lout[1]))))
    s = lin if lin[0] == "S" else lout
    b = lin if lin[0] == "B" else lout
    return ("E", (b[1],) + tuple(sorted((i, s[1]))))


def _vertex_xy(key, points, box):
    xmin, ymin, xmax, ymax = box
    kind, idx = key
    if kind == "C":
        return _circumcenter(points[idx[0]], points[idx[1]], points[idx[2]])
    if kind == "K":
        a, b = idx
        table = {(0, 1): (xmax, ymin), (1, 2): (xmax, ymax), (2, 3): (xmin, ymax), (0, 3): (xmin, ymin)}
        return table[(a, b)]
    side, i, j = idx
    pi, pj = points[i], points[j]
    mx, my = (pi[0] + pj[0]) / 2.0, (pi[1] + pj[1]) / 2.0
    nx, ny = pj[0] - pi[0], pj[1] - pi[1]
    # bisector: (x - mx) * nx + (y - my) * ny = 0
    if side in (0, 2):
        y = ymin if side == 0 else ymax
        return (mx - (y - my) * ny / nx, y)
    x = xmax if side == 1 else xmin
    return (x, my - (x - mx) * nx / ny)


def _wiggle_points(seed: int, ka, kb, a, b, amplitude: float, count: int) -> List[Tuple[float, float]]:
    """Interior points of the edge from a to b (canonical orientation), displaced sideways."""
    if amplitude <= 0.0 or count <= 0:
        return []
    digest = hashlib.blake2b(repr((int(seed), ka, kb)).encode(), digest_size=8).digest()
    rng = np.random.default_rng(int.from_bytes(digest, "little"))
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    if length == 0.0:
        return []
    nx, ny = -dy / length, dx / length
    harmonics = [(k, rng.uniform(-1.0, 1.0) / k) for k in (1, 2, 3, 5)]
    out = []
    for m in range(1, count + 1):
        t = m / (count + 1)
        off = sum(c * math.sin(math.pi * k * t) for k, c in harmonics)
        off = off / 1.6 * amplitude * length * math.sin(math.pi * t)
        out.append((a[0] + t * dx + off * nx, a[1] + t * dy + off * ny))
    return out


def _ring(coords) -> ogr.Geometry:
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in coords:
        ring.AddPoint_2D(float(x), float(y))
    ring.CloseRings()
    return ring


def _polygon(coords, holes=()) -> ogr.Geometry:
    poly = ogr.Geometry(ogr.wkbPolygon)
    poly.AddGeometry(_ring(coords))
    for hole in holes:
        poly.AddGeometry(_ring(hole))
    return poly


def _cells_to_geometries(topo, points, box, seed: int, amplitude: float, count: int) -> List[ogr.Geometry]:
    xy_cache: dict = {}

    def xy(key):
        if key not in xy_cache:
            xy_cache[key] = _vertex_xy(key, points, box)
        return xy_cache[key]

    geoms = []
    for cell in topo:
        coords = []
        m = len(cell)
        for k in range(m):
            ka, lab = cell[k]
            kb = cell[(k + 1) % m][0]
            coords.append(xy(ka))
            if lab[0] == "S":
                lo, hi = (ka, kb) if ka <= kb else (kb, ka)
                pts = _wiggle_points(seed, lo, hi, xy(lo), xy(hi), amplitude, count)
                coords.extend(pts if lo == ka else pts[::-1])
        geoms.append(_polygon(coords))
    return geoms


@_with_gdal_exceptions
def voronoi_cells(n: int, bounds, seed: int, *, wiggle: float = 0.06, wiggle_points: int = 12) -> List[ogr.Geometry]:
    """n Voronoi cells tessellating bounds exactly (shared boundaries have identical vertices).

    wiggle: sideways displacement of the inner boundaries, as a fraction of the edge length
    (0 for straight edges). Falls back to smaller wiggles when a cell would be invalid.
    """
    box = _as_bounds(bounds)
    n = int(n)
    if n < 1:
        raise ValueError("n must be >= 1")
    rng = np.random.default_rng([int(seed), 31337, n])
    points = _spread_points(n, box, rng)
    topo = _voronoi_topology(points, box)
    box_area = (box[2] - box[0]) * (box[3] - box[1])
    for amp in (wiggle, wiggle / 2.0, wiggle / 4.0, 0.0):
        geoms = _cells_to_geometries(topo, points, box, int(seed), amp, wiggle_points if amp > 0 else 0)
        gdal.PushErrorHandler("CPLQuietErrorHandler")  # GEOS reports why a cell is invalid
        try:
            ok = all(g.IsValid() and g.GetArea() > 0 for g in geoms)
        finally:
            gdal.PopErrorHandler()
        if ok and abs(sum(g.GetArea() for g in geoms) - box_area) <= 1e-6 * box_area:
            return geoms
    return geoms


def make_provinces(
    n: int, sample_set_or_bounds, seed: int, *, margin: float = 0.04, wiggle: float = 0.06
) -> List[ogr.Geometry]:
    """n province-like Voronoi cells (Albers) over the rasters' extent enlarged by margin
    on each side, so the outer cells cross the rasters' edges."""
    return voronoi_cells(n, _expand(_as_bounds(sample_set_or_bounds), margin), seed, wiggle=wiggle)


def make_counties(n: int, bounds, seed: int, *, margin: float = 0.0, wiggle: float = 0.06) -> List[ogr.Geometry]:
    """n county-like Voronoi cells (Albers) tessellating bounds (or a SampleSet's extent)."""
    return voronoi_cells(n, _expand(_as_bounds(bounds), margin), int(seed) + 1_000_003, wiggle=wiggle)


@_with_gdal_exceptions
def make_awkward_zones(sample_set: SampleSet, seed: int) -> List[Tuple[str, ogr.Geometry]]:
    """Named awkward zones in Albers over the sample set.

    overlap_a/overlap_b overlap; with_hole; multipart (one part only in the 2022 extent);
    subpixel_centre (< 1 pixel, holds one pixel centre); subpixel_nocentre (< 1 pixel, no
    pixel centre); partly_outside (crosses cisc_2020's west edge); fully_outside (outside every
    file); tiny_sliver (0.8 m wide, km long); bowtie_invalid (self-intersecting ring);
    in_invalid_2020 (inside the 2020 mask's no-imagery blob); only_2022 (north of cisc_2020,
    inside cisc_2022); empty (an empty polygon).
    """
    rng = np.random.default_rng([int(seed), 4242])
    gt = sample_set.geotransform
    px = float(gt[1])
    width, height = sample_set.width, sample_set.height
    m = min(width, height)

    def at(col, row):  # cisc_2020 pixel offsets (floats) -> Albers
        return (gt[0] + col * px, gt[3] - row * px)

    def jitter(v, amount=0.37):
        return v + float(rng.uniform(-amount, amount))

    def quad(c0, r0, c1, r1, skew=0.0):
        pts = [(c0, r0), (c1, r0 + skew), (c1, r1), (c0, r1 - skew)]
        return _polygon([at(jitter(c), jitter(r)) for c, r in pts])

    def ngon(cc, rr, radius, k=24, phase=0.0, wobble=0.15):
        pts = []
        for i in range(k):
            a = -2.0 * math.pi * i / k + phase  # clockwise in pixel space == counter-clockwise on the map
            r = radius * (1.0 + wobble * float(rng.uniform(-1.0, 1.0)))
            pts.append(at(cc + r * math.cos(a), rr + r * math.sin(a)))
        return pts

    zones: List[Tuple[str, ogr.Geometry]] = []
    zones.append(("overlap_a", quad(0.30 * width, 0.30 * height, 0.50 * width, 0.50 * height, skew=0.02 * height)))
    zones.append(("overlap_b", quad(0.42 * width, 0.40 * height, 0.62 * width, 0.60 * height, skew=-0.03 * height)))
    outer = ngon(0.72 * width, 0.70 * height, 0.08 * m, k=32, wobble=0.08)
    hole = ngon(0.72 * width, 0.70 * height, 0.035 * m, k=16, wobble=0.1)[::-1]
    zones.append(("with_hole", _polygon(outer, [hole])))
    multi = ogr.Geometry(ogr.wkbMultiPolygon)
    multi.AddGeometry(_polygon(ngon(0.15 * width, 0.60 * height, 0.04 * m, k=12)))
    multi.AddGeometry(quad(0.80 * width, 0.15 * height, 0.86 * width, 0.22 * height))
    multi.AddGeometry(quad(0.40 * width, -0.012 * height, 0.46 * width, -0.004 * height))  # north of cisc_2020
    zones.append(("multipart", multi))
    # sub-pixel zones around pixel (c, r) of cisc_2020
    c, r = width // 2 + 3, height // 3 + 5
    cx, cy = at(c + 0.5, r + 0.5)  # the pixel centre
    zones.append(
        (
            "subpixel_centre",
            _polygon([(cx - 5.3, cy - 4.1), (cx + 6.2, cy - 4.6), (cx + 5.1, cy + 6.7), (cx - 4.4, cy + 5.9)]),
        )
    )
    x0, y1 = at(c + 1, r + 1)  # bottom-left corner of pixel (c + 1, r): the zone stays in its lower-left quarter
    zones.append(
        (
            "subpixel_nocentre",
            _polygon([(x0 + 2.1, y1 + 1.3), (x0 + 11.1, y1 + 1.7), (x0 + 10.4, y1 + 8.3), (x0 + 2.6, y1 + 7.9)]),
        )
    )
    zones.append(
        ("partly_outside", quad(-0.05 * width, 0.45 * height, 0.10 * width, 0.55 * height, skew=0.01 * height))
    )
    zones.append(("fully_outside", quad(-0.30 * width, 0.30 * height, -0.20 * width, 0.40 * height)))
    a, b = at(0.2 * width + 0.31, 0.80 * height + 0.17), at(0.6 * width + 0.23, 0.74 * height + 0.41)
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    ox, oy = -dy / length * 0.8, dx / length * 0.8
    zones.append(("tiny_sliver", _polygon([a, b, (b[0] + ox, b[1] + oy), (a[0] + ox, a[1] + oy)])))
    bow = [
        at(0.55 * width + 0.3, 0.80 * height + 0.2),
        at(0.65 * width + 0.1, 0.90 * height + 0.3),
        at(0.65 * width + 0.4, 0.80 * height + 0.1),
        at(0.55 * width + 0.2, 0.90 * height + 0.4),
    ]
    zones.append(("bowtie_invalid", _polygon(bow)))
    bx, by, _ = _mask_params(int(sample_set.seed), 2020).blob
    zones.append(("in_invalid_2020", _polygon(ngon(bx * width, by * height, 0.012 * m + 1.3, k=10, wobble=0.1))))
    zones.append(("only_2022", quad(0.30 * width, -0.016 * height, 0.36 * width, -0.006 * height)))
    zones.append(("empty", ogr.Geometry(ogr.wkbPolygon)))
    return zones


def _srs(crs) -> osr.SpatialReference:
    srs = osr.SpatialReference()
    if isinstance(crs, osr.SpatialReference):
        srs = crs.Clone()
    elif isinstance(crs, (int, np.integer)):
        srs.ImportFromEPSG(int(crs))
    else:
        text = str(crs).strip()
        if text.upper().startswith("EPSG:") or text.startswith("+proj"):
            srs.SetFromUserInput(text)
        else:
            srs.ImportFromWkt(text)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


_DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON"}


@_with_gdal_exceptions
def write_zones(
    path,
    geometries,
    crs_wkt_or_epsg=4326,
    *,
    names: Optional[Sequence[str]] = None,
    source_crs=CHINA_ALBERS_WKT,
    layer_name: str = "zones",
    densify: Optional[float] = 1000.0,
    multi: bool = True,
    ids: Optional[Sequence[int]] = None,
) -> str:
    """Write zones (Albers ogr geometries, or (name, geometry) pairs) to .gpkg / .shp / .geojson.

    Fields: zone_id (int, 1.. unless ids given), name (str). Geometries are transformed from
    source_crs to crs_wkt_or_epsg (EPSG code, "EPSG:4490", WKT; x = longitude, y = latitude),
    after densifying edges to at most `densify` metres (None: as they are) so straight Albers
    edges stay close to themselves. multi=True writes every polygon as a MultiPolygon.
    """
    path = os.fspath(path)
    ext = os.path.splitext(path)[1].lower()
    if ext not in _DRIVERS:
        raise ValueError(f"write_zones: unsupported extension {ext!r}")
    items = list(geometries)
    if items and isinstance(items[0], tuple):
        pair_names = [str(nm) for nm, _ in items]
        items = [g for _, g in items]
        names = pair_names if names is None else names
    if names is None:
        names = [f"zone_{i + 1}" for i in range(len(items))]
    if ids is None:
        ids = list(range(1, len(items) + 1))
    src = _srs(source_crs)
    dst = _srs(crs_wkt_or_epsg)
    transform = None if src.IsSame(dst) else osr.CoordinateTransformation(src, dst)
    driver = ogr.GetDriverByName(_DRIVERS[ext])
    if os.path.exists(path):
        driver.DeleteDataSource(path)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    ds = driver.CreateDataSource(path)
    options = ["ENCODING=UTF-8"] if ext == ".shp" else []
    layer = ds.CreateLayer(layer_name, dst, ogr.wkbMultiPolygon if multi else ogr.wkbUnknown, options=options)
    layer.CreateField(ogr.FieldDefn("zone_id", ogr.OFTInteger))
    name_field = ogr.FieldDefn("name", ogr.OFTString)
    name_field.SetWidth(80)
    layer.CreateField(name_field)
    defn = layer.GetLayerDefn()
    for zid, name, geom in zip(ids, names, items):
        feature = ogr.Feature(defn)
        feature.SetField("zone_id", int(zid))
        feature.SetField("name", str(name))
        if geom is not None:
            g = geom.Clone()
            if densify and transform is not None and not g.IsEmpty():
                g.Segmentize(float(densify))
            if multi and ogr.GT_Flatten(g.GetGeometryType()) == ogr.wkbPolygon:
                g = ogr.ForceToMultiPolygon(g)
            if transform is not None and not g.IsEmpty():
                g.Transform(transform)
            feature.SetGeometry(g)
        layer.CreateFeature(feature)
        feature = None
    layer = None
    ds = None
    return path


# ----------------------------------------------------------------------------------------
# Acquisition dates of the 2 m imagery.

_DATE_FORMATS = ("yyyymmdd", "iso", "int", "date", "slash")


def _fix_dbf_date(path: str) -> None:
    """Replace the last-update date a DBF header carries by a constant (reproducible bytes)."""
    with open(path, "r+b") as handle:
        handle.seek(1)
        handle.write(bytes([125, 3, 11]))  # 2025-03-11


@_with_gdal_exceptions
def make_dates_zip(
    path,
    bounds_albers,
    seed: int,
    *,
    date_format: str = "yyyymmdd",
    years: Sequence[int] = YEARS,
    crs=4326,
    field_name: str = "acq_date",
    cells: int = 36,
    dates_per_year: int = 9,
    coverage: float = 0.9,
    subfolder: Optional[str] = None,
) -> str:
    """A zip of shapefiles source_date_<year>_dissolve.shp (+ .shx .dbf .prj .cpg), one per year.

    Each holds polygons (dissolved by date: one MultiPolygon per date) covering about
    `coverage` of bounds_albers (a bounds tuple or a SampleSet) enlarged by 2 %, with a date
    field `field_name` in date_format: "yyyymmdd" (string 20200915), "iso" (string 2020-09-15),
    "int" (integer 20200915), "date" (Date type), "slash" (string 2020/09/15); and a string
    field "sensor". Written in crs (default EPSG:4326, x = longitude).
    """
    if date_format not in _DATE_FORMATS:
        raise ValueError(f"date_format must be one of {_DATE_FORMATS}")
    path = os.fspath(path)
    box = _expand(_as_bounds(bounds_albers), 0.02)
    src = _srs(CHINA_ALBERS_WKT)
    dst = _srs(crs)
    transform = None if src.IsSame(dst) else osr.CoordinateTransformation(src, dst)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cisc_dates_") as tmp:
        members = []
        for year in years:
            rng = np.random.default_rng([int(seed), int(year), 9090])
            cell_geoms = voronoi_cells(cells, box, int(seed) * 7919 + int(year), wiggle=0.08)
            start = _dt.date(int(year) - 1, 9, 1)
            span = (_dt.date(int(year), 12, 31) - start).days
            choices = sorted({start + _dt.timedelta(days=int(d)) for d in rng.integers(0, span, dates_per_year * 2)})
            choices = choices[:dates_per_year]
            keep = rng.random(len(cell_geoms)) < coverage
            assigned = rng.integers(0, len(choices), len(cell_geoms))
            groups: Dict[int, ogr.Geometry] = {}
            for g, k, a in zip(cell_geoms, keep, assigned):
                if not k:
                    continue
                a = int(a)
                groups[a] = g.Clone() if a not in groups else groups[a].Union(g)
            base = f"source_date_{int(year)}_dissolve"
            shp = os.path.join(tmp, base + ".shp")
            ds = ogr.GetDriverByName("ESRI Shapefile").CreateDataSource(shp)
            layer = ds.CreateLayer(base, dst, ogr.wkbPolygon, options=["ENCODING=UTF-8"])
            if date_format == "int":
                fdef = ogr.FieldDefn(field_name, ogr.OFTInteger)
            elif date_format == "date":
                fdef = ogr.FieldDefn(field_name, ogr.OFTDate)
            else:
                fdef = ogr.FieldDefn(field_name, ogr.OFTString)
                fdef.SetWidth(10)
            layer.CreateField(fdef)
            sensor = ogr.FieldDefn("sensor", ogr.OFTString)
            sensor.SetWidth(16)
            layer.CreateField(sensor)
            defn = layer.GetLayerDefn()
            for a in sorted(groups):
                d = choices[a]
                feature = ogr.Feature(defn)
                if date_format == "yyyymmdd":
                    feature.SetField(field_name, d.strftime("%Y%m%d"))
                elif date_format == "iso":
                    feature.SetField(field_name, d.isoformat())
                elif date_format == "slash":
                    feature.SetField(field_name, d.strftime("%Y/%m/%d"))
                elif date_format == "int":
                    feature.SetField(field_name, int(d.strftime("%Y%m%d")))
                else:
                    feature.SetField(field_name, d.year, d.month, d.day, 0, 0, 0, 0)
                feature.SetField("sensor", ("GF-2", "GF-1", "ZY-3", "BJ-2")[a % 4])
                g = groups[a].Clone()
                if transform is not None:
                    g.Segmentize(2000.0)
                    g.Transform(transform)
                feature.SetGeometry(g)
                layer.CreateFeature(feature)
                feature = None
            layer = None
            ds = None
            _fix_dbf_date(os.path.join(tmp, base + ".dbf"))
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                member = os.path.join(tmp, base + ext)
                if os.path.exists(member):
                    members.append(member)
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for member in members:
                arcname = os.path.basename(member) if not subfolder else f"{subfolder}/{os.path.basename(member)}"
                info = zipfile.ZipInfo(arcname, date_time=(2025, 3, 11, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with open(member, "rb") as handle:
                    zf.writestr(info, handle.read())
    return path


# ----------------------------------------------------------------------------------------
# Command line: a full sample set.


def _file_size(path) -> int:
    return os.path.getsize(path) if path and os.path.exists(path) else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.datafactory", description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("--size", type=int, default=16000, help="width and height of cisc_2020 (default 16000)")
    parser.add_argument("--height", type=int, default=None, help="height of cisc_2020 (default: --size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--naming", default="underscore", choices=("underscore", "nounderscore", "upper"))
    parser.add_argument("--date-format", default="yyyymmdd", choices=_DATE_FORMATS)
    parser.add_argument("--no-extras", action="store_true", help="only the rasters, masks and dates zip")
    args = parser.parse_args(argv)
    out = os.path.abspath(args.outdir)
    timings = {}
    t0 = time.perf_counter()
    sample = make_cisc_set(
        out, args.size, args.height or args.size, args.seed, naming=args.naming, date_format=args.date_format
    )
    timings["cisc_set_s"] = round(time.perf_counter() - t0, 2)
    manifest = {"sample_set": sample.to_json(), "files": {}}
    if not args.no_extras:
        t1 = time.perf_counter()
        zones = os.path.join(out, "zones")
        provinces = make_provinces(12, sample, args.seed)
        counties = make_counties(150, sample, args.seed)
        awkward = make_awkward_zones(sample, args.seed)
        manifest["files"]["provinces_albers"] = write_zones(
            os.path.join(zones, "provinces_albers.gpkg"),
            provinces,
            CHINA_ALBERS_WKT,
            names=[f"province_{i + 1}" for i in range(len(provinces))],
        )
        manifest["files"]["provinces_4490"] = write_zones(
            os.path.join(zones, "provinces_4490.gpkg"),
            provinces,
            4490,
            names=[f"province_{i + 1}" for i in range(len(provinces))],
        )
        manifest["files"]["counties_4326"] = write_zones(
            os.path.join(zones, "counties_4326.shp"),
            counties,
            4326,
            names=[f"county_{i + 1}" for i in range(len(counties))],
        )
        manifest["files"]["awkward_4326"] = write_zones(os.path.join(zones, "awkward_4326.gpkg"), awkward, 4326)
        manifest["files"]["awkward_albers"] = write_zones(
            os.path.join(zones, "awkward_albers.gpkg"), awkward, CHINA_ALBERS_WKT
        )
        mis = os.path.join(out, "misaligned")
        manifest["files"]["mask_coarser"] = make_misaligned_mask(
            os.path.join(mis, "valid_mask_2020_coarser.tif"), sample, "coarser"
        )
        manifest["files"]["mask_shifted"] = make_misaligned_mask(
            os.path.join(mis, "valid_mask_2020_shifted.tif"), sample, "shifted"
        )
        for name, p in make_bad_rasters(os.path.join(out, "bad"), args.seed).items():
            manifest["files"][f"bad_{name}"] = p
        timings["extras_s"] = round(time.perf_counter() - t1, 2)
    timings["total_s"] = round(time.perf_counter() - t0, 2)
    manifest["timings"] = timings
    manifest["sizes_bytes"] = {k: _file_size(v) for k, v in {**sample.paths, "dates_zip": sample.dates_zip}.items()}
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2)
    print(json.dumps({"folder": out, "timings": timings, "sizes_bytes": manifest["sizes_bytes"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
