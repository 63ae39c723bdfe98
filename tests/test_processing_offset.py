"""ZONES_OFFSET (GCJ-02 / BD-09 zones), cisc:webmapoffset and the exact reprojection of zone
edges, through processing.run.

The "true" zones are county-like cells in EPSG:4326 over a CISC-like sample, densified to
0.001 degree (about 100 m). Their web-map copies are made here by the forward formulas (checked
against published reference points in test_core_webmap_offset.py) applied to every vertex. With
ZONES_OFFSET the algorithms must give the true zones' statistics."""

import re

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterFeatureSource,
    QgsVectorLayer,
)

from cisc_impervious.plugin.core import webmap_offset as wmo  # noqa: E402
from tests import datafactory as df  # noqa: E402
from tests import oracle  # noqa: E402
from tests.test_processing_statistics import (  # noqa: E402
    PIXEL_KM2,
    RecordingFeedback,
    output_rows,
    processing_error,
    zones_in_raster_crs,
)

COUNT_FIELDS = ("valid_km2", "invalid_km2", "bare_km2", "imperv_km2", "veg_km2", "water_km2")


# -- data ---------------------------------------------------------------------------------

def _wgs84():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _map_points(geometry, func):
    """Every ring / line of an OGR geometry through func(lon array, lat array), in place."""
    count = geometry.GetGeometryCount()
    if count:
        for index in range(count):
            _map_points(geometry.GetGeometryRef(index), func)
        return
    points = geometry.GetPoints()
    if not points:
        return
    xy = np.asarray(points, dtype=float)
    x, y = func(xy[:, 0], xy[:, 1])
    for index, (px, py) in enumerate(zip(x, y)):
        geometry.SetPoint_2D(index, float(px), float(py))


def rewrite_zones(source, target, func=None, segmentize=None, epsg=4326):
    """A copy of a zone file (fields zone_id, name) with every vertex through func; edges first
    segmentized to `segmentize` degrees when given; labelled EPSG:epsg."""
    src = ogr.Open(str(source))
    layer = src.GetLayer(0)
    driver = ogr.GetDriverByName("GPKG")
    out = driver.CreateDataSource(str(target))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    out_layer = out.CreateLayer("zones", srs, ogr.wkbMultiPolygon)
    for name, kind in (("zone_id", ogr.OFTInteger), ("name", ogr.OFTString)):
        out_layer.CreateField(ogr.FieldDefn(name, kind))
    for feature in layer:
        copy = ogr.Feature(out_layer.GetLayerDefn())
        copy.SetField("zone_id", feature.GetField("zone_id"))
        copy.SetField("name", feature.GetField("name"))
        geometry = feature.GetGeometryRef()
        if geometry is not None and not geometry.IsEmpty():
            geometry = geometry.Clone()
            if segmentize:
                geometry.Segmentize(segmentize)
            if func is not None:
                _map_points(geometry, func)
            copy.SetGeometry(geometry)
        elif geometry is not None:
            copy.SetGeometry(geometry.Clone())
        out_layer.CreateFeature(copy)
    out = None
    return str(target)


def _walk(geometry, points):
    if geometry.GetGeometryCount():
        for index in range(geometry.GetGeometryCount()):
            _walk(geometry.GetGeometryRef(index), points)
    else:
        points.extend(geometry.GetPoints() or [])
    return points


def vertices(path):
    """{zone name: (n, 2) array of all its vertices, in order}."""
    ds = ogr.Open(str(path))
    out = {}
    for feature in ds.GetLayer(0):
        geometry = feature.GetGeometryRef()
        points = [] if geometry is None else _walk(geometry, [])
        out[feature.GetField("name")] = np.asarray(points, dtype=float)[:, :2].reshape(-1, 2)
    return out


def haversine_m(a, b):
    lon0, lat0, lon1, lat1 = (np.radians(v) for v in (a[:, 0], a[:, 1], b[:, 0], b[:, 1]))
    h = np.sin((lat1 - lat0) / 2) ** 2 + np.cos(lat0) * np.cos(lat1) * np.sin((lon1 - lon0) / 2) ** 2
    return 2 * 6371000.0 * np.arcsin(np.sqrt(h))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("offset")
    sample = df.make_cisc_set(folder / "cisc", 700, 600, seed=7)
    counties = [(f"county_{i}", g) for i, g in enumerate(df.make_counties(10, sample, 4, margin=0.03))]
    awkward = [(n, g) for n, g in df.make_awkward_zones(sample, 9) if n in ("with_hole", "multipart", "overlap_a")]
    zones = counties + awkward
    plain = df.write_zones(str(folder / "plain.gpkg"), zones, 4326)
    paths = {
        "true": rewrite_zones(plain, folder / "true.gpkg", segmentize=0.001),
        "albers": df.write_zones(str(folder / "albers.gpkg"), zones, sample.crs_wkt),
    }
    paths["gcj"] = rewrite_zones(paths["true"], folder / "gcj.gpkg", lambda x, y: wmo.forward(x, y, wmo.OFFSET_GCJ02))
    paths["bd"] = rewrite_zones(paths["true"], folder / "bd.gpkg", lambda x, y: wmo.forward(x, y, wmo.OFFSET_BD09))
    paths["gcj_4490"] = rewrite_zones(paths["gcj"], folder / "gcj_4490.gpkg", epsg=4490)
    return {"sample": sample, "zones": paths, "folder": folder, "names": [n for n, _ in zones]}


def _zonal(data, zones, out, offset=None, feedback=None):
    import processing

    sample = data["sample"]
    params = {"INPUT": sample.cisc_2020, "VALID_MASK": sample.valid_mask_2020, "ZONES": zones, "OUTPUT": str(out)}
    if offset is not None:
        params["ZONES_OFFSET"] = offset
    processing.run("cisc:zonalstatistics", params, feedback=feedback)
    from cisc_impervious.plugin.core.fields import ZONAL_FIELDS

    return output_rows(out, ZONAL_FIELDS)[1]


def _pixels(rows):
    return {name: {f: round((row[f] or 0.0) / PIXEL_KM2) for f in COUNT_FIELDS} for name, row in rows.items()}


# -- the sample lies where the offsets apply ---------------------------------------------------

def test_sample_lies_inside_the_offset_area(data):
    sample = data["sample"]
    albers = osr.SpatialReference()
    albers.ImportFromWkt(sample.crs_wkt)
    to_wgs = osr.CoordinateTransformation(albers, _wgs84())
    xmin, ymin, xmax, ymax = sample.union_bounds()
    for x, y in ((xmin, ymin), (xmin, ymax), (xmax, ymin), (xmax, ymax)):
        lon, lat, _ = to_wgs.TransformPoint(x, y)
        assert wmo.in_offset_area(lon, lat), (lon, lat)


# -- ZONES_OFFSET ---------------------------------------------------------------------------------

@pytest.mark.parametrize("copy, offset", [("gcj", wmo.OFFSET_GCJ02), ("bd", wmo.OFFSET_BD09),
                                          ("gcj_4490", wmo.OFFSET_GCJ02)])
def test_offset_zones_give_the_true_zones_statistics(provider, data, tmp_path, copy, offset):
    """Pixel for pixel. The conversion is exact to 1 mm, so a zone may differ by at most one
    boundary pixel per count, where a pixel centre lies within 1 mm of its boundary (with these
    random boundaries that does not happen: the counts are equal)."""
    true_rows = _zonal(data, data["zones"]["true"], tmp_path / "true.gpkg")
    feedback = RecordingFeedback()
    fixed_rows = _zonal(data, data["zones"][copy], tmp_path / "fixed.gpkg", offset, feedback)
    naive_rows = _zonal(data, data["zones"][copy], tmp_path / "naive.gpkg")
    true_px, fixed_px, naive_px = _pixels(true_rows), _pixels(fixed_rows), _pixels(naive_rows)
    assert sorted(true_px) == sorted(fixed_px) == sorted(data["names"])
    for name in true_px:
        for field in COUNT_FIELDS:
            assert abs(fixed_px[name][field] - true_px[name][field]) <= 1, (name, field)
    # the true zones' figures are the oracle's
    names, wkbs = zones_in_raster_crs(data["zones"]["true"], data["sample"].cisc_2020)
    for name, result in zip(names, oracle.oracle_zonal(data["sample"].cisc_2020, wkbs, data["sample"].valid_mask_2020)):
        oracle.assert_rows_equal(true_rows[name], oracle.expected_zonal_row(result, PIXEL_KM2))
    # without the option the offset zones are hundreds of metres off: many pixels change zone
    moved = sum(abs(naive_px[n]["imperv_km2"] - true_px[n]["imperv_km2"]) + abs(naive_px[n]["valid_km2"]
                - true_px[n]["valid_km2"]) for n in true_px)
    assert moved > 1000
    # the log: every vertex moved (all inside China), by the distances between the copies
    true_v, copy_v = vertices(data["zones"]["true"]), vertices(data["zones"][copy])
    shifts = np.concatenate([haversine_m(true_v[n], copy_v[n]) for n in true_v])
    lines = [line for line in feedback.infos if "ZONES_OFFSET" in line]
    assert len(lines) == 1
    label = "GCJ-02" if offset == wmo.OFFSET_GCJ02 else "BD-09"
    assert f"ZONES_OFFSET {label}" in lines[0]
    assert f"{shifts.size} of {shifts.size} moved" in lines[0]
    found = re.search(r"by ([0-9.]+) m \(median\) and ([0-9.]+) m at most", lines[0])
    median, maximum = float(found.group(1)), float(found.group(2))
    assert median == pytest.approx(np.median(shifts), abs=0.06 + 0.005 * np.median(shifts))
    assert maximum == pytest.approx(shifts.max(), abs=0.06 + 0.005 * shifts.max())
    assert 100 < median < 1500


def test_change_statistics_with_bd09_zones(provider, data, tmp_path):
    import processing

    from cisc_impervious.plugin.core.fields import CHANGE_FIELDS

    sample = data["sample"]
    base = {"INPUT_FROM": sample.cisc_2020, "VALID_MASK_FROM": sample.valid_mask_2020,
            "INPUT_TO": sample.cisc_2022, "VALID_MASK_TO": sample.valid_mask_2022}
    processing.run("cisc:changestatistics", {**base, "ZONES": data["zones"]["true"], "OUTPUT": str(tmp_path / "t.gpkg")})
    processing.run("cisc:changestatistics", {**base, "ZONES": data["zones"]["bd"], "ZONES_OFFSET": 2,
                                             "OUTPUT": str(tmp_path / "b.gpkg")})
    _, true_rows = output_rows(tmp_path / "t.gpkg", CHANGE_FIELDS)
    _, bd_rows = output_rows(tmp_path / "b.gpkg", CHANGE_FIELDS)
    area_fields = [f for f in CHANGE_FIELDS if f.endswith("_km2")]
    for name, row in true_rows.items():
        for field in area_fields:
            assert abs(round(bd_rows[name][field] / PIXEL_KM2) - round(row[field] / PIXEL_KM2)) <= 1, (name, field)
    assert sum(row["gain_km2"] for row in true_rows.values()) > 0


def test_acquisition_dates_with_gcj02_zones(provider, data, tmp_path):
    import processing

    dates = data["sample"].dates_zip
    processing.run("cisc:acquisitiondates", {"ZONES": data["zones"]["true"], "DATES": dates,
                                             "OUTPUT": str(tmp_path / "t.gpkg")})
    processing.run("cisc:acquisitiondates", {"ZONES": data["zones"]["gcj"], "DATES": dates, "ZONES_OFFSET": 1,
                                             "OUTPUT": str(tmp_path / "g.gpkg")})
    fields = ["date_min", "date_max", "date_median", "date_cover_pct"]
    _, true_rows = output_rows(tmp_path / "t.gpkg", fields)
    _, gcj_rows = output_rows(tmp_path / "g.gpkg", fields)
    assert any(row["date_median"] is not None for row in true_rows.values())
    for name, row in true_rows.items():
        for field in fields[:3]:
            assert gcj_rows[name][field] == row[field], (name, field)
        assert gcj_rows[name]["date_cover_pct"] == pytest.approx(row["date_cover_pct"], rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("algorithm", ["cisc:zonalstatistics", "cisc:acquisitiondates", "cisc:webmapoffset"])
def test_projected_zones_are_refused_with_the_reason(provider, data, tmp_path, algorithm):
    import processing

    sample = data["sample"]
    out = tmp_path / "out.gpkg"
    params = {
        "cisc:zonalstatistics": {"INPUT": sample.cisc_2020, "ZONES_OFFSET": 1},
        "cisc:acquisitiondates": {"DATES": sample.dates_zip, "ZONES_OFFSET": 2},
        "cisc:webmapoffset": {"DIRECTION": 0},
    }[algorithm]
    message = processing_error(processing.run, algorithm,
                               {**params, "ZONES": data["zones"]["albers"], "OUTPUT": str(out)})
    assert "EPSG:4326" in message and "EPSG:4490" in message and "longitude/latitude" in message
    assert "GCJ-02" in message or "BD-09" in message
    assert not out.exists()


def test_no_offset_needs_no_geographic_crs(provider, data, tmp_path):
    rows = _zonal(data, data["zones"]["albers"], tmp_path / "albers.gpkg", 0)
    assert sum(row["imperv_km2"] for row in rows.values()) > 0


# -- cisc:webmapoffset ---------------------------------------------------------------------------------

@pytest.mark.parametrize("copy, direction", [("gcj", 0), ("bd", 1)])
def test_webmapoffset_fixes_a_layer_to_the_true_coordinates(provider, data, tmp_path, copy, direction):
    import processing

    out = tmp_path / "fixed.gpkg"
    feedback = RecordingFeedback()
    processing.run("cisc:webmapoffset", {"ZONES": data["zones"][copy], "DIRECTION": direction, "OUTPUT": str(out)},
                   feedback=feedback)
    fixed, true = vertices(out), vertices(data["zones"]["true"])
    assert sorted(fixed) == sorted(true)
    for name in true:
        assert fixed[name].shape == true[name].shape
        assert haversine_m(fixed[name], true[name]).max() < 1e-3
    layer = QgsVectorLayer(str(out), "fixed", "ogr")
    assert layer.crs().authid() == "EPSG:4326" and layer.fields().names()[-2:] == ["zone_id", "name"]
    del layer
    assert any("vertices moved" in line for line in feedback.infos)
    # the forward direction turns the true layer into the web-map copy (the same formulas)
    out = tmp_path / "forward.gpkg"
    processing.run("cisc:webmapoffset", {"ZONES": data["zones"]["true"], "DIRECTION": direction + 2,
                                         "OUTPUT": str(out)})
    forward, expected = vertices(out), vertices(data["zones"][copy])
    for name in expected:
        assert np.abs(forward[name] - expected[name]).max() < 1e-12


def test_webmapoffset_points_with_z_inside_and_outside_china(provider, tmp_path):
    import processing

    path = tmp_path / "points.gpkg"
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("points", _wgs84(), ogr.wkbPoint25D)
    layer.CreateField(ogr.FieldDefn("label", ogr.OFTString))
    points = {"beijing": (116.404, 39.915, 44.0), "paris": (2.3522, 48.8566, 35.0)}
    for label, (x, y, z) in points.items():
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("label", label)
        feature.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT Z ({x} {y} {z})"))
        layer.CreateFeature(feature)
    empty = ogr.Feature(layer.GetLayerDefn())
    empty.SetField("label", "none")
    layer.CreateFeature(empty)
    ds = None
    out = tmp_path / "gcj.gpkg"
    processing.run("cisc:webmapoffset", {"ZONES": str(path), "DIRECTION": 2, "OUTPUT": str(out)})
    result = {}
    converted = ogr.Open(str(out))
    for feature in converted.GetLayer(0):
        geometry = feature.GetGeometryRef()
        result[feature.GetField("label")] = None if geometry is None else geometry.GetPoint()
    converted = None
    beijing = wmo.wgs84_to_gcj02(116.404, 39.915)
    assert result["beijing"] == pytest.approx((beijing[0][0], beijing[1][0], 44.0), abs=1e-12)
    assert result["paris"] == points["paris"]  # outside China: unchanged
    assert result["none"] is None or np.isnan(result["none"][:2]).all()  # still no geometry (or empty)


def _points_layer(path, count):
    """A GeoPackage of `count` points over Beijing in EPSG:4326."""
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("points", _wgs84(), ogr.wkbPoint)
    layer.StartTransaction()
    for index in range(count):
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(ogr.CreateGeometryFromWkt(f"POINT ({116.0 + index * 1e-4} 39.9)"))
        layer.CreateFeature(feature)
    layer.CommitTransaction()
    ds = None
    return str(path)


def test_webmapoffset_cancelled_or_failing_leaves_the_output_as_it_was(provider, tmp_path, monkeypatch):
    """Cancelled after its first batch, or failing in its second, the conversion writes nothing:
    an existing output keeps its bytes and no temporary file is left beside it."""
    import processing

    from cisc_impervious.plugin.processing import alg_web_map_offset
    from tests.test_processing_errors import CancelOnProgress

    points = _points_layer(tmp_path / "points.gpkg", 3 * alg_web_map_offset.BATCH_FEATURES)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "converted.gpkg"
    processing.run("cisc:webmapoffset", {"ZONES": _points_layer(tmp_path / "old.gpkg", 5), "DIRECTION": 2,
                                         "OUTPUT": str(out)})
    before = out.read_bytes()
    feedback = CancelOnProgress(10.0)
    message = processing_error(processing.run, "cisc:webmapoffset",
                               {"ZONES": points, "DIRECTION": 2, "OUTPUT": str(out)}, feedback=feedback)
    assert "Cancelled: nothing was written" in message and feedback.isCanceled()
    assert out.read_bytes() == before and [p.name for p in out_dir.iterdir()] == ["converted.gpkg"]
    calls = []
    original = alg_web_map_offset.map_many_wkb_xy

    def failing_second_batch(wkbs, convert):
        calls.append(len(wkbs))
        if len(calls) == 2:
            raise ValueError("a broken geometry")
        return original(wkbs, convert)

    monkeypatch.setattr(alg_web_map_offset, "map_many_wkb_xy", failing_second_batch)
    message = processing_error(processing.run, "cisc:webmapoffset",
                               {"ZONES": points, "DIRECTION": 2, "OUTPUT": str(out)})
    assert "a broken geometry" in message and "points" in message
    assert out.read_bytes() == before and [p.name for p in out_dir.iterdir()] == ["converted.gpkg"]
    monkeypatch.undo()
    processing.run("cisc:webmapoffset", {"ZONES": points, "DIRECTION": 2, "OUTPUT": str(out)})
    converted = ogr.Open(str(out))
    assert converted.GetLayer(0).GetFeatureCount() == 3 * alg_web_map_offset.BATCH_FEATURES
    converted = None


def test_webmapoffset_runs_in_a_model(provider, data, tmp_path):
    import processing

    model = QgsProcessingModelAlgorithm("fix_then_count", "tests", "tests")
    model.addModelParameter(
        QgsProcessingParameterFeatureSource("layer", "layer", [QgsProcessing.SourceType.TypeVectorPolygon]),
        QgsProcessingModelParameter("layer"),
    )
    child = QgsProcessingModelChildAlgorithm("cisc:webmapoffset")
    child.setChildId("fix")
    child.addParameterSources("ZONES", [QgsProcessingModelChildParameterSource.fromModelParameter("layer")])
    child.addParameterSources("DIRECTION", [QgsProcessingModelChildParameterSource.fromStaticValue(0)])
    output = QgsProcessingModelOutput("fixed", "fixed")
    output.setChildId("fix")
    output.setChildOutputName("OUTPUT")
    child.setModelOutputs({"fixed": output})
    model.addChildAlgorithm(child)
    model.updateDestinationParameters()
    out_name = [p.name() for p in model.destinationParameterDefinitions()][0]
    out = tmp_path / "model_fixed.gpkg"
    processing.run(model, {"layer": data["zones"]["gcj"], out_name: str(out)})
    fixed, true = vertices(out), vertices(data["zones"]["true"])
    for name in true:
        assert haversine_m(fixed[name], true[name]).max() < 1e-3


# -- exact reprojection of edges ------------------------------------------------------------------

def _dense_box_wkb(lon0, lat0, lon1, lat1, to_albers, per_edge=4000):
    """The box's outline sampled every 1/per_edge of an edge, transformed with OSR (independent of
    QGIS and of the densifier): the brute-force oracle's boundary."""
    t = np.linspace(0.0, 1.0, per_edge, endpoint=False)
    lon = np.concatenate([lon0 + t * (lon1 - lon0), np.full(t.size, lon1), lon1 - t * (lon1 - lon0),
                          np.full(t.size, lon0), [lon0]])
    lat = np.concatenate([np.full(t.size, lat0), lat0 + t * (lat1 - lat0), np.full(t.size, lat1),
                          lat1 - t * (lat1 - lat0), [lat0]])
    points = np.asarray(to_albers.TransformPoints(np.column_stack([lon, lat]).tolist()))[:, :2]
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in points:
        ring.AddPoint_2D(float(x), float(y))
    polygon = ogr.Geometry(ogr.wkbPolygon)
    polygon.AddGeometry(ring)
    return polygon, points


def _box_4490_layer(path, boxes):
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4490)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = ds.CreateLayer("boxes", srs, ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn("name", ogr.OFTString))
    for name, (lon0, lat0, lon1, lat1) in boxes.items():
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetField("name", name)
        feature.SetGeometry(ogr.CreateGeometryFromWkt(
            f"POLYGON (({lon0} {lat0}, {lon1} {lat0}, {lon1} {lat1}, {lon0} {lat1}, {lon0} {lat0}))"))
        layer.CreateFeature(feature)
    ds = None
    return str(path)


def _mask(geometry, gt, width, height, wkt):
    return oracle._rasterize_one(geometry, gt, width, height, wkt)


def _centre_distance(mask_rows, mask_cols, gt, boundary):
    """Distance of pixel centres from the dense boundary polyline."""
    from cisc_impervious.plugin.core.densify import chord_distance

    px = gt[0] + (mask_cols + 0.5) * gt[1]
    py = gt[3] + (mask_rows + 0.5) * gt[5]
    best = np.full(px.shape, np.inf)
    for i in range(len(boundary) - 1):
        a, b = boundary[i], boundary[i + 1]
        if max(a[0], b[0]) < px.min() - 100 or min(a[0], b[0]) > px.max() + 100:
            continue
        best = np.minimum(best, chord_distance(px, py, a[0], a[1], b[0], b[1]))
    return best


def test_densified_box_in_4490_equals_the_brute_force_oracle(provider, tmp_path):
    """A 1 x 1 degree box in EPSG:4490 on a 30 m Albers grid: the zone read by the algorithms
    (edges densified to a tenth of a pixel) covers the oracle's pixels (outline sampled every
    28 m, transformed by OSR), except pixels whose centre lies within a tenth of a pixel of the
    true outline; vertex by vertex, thousands of pixels change zone."""
    from qgis.core import QgsCoordinateTransformContext

    from cisc_impervious.plugin.processing.zone_geometry import ZonePipeline, tolerance_for

    albers_wkt = df.CHINA_ALBERS_WKT
    albers = osr.SpatialReference()
    albers.ImportFromWkt(albers_wkt)
    to_albers = osr.CoordinateTransformation(_cgcs2000(), albers)
    lon0, lat0, lon1, lat1 = 116.0, 31.0, 117.0, 32.0
    dense, boundary = _dense_box_wkb(lon0, lat0, lon1, lat1, to_albers)
    xmin, xmax, ymin, ymax = dense.GetEnvelope()
    gt = (30.0 * np.floor(xmin / 30.0) - 60.0, 30.0, 0.0, 30.0 * np.ceil(ymax / 30.0) + 60.0, 0.0, -30.0)
    width = int(np.ceil((xmax - gt[0]) / 30.0)) + 2
    height = int(np.ceil((gt[3] - ymin) / 30.0)) + 2
    truth = _mask(dense, gt, width, height, albers_wkt)

    box = QgsGeometry.fromWkt(f"POLYGON (({lon0} {lat0}, {lon1} {lat0}, {lon1} {lat1}, {lon0} {lat1}, {lon0} {lat0}))")
    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4490"),
                                       QgsCoordinateReferenceSystem.fromWkt(albers_wkt),
                                       QgsCoordinateTransformContext())
    pipeline = ZonePipeline(transform, tolerance=tolerance_for(transform.destinationCrs(), 30.0))
    pipeline.add(0, bytes(box.asWkb()))
    ours_wkb = pipeline.finish()[0]
    assert pipeline.inserted >= 10  # 7 per parallel: sagitta 150 m -> 37 -> 9 -> 2.3 m
    ours = _mask(ogr.CreateGeometryFromWkb(ours_wkb), gt, width, height, albers_wkt)
    plain = QgsGeometry(box)
    plain.transform(transform)
    vertexwise = _mask(ogr.CreateGeometryFromWkb(bytes(plain.asWkb())), gt, width, height, albers_wkt)

    differ = np.nonzero(ours != truth)
    distances = _centre_distance(differ[0], differ[1], gt, boundary)
    assert (distances <= 3.0 + 1e-6).all()  # a tenth of a 30 m pixel
    vertexwise_differ = int((vertexwise != truth).sum())
    assert vertexwise_differ > 5000 and differ[0].size < vertexwise_differ / 20
    print(f"1 x 1 degree box: {truth.sum()} px; vertex by vertex {vertexwise_differ} px differ, "
          f"densified {differ[0].size} px (all within 3 m of the true outline); {pipeline.inserted} vertices added")


def _cgcs2000():
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4490)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def test_zonal_statistics_of_boxes_in_4490_match_the_dense_oracle(provider, data, tmp_path):
    """End to end: boxes in EPSG:4490 over the sample; their counts equal the oracle's on the
    densely sampled outline up to the pixel centres within a tenth of a pixel of it."""
    sample = data["sample"]
    albers = osr.SpatialReference()
    albers.ImportFromWkt(sample.crs_wkt)
    to_wgs = osr.CoordinateTransformation(albers, _cgcs2000())
    xmin, ymin, xmax, ymax = sample.bounds()
    lon_a, lat_a, _ = to_wgs.TransformPoint(xmin, ymin)
    lon_b, lat_b, _ = to_wgs.TransformPoint(xmax, ymax)
    boxes = {
        "whole": (lon_a - 0.05, lat_a - 0.05, lon_b + 0.05, lat_b + 0.05),
        "inner": (lon_a + 0.02, lat_a + 0.03, lon_b - 0.03, lat_b - 0.02),
    }
    path = _box_4490_layer(tmp_path / "boxes.gpkg", boxes)
    to_albers = osr.CoordinateTransformation(_cgcs2000(), albers)
    dense = {name: _dense_box_wkb(*box, to_albers) for name, box in boxes.items()}
    rows = _zonal(data, path, tmp_path / "boxes_out.gpkg")
    expected = oracle.oracle_zonal(sample.cisc_2020, [dense[n][0] for n in boxes], sample.valid_mask_2020)
    for name, result in zip(boxes, expected):
        expected_px = result["total"]
        actual_px = round((rows[name]["valid_km2"] + rows[name]["invalid_km2"]) / PIXEL_KM2)
        # the pixel centres within a tenth of a pixel of the true outline: the only ones that may differ
        outline = ogr.Geometry(ogr.wkbLineString)
        for x, y in dense[name][1]:
            outline.AddPoint_2D(float(x), float(y))
        near = oracle.oracle_zonal(sample.cisc_2020, [outline.Buffer(3.0 + 1e-6, 16)], sample.valid_mask_2020)[0]
        assert abs(actual_px - expected_px) <= near["total"], name
        assert expected_px > 100_000


def test_change_map_extent_in_4490_is_the_exact_outline_bbox(provider, data, tmp_path):
    import processing

    sample = data["sample"]
    albers = osr.SpatialReference()
    albers.ImportFromWkt(sample.crs_wkt)
    to_wgs = osr.CoordinateTransformation(albers, _cgcs2000())
    xmin, ymin, xmax, ymax = sample.bounds()
    lon_a, lat_a, _ = to_wgs.TransformPoint(xmin, ymin)
    lon_b, lat_b, _ = to_wgs.TransformPoint(xmax, ymax)
    box = (lon_a + 0.03, lat_a + 0.02, lon_b - 0.04, lat_b - 0.03)
    out = tmp_path / "map.tif"
    processing.run("cisc:changemap", {
        "INPUT_FROM": sample.cisc_2020, "VALID_MASK_FROM": sample.valid_mask_2020,
        "INPUT_TO": sample.cisc_2022, "VALID_MASK_TO": sample.valid_mask_2022,
        "EXTENT": f"{box[0]},{box[2]},{box[1]},{box[3]} [EPSG:4490]", "OUTPUT": str(out)})
    _, points = _dense_box_wkb(*box, osr.CoordinateTransformation(_cgcs2000(), albers))
    exmin, eymin = points.min(axis=0)
    exmax, eymax = points.max(axis=0)
    x0, px, _, y0, _, py = sample.geotransform
    c0, c1 = int(np.floor((exmin - x0) / px)), int(np.ceil((exmax - x0) / px))
    r0, r1 = int(np.floor((eymax - y0) / py)), int(np.ceil((eymin - y0) / py))
    result = gdal.Open(str(out))
    got = result.GetGeoTransform()
    assert (round((got[0] - x0) / px), round((got[3] - y0) / py)) == (c0, r0)
    assert (result.RasterXSize, result.RasterYSize) == (c1 - c0, r1 - r0)


def test_zone_parameter_is_in_every_zone_algorithm(provider):
    registry = QgsApplication.processingRegistry()
    for algorithm_id in ("cisc:zonalstatistics", "cisc:changestatistics", "cisc:acquisitiondates"):
        algorithm = registry.algorithmById(algorithm_id)
        parameter = algorithm.parameterDefinition("ZONES_OFFSET")
        assert parameter is not None and parameter.defaultValue() == 0
        assert len(parameter.options()) == 3 and "GCJ-02" in parameter.options()[1] and "BD-09" in parameter.options()[2]
        assert "ZONES_OFFSET" in algorithm.shortHelpString()
    algorithm = registry.algorithmById("cisc:webmapoffset")
    assert {p.name() for p in algorithm.parameterDefinitions()} == {"ZONES", "DIRECTION", "OUTPUT"}
    assert algorithm.group() and "GCJ-02" in algorithm.shortHelpString()


def test_pipeline_gives_qgis_own_vertices_and_isolates_failing_zones(provider):
    """Zones that need no new vertex come out exactly as QgsGeometry.transform() gives them; a
    zone the transformation fails on gets no geometry, the others are unaffected."""
    from qgis.core import QgsCoordinateTransformContext

    from cisc_impervious.plugin.processing.zone_features import geometry_wkb
    from cisc_impervious.plugin.processing.zone_geometry import ZonePipeline

    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4490"),
                                       QgsCoordinateReferenceSystem.fromWkt(df.CHINA_ALBERS_WKT),
                                       QgsCoordinateTransformContext())
    lon = 116.0 + 0.002 * np.arange(50)
    ring = [(x, 31.0) for x in lon] + [(lon[-1], 31.1), (116.0, 31.1), (116.0, 31.0)]
    zone = QgsGeometry.fromWkt("POLYGON ((" + ", ".join(f"{float(x)!r} {float(y)!r}" for x, y in ring) + "))")
    z_zone = ogr.CreateGeometryFromWkt("POLYGON Z ((117 32 5, 117.01 32 5, 117.01 32.01 5, 117 32 5))")
    polar = QgsGeometry.fromWkt("POLYGON ((116 80, 116.01 80, 116.01 80.01, 116 80))")

    def expected(geometry):
        copy = QgsGeometry(geometry)
        copy.transform(transform)
        return np.frombuffer(geometry_wkb(copy), dtype="<f8", offset=13)

    pipeline = ZonePipeline(transform, tolerance=3.0)
    real_points = pipeline._points

    def failing_north_of_70(x, y):  # stands in for a point PROJ cannot transform
        tx, ty = real_points(x, y)
        ty = np.where(np.asarray(y) > 70, np.inf, ty)
        return tx, ty

    pipeline._points = failing_north_of_70
    pipeline.add(0, bytes(zone.asWkb()))
    pipeline.add(1, bytes(polar.asWkb()))
    pipeline.add(2, bytes(z_zone.ExportToIsoWkb(ogr.wkbXDR)))
    pipeline.add(3, None)
    out = pipeline.finish()
    assert pipeline.untransformable == 1 and out[1] is None and out[3] is None
    assert pipeline.inserted == 0
    assert np.array_equal(np.frombuffer(out[0], dtype="<f8", offset=13), expected(zone))
    z_expected = QgsGeometry.fromWkt("POLYGON ((117 32, 117.01 32, 117.01 32.01, 117 32))")
    assert np.array_equal(np.frombuffer(out[2], dtype="<f8", offset=13), expected(z_expected))
