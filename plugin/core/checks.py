"""Checks that a raster is CISC-like and that rasters share a grid, with messages naming the file."""

import os
import re
from pathlib import Path
from typing import Optional

from .errors import CiscError
from .feedback import EngineFeedback
from .messages import CoreMessage
from .raster_io import GridInfo, aligned_offset, open_info

# Projection methods whose cells have equal areas everywhere: a pixel's area is then
# width x height from the geotransform.
EQUAL_AREA_METHODS = {
    "albers_conic_equal_area",
    "lambert_azimuthal_equal_area",
    "cylindrical_equal_area",
    "mollweide",
    "sinusoidal",
    "eckert_iv",
    "eckert_vi",
    "goode_homolosine",
    "interrupted_goode_homolosine",
    "equal_earth",
    "quartic_authalic",
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
    method = (srs.GetAttrValue("PROJECTION") or "").lower()
    if method not in EQUAL_AREA_METHODS:
        raise CiscError(
            f"{info.path}: the raster's projection ({method or 'unknown'}) is not equal-area, so "
            "areas computed from pixel counts would be wrong. Use the CISC files as published "
            "(Albers equal-area) or warp to an equal-area CRS."
        )
    return float(srs.GetLinearUnits())


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
    """Refuse a pair of CISC rasters that do not share CRS, pixel size and alignment."""
    if not same_crs(first, second):
        raise CiscError(
            f"{second.path}: its CRS differs from that of {first.path}; the two years must share "
            "one grid to be compared pixel by pixel."
        )
    if aligned_offset(first, second) is None:
        raise CiscError(
            f"{second.path}: its grid (pixel size {second.pixel_width:g} x {second.pixel_height:g}, "
            f"origin {second.geotransform[0]:g}, {second.geotransform[3]:g}) is not aligned with "
            f"that of {first.path} (pixel size {first.pixel_width:g} x {first.pixel_height:g}, "
            f"origin {first.geotransform[0]:g}, {first.geotransform[3]:g}); the two years must share "
            "pixel size and alignment to be compared pixel by pixel."
        )


def check_mask(path: str, raster: GridInfo, feedback: Optional[EngineFeedback] = None) -> GridInfo:
    """GridInfo of a valid mask for raster; CiscError if it cannot serve as one.

    A mask on another grid is usable (sampled nearest): feedback gets a warning saying so."""
    info = open_info(path)
    if info.dtype not in INTEGER_TYPES:
        raise CiscError(f"{path}: a valid mask must hold integer values (0 invalid, non-zero valid).")
    if not info.is_north_up:
        raise CiscError(f"{path}: rotated or south-up masks are not supported.")
    if not same_crs(raster, info):
        raise CiscError(
            f"{path}: the valid mask's CRS differs from that of {raster.path}; "
            "it must be in the raster's CRS."
        )
    if feedback is not None and aligned_offset(raster, info) is None:
        feedback.warning(CoreMessage(
            "{path}: the valid mask's grid (pixel size {mask_size}) is not aligned "
            "with that of {raster} (pixel size {raster_size}); it is resampled "
            "(nearest: the mask pixel under each raster pixel's centre).",
            path=path, mask_size=f"{info.pixel_width:g}", raster=raster.path, raster_size=f"{raster.pixel_width:g}",
        ))
    return info


_YEAR = re.compile(r"(20\d\d)")


def find_valid_mask(raster_path: str) -> Optional[str]:
    """The valid_mask_<year>.tif beside a CISC raster (any spelling or case), or None."""
    raster_path = str(raster_path)
    if raster_path.startswith("/vsi"):
        return None
    name = Path(raster_path).name
    match = _YEAR.search(name)
    if not match:
        return None
    year = match.group(1)
    wanted = re.compile(rf"^valid_?mask_?{year}\.tiff?$", re.IGNORECASE)
    folder = Path(raster_path).parent
    try:
        candidates = sorted(os.listdir(folder))
    except OSError:
        return None
    for candidate in candidates:
        if wanted.match(candidate):
            return str(folder / candidate)
    return None
