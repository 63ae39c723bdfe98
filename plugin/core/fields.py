"""Output fields of the statistics, in output order, with their meaning.

Areas in km2, percentages in 0..100; a None value is written as NULL.
"""

from .dataset import CLASS_CODES, CLASS_KEYS

ZONAL_FIELDS = (
    "valid_km2",  # area of valid pixels (mask set, value 0..3, inside the raster)
    "invalid_km2",  # area of the zone's other pixel centres (masked, nodata, other values, outside)
    "valid_pct",  # 100 * valid / all pixel centres in the zone; None when the zone holds none
    "bare_km2",
    "imperv_km2",
    "veg_km2",
    "water_km2",
    "imperv_pct",  # 100 * impervious / valid; None when no valid pixel
)

TRANSITION_FIELDS = tuple(f"t{a}{b}_km2" for a in CLASS_CODES for b in CLASS_CODES)

CHANGE_FIELDS = (
    "valid_km2",  # area valid in both years
    "invalid_km2",  # area of the zone's other pixel centres (invalid in either year, outside either raster)
    "valid_pct",  # 100 * valid in both years / all pixel centres in the zone; None when the zone holds none
    *TRANSITION_FIELDS,  # t{a}{b}: class a in the first year, class b in the second
    "imperv_from_km2",
    "imperv_to_km2",
    "gain_km2",  # to impervious from any other class
    "loss_km2",  # from impervious to any other class
    "net_km2",
    "growth_pct",  # 100 * (to - from) / from; None when from is 0
)

PERCENT_FIELDS = frozenset({"valid_pct", "imperv_pct", "growth_pct"})


def class_area_field(code: int) -> str:
    return f"{CLASS_KEYS[code]}_km2"
