"""The statistics dock driven like a user would: inputs, run in the task manager, table,
layer, join, charts, exports, cancel, bad inputs."""

import math
import time

import pytest
from qgis.core import (
    QgsApplication,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingAlgorithm,
    QgsProcessingParameterNumber,
    QgsProcessingProvider,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)

from cisc_impervious.plugin.layers.styling import PROP_KIND, PROP_YEAR
from tests import datafactory

ZONE_NAMES = ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "门头沟区", "房山区", "通州区"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dock_data")
    sample_set = datafactory.make_cisc_set(folder / "cisc", 768, 640, seed=5, with_dates=False, overviews=False)
    geoms = datafactory.make_counties(len(ZONE_NAMES), sample_set, seed=5)
    # the last zone lies mostly outside the rasters: low valid coverage
    zones_path = datafactory.write_zones(folder / "zones.gpkg", geoms, 4326, names=ZONE_NAMES)
    xmin, ymin, xmax, ymax = sample_set.bounds()
    from osgeo import ogr

    ring = ogr.Geometry(ogr.wkbLinearRing)
    w = xmax - xmin
    for x, y in ((xmax - 0.1 * w, ymin), (xmax + 0.9 * w, ymin), (xmax + 0.9 * w, ymax), (xmax - 0.1 * w, ymax), (xmax - 0.1 * w, ymin)):
        ring.AddPoint_2D(x, y)
    outside = ogr.Geometry(ogr.wkbPolygon)
    outside.AddGeometry(ring)
    edge_path = datafactory.write_zones(folder / "edge.gpkg", [outside], 4326, names=["边缘区"])
    return {"set": sample_set, "zones": zones_path, "edge": edge_path, "folder": folder}


def _busy():
    from cisc_impervious.plugin.gui.task_runner import running_chains

    return running_chains() > 0 or QgsApplication.taskManager().countActiveTasks() > 0


def _wait(condition, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        QgsApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    QgsApplication.processEvents()
    return condition()


def _run_and_wait(dock, timeout=60):
    finished = []
    dock.runFinished.connect(lambda ok, msg: finished.append((ok, msg)))
    assert dock.run(), dock.message()
    assert _wait(lambda: bool(finished), timeout), "the run did not finish"
    return finished[0]


def _add_zones(path, name="zones"):
    layer = QgsVectorLayer(str(path), name, "ogr")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    return layer


def _add_cisc_layers(sample_set):
    layers = {}
    for kind, year, path in (
        ("cisc", 2020, sample_set.cisc_2020),
        ("cisc", 2022, sample_set.cisc_2022),
        ("mask", 2020, sample_set.valid_mask_2020),
        ("mask", 2022, sample_set.valid_mask_2022),
    ):
        layer = QgsRasterLayer(path, f"{kind} {year}", "gdal")
        assert layer.isValid()
        layer.setCustomProperty(PROP_KIND, kind)
        layer.setCustomProperty(PROP_YEAR, year)
        QgsProject.instance().addMapLayer(layer)
        layers[(kind, year)] = layer
    return layers


def _direct(algorithm_id, params):
    import processing

    return processing.run(algorithm_id, params)["OUTPUT"]


def _as_number(value):
    if value is None or (hasattr(value, "isNull") and value.isNull()):
        return None
    return float(value)


def _assert_table_matches(dock, output_layer, prefix_fields):
    """Every table cell equals the algorithm's own output for the same zone (by name)."""
    model = dock.model
    by_name = {f["name"]: f for f in output_layer.getFeatures()}
    assert model.rowCount() == len(by_name)
    checked = 0
    for row in range(model.rowCount()):
        feature = by_name[model.label(row)]
        for key in prefix_fields:
            expected = _as_number(feature[key])
            actual = model.value(row, key)
            if expected is None:
                assert actual is None, key
            else:
                assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12), (model.label(row), key)
                checked += 1
    assert checked > 0


def test_zonal_2020_from_folder_matches_algorithm(dock, sample):
    from cisc_impervious.plugin.core.fields import ZONAL_FIELDS

    zones = _add_zones(sample["zones"])
    dock.zonesLayerCombo.setLayer(zones)
    dock.nameFieldCombo.setField("name")
    dock.set_analysis("2020")
    dock.set_source_folder(sample["set"].folder)
    dock.addLayerCheck.setChecked(True)
    dock.joinCheck.setChecked(False)
    ok, message = _run_and_wait(dock)
    assert ok, message
    assert dock.model.rowCount() == len(ZONE_NAMES)
    direct = _direct("cisc:zonalstatistics", {
        "INPUT": sample["set"].cisc_2020, "VALID_MASK": sample["set"].valid_mask_2020,
        "ZONES": zones, "COLUMN_PREFIX": "y2020_", "OUTPUT": "TEMPORARY_OUTPUT",
    })
    _assert_table_matches(dock, direct, ["y2020_" + f for f in ZONAL_FIELDS])
    # headers carry units
    headers = [dock.model.headerData(c, 1) for c in range(dock.model.columnCount())]
    assert any("km²" in str(h) for h in headers) and any("%" in str(h) for h in headers)
    # the result layer is in the project with every zone and the statistics
    layer = QgsProject.instance().mapLayer(dock.result_layer_id)
    assert layer is not None and layer.featureCount() == len(ZONE_NAMES)
    assert layer.fields().indexOf("y2020_imperv_km2") >= 0
    total_direct = sum(f["y2020_imperv_km2"] for f in direct.getFeatures())
    total_layer = sum(f["y2020_imperv_km2"] for f in layer.getFeatures())
    assert total_layer == pytest.approx(total_direct)
    assert total_direct > 0
    # styled on the impervious share
    assert layer.renderer().type() == "graduatedSymbol"
    assert layer.renderer().classAttribute() == "y2020_imperv_pct"


def test_change_from_project_layers_with_join(dock, sample):
    from cisc_impervious.plugin.core.fields import CHANGE_FIELDS

    zones = _add_zones(sample["zones"])
    _add_cisc_layers(sample["set"])
    dock.zonesLayerCombo.setLayer(zones)
    dock.nameFieldCombo.setField("name")
    dock.set_analysis("change")
    dock.set_source_layers()
    dock.addLayerCheck.setChecked(True)
    dock.joinCheck.setChecked(True)
    direct = _direct("cisc:changestatistics", {
        "INPUT_FROM": sample["set"].cisc_2020, "VALID_MASK_FROM": sample["set"].valid_mask_2020,
        "INPUT_TO": sample["set"].cisc_2022, "VALID_MASK_TO": sample["set"].valid_mask_2022,
        "ZONES": zones, "COLUMN_PREFIX": "chg_", "OUTPUT": "TEMPORARY_OUTPUT",
    })
    ok, message = _run_and_wait(dock)
    assert ok, message
    _assert_table_matches(dock, direct, ["chg_" + f for f in CHANGE_FIELDS])
    # the joined zones layer shows the figures
    assert zones.fields().indexOf("chg_gain_km2") >= 0
    joined = {f["name"]: f["chg_net_km2"] for f in zones.getFeatures()}
    expected = {f["name"]: f["chg_net_km2"] for f in direct.getFeatures()}
    for name, value in expected.items():
        assert joined[name] == pytest.approx(value)
    # transition matrix sums to the valid area in both years
    result = dock.result
    total_valid = sum(v for v in result.values("chg_valid_km2") if v is not None)
    assert sum(map(sum, result.transition_matrix())) == pytest.approx(total_valid)
    # derived valid coverage is a share
    shares = [v for v in result.values("chg_valid_pct") if v is not None]
    assert shares and all(0 <= v <= 100 for v in shares)
    # a second run replaces the earlier join instead of failing on its fields
    ok, message = _run_and_wait(dock)
    assert ok, message
    assert len(zones.vectorJoins()) == 1


def test_both_years_two_runs(dock, sample):
    zones = _add_zones(sample["zones"])
    dock.zonesLayerCombo.setLayer(zones)
    dock.nameFieldCombo.setField("name")
    dock.set_analysis("both")
    dock.set_source_folder(sample["set"].folder)
    dock.addLayerCheck.setChecked(False)
    dock.joinCheck.setChecked(False)
    ok, message = _run_and_wait(dock)
    assert ok, message
    keys = {c.key for c in dock.result.columns}
    assert {"y2020_imperv_km2", "y2022_imperv_km2", "y2020_valid_pct", "y2022_valid_pct"} <= keys
    direct = _direct("cisc:zonalstatistics", {
        "INPUT": sample["set"].cisc_2022, "ZONES": zones, "COLUMN_PREFIX": "y2022_", "OUTPUT": "TEMPORARY_OUTPUT",
    })  # the mask beside the raster is found by the algorithm itself
    _assert_table_matches(dock, direct, ["y2022_imperv_km2", "y2022_valid_km2", "y2022_imperv_pct"])
    assert dock.result_layer_id is None  # not added when unchecked


def test_selected_features_only_and_low_valid_flag(dock, sample):
    zones = _add_zones(sample["zones"])
    edge = _add_zones(sample["edge"], "edge")
    dock.zonesLayerCombo.setLayer(zones)
    zones.selectByIds([f.id() for f in zones.getFeatures()][:3])
    dock.selectedOnlyCheck.setChecked(True)
    dock.nameFieldCombo.setField("name")
    dock.set_analysis("2022")
    dock.set_source_folder(sample["set"].folder)
    dock.addLayerCheck.setChecked(False)
    ok, message = _run_and_wait(dock)
    assert ok, message
    assert dock.model.rowCount() == 3
    assert sorted(dock.model.label(r) for r in range(3)) == sorted(ZONE_NAMES[:3])

    # a zone mostly outside the rasters gets flagged; the threshold decides
    dock.selectedOnlyCheck.setChecked(False)
    dock.zonesLayerCombo.setLayer(edge)
    dock.nameFieldCombo.setField("name")
    ok, message = _run_and_wait(dock)
    assert ok, message
    share = dock.model.value(0, "y2022_valid_pct")
    assert share is not None and share < 50
    dock.thresholdSpin.setValue(50)
    assert dock.model.is_flagged(0)
    assert "⚠" in dock.model.data(dock.model.index(0, 0))
    assert "1" in dock.flagSummaryLabel.text()
    dock.thresholdSpin.setValue(max(0, math.floor(share) - 1))
    assert not dock.model.is_flagged(0)


def test_charts_and_exports(dock, sample, tmp_path):
    from cisc_impervious.plugin.gui import charts

    zones = _add_zones(sample["zones"])
    dock.zonesLayerCombo.setLayer(zones)
    dock.nameFieldCombo.setField("name")
    dock.set_analysis("change")
    dock.set_source_folder(sample["set"].folder)
    dock.addLayerCheck.setChecked(False)
    ok, message = _run_and_wait(dock)
    assert ok, message
    for kind in charts.CHART_KINDS:
        dock.set_chart_kind(kind)
        assert dock.current_figure() is not None, dock.chartNoteLabel.text()
        png = dock.save_chart_png(tmp_path / f"{kind}.png")
        assert png is not None and png.stat().st_size > 5000
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    csv_path = dock.export_csv(tmp_path / "out.csv")
    text = csv_path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("name,chg_valid_km2")
    assert len(text.splitlines()) == len(ZONE_NAMES) + 1
    gpkg = dock.export_geopackage(tmp_path / "out.gpkg")
    layer = QgsVectorLayer(str(gpkg), "x", "ogr")
    assert layer.isValid() and layer.featureCount() == len(ZONE_NAMES)
    assert layer.fields().indexOf("chg_gain_km2") >= 0
    assert not [p for p in tmp_path.iterdir() if ".part" in p.name]
    clip = dock.copy_selection()
    assert clip.count("\n") == len(ZONE_NAMES) + 1


# -- bad inputs ---------------------------------------------------------------------
def test_no_zones_layer_gives_a_message(dock, sample):
    dock.zonesLayerCombo.setLayer(None)
    dock.set_source_folder(sample["set"].folder)
    assert dock.run() is False
    assert "zones layer" in dock.message().lower()
    assert not dock.is_running() and dock.runButton.isEnabled()


def test_layer_without_polygons_gives_a_message(dock, sample):
    empty = QgsVectorLayer("Polygon?crs=EPSG:4326&field=name:string", "empty zones", "memory")
    QgsProject.instance().addMapLayer(empty)
    dock.zonesLayerCombo.setLayer(empty)
    dock.set_source_folder(sample["set"].folder)
    assert dock.run() is False
    assert "empty zones" in dock.message() and "no polygons" in dock.message()
    # only empty geometries: no polygons either
    feature = QgsFeature(empty.fields())
    feature.setAttributes(["nothing"])
    feature.setGeometry(QgsGeometry())
    empty.dataProvider().addFeatures([feature])
    assert dock.run() is False
    assert "no polygons" in dock.message()
    # a point layer set by code is refused too
    points = QgsVectorLayer("Point?crs=EPSG:4326", "points", "memory")
    f = QgsFeature()
    f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(117, 33)))
    points.dataProvider().addFeatures([f])
    QgsProject.instance().addMapLayer(points)
    # (the combo only lists polygon layers; a script or a changed layer could still hand one over)
    dock.zones_layer = lambda: points
    assert dock.run() is False
    assert "points" in dock.message() and "no polygons" in dock.message()


def test_missing_cisc_files_give_a_message(dock, sample, tmp_path):
    zones = _add_zones(sample["zones"])
    dock.zonesLayerCombo.setLayer(zones)
    # a folder with only the 2020 raster: the change analysis needs 2022 too
    import shutil

    shutil.copy(sample["set"].cisc_2020, tmp_path / "cisc_2020.tif")
    dock.set_analysis("change")
    dock.set_source_folder(tmp_path)
    assert dock.run() is False
    assert "2022" in dock.message() and str(tmp_path) in dock.message()
    dock.set_source_folder(tmp_path / "does_not_exist")
    assert dock.run() is False
    assert "does_not_exist" in dock.message()
    # no CISC layers in the project
    dock.set_source_layers()
    assert dock.run() is False
    assert "2020" in dock.message()


def test_unreadable_raster_reports_the_algorithm_error(dock, sample, tmp_path):
    zones = _add_zones(sample["zones"])
    (tmp_path / "cisc_2020.tif").write_bytes(b"this is not a GeoTIFF")
    dock.zonesLayerCombo.setLayer(zones)
    dock.set_analysis("2020")
    dock.set_source_folder(tmp_path)
    dock.addLayerCheck.setChecked(False)
    ok, message = _run_and_wait(dock)
    assert not ok
    assert "cisc_2020.tif" in dock.message()
    assert dock.runButton.isEnabled() and dock.result is None


# -- cancel --------------------------------------------------------------------------
class _SlowAlgorithm(QgsProcessingAlgorithm):
    """Stands in for a long statistics run: loops until cancelled (at most 60 s)."""

    def name(self):
        return "slow"

    def displayName(self):
        return "slow"

    def createInstance(self):
        return _SlowAlgorithm()

    def initAlgorithm(self, config=None):
        for name in ("INPUT", "VALID_MASK", "ZONES", "COLUMN_PREFIX", "OUTPUT", "INPUT_FROM",
                     "INPUT_TO", "VALID_MASK_FROM", "VALID_MASK_TO"):
            self.addParameter(QgsProcessingParameterNumber(name, name, optional=True))

    def checkParameterValues(self, parameters, context):
        return True, ""

    def processAlgorithm(self, parameters, context, feedback):
        end = time.monotonic() + 60
        while time.monotonic() < end and not feedback.isCanceled():
            time.sleep(0.05)
            feedback.setProgress(min(99, (60 - (end - time.monotonic())) * 10))
        return {}


class _SlowProvider(QgsProcessingProvider):
    def id(self):
        return "cisctest"

    def name(self):
        return "cisc test"

    def loadAlgorithms(self):
        self.addAlgorithm(_SlowAlgorithm())


@pytest.fixture()
def slow_algorithm(monkeypatch, qgis_processing):
    from cisc_impervious.plugin.gui import run_request as dock_module

    provider = _SlowProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    monkeypatch.setitem(dock_module.ALGORITHM_IDS, "zonal", "cisctest:slow")
    yield
    QgsApplication.processingRegistry().removeProvider(provider)


def test_cancel_stops_a_running_task_within_a_second(dock, sample, slow_algorithm):
    zones = _add_zones(sample["zones"])
    dock.zonesLayerCombo.setLayer(zones)
    dock.set_analysis("2020")
    dock.set_source_folder(sample["set"].folder)
    finished = []
    dock.runFinished.connect(lambda ok, msg: finished.append((ok, msg)))
    assert dock.run()
    assert not dock.runButton.isEnabled() and dock.cancelButton.isEnabled()
    # the task is really running in the background while the GUI keeps processing events
    assert _wait(lambda: dock.progressBar.value() > 0, 10)
    assert not finished
    started = time.monotonic()
    dock.cancelButton.click()
    assert _wait(lambda: bool(finished), 5)
    assert time.monotonic() - started < 1.0
    assert finished[0][0] is False
    assert dock.runButton.isEnabled() and not dock.is_running()
    assert dock.result is None
    assert _wait(lambda: not _busy(), 5)


def test_closing_the_dock_or_project_mid_run_is_safe(dock, sample, slow_algorithm):
    zones = _add_zones(sample["zones"])
    dock.zonesLayerCombo.setLayer(zones)
    dock.set_analysis("2020")
    dock.set_source_folder(sample["set"].folder)
    assert dock.run()
    assert _wait(lambda: dock.progressBar.value() > 0, 10)
    dock.close()
    assert not dock.is_running()
    assert _wait(lambda: not _busy(), 2), "the task did not stop after the dock was closed"
    dock.show()
    assert dock.run()
    assert _wait(lambda: dock.progressBar.value() > 0, 10)
    QgsProject.instance().clear()
    assert not dock.is_running()
    assert _wait(lambda: not _busy(), 2), "the task did not stop after the project was closed"
    assert dock.runButton.isEnabled()


def test_layers_added_by_the_plugin_loader_are_found(dock, sample):
    """The dock recognises the layers the plugin's own loader adds (its custom properties)."""
    from cisc_impervious.plugin.core import sources
    from cisc_impervious.plugin.layers.loader import add_cisc_layers, specs_for_local

    discovery = sources.discover_local(sample["set"].folder, [2020, 2022], masks=True, dates=False)
    loaded = add_cisc_layers(specs_for_local(discovery), QgsProject.instance(), zoom=False)
    assert not loaded.errors, loaded.errors
    dock.set_analysis("change")
    dock.set_source_layers()
    found = dock.resolve_sources()
    assert sorted(found) == [2020, 2022]
    assert found[2020][0].endswith("cisc_2020.tif") and found[2020][1].endswith("valid_mask_2020.tif")
    assert found[2022][2].isValid()


def test_plugin_menu_action_opens_and_hides_the_dock(qgis_iface, qgis_new_project):
    """Through the plugin's own action, and unloading with a running dock is safe."""
    import cisc_impervious
    from cisc_impervious.plugin.gui.dock import StatisticsDock

    window = qgis_iface.mainWindow()
    was_visible = window.isVisible()
    window.show()
    second = cisc_impervious.classFactory(qgis_iface)
    second.initGui()
    try:
        second.actions["dock"].trigger()
        assert isinstance(second.dock, StatisticsDock)
        assert second.dock.isVisible() and second.actions["dock"].isChecked()
        second.actions["dock"].trigger()
        assert not second.dock.isVisible() and not second.actions["dock"].isChecked()
        second.actions["dock"].trigger()
        assert second.dock.isVisible()
    finally:
        second.unload()
        window.setVisible(was_visible)
    assert second.dock is None
    QgsApplication.processEvents()


def test_zones_with_clashing_fields_give_a_message(dock, sample):
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=name:string&field=y2020_imperv_km2:double", "old results", "memory")
    feature = QgsFeature(layer.fields())
    feature.setAttributes(["a", 1.0])
    feature.setGeometry(QgsGeometry.fromWkt("POLYGON((117 33, 117.1 33, 117.1 33.1, 117 33.1, 117 33))"))
    layer.dataProvider().addFeatures([feature])
    QgsProject.instance().addMapLayer(layer)
    dock.zonesLayerCombo.setLayer(layer)
    dock.set_analysis("2020")
    dock.set_source_folder(sample["set"].folder)
    assert dock.run() is False
    assert "y2020_imperv_km2" in dock.message() and "old results" in dock.message()
    dock.set_analysis("2022")  # other columns: no clash
    dock.addLayerCheck.setChecked(False)
    ok, message = _run_and_wait(dock)
    assert ok, message
