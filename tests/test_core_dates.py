"""plugin/core/dates.py: date field detection, lenient date parsing, area-weighted statistics."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from osgeo import ogr

from cisc_impervious.plugin.core.dates import (
    DATE_FIELDS,
    acquisition_date_statistics,
    find_date_field,
    parse_acquisition_date,
    weighted_median_date,
)
from cisc_impervious.plugin.core.errors import CiscCancelled
from cisc_impervious.plugin.core.feedback import EngineFeedback

D = dt.date(2020, 9, 15)


@pytest.mark.parametrize("fields,expected", [
    ([("id", "Integer"), ("acq", "Date"), ("date_str", "String")], "acq"),
    ([("id", "Integer"), ("when", "DateTime"), ("shot", "Date")], "shot"),
    ([("id", "Integer64"), ("ACQ_DATE", "String"), ("sensor", "String")], "ACQ_DATE"),
    ([("Date", "Integer"), ("update_date", "String")], "Date"),
    ([("imgdate", "Integer64")], "imgdate"),
    ([("id", "Integer"), ("name", "String")], None),
    ([], None),
])
def test_find_date_field(fields, expected):
    assert find_date_field(fields) == expected


@pytest.mark.parametrize("value", [
    20200915, "20200915", "2020-09-15", "2020/09/15", "2020.09.15", "2020-9-15", " 2020-09-15 ",
    "2020-09-15T08:30:00", "2020-09-15 08:30:00", 20200915.0, "20200915.0", D, dt.datetime(2020, 9, 15, 23, 59),
    "2020年9月15日", b"20200915",
])
def test_parse_acquisition_date_accepts(value):
    assert parse_acquisition_date(value) == D


@pytest.mark.parametrize("value", [
    None, "", "   ", "n/a", "2020-13-01", "20201301", "2020-02-30", 2020, 202009, 20200915.5, float("nan"), True,
    -20200915, "15/09/2020", [], {},
])
def test_parse_acquisition_date_refuses(value):
    assert parse_acquisition_date(value) is None


def test_parse_qt_values():
    from qgis.core import NULL
    from qgis.PyQt.QtCore import QDate, QDateTime, QTime

    assert parse_acquisition_date(QDate(2020, 9, 15)) == D
    assert parse_acquisition_date(QDateTime(QDate(2020, 9, 15), QTime(10, 0))) == D
    assert parse_acquisition_date(QDate()) is None
    assert parse_acquisition_date(NULL) is None


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31)))
@settings(max_examples=60, deadline=None)
def test_parse_round_trip(date):
    for text in (date.strftime("%Y%m%d"), date.isoformat(), date.strftime("%Y/%m/%d")):
        assert parse_acquisition_date(text) == date
    assert parse_acquisition_date(int(date.strftime("%Y%m%d"))) == date


def test_weighted_median_date():
    a, b, c = dt.date(2020, 1, 1), dt.date(2020, 6, 1), dt.date(2021, 1, 1)
    assert weighted_median_date([(c, 1.0), (a, 3.0), (b, 1.0)]) == a  # a holds 60 %
    assert weighted_median_date([(a, 1.0), (b, 1.0), (c, 3.0)]) == c
    assert weighted_median_date([(a, 1.0), (b, 1.0)]) == a  # exactly half: the earlier date
    assert weighted_median_date([(a, 1.0), (b, 1.0001)]) == b
    assert weighted_median_date([]) is None
    assert weighted_median_date([(a, 0.0)]) is None


def square(x0, y0, x1, y1):
    return ogr.CreateGeometryFromWkt(f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))").ExportToWkb()


def test_statistics_on_known_layout():
    zone = square(0, 0, 100, 100)
    dates = [
        (square(-50, -50, 30, 150), "2020-01-10"),  # 30 % of the zone
        (square(30, -50, 60, 150), 20200601),  # 30 %
        (square(60, -50, 90, 150), "2021/03/01"),  # 30 %
        (square(95, 0, 200, 100), "not a date"),  # ignored
        (square(30, 0, 45, 100), "2020-06-01"),  # overlaps the second: counted once for cover
    ]
    warnings = []

    class Feedback(EngineFeedback):
        def warning(self, message):
            warnings.append(message)

    (row, empty, outside) = acquisition_date_statistics(
        [zone, None, square(1000, 1000, 1010, 1010)], dates, feedback=Feedback()
    )
    assert set(row) == set(DATE_FIELDS)
    assert row["date_min"] == dt.date(2020, 1, 10)
    assert row["date_max"] == dt.date(2021, 3, 1)
    # weights: 2020-01-10: 30, 2020-06-01: 30 + 15, 2021-03-01: 30 -> half of 105 reached at 2020-06-01
    assert row["date_median"] == dt.date(2020, 6, 1)
    assert row["date_cover_pct"] == pytest.approx(90.0)
    assert empty == dict.fromkeys(DATE_FIELDS)
    assert outside["date_cover_pct"] == 0.0 and outside["date_median"] is None
    assert warnings and "1 date polygon" in warnings[0]


def test_statistics_cancel():
    class Cancelled(EngineFeedback):
        def is_cancelled(self):
            return True

    with pytest.raises(CiscCancelled):
        acquisition_date_statistics([square(0, 0, 1, 1)], [], feedback=Cancelled())
