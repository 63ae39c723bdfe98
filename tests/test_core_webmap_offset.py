"""GCJ-02 / BD-09 <-> WGS84 (plugin/core/webmap_offset.py): the forward formulas against
published reference points, exact inverses (round trips within 1 mm across mainland China),
points outside China unchanged."""

import math

import numpy as np
import pytest

from cisc_impervious.plugin.core import webmap_offset as wmo

# Reference points, each with its source. Both sources publish the output of the forward
# formulas at full double precision.
#
# googollee/eviltransform, python/test_eviltransform.py (TESTS: wgsLat, wgsLng, gcjLat, gcjLng;
# the project's test suite, reproduced by its PHP, Go, JS ports): WGS84 -> GCJ-02.
EVILTRANSFORM_WGS_TO_GCJ = [
    # (wgs lon, wgs lat), (gcj lon, gcj lat)
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]
# wandergis/coordtransform, test/app.js ("//result" comments), input (116.404, 39.915):
COORDTRANSFORM_INPUT = (116.404, 39.915)
COORDTRANSFORM_WGS84_TO_GCJ02 = (116.41024449916938, 39.91640428150164)
COORDTRANSFORM_GCJ02_TO_BD09 = (116.41036949371029, 39.92133699351021)
# ... and its gcj02towgs84, the published one-step approximation (subtract the offset computed
# at the GCJ-02 point): not an exact inverse
COORDTRANSFORM_GCJ02_TO_WGS84_APPROX = (116.39775550083061, 39.91359571849836)

DEG = 1e-9  # 1e-9 degree is about 0.1 mm


def _metres(lon0, lat0, lon1, lat1):
    """Distance on a sphere of 6371 km (haversine): independent of the module's own metric."""
    lon0, lat0, lon1, lat1 = (np.radians(np.asarray(v, dtype=float)) for v in (lon0, lat0, lon1, lat1))
    a = np.sin((lat1 - lat0) / 2) ** 2 + np.cos(lat0) * np.cos(lat1) * np.sin((lon1 - lon0) / 2) ** 2
    return 2 * 6371000.0 * np.arcsin(np.sqrt(a))


@pytest.mark.parametrize("wgs, gcj", EVILTRANSFORM_WGS_TO_GCJ)
def test_gcj02_forward_matches_eviltransform_reference_points(wgs, gcj):
    lon, lat = wmo.wgs84_to_gcj02(*wgs)
    assert abs(lon[0] - gcj[0]) < DEG and abs(lat[0] - gcj[1]) < DEG


def test_forward_matches_coordtransform_reference_points():
    lon, lat = wmo.wgs84_to_gcj02(*COORDTRANSFORM_INPUT)
    assert abs(lon[0] - COORDTRANSFORM_WGS84_TO_GCJ02[0]) < DEG
    assert abs(lat[0] - COORDTRANSFORM_WGS84_TO_GCJ02[1]) < DEG
    lon, lat = wmo.gcj02_to_bd09(*COORDTRANSFORM_INPUT)
    assert abs(lon[0] - COORDTRANSFORM_GCJ02_TO_BD09[0]) < DEG
    assert abs(lat[0] - COORDTRANSFORM_GCJ02_TO_BD09[1]) < DEG


def test_bd09_forward_is_gcj02_then_baidu():
    wgs = np.array([116.404, 113.912316]), np.array([39.915, 22.543847])
    bd = wmo.wgs84_to_bd09(*wgs)
    two_steps = wmo.gcj02_to_bd09(*wmo.wgs84_to_gcj02(*wgs))
    assert np.array_equal(bd[0], two_steps[0]) and np.array_equal(bd[1], two_steps[1])


def test_exact_inverse_beats_the_published_one_step_inverse():
    """coordtransform's one-step gcj02towgs84 misses by centimetres (6 cm here, metres elsewhere);
    the iterated inverse is exact to 1 mm."""
    lon, lat = wmo.gcj02_to_wgs84(*COORDTRANSFORM_INPUT)
    back = wmo.wgs84_to_gcj02(lon, lat)
    assert _metres(back[0], back[1], *COORDTRANSFORM_INPUT)[0] < 1e-3
    approx_back = wmo.wgs84_to_gcj02(*COORDTRANSFORM_GCJ02_TO_WGS84_APPROX)
    approx_error = _metres(approx_back[0], approx_back[1], *COORDTRANSFORM_INPUT)[0]
    assert approx_error > 0.01  # the approximation's own round trip misses by centimetres
    # both agree to within the approximation's error
    assert _metres(lon, lat, *COORDTRANSFORM_GCJ02_TO_WGS84_APPROX)[0] < 2 * approx_error + 0.01


def _china_grid():
    """Points every ~5 km... over mainland China's extent, plus the special longitude 105 (where the
    formula has sqrt(|lon - 105|)) and its close neighbours."""
    lon, lat = np.meshgrid(np.linspace(73.6, 134.7, 611), np.linspace(18.2, 53.5, 354))
    special_lon = np.array([105.0, 105.0 + 1e-12, 105.0 - 1e-9, 105.0 + 1e-6, 104.99999])
    special_lat = np.array([35.0, 30.0, 40.0, 25.0, 45.0])
    return np.concatenate([lon.ravel(), special_lon]), np.concatenate([lat.ravel(), special_lat])


@pytest.mark.parametrize("kind", [wmo.OFFSET_GCJ02, wmo.OFFSET_BD09])
def test_round_trips_within_1_mm_across_mainland_china(kind):
    lon, lat = _china_grid()
    assert wmo.in_offset_area(lon, lat).all()
    # offset -> WGS84 -> offset
    wgs = wmo.inverse(lon, lat, kind)
    again = wmo.forward(*wgs, kind)
    assert _metres(again[0], again[1], lon, lat).max() < 1e-3
    # WGS84 -> offset -> WGS84
    offset = wmo.forward(lon, lat, kind)
    back = wmo.inverse(*offset, kind)
    assert _metres(back[0], back[1], lon, lat).max() < 1e-3
    # and the offset itself is the hundreds of metres the services are known for
    shift = _metres(offset[0], offset[1], lon, lat)
    if kind == wmo.OFFSET_GCJ02:
        assert 0 < np.median(shift) and 100 < np.percentile(shift, 90) < 800
    else:
        assert 500 < np.median(shift) < 1600


def test_residual_reported_below_tolerance():
    lon, lat = _china_grid()
    _, _, residual = wmo.inverse(lon, lat, wmo.OFFSET_GCJ02, with_residual=True)
    assert residual.max() < wmo.INVERSE_TOLERANCE_M < 1e-3


OUTSIDE_CHINA = [
    (2.3522, 48.8566),  # Paris
    (-74.006, 40.7128),  # New York
    (139.6917, 35.6895),  # Tokyo: east of 137.8347
    (100.0, 60.0),  # Siberia: north of 55.8271
    (71.0, 38.5),  # Dushanbe: west of 72.004
    (106.8, -6.2),  # Jakarta: south of 0.8293
    (0.0, 0.0),
]


@pytest.mark.parametrize("point", OUTSIDE_CHINA)
def test_points_outside_china_are_unchanged(point):
    assert not wmo.in_offset_area(*point)
    for kind in (wmo.OFFSET_GCJ02, wmo.OFFSET_BD09):
        for convert in (wmo.forward, wmo.inverse):
            lon, lat = convert(point[0], point[1], kind)
            assert (lon[0], lat[0]) == point
    lon, lat = wmo.gcj02_to_bd09(*point)
    assert (lon[0], lat[0]) == point


def test_offset_area_is_the_published_box():
    lon_min, lat_min, lon_max, lat_max = wmo.OFFSET_AREA
    assert (lon_min, lat_min, lon_max, lat_max) == (72.004, 0.8293, 137.8347, 55.8271)
    assert wmo.in_offset_area(lon_min, lat_min) and wmo.in_offset_area(lon_max, lat_max)
    assert not wmo.in_offset_area(math.nextafter(lon_min, 0), 30.0)
    assert not wmo.in_offset_area(120.0, math.nextafter(lat_max, 90))
    assert not wmo.in_offset_area(np.nan, 30.0)


def test_mixed_arrays_and_shapes():
    lon = np.array([[116.404, 2.3522], [121.5272106, np.nan]])
    lat = np.array([[39.915, 48.8566], [31.1774276, 30.0]])
    out_lon, out_lat = wmo.forward(lon, lat, wmo.OFFSET_GCJ02)
    assert out_lon.shape == lon.shape
    assert out_lon[0, 1] == 2.3522 and np.isnan(out_lon[1, 1])
    assert abs(out_lon[1, 0] - EVILTRANSFORM_WGS_TO_GCJ[0][1][0]) < DEG
    back_lon, back_lat = wmo.inverse(out_lon, out_lat, wmo.OFFSET_GCJ02)
    assert back_lon.shape == lon.shape and np.isnan(back_lon[1, 1])
    assert abs(back_lon[0, 0] - 116.404) < DEG and abs(back_lat[0, 0] - 39.915) < DEG
    with pytest.raises(ValueError):
        wmo.forward(116.0, 39.0, 0)


def test_shift_summary_and_metres():
    lon, lat = np.array([116.404, 2.0, 121.5]), np.array([39.915, 48.0, 31.2])
    summary = wmo.ShiftSummary()
    out_lon, out_lat = wmo.to_wgs84(lon, lat, wmo.OFFSET_GCJ02, summary)
    expected = _metres(lon, lat, out_lon, out_lat)
    assert summary.total == 3 and summary.moved == 2
    assert summary.max_m() == pytest.approx(expected.max(), rel=3e-3)
    assert summary.median_m() == pytest.approx(np.median(expected[[0, 2]]), rel=3e-3)
    assert wmo.ShiftSummary().median_m() == 0.0
