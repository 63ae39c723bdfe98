"""After a dock run: where the result layer lands in the Layers panel, its opacity, and each log
line in QGIS's message log once (under "CISC", not again under "Processing")."""


import pytest
from qgis.core import QgsApplication, QgsMessageLog, QgsProject, QgsVectorLayer

from tests import datafactory
from tests.test_dock import _run_and_wait

NAMES = ["东城区", "西城区", "朝阳区", "海淀区"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dock_result_layer")
    sample_set = datafactory.make_cisc_set(folder / "cisc", 256, 256, seed=3, with_dates=False, overviews=False)
    zones = datafactory.write_zones(
        folder / "zones.gpkg", datafactory.make_counties(len(NAMES), sample_set, seed=3), 4326, names=NAMES
    )
    return {"set": sample_set, "zones": zones}


def _run(dock):
    result = _run_and_wait(dock)
    for _ in range(5):
        QgsApplication.processEvents()  # message-log signals queued from the task's thread
    return result


def _setup(dock, sample):
    """Layers panel, top to bottom: a labels layer, then a group holding the zones and the layer
    the zones lie on."""
    project = QgsProject.instance()
    root = project.layerTreeRoot()
    labels = QgsVectorLayer("Point?crs=EPSG:4326&field=name:string", "Place names", "memory")
    zones = QgsVectorLayer(str(sample["zones"]), "counties", "ogr")
    below = QgsVectorLayer("Polygon?crs=EPSG:4326", "land use under the zones", "memory")
    assert zones.isValid()
    for layer in (labels, zones, below):
        project.addMapLayer(layer, False)
    root.addLayer(labels)
    group = root.addGroup("Admin")
    group.addLayer(zones)
    group.addLayer(below)
    dock.zonesLayerCombo.setLayer(zones)
    dock.nameFieldCombo.setField("name")
    dock.set_analysis("2022")
    dock.set_source_folder(sample["set"].folder)
    dock.addLayerCheck.setChecked(True)
    dock.joinCheck.setChecked(False)
    return labels, zones, below, group


def test_result_layer_goes_directly_above_its_zones_at_60_percent(dock, sample):
    from cisc_impervious.plugin.gui.result_layer import RESULT_OPACITY

    labels, zones, below, group = _setup(dock, sample)
    ok, message = _run(dock)
    assert ok, message
    project = QgsProject.instance()
    result = project.mapLayer(dock.layers.layer_id)
    assert result is not None and result.featureCount() == len(NAMES)
    # in the zones' group, right above them: under the labels, over the zones and what they lie on
    assert [node.layer() for node in group.children()] == [result, zones, below]
    order = [node.layer() for node in project.layerTreeRoot().findLayers()]
    assert order == [labels, result, zones, below]
    assert project.layerTreeRoot().findLayer(result.id()).isVisible()
    assert RESULT_OPACITY == 0.6 and result.opacity() == pytest.approx(0.6)
    assert result.renderer().type() == "graduatedSymbol"
    assert result.renderer().classAttribute().endswith("imperv_pct")
    # the next run's layer goes directly above the zones too (the earlier one is kept, above it)
    ok, message = _run(dock)
    assert ok, message
    second = project.mapLayer(dock.layers.layer_id)
    assert second is not result and second.opacity() == pytest.approx(0.6)
    assert [node.layer() for node in group.children()] == [result, second, zones, below]


def test_each_log_line_reaches_the_message_log_once(dock, sample):
    from cisc_impervious.plugin.toolbelt.log import attach_message_log

    attach_message_log()  # as the loaded plugin has it (another test may have unloaded a plugin instance)
    received = []

    def on_message(message, tag, level):
        received.append((tag, message))

    log = QgsApplication.messageLog()
    log.messageReceived.connect(on_message)
    try:
        _setup(dock, sample)
        ok, message = _run(dock)
        assert ok, message
    finally:
        log.messageReceived.disconnect(on_message)
    cisc = [text for tag, text in received if tag == "CISC"]
    processing = [text for tag, text in received if tag == "Processing"]
    assert cisc, received  # the run's lines are logged (under the plugin's tag)
    assert not set(cisc) & set(processing), processing
    assert len(cisc) == len(set(cisc)), cisc
    QgsMessageLog.logMessage("marker", "CISC-test")  # the capture itself works


def test_net_change_is_shaded_diverging_around_zero(qgis_app):
    """Losses in blues, no change grey, gains in reds: a loss never reads as a small gain."""
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    from cisc_impervious.plugin.gui.result_layer import style_result_layer
    from cisc_impervious.plugin.gui.results import ANALYSIS_CHANGE, ResultSet

    nets = [-0.5, -0.1, 0.0, 0.2, 0.4, 1.5, 3.0]
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=chg_net_km2:double", "change", "memory")
    features = []
    for index, net in enumerate(nets):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromWkt(f"POLYGON(({index} 0,{index + 1} 0,{index + 1} 1,{index} 0))"))
        feature.setAttributes([net])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    result = ResultSet(ANALYSIS_CHANGE, [str(n) for n in nets], [{"chg_net_km2": n} for n in nets])
    assert style_result_layer(layer, result)
    renderer = layer.renderer()

    def colour_of(value):
        for item in renderer.ranges():
            if item.lowerValue() <= value <= item.upperValue():
                return item.symbol().color()
        raise AssertionError(f"no class holds {value}")

    for loss in (-0.5, -0.1):
        colour = colour_of(loss)
        assert colour.blue() > colour.red(), loss
    for gain in (0.2, 0.4, 1.5, 3.0):
        colour = colour_of(gain)
        assert colour.red() > colour.blue(), gain
    assert [r.label() for r in renderer.ranges() if r.lowerValue() <= 0.0 <= r.upperValue()] == ["no change"]
    # every zone falls in exactly one class
    assert all(sum(r.lowerValue() <= v <= r.upperValue() for r in renderer.ranges()) >= 1 for v in nets)
