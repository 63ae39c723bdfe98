"""Checks that a raster is CISC-like and that rasters share a grid, with messages naming the file."""

import re
from typing import Optional

from .discovery import find_valid_mask  # noqa: F401 - the valid mask beside a raster, one rule
from .errors import CiscError
from .feedback import EngineFeedback
from .messages import CoreMessage
from .raster_io import GridInfo, aligned_offset, open_info

# Projection methods whose cells have equal areas everywhere: a pixel's area is then
# width x height from the geotransform. The method is read from the CRS's WKT2 conversion (the
# EPSG method code where there is one, else its name), so every way of writing one CRS (EPSG code,
# PROJ string, OGC or ESRI WKT1, WKT2) gives the same answer.
EQUAL_AREA_EPSG_METHODS = {
    9822,  # Albers Equal Area
    9820,  # Lambert Azimuthal Equal Area
    1027,  # Lambert Azimuthal Equal Area (Spherical)
    9834,  # Lambert Cylindrical Equal Area (Spherical)
    9835,  # Lambert Cylindrical Equal Area
    1078,  # Equal Earth
    9827,  # Bonne
    9828,  # Bonne (South Orientated)
}
EQUAL_AREA_METHOD_NAMES = {  # WKT2 method names (PROJ's), normalised by _method_key
    "albersequalarea",
    "albersconicequalarea",
    "lambertazimuthalequalarea",
    "lambertazimuthalequalareaspherical",
    "lambertcylindricalequalarea",
    "lambertcylindricalequalareaspherical",
    "cylindricalequalarea",
    "transversecylindricalequalarea",
    "equalearth",
    "mollweide",
    "sinusoidal",
    "eckertii",
    "eckertiv",
    "eckertvi",
    "goodehomolosine",
    "interruptedgoodehomolosine",
    "interruptedgoodehomolosineocean",
    "quarticauthalic",
    "flatpolarquartic",
    "wagneriv",
    "crasterparabolic",
    "bonne",
    "bonnesouthorientated",
    "behrmann",
}
EQUAL_AREA_PROJ_NAMES = {  # methods WKT2 only knows as "PROJ <name>"
    "aea", "laea", "cea", "tcea", "leac", "eqearth", "moll", "sinu", "gn_sinu", "eck2", "eck4", "eck6",
    "goode", "igh", "igh_o", "qua_aut", "mbtfpq", "mbtfps", "wag4", "crast", "hammer", "nell", "hatano",
    "fouc_s", "bonne",
}

INTEGER_TYPES = {"uint8", "int8", "uint16", "int16", "uint32", "int32"}


def _srs(wkt: str):
    from osgeo import osr

    srs = osr.SpatialReference()
    if srs.ImportFromWkt(wkt) != 0:
        return None
    return srs


def linear_unit_metres(info: GridInfo) -> float:
    """Metres per CRS unit; CiscError if the CRS cannot give areas (missing, geographic, not equal-area)."""
    if not info.crs_wkt:
        raise CiscError(
            f"{info.path}: the raster has no coordinate reference system, so pixel areas are unknown."
        )
    srs = _srs(info.crs_wkt)
    if srs is None:
        raise CiscError(f"{info.path}: the raster's coordinate reference system cannot be read.")
    if not srs.IsProjected():
        raise CiscError(
            f"{info.path}: the raster is in a geographic CRS (degrees), so its pixels differ in area. "
            "Use the CISC files as published (Albers equal-area) or warp to an equal-area CRS."
        )
    method, equal_area = projection_method(srs)
    if not equal_area:
        raise CiscError(
            f"{info.path}: the raster's projection ({method or 'unknown'}) is not equal-area, so "
            "areas computed from pixel counts would be wrong. Use the CISC files as published "
            "(Albers equal-area) or warp to an equal-area CRS."
        )
    return float(srs.GetLinearUnits())


def _method_key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


_WKT2_METHOD = re.compile(r'METHOD\[\s*"((?:[^"]|"")*)"(?:\s*,\s*ID\[\s*"EPSG"\s*,\s*(\d+)\s*\])?')


def projection_method(srs) -> tuple:
    """(method name, equal-area?) of a projected osr.SpatialReference, from its conversion's
    method in WKT2 (EPSG method code, else name); WKT1's PROJECTION name where WKT2 is not
    available (GDAL < 3)."""
    try:
        wkt2 = srs.ExportToWkt(["FORMAT=WKT2_2019"]) or ""
    except (RuntimeError, TypeError):
        wkt2 = ""
    match = _WKT2_METHOD.search(wkt2)
    if match is None:
        name = srs.GetAttrValue("PROJECTION") or ""
        return name, _method_key(name) in EQUAL_AREA_METHOD_NAMES
    name, code = match.group(1), match.group(2)
    if code is not None and int(code) in EQUAL_AREA_EPSG_METHODS:
        return name, True
    proj = re.match(r"PROJ[ _]([a-z0-9_]+)", name)  # "PROJ hammer"; ESRI WKT: "PROJ_hammer"
    if proj is not None:
        return name, proj.group(1) in EQUAL_AREA_PROJ_NAMES
    return name, _method_key(name) in EQUAL_AREA_METHOD_NAMES


def check_cisc_raster(path: str) -> GridInfo:
    """GridInfo of a CISC-like raster: one integer band in an equal-area CRS, north up."""
    info = open_info(path)
    if info.band_count != 1:
        raise CiscError(
            f"{path}: the raster has {info.band_count} bands; a CISC raster has one band of class values."
        )
    if info.dtype not in INTEGER_TYPES:
        raise CiscError(
            f"{path}: the raster's values are {info.dtype}; a CISC raster holds integer class "
            "values 0..3 (8-bit)."
        )
    if not info.is_north_up:
        raise CiscError(f"{path}: rotated or south-up rasters are not supported.")
    linear_unit_metres(info)
    return info


def same_crs(a: GridInfo, b: GridInfo) -> bool:
    if not a.crs_wkt or not b.crs_wkt:
        return not a.crs_wkt and not b.crs_wkt
    srs_a, srs_b = _srs(a.crs_wkt), _srs(b.crs_wkt)
    return srs_a is not None and srs_b is not None and bool(srs_a.IsSame(srs_b))


def require_same_grid(first: GridInfo, second: GridInfo) -> None:
    """Refuse a pair of CISC rasters that do not share CRS, pixel size and alignment (within what
    cannot move a pixel centre across the grid: see raster_io.aligned_offset)."""
    if not same_crs(first, second):
        raise CiscError(
            f"{second.path}: its CRS differs from that of {first.path}; the two years must share "
            "one grid to be compared pixel by pixel."
        )
    if aligned_offset(first, second) is None:
        raise CiscError(
            f"{second.path}: its grid (pixel size {float(second.pixel_width)!r} x {float(second.pixel_height)!r}, "
            f"origin {float(second.geotransform[0])!r}, {float(second.geotransform[3])!r}) is not aligned with "
            f"that of {first.path} (pixel size {float(first.pixel_width)!r} x {float(first.pixel_height)!r}, "
            f"origin {float(first.geotransform[0])!r}, {float(first.geotransform[3])!r}); the two years must share "
            "pixel size and alignment to be compared pixel by pixel."
        )


def overlap(first: GridInfo, second: GridInfo) -> bool:
    """True when the two rasters' extents share some area (their CRSs are the same)."""
    a, b = first.bounds, second.bounds
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def require_overlap(first: GridInfo, second: GridInfo) -> None:
    """Refuse a second year that does not overlap the first: no pixel could be compared."""
    if not overlap(first, second):
        raise CiscError(
            f"{second.path}: its extent ({_bounds_text(second)}) does not overlap that of {first.path} "
            f"({_bounds_text(first)}): no pixel is covered by both years, so a change cannot be computed. "
            "Are these the two years of one area?"
        )


def _bounds_text(info: GridInfo) -> str:
    return ", ".join(f"{value:.0f}" for value in info.bounds)


def check_mask(path: str, raster: GridInfo, feedback: Optional[EngineFeedback] = None) -> GridInfo:
    """GridInfo of a valid mask for raster; CiscError if it cannot serve as one.

    A mask on another grid is usable (sampled nearest): feedback gets a warning saying so."""
    info = open_info(path)
    if info.band_count != 1:
        raise CiscError(
            f"{path}: the valid mask has {info.band_count} bands; a valid mask has one band (0 invalid, "
            "non-zero valid). Is it the right file? Use valid_mask_<year>.tif as published."
        )
    if info.dtype not in INTEGER_TYPES:
        raise CiscError(f"{path}: a valid mask must hold integer values (0 invalid, non-zero valid).")
    if not info.is_north_up:
        raise CiscError(f"{path}: rotated or south-up masks are not supported.")
    if not same_crs(raster, info):
        raise CiscError(
            f"{path}: the valid mask's CRS differs from that of {raster.path}; "
            "it must be in the raster's CRS."
        )
    if not overlap(raster, info):
        raise CiscError(
            f"{path}: the valid mask's extent ({_bounds_text(info)}) does not overlap that of {raster.path} "
            f"({_bounds_text(raster)}), so every pixel would be invalid. Is it the mask of this raster?"
        )
    if feedback is not None and aligned_offset(raster, info) is None:
        feedback.warning(CoreMessage(
            "{path}: the valid mask's grid (pixel size {mask_size}) is not aligned "
            "with that of {raster} (pixel size {raster_size}); it is resampled "
            "(nearest: the mask pixel under each raster pixel's centre).",
            path=path, mask_size=repr(info.pixel_width), raster=raster.path, raster_size=repr(raster.pixel_width),
        ))
    return info
