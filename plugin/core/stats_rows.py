"""The output rows of the statistics engine: per-zone integer counts to areas and percentages.

Built column by column with numpy (one multiplication per field for all zones, not per zone),
then one dict per zone in the order of ZONAL_FIELDS / CHANGE_FIELDS: a million zones cost about
a second here, not the several a per-zone Python loop took. Values equal what the per-zone
arithmetic gave (count * pixel_km2 and 100.0 * part / whole in float64).
"""

from itertools import repeat
from typing import List

import numpy as np

from .checks import linear_unit_metres
from .dataset import CLASS_CODES, IMPERVIOUS
from .fields import CHANGE_FIELDS, TRANSITION_FIELDS, ZONAL_FIELDS, class_area_field
from .messages import CoreMessage
from .raster_io import GridInfo

MAX_NAMED_ZONES = 10


def pixel_km2(info: GridInfo) -> float:
    metres = linear_unit_metres(info)
    return info.pixel_width * metres * info.pixel_height * metres / 1e6


def _areas(counts: np.ndarray, pixel_km2_value: float) -> list:
    return (np.asarray(counts, dtype=np.int64) * pixel_km2_value).tolist()


def _percent(part: np.ndarray, whole: np.ndarray) -> list:
    """100 * part / whole per zone; None where whole is 0."""
    part = np.asarray(part, dtype=np.int64)
    whole = np.asarray(whole, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = (100.0 * part / whole).tolist()
    for index in np.flatnonzero(whole == 0).tolist():
        values[index] = None
    return values


def _as_rows(columns: dict, fields) -> List[dict]:
    values = zip(*(columns[name] for name in fields))
    if fields == ZONAL_FIELDS:
        # a dict display builds a row in two thirds of the time dict(zip(...)) takes (0.45 s
        # instead of 0.65 s for a million zones, a sixth of a million-zone run)
        valid, invalid, valid_pct, bare, imperv, veg, water, imperv_pct = ZONAL_FIELDS
        return [{valid: a, invalid: b, valid_pct: c, bare: d, imperv: e, veg: f, water: g, imperv_pct: h}
                for a, b, c, d, e, f, g, h in values]
    return list(map(dict, map(zip, repeat(fields), values)))


def zonal_rows(class_counts: np.ndarray, totals: np.ndarray, pixel_km2_value: float) -> List[dict]:
    """One row per zone (ZONAL_FIELDS) from its class counts (zones x 4) and pixel centres."""
    class_counts = np.asarray(class_counts, dtype=np.int64).reshape(-1, 4)
    totals = np.asarray(totals, dtype=np.int64)
    valid = class_counts.sum(axis=1)
    columns = {
        "valid_km2": _areas(valid, pixel_km2_value),
        "invalid_km2": _areas(totals - valid, pixel_km2_value),
        "valid_pct": _percent(valid, totals),
        "imperv_pct": _percent(class_counts[:, IMPERVIOUS], valid),
    }
    for code in CLASS_CODES:
        columns[class_area_field(code)] = _areas(class_counts[:, code], pixel_km2_value)
    return _as_rows(columns, ZONAL_FIELDS)


def change_rows(transition_counts: np.ndarray, totals: np.ndarray, pixel_km2_value: float) -> List[dict]:
    """One row per zone (CHANGE_FIELDS) from its transition counts (zones x 16, from * 4 + to)."""
    flat = np.asarray(transition_counts, dtype=np.int64).reshape(-1, 16)
    matrix = flat.reshape(-1, 4, 4)
    totals = np.asarray(totals, dtype=np.int64)
    imperv_from = matrix[:, IMPERVIOUS, :].sum(axis=1)
    imperv_to = matrix[:, :, IMPERVIOUS].sum(axis=1)
    stayed = matrix[:, IMPERVIOUS, IMPERVIOUS]
    valid = flat.sum(axis=1)
    columns = {
        "valid_km2": _areas(valid, pixel_km2_value),
        "invalid_km2": _areas(totals - valid, pixel_km2_value),
        "valid_pct": _percent(valid, totals),
        "imperv_from_km2": _areas(imperv_from, pixel_km2_value),
        "imperv_to_km2": _areas(imperv_to, pixel_km2_value),
        "gain_km2": _areas(imperv_to - stayed, pixel_km2_value),
        "loss_km2": _areas(imperv_from - stayed, pixel_km2_value),
        "net_km2": _areas(imperv_to - imperv_from, pixel_km2_value),
        "growth_pct": _percent(imperv_to - imperv_from, imperv_from),
    }
    for index, name in enumerate(TRANSITION_FIELDS):
        columns[name] = _areas(flat[:, index], pixel_km2_value)
    return _as_rows(columns, CHANGE_FIELDS)


def null_unmeasurable(rows, found, given, fields, zone_labels, feedback):
    """Rows of zones without a measurable geometry (found: rasterize.ZoneRuns.unmeasurable; given:
    the caller's, e.g. zones it could not transform) become all None, with one warning naming them."""
    unmeasurable = sorted({int(index) for index in found} | {int(index) for index in given if 0 <= index < len(rows)})
    if not unmeasurable:
        return rows
    names = []
    for index in unmeasurable:
        rows[index] = {name: None for name in fields}
        label = zone_labels[index] if zone_labels is not None and index < len(zone_labels) else index + 1
        names.append(str(label))
    shown = ", ".join(names[:MAX_NAMED_ZONES]) + (", ..." if len(names) > MAX_NAMED_ZONES else "")
    feedback.warning(CoreMessage(
        "{count} zone(s) have no usable coordinates in the raster's CRS (not transformable, not finite "
        "numbers such as a latitude beyond 90 degrees transformed, or impossibly far away): {zones}. Their "
        "figures are NULL; the other zones are not affected. Check these geometries and the layer's CRS.",
        count=len(names), zones=shown,
    ))
    return rows
