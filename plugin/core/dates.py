"""Acquisition dates of the 2 m source imagery behind a zone's figures.

The CISC record ships polygons of the acquisition date of the 2 m imagery
(source_date_*_dissolve shapefiles in a zip). Their field name and date format are not
documented, so the date field is detected (a Date/DateTime field, else a field whose name
contains "date") and values are parsed leniently (20200915, "2020-09-15", "2020/09/15", ...).

Per zone: the earliest and latest date met, the area-weighted median date and the share of
the zone the date polygons cover. Geometries are WKB in an equal-area CRS (areas are planar).
No Qt, no qgis: osgeo.ogr only.
"""

import datetime as _dt
import logging
import re
from typing import Iterable, List, Optional, Sequence, Tuple

from .errors import CiscCancelled
from .feedback import EngineFeedback
from .messages import CoreMessage

log = logging.getLogger("cisc_impervious.core.dates")

# Output fields of the acquisition-date statistics, in output order.
DATE_FIELDS = (
    "date_min",  # earliest acquisition date inside the zone (None when not covered)
    "date_max",  # latest acquisition date inside the zone
    "date_median",  # area-weighted median acquisition date
    "date_cover_pct",  # 100 * area of the zone covered by dated polygons / zone area (None: empty zone)
)
DATE_VALUE_FIELDS = ("date_min", "date_max", "date_median")

# Albers equal-area for China (the usual CISC parameters): areas of the date statistics
CHINA_ALBERS_PROJ = "+proj=aea +lat_1=25 +lat_2=47 +lat_0=0 +lon_0=105 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"

_DATE_TYPE_NAMES = {"date", "datetime", "qdate", "qdatetime"}
_INTEGER_TYPE_NAMES = {"integer", "integer64", "int", "int64", "long", "longlong", "qlonglong", "int4", "int8"}
_TEXT_TYPE_NAMES = {"string", "str", "text", "qstring", "varchar"}

_SEPARATED = re.compile(r"^\s*(\d{4})\s*[-/._年]\s*(\d{1,2})\s*[-/._月]\s*(\d{1,2})\s*日?(?:[T\s].*)?$")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:\.0+)?\s*$")


def find_date_field(fields: Sequence[Tuple[str, str]]) -> Optional[str]:
    """The acquisition-date field among (name, type name) pairs, or None.

    A field of type Date or DateTime wins; otherwise the first field whose name contains
    "date" (any case), preferring a name that is exactly "date", then text or integer fields.
    """
    fields = [(str(name), str(type_name or "")) for name, type_name in fields]
    typed = [name for name, type_name in fields if type_name.strip().lower() in _DATE_TYPE_NAMES]
    if typed:
        # a Date field before a DateTime one
        typed.sort(key=lambda name: 0 if dict(fields)[name].strip().lower() in ("date", "qdate") else 1)
        return typed[0]
    named = [(name, type_name.strip().lower()) for name, type_name in fields if "date" in name.lower()]
    if not named:
        return None

    def rank(item):
        name, type_name = item
        exact = 0 if name.lower() == "date" else 1
        usable = 0 if type_name in _TEXT_TYPE_NAMES or type_name in _INTEGER_TYPE_NAMES or not type_name else 1
        return (exact, usable)

    return sorted(named, key=rank)[0][0]


def parse_acquisition_date(value) -> Optional[_dt.date]:
    """A datetime.date from a date-like value, or None when it is empty or not a date.

    Accepts datetime.date/datetime, QDate/QDateTime (duck-typed), integers and floats like
    20200915, and strings like "20200915", "2020-09-15", "2020/09/15", "2020.9.15",
    "2020-09-15T10:00:00", "2020年9月15日".
    """
    if value is None:
        return None
    is_null = getattr(value, "isNull", None)
    if callable(is_null):
        try:
            if is_null():
                return None
        except TypeError:
            pass
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    for method in ("toPyDateTime", "toPyDate"):  # QDateTime, QDate
        convert = getattr(value, method, None)
        if callable(convert):
            try:
                return parse_acquisition_date(convert())
            except Exception:  # noqa: BLE001 - an invalid Qt date
                return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _from_parts_text(str(value))
    if isinstance(value, float):
        if value != value or value <= 0 or not float(value).is_integer():  # NaN, negative, fraction
            return None
        return _from_parts_text(str(int(value)))
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(value, str):
        return _from_parts_text(value)
    return None


def _from_parts_text(text: str) -> Optional[_dt.date]:
    text = text.strip()
    if not text:
        return None
    match = _COMPACT.match(text) or _SEPARATED.match(text)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


def weighted_median_date(dated_areas: Iterable[Tuple[_dt.date, float]]) -> Optional[_dt.date]:
    """The date at which the cumulative area (dates in order) first reaches half the total."""
    items = sorted((date, area) for date, area in dated_areas if date is not None and area > 0)
    total = sum(area for _, area in items)
    if total <= 0:
        return None
    half = total / 2.0
    running = 0.0
    for date, area in items:
        running += area
        if running >= half * (1 - 1e-12):
            return date
    return items[-1][0]


def _ogr():
    # OGR's exception mode is left as QGIS and the other plugins have it: every call here
    # checks for None and catches RuntimeError, so either mode works
    from osgeo import ogr

    return ogr


def _geometry(ogr, wkb):
    if wkb is None:
        return None
    try:
        geometry = ogr.CreateGeometryFromWkb(bytes(wkb))
    except Exception:  # noqa: BLE001
        return None
    if geometry is None or geometry.IsEmpty():
        return None
    if not geometry.IsValid():
        repaired = None
        if hasattr(geometry, "MakeValid"):
            try:
                repaired = geometry.MakeValid()
            except Exception:  # noqa: BLE001
                repaired = None
        if repaired is None or repaired.IsEmpty():
            repaired = geometry.Buffer(0)
        geometry = repaired
    return geometry


def acquisition_date_statistics(
    zones: Sequence[Optional[bytes]],
    date_polygons: Sequence[Tuple[Optional[bytes], object]],
    *,
    feedback: Optional[EngineFeedback] = None,
) -> List[dict]:
    """Per zone (same order): DATE_FIELDS as a dict; None means NULL.

    zones: WKB polygons; date_polygons: (WKB polygon, date value) pairs, the value parsed with
    parse_acquisition_date (unparsable values count as not dated). Both in the same
    equal-area CRS. Overlapping date polygons are counted once for the coverage share.
    """
    ogr = _ogr()
    feedback = feedback or EngineFeedback()

    dated = []  # (geometry, date, envelope)
    skipped = 0
    for wkb, value in date_polygons:
        date = parse_acquisition_date(value)
        geometry = _geometry(ogr, wkb)
        if geometry is None:
            continue
        if date is None:
            skipped += 1
            continue
        dated.append((geometry, date, geometry.GetEnvelope()))  # (minx, maxx, miny, maxy)
    if skipped:
        feedback.warning(CoreMessage(
            "{count} date polygon(s) have no readable acquisition date and are ignored.", count=skipped
        ))

    results = []
    count = max(len(zones), 1)
    for index, wkb in enumerate(zones):
        if feedback.is_cancelled():
            raise CiscCancelled()
        zone = _geometry(ogr, wkb)
        record = dict.fromkeys(DATE_FIELDS)
        zone_area = zone.GetArea() if zone is not None else 0.0
        if zone is None or zone_area <= 0:
            results.append(record)
            feedback.set_progress(100.0 * (index + 1) / count)
            continue
        zx0, zx1, zy0, zy1 = zone.GetEnvelope()
        pieces = []
        dated_areas = []
        for geometry, date, (x0, x1, y0, y1) in dated:
            if x0 > zx1 or x1 < zx0 or y0 > zy1 or y1 < zy0:
                continue
            if not geometry.Intersects(zone):
                continue
            piece = geometry.Intersection(zone)
            if piece is None or piece.IsEmpty():
                continue
            area = piece.GetArea()
            if area <= 0:
                continue
            pieces.append(piece)
            dated_areas.append((date, area))
        if dated_areas:
            record["date_min"] = min(date for date, _ in dated_areas)
            record["date_max"] = max(date for date, _ in dated_areas)
            record["date_median"] = weighted_median_date(dated_areas)
            covered = _union_area(ogr, pieces)
            record["date_cover_pct"] = min(100.0, 100.0 * covered / zone_area)
        else:
            record["date_cover_pct"] = 0.0
        results.append(record)
        feedback.set_progress(100.0 * (index + 1) / count)
    return results


def _union_area(ogr, pieces) -> float:
    if len(pieces) == 1:
        return pieces[0].GetArea()
    collection = ogr.Geometry(ogr.wkbMultiPolygon)
    simple_sum = 0.0
    for piece in pieces:
        simple_sum += piece.GetArea()
        flat = ogr.GT_Flatten(piece.GetGeometryType())
        if flat == ogr.wkbPolygon:
            collection.AddGeometry(piece)
        elif flat in (ogr.wkbMultiPolygon, ogr.wkbGeometryCollection):
            for i in range(piece.GetGeometryCount()):
                part = piece.GetGeometryRef(i)
                if ogr.GT_Flatten(part.GetGeometryType()) == ogr.wkbPolygon:
                    collection.AddGeometry(part)
    try:
        union = collection.UnionCascaded()
        return union.GetArea() if union is not None else simple_sum
    except Exception:  # noqa: BLE001 - fall back to the plain sum (exact when no overlap)
        return simple_sum
