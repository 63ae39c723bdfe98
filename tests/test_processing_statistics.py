"""cisc:zonalstatistics and cisc:changestatistics through processing.run, checked against the
brute-force oracle (tests/oracle.py) on zones in Albers, EPSG:4326 and EPSG:4490."""

import os
import shutil

import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from qgis.core import (  # noqa: E402
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessingContext,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProject,
    QgsVectorLayer,
)

from tests import datafactory as df  # noqa: E402
from tests import oracle  # noqa: E402

PIXEL_KM2 = 0.0009


class RecordingFeedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.infos, self.warnings = [], []

    def pushInfo(self, info):  # noqa: N802
        self.infos.append(info)
        super().pushInfo(info)

    def pushWarning(self, warning):  # noqa: N802
        self.warnings.append(warning)
        super().pushWarning(warning)


def processing_error(call, *args, **kwargs) -> str:
    """Run call(*args, **kwargs), expecting a QgsProcessingException; return its message.

    The exception's traceback is cleared at once: its frames hold Processing's context, whose
    temporary layers would otherwise outlive QGIS and crash the interpreter on exit (3.22)."""
    import gc
    import traceback

    from qgis.core import QgsProcessingException

    try:
        call(*args, **kwargs)
    except QgsProcessingException as exc:
        message = str(exc)
        traceback.clear_frames(exc.__traceback__)
        exc.__traceback__ = None
    else:
        raise AssertionError("expected a QgsProcessingException")
    gc.collect()
    return message


def py(value):
    """A QGIS attribute value as Python (NULL -> None)."""
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    return value


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("stats")
    sample = df.make_cisc_set(folder / "cisc", 700, 600, seed=5, with_dates=False)
    awkward = [(name, g) for name, g in df.make_awkward_zones(sample, 3) if name != "bowtie_invalid"]
    provinces = [(f"province_{i}", g) for i, g in enumerate(df.make_provinces(5, sample, 2))]
    zones = awkward + provinces
    paths = {}
    for crs, name in ((sample.crs_wkt, "albers"), (4326, "wgs84"), (4490, "cgcs2000")):
        paths[name] = df.write_zones(str(folder / f"zones_{name}.gpkg"), zones, crs)
    bowtie = [(name, g) for name, g in df.make_awkward_zones(sample, 3) if name in ("bowtie_invalid", "overlap_a")]
    paths["invalid"] = df.write_zones(str(folder / "zones_invalid.gpkg"), bowtie, sample.crs_wkt)
    return {"sample": sample, "zones": paths, "folder": folder, "names": [n for n, _ in zones]}


def zones_in_raster_crs(path, raster_path):
    """(names, WKB) of a zone file transformed to the raster's CRS exactly as the algorithms do
    (QgsCoordinateTransform with the project's transform context)."""
    layer = QgsVectorLayer(str(path), "zones", "ogr")
    assert layer.isValid()
    raster_crs = QgsCoordinateReferenceSystem.fromWkt(gdal.Open(raster_path).GetProjection())
    transform = None
    if layer.crs() != raster_crs:
        transform = QgsCoordinateTransform(layer.crs(), raster_crs, QgsProject.instance().transformContext())
    names, wkbs = [], []
    for feature in layer.getFeatures(QgsFeatureRequest()):
        names.append(feature["name"])
        geometry = QgsGeometry(feature.geometry())
        if geometry.isEmpty():
            wkbs.append(None)
            continue
        if transform is not None:
            geometry.transform(transform)
        wkbs.append(bytes(geometry.asWkb()))
    del layer  # never let a Python-owned layer outlive QGIS (3.22 crashes on exit)
    return names, wkbs


def layer_info(path):
    """Field names, CRS and feature count of a vector file (the layer is closed again)."""
    layer = QgsVectorLayer(str(path), "info", "ogr")
    assert layer.isValid(), path
    info = {"fields": [f.name() for f in layer.fields()], "crs": layer.crs(), "count": layer.featureCount()}
    del layer
    return info


def output_rows(path, fields, prefix=""):
    """({fields, crs, count}, {zone name: {field: value}}) of an output file."""
    layer = QgsVectorLayer(str(path), "out", "ogr")
    assert layer.isValid(), path
    rows = {}
    for feature in layer.getFeatures():
        rows[feature["name"]] = {name: py(feature[prefix + name]) for name in fields}
    del layer
    return layer_info(path), rows


@pytest.mark.parametrize("crs_name", ["albers", "wgs84", "cgcs2000"])
def test_zonal_statistics_equals_oracle(provider, data, tmp_path, crs_name):
    import processing

    from cisc_impervious.plugin.core.fields import ZONAL_FIELDS

    sample = data["sample"]
    zones_path = data["zones"][crs_name]
    out = tmp_path / "zonal.gpkg"
    processing.run(
        "cisc:zonalstatistics",
        {"INPUT": sample.cisc_2020, "VALID_MASK": sample.valid_mask_2020, "ZONES": zones_path,
         "COLUMN_PREFIX": "", "OUTPUT": str(out)},
    )
    layer, rows = output_rows(out, ZONAL_FIELDS)
    names, wkbs = zones_in_raster_crs(zones_path, sample.cisc_2020)
    assert sorted(rows) == sorted(names) == sorted(data["names"])
    expected = oracle.oracle_zonal(sample.cisc_2020, wkbs, sample.valid_mask_2020)
    for name, result in zip(names, expected):
        oracle.assert_rows_equal(rows[name], oracle.expected_zonal_row(result, PIXEL_KM2))
    # the zones' own attributes and geometry are kept
    assert set(layer["fields"]) >= {"zone_id", "name", *ZONAL_FIELDS}
    source = layer_info(zones_path)
    assert layer["crs"] == source["crs"]
    assert layer["count"] == source["count"]
    # real data in the zones: not all zero
    assert sum(row["imperv_km2"] for row in rows.values()) > 1.0
    assert rows["fully_outside"]["valid_km2"] == 0.0 and rows["fully_outside"]["imperv_pct"] is None


def test_transformed_zones_close_to_albers_oracle(provider, data, tmp_path):
    """EPSG:4326 zones give the Albers zones' figures up to boundary pixels moved by the round trip."""
    import processing

    from cisc_impervious.plugin.core.fields import ZONAL_FIELDS

    sample = data["sample"]
    out = tmp_path / "zonal.gpkg"
    processing.run(
        "cisc:zonalstatistics",
        {"INPUT": sample.cisc_2020, "VALID_MASK": sample.valid_mask_2020, "ZONES": data["zones"]["wgs84"],
         "OUTPUT": str(out)},
    )
    _, rows = output_rows(out, ZONAL_FIELDS)
    names, wkbs = zones_in_raster_crs(data["zones"]["albers"], sample.cisc_2020)
    for name, result in zip(names, oracle.oracle_zonal(sample.cisc_2020, wkbs, sample.valid_mask_2020)):
        if name.startswith("province"):
            expected = oracle.expected_zonal_row(result, PIXEL_KM2)
            assert rows[name]["valid_km2"] == pytest.approx(expected["valid_km2"], rel=0.01)


def test_change_statistics_equals_oracle_with_prefix(provider, data, tmp_path):
    import processing

    from cisc_impervious.plugin.core.fields import CHANGE_FIELDS

    sample = data["sample"]
    zones_path = data["zones"]["cgcs2000"]
    out = tmp_path / "change.gpkg"
    processing.run(
        "cisc:changestatistics",
        {"INPUT_FROM": sample.cisc_2020, "VALID_MASK_FROM": sample.valid_mask_2020,
         "INPUT_TO": sample.cisc_2022, "VALID_MASK_TO": sample.valid_mask_2022,
         "ZONES": zones_path, "COLUMN_PREFIX": "c20_", "OUTPUT": str(out)},
    )
    layer, rows = output_rows(out, CHANGE_FIELDS, prefix="c20_")
    for field in CHANGE_FIELDS:
        assert "c20_" + field in layer["fields"]
    names, wkbs = zones_in_raster_crs(zones_path, sample.cisc_2020)
    expected = oracle.oracle_change(sample.cisc_2020, sample.cisc_2022, wkbs, sample.valid_mask_2020,
                                    sample.valid_mask_2022)
    for name, result in zip(names, expected):
        oracle.assert_rows_equal(rows[name], oracle.expected_change_row(result, PIXEL_KM2))
    assert sum(row["gain_km2"] for row in rows.values()) > 0


def test_default_mask_found_beside_raster_and_logged(provider, data, tmp_path):
    import processing

    from cisc_impervious.plugin.core.fields import ZONAL_FIELDS

    sample = data["sample"]
    feedback = RecordingFeedback()
    out = tmp_path / "zonal.gpkg"
    processing.run(
        "cisc:zonalstatistics",
        {"INPUT": sample.cisc_2020, "ZONES": data["zones"]["albers"], "OUTPUT": str(out)},
        feedback=feedback,
    )
    assert any(os.path.basename(sample.valid_mask_2020) in line for line in feedback.infos)
    _, rows = output_rows(out, ZONAL_FIELDS)
    names, wkbs = zones_in_raster_crs(data["zones"]["albers"], sample.cisc_2020)
    for name, result in zip(names, oracle.oracle_zonal(sample.cisc_2020, wkbs, sample.valid_mask_2020)):
        oracle.assert_rows_equal(rows[name], oracle.expected_zonal_row(result, PIXEL_KM2))


def test_no_mask_warns_and_takes_every_pixel_as_valid(provider, data, tmp_path):
    import processing

    from cisc_impervious.plugin.core.fields import ZONAL_FIELDS

    lonely = tmp_path / "alone" / "cisc_2020.tif"
    lonely.parent.mkdir()
    shutil.copy(data["sample"].cisc_2020, lonely)
    feedback = RecordingFeedback()
    out = tmp_path / "zonal.gpkg"
    processing.run(
        "cisc:zonalstatistics",
        {"INPUT": str(lonely), "ZONES": data["zones"]["albers"], "OUTPUT": str(out)},
        feedback=feedback,
    )
    assert any("No valid mask" in line and str(lonely) in line for line in feedback.warnings)
    _, rows = output_rows(out, ZONAL_FIELDS)
    names, wkbs = zones_in_raster_crs(data["zones"]["albers"], str(lonely))
    for name, result in zip(names, oracle.oracle_zonal(str(lonely), wkbs, None)):
        oracle.assert_rows_equal(rows[name], oracle.expected_zonal_row(result, PIXEL_KM2))


def test_selected_features_only(provider, data, tmp_path):
    import processing

    from cisc_impervious.plugin.core.fields import ZONAL_FIELDS

    sample = data["sample"]
    layer = QgsVectorLayer(data["zones"]["wgs84"], "zones_selected", "ogr")
    QgsProject.instance().addMapLayer(layer)
    try:
        wanted = {"with_hole", "province_1", "multipart"}
        layer.selectByIds([f.id() for f in layer.getFeatures() if f["name"] in wanted])
        out = tmp_path / "selected.gpkg"
        processing.run(
            "cisc:zonalstatistics",
            {"INPUT": sample.cisc_2020, "VALID_MASK": sample.valid_mask_2020,
             "ZONES": QgsProcessingFeatureSourceDefinition(layer.id(), True), "OUTPUT": str(out)},
        )
        _, rows = output_rows(out, ZONAL_FIELDS)
        assert set(rows) == wanted
        names, wkbs = zones_in_raster_crs(data["zones"]["wgs84"], sample.cisc_2020)
        expected = dict(zip(names, oracle.oracle_zonal(sample.cisc_2020, wkbs, sample.valid_mask_2020)))
        for name in wanted:
            oracle.assert_rows_equal(rows[name], oracle.expected_zonal_row(expected[name], PIXEL_KM2))
    finally:
        QgsProject.instance().removeMapLayer(layer.id())  # the project owns and deletes it


def run_with_invalid_check(params, check):
    """Run zonal statistics with a context whose invalid-geometry setting is `check`."""
    import processing

    feedback = QgsProcessingFeedback()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    context.setFeedback(feedback)  # QGIS 3.22 crashes on an invalid geometry without one
    context.setInvalidGeometryCheck(check)
    try:
        processing.run("cisc:zonalstatistics", params, context=context, feedback=feedback)
    finally:
        del context


def test_invalid_geometry_follows_context_setting(provider, data, tmp_path):
    from qgis.core import QgsFeatureRequest as Request

    from cisc_impervious.plugin.core.fields import ZONAL_FIELDS

    sample = data["sample"]
    params = {"INPUT": sample.cisc_2020, "VALID_MASK": sample.valid_mask_2020, "ZONES": data["zones"]["invalid"]}
    checks = Request.InvalidGeometryCheck
    # stop on an invalid geometry: refused, nothing written
    out = tmp_path / "stop.gpkg"
    message = processing_error(run_with_invalid_check, {**params, "OUTPUT": str(out)}, checks.GeometryAbortOnInvalid)
    assert "invalid geometry" in message
    assert not out.exists()
    # skip invalid features: only the valid zone comes out
    out = tmp_path / "skip.gpkg"
    run_with_invalid_check({**params, "OUTPUT": str(out)}, checks.GeometrySkipInvalid)
    _, rows = output_rows(out, ZONAL_FIELDS)
    assert set(rows) == {"overlap_a"}
    # no check: the invalid zone is handed to the engine as it is
    out = tmp_path / "keep.gpkg"
    run_with_invalid_check({**params, "OUTPUT": str(out)}, checks.GeometryNoCheck)
    _, rows = output_rows(out, ZONAL_FIELDS)
    assert set(rows) == {"overlap_a", "bowtie_invalid"}
    names, wkbs = zones_in_raster_crs(data["zones"]["invalid"], sample.cisc_2020)
    expected = dict(zip(names, oracle.oracle_zonal(sample.cisc_2020, wkbs, sample.valid_mask_2020)))
    oracle.assert_rows_equal(rows["overlap_a"], oracle.expected_zonal_row(expected["overlap_a"], PIXEL_KM2))
    assert rows["bowtie_invalid"]["valid_km2"] + rows["bowtie_invalid"]["invalid_km2"] > 0


def test_field_clash_asks_for_a_prefix(provider, data, tmp_path):
    import processing

    sample = data["sample"]
    first = tmp_path / "first.gpkg"
    processing.run("cisc:zonalstatistics", {"INPUT": sample.cisc_2020, "ZONES": data["zones"]["albers"],
                                            "OUTPUT": str(first)})
    second = tmp_path / "second.gpkg"
    message = processing_error(processing.run, "cisc:zonalstatistics",
                               {"INPUT": sample.cisc_2020, "ZONES": str(first), "OUTPUT": str(second)})
    assert "COLUMN_PREFIX" in message
    assert not second.exists()
    processing.run("cisc:zonalstatistics", {"INPUT": sample.cisc_2020, "ZONES": str(first),
                                            "COLUMN_PREFIX": "again_", "OUTPUT": str(second)})
    _, plain = output_rows(second, ["imperv_km2", "valid_pct"])
    _, again = output_rows(second, ["imperv_km2", "valid_pct"], prefix="again_")
    assert plain == again and len(plain) == len(data["names"])


def test_all_algorithms_listed_with_help(provider):
    ids = {alg.id() for alg in provider.algorithms()}
    assert {"cisc:zonalstatistics", "cisc:changestatistics", "cisc:changemap", "cisc:imperviousfraction",
            "cisc:acquisitiondates"} <= ids
    for alg in provider.algorithms():
        if alg.id() in ("cisc:zonalstatistics", "cisc:changestatistics"):
            text = alg.shortHelpString()
            assert "centre" in text and "valid_mask" in text and "auxiliary" in text and "doi.org" in text
        assert alg.group()


def _grid_zone_file(path, sample, side=50, cell_px=10, no_geometry=(1000, 1501)):
    """side x side square zones (plain Polygons, cell_px pixels a side) in the raster's CRS, with a
    feature without geometry inserted at each position of no_geometry; fields name, code, note
    (NULL for odd codes). Returns the names in file order."""
    xmin, _ymin, _xmax, ymax = sample.bounds("cisc_2020")
    cell = 30.0 * cell_px
    srs = osr.SpatialReference()
    srs.ImportFromWkt(sample.crs_wkt)
    dataset = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = dataset.CreateLayer("zones", srs, ogr.wkbPolygon)
    for name, kind in (("name", ogr.OFTString), ("code", ogr.OFTInteger), ("note", ogr.OFTString)):
        layer.CreateField(ogr.FieldDefn(name, kind))
    names, code = [], 0
    layer.StartTransaction()
    for index in range(side * side):
        while len(names) in no_geometry:
            feature = ogr.Feature(layer.GetLayerDefn())
            names.append(f"nothing_{len(names)}")
            feature.SetField("name", names[-1])
            layer.CreateFeature(feature)
        row, col = divmod(index, side)
        x0, y0 = xmin + 40.0 + col * cell, ymax - 40.0 - row * cell  # edges between pixel centres
        ring = f"{x0} {y0}, {x0 + cell} {y0}, {x0 + cell} {y0 - cell}, {x0} {y0 - cell}, {x0} {y0}"
        feature = ogr.Feature(layer.GetLayerDefn())
        names.append(f"cell_{index}")
        feature.SetField("name", names[-1])
        feature.SetField("code", code)
        if code % 2 == 0:
            feature.SetField("note", f"even {code}")
        feature.SetGeometry(ogr.CreateGeometryFromWkt(f"POLYGON (({ring}))"))
        layer.CreateFeature(feature)
        code += 1
    layer.CommitTransaction()
    dataset = None
    return names


def test_many_zones_written_in_order_with_their_attributes(provider, data, tmp_path):
    """More zones than one batch of the writer (zone_features.WRITE_BATCH), zones without geometry among
    them, one at a batch boundary: every output feature keeps its own attributes and gets its own
    figures, in the zones' order."""
    import processing

    from cisc_impervious.plugin.core.engine import zonal_statistics
    from cisc_impervious.plugin.core.fields import ZONAL_FIELDS
    from cisc_impervious.plugin.processing.zone_features import WRITE_BATCH

    sample = data["sample"]
    zones = tmp_path / "grid.gpkg"
    names = _grid_zone_file(zones, sample)
    assert len(names) > 2 * WRITE_BATCH and names[WRITE_BATCH] == f"nothing_{WRITE_BATCH}"
    out = tmp_path / "grid_stats.gpkg"
    processing.run("cisc:zonalstatistics", {"INPUT": sample.cisc_2020, "VALID_MASK": sample.valid_mask_2020,
                                            "ZONES": str(zones), "OUTPUT": str(out)})
    layer = QgsVectorLayer(str(out), "out", "ogr")
    assert layer.isValid()
    got = [(f["name"], py(f["code"]), py(f["note"]), {n: py(f[n]) for n in ZONAL_FIELDS}, not f.geometry().isEmpty())
           for f in layer.getFeatures()]  # (the GeoPackage writer stores a missing geometry as an empty one)
    assert [f.name() for f in layer.fields()][-len(ZONAL_FIELDS):] == list(ZONAL_FIELDS)
    del layer
    assert [name for name, *_ in got] == names
    nothing = zonal_statistics(sample.cisc_2020, [None], sample.valid_mask_2020)[0]
    checked = [0, WRITE_BATCH - 1, WRITE_BATCH + 1, 2 * WRITE_BATCH - 1, 2 * WRITE_BATCH, len(names) - 1]
    wkbs = {}
    source = QgsVectorLayer(str(zones), "zones", "ogr")
    for feature in source.getFeatures():
        wkbs[feature["name"]] = bytes(feature.geometry().asWkb()) if feature.hasGeometry() else None
    del source
    expected = dict(zip(checked, oracle.oracle_zonal(sample.cisc_2020, [wkbs[names[i]] for i in checked],
                                                     sample.valid_mask_2020)))
    for position, (name, code, note, row, has_geometry) in enumerate(got):
        if name.startswith("nothing_"):
            assert code is None and note is None and not has_geometry
            assert row == {n: nothing[n] for n in ZONAL_FIELDS}
            continue
        index = int(name.split("_")[1])
        assert code == index and note == (f"even {index}" if index % 2 == 0 else None) and has_geometry
        if position in expected:
            oracle.assert_rows_equal(row, oracle.expected_zonal_row(expected[position], PIXEL_KM2))


def test_plain_polygons_handed_on_as_read():
    """geometry_wkb: 2-D linear (Multi)Polygons as they are; Z/M dropped, curves segmentized,
    collections reduced to their polygons, anything else None."""
    from cisc_impervious.plugin.processing.zone_features import geometry_wkb

    for wkt in ("POLYGON ((0 0, 1 0, 1 1, 0 0))", "MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
                "POLYGON ((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 1))"):
        geometry = QgsGeometry.fromWkt(wkt)
        assert geometry_wkb(geometry) == bytes(geometry.asWkb())
    flat = QgsGeometry.fromWkt("POLYGON ((0 0, 1 0, 1 1, 0 0))")
    assert geometry_wkb(QgsGeometry.fromWkt("POLYGON Z ((0 0 7, 1 0 7, 1 1 7, 0 0 7))")) == bytes(flat.asWkb())
    assert geometry_wkb(QgsGeometry.fromWkt("POLYGON M ((0 0 7, 1 0 7, 1 1 7, 0 0 7))")) == bytes(flat.asWkb())
    def from_wkb(wkb):
        geometry = QgsGeometry()
        geometry.fromWkb(wkb)
        return geometry

    curved = from_wkb(geometry_wkb(QgsGeometry.fromWkt("CURVEPOLYGON (CIRCULARSTRING (0 0, 1 1, 2 0, 1 -1, 0 0))")))
    assert curved.wkbType() == flat.wkbType() and curved.constGet().vertexCount() > 5
    mixed = QgsGeometry.fromWkt("GEOMETRYCOLLECTION (POINT (0 0), POLYGON ((0 0, 1 0, 1 1, 0 0)))")
    assert from_wkb(geometry_wkb(mixed)).asWkt() == QgsGeometry.fromWkt("MULTIPOLYGON (((0 0, 1 0, 1 1, 0 0)))").asWkt()
    assert geometry_wkb(QgsGeometry.fromWkt("LINESTRING (0 0, 1 1)")) is None
    assert geometry_wkb(QgsGeometry.fromWkt("POLYGON EMPTY")) is None


def test_zone_labels_name_features_by_id():
    from qgis.core import QgsFeature

    from cisc_impervious.plugin.processing.zone_features import zone_labels

    features = []
    for fid in (7, 11, 42):
        feature = QgsFeature()
        feature.setId(fid)
        features.append(feature)
    labels = zone_labels(features)
    assert len(labels) == 3 and labels[1] == "feature 11" and labels[-1] == "feature 42"
    assert labels[:2] == ["feature 7", "feature 11"] and list(labels) == ["feature 7", "feature 11", "feature 42"]
