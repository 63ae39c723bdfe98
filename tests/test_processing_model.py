"""The shipped model cisc:changereport: built in code by the provider (in the user's language),
the same as its editable copy resources/models/cisc_change_report.model3, run end to end, opened
in the graphical modeler.

Rewrite the shipped file after changing plugin/processing/model_change_report.py:build_model():
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.test_processing_model
"""

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from qgis.core import QgsApplication, QgsProcessingModelAlgorithm  # noqa: E402

if __name__ == "__main__":  # run as a script (see above): import the plugin as pytest does
    from tools.plugin_package import put_plugin_on_path

    put_plugin_on_path()

from cisc_impervious.plugin.processing.model_change_report import (  # noqa: E402
    GROUP_ID,
    MODEL_FILE,
    MODEL_ID,
    OUTPUTS,
    ChangeReportModel,
    build_model,
    output_parameter_name,
    strip_child_prefix,
    write_model_file,
)
from tests import datafactory as df  # noqa: E402
from tests import oracle  # noqa: E402

# the documented output names (docs/processing.md, qgis_process): "<child id>:<output name>"
DOCUMENTED_OUTPUTS = {f"{child}:{output}" for child, output in OUTPUTS.items()}


def summary(model: QgsProcessingModelAlgorithm) -> dict:
    """What a model is, independent of the QGIS version that built or read it: QGIS >= 3.3x names
    the outputs of a model built in code after their descriptions ("change_map"), those of a model
    read from a file "<child id>:<output name>" ("changemap:change_map") (build_model() keeps the
    latter, but a model saved by such a QGIS may not): outputs are compared without the child id
    prefix, and by the child output they come from."""
    parameters = {
        p.name(): (p.type(), p.description(), int(p.flags()), p.defaultValue())
        for p in model.parameterDefinitions()
        if not p.isDestination()
    }
    outputs = sorted((strip_child_prefix(p.name()), p.description()) for p in model.destinationParameterDefinitions())
    children = {}
    for child_id, child in model.childAlgorithms().items():
        # (an empty static string reads back from a file as None in QGIS 3.40: both are "")
        sources = {
            name: [(s.source(), s.parameterName(), "" if s.staticValue() is None else s.staticValue()) for s in values]
            for name, values in child.parameterSources().items()
        }
        model_outputs = {
            name: (output.childId(), output.childOutputName(), output.description())
            for name, output in child.modelOutputs().items()
        }
        position = (child.position().x(), child.position().y())
        children[child_id] = (child.algorithmId(), child.description(), sources, model_outputs, position)
    help_content = {key: value for key, value in model.helpContent().items() if value}
    return {"name": model.name(), "group": model.group(), "help": help_content, "parameters": parameters,
            "outputs": outputs, "children": children}


def test_shipped_file_is_what_build_model_builds(provider):
    shipped = QgsProcessingModelAlgorithm()
    assert shipped.fromFile(str(MODEL_FILE))
    built = build_model(english=True)
    assert summary(shipped) == summary(built)
    # every step resolved (the provider is registered): three outputs, one per step
    assert sorted(strip_child_prefix(p.name()) for p in built.destinationParameterDefinitions()) == sorted(
        OUTPUTS.values())
    for model in (shipped, built):
        for child_id in OUTPUTS:
            name = output_parameter_name(model, child_id)
            assert strip_child_prefix(name) == OUTPUTS[child_id]


def test_strip_child_prefix_and_output_lookup_take_both_spellings():
    assert strip_child_prefix("changemap:change_map") == "change_map"
    assert strip_child_prefix("change_map") == "change_map"

    class Named:  # a model whose outputs QGIS >= 3.3x named after their descriptions
        def __init__(self, names):
            self.names = names

        def destinationParameterDefinitions(self):  # noqa: N802
            from qgis.core import QgsProcessingParameterRasterDestination

            return [QgsProcessingParameterRasterDestination(name) for name in self.names]

        def id(self):
            return "test:model"

    assert output_parameter_name(Named(["change_map"]), "changemap") == "change_map"
    assert output_parameter_name(Named(["changemap:change_map"]), "changemap") == "changemap:change_map"
    with pytest.raises(KeyError):
        output_parameter_name(Named(["other"]), "changemap")


def test_model_listed_in_toolbox(provider):
    algorithm = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
    assert isinstance(algorithm, ChangeReportModel)
    assert algorithm.provider().id() == "cisc"
    assert algorithm.displayName() == "Change report (statistics, change map, fraction)"
    assert (algorithm.group(), algorithm.groupId()) == ("Reports", GROUP_ID)
    names = {p.name() for p in algorithm.parameterDefinitions()}
    assert {"zones", "cisc_from", "mask_from", "cisc_to", "mask_to", "cell_size"} <= names
    # the documented names in every QGIS version (the provider keeps them, see _keep_output_names)
    assert {p.name() for p in algorithm.destinationParameterDefinitions()} == DOCUMENTED_OUTPUTS
    # QGIS runs and edits copies: still the CISC model, with its title and outputs
    copy = algorithm.create()
    assert isinstance(copy, ChangeReportModel)
    assert copy.displayName() == algorithm.displayName() and copy.groupId() == GROUP_ID
    assert {p.name() for p in copy.destinationParameterDefinitions()} == DOCUMENTED_OUTPUTS


@pytest.fixture()
def chinese(qm_file_zh):
    from cisc_impervious.plugin.toolbelt.i18n import install_translator, remove_translator

    assert install_translator("zh-Hans") == "zh_CN"
    yield
    remove_translator()


@pytest.fixture(scope="module")
def qm_file_zh():
    from tests.test_i18n import build_qm

    return build_qm()


def test_model_in_chinese(provider, chinese):
    model = build_model(ChangeReportModel)
    assert model.displayName() == "变化报告（统计、变化图、比例）"
    assert model.group() == "报告" and model.groupId() == GROUP_ID
    assert model.name() == "changereport"
    assert model.parameterDefinition("zones").description() == "分区（面）"
    assert model.parameterDefinition("mask_from").description() == "起始年份的有效掩膜"
    assert model.parameterDefinition("cell_size").description() == "不透水面比例的网格大小（米）"
    assert model.childAlgorithm("changestatistics").description() == "变化统计"
    assert model.childAlgorithm("changemap").description() == "变化图"
    descriptions = {strip_child_prefix(p.name()): p.description() for p in model.destinationParameterDefinitions()}
    assert descriptions == {"change_statistics": "变化统计", "change_map": "变化图", "impervious_fraction": "不透水面比例"}
    # the ids do not follow the language
    assert {p.name() for p in model.destinationParameterDefinitions()} == DOCUMENTED_OUTPUTS
    assert "变化统计" in model.shortHelpString()
    # the toolbox's copy, once the provider reloads in Chinese
    provider.refreshAlgorithms()
    try:
        listed = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
        assert listed.displayName() == model.displayName() and listed.group() == "报告"
        assert listed.parameterDefinition("cisc_to").description() == "CISC 栅格，结束年份（到）"
    finally:
        from cisc_impervious.plugin.toolbelt.i18n import remove_translator

        remove_translator()
        provider.refreshAlgorithms()
    assert QgsApplication.processingRegistry().algorithmById(MODEL_ID).group() == "Reports"


def test_open_in_modeler(plugin, provider, monkeypatch):
    """QGIS's toolbox offers "Edit Model…" only for the "model" and "project" providers: the
    plugin opens the modeler itself (CISC menu, toolbox context menu), on a copy."""
    from processing.modeler import ModelerDialog as ModelerDialogModule
    from processing.modeler.EditModelAction import EditModelAction
    from qgis.PyQt.QtCore import QSize

    iface = ModelerDialogModule.iface
    if iface is not None:  # pytest-qgis's iface: iconSize() without QGIS's default argument
        monkeypatch.setattr(type(iface), "iconSize", lambda self, docked=False: QSize(24, 24))

    algorithm = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
    edit = EditModelAction()
    edit.setData(algorithm, None)
    assert not edit.isEnabled()  # why the plugin needs its own action

    [action] = plugin.toolbox_actions
    action.setData(algorithm, None)
    assert action.isEnabled()
    action.setData(QgsApplication.processingRegistry().algorithmById("cisc:changemap"), None)
    assert not action.isEnabled()  # not a model
    action.setData(QgsApplication.processingRegistry().algorithmById("native:buffer"), None)
    assert not action.isEnabled()
    assert plugin.actions["modeler"].text() == "Open the change report in the graphical modeler…"

    dialog = plugin.open_model_in_modeler()
    try:
        model = dialog.model()
        assert model is not algorithm
        # the modeler names a model after its title (what "Save" then writes as its name)
        assert model.name() == algorithm.displayName()
        assert sorted(model.childAlgorithms()) == sorted(OUTPUTS)
        assert {p.name() for p in model.destinationParameterDefinitions()} == DOCUMENTED_OUTPUTS
        assert model.sourceFilePath() == ""  # "Save" asks for a file (the user's models folder)
    finally:
        dialog.setDirty(False)
        dialog.close()
        QgsApplication.processEvents()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    return df.make_cisc_set(folder / "cisc", 600, 520, seed=21, with_dates=False)


def test_model_runs_end_to_end(provider, sample, tmp_path):
    import processing

    zones = df.make_provinces(4, sample, 5)
    zones_path = df.write_zones(str(tmp_path / "zones.gpkg"), zones, 4326)
    model = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
    out_stats, out_map, out_fraction = (output_parameter_name(model, child) for child in OUTPUTS)
    results = processing.run(
        MODEL_ID,
        {"zones": zones_path, "cisc_from": sample.cisc_2020, "mask_from": sample.valid_mask_2020,
         "cisc_to": sample.cisc_2022, "mask_to": sample.valid_mask_2022, "cell_size": 990.0,
         out_stats: str(tmp_path / "stats.gpkg"), out_map: str(tmp_path / "map.tif"),
         out_fraction: str(tmp_path / "fraction.tif")},
    )
    assert Path(results[out_stats]).exists() or str(tmp_path / "stats.gpkg") in str(results[out_stats])
    # statistics: the oracle on the zones transformed as the algorithm does
    from cisc_impervious.plugin.core.fields import CHANGE_FIELDS
    from tests.test_processing_statistics import PIXEL_KM2, layer_info, output_rows, zones_in_raster_crs

    _, rows = output_rows(tmp_path / "stats.gpkg", CHANGE_FIELDS)
    names, wkbs = zones_in_raster_crs(zones_path, sample.cisc_2020)
    expected = oracle.oracle_change(sample.cisc_2020, sample.cisc_2022, wkbs, sample.valid_mask_2020,
                                    sample.valid_mask_2022)
    assert len(rows) == 4
    for name, result in zip(names, expected):
        oracle.assert_rows_equal(rows[name], oracle.expected_change_row(result, PIXEL_KM2))
    # change map clipped to the zones' extent (which here covers the whole raster and more)
    change = gdal.Open(str(tmp_path / "map.tif"))
    assert (change.RasterXSize, change.RasterYSize) == (sample.width, sample.height)
    values = np.unique(change.GetRasterBand(1).ReadAsArray())
    assert set(values.tolist()) <= {10 * a + b for a in range(4) for b in range(4)} | {255}
    # fraction: 990 m cells = 33 x 33 pixels
    fraction = gdal.Open(str(tmp_path / "fraction.tif"))
    assert fraction.GetGeoTransform()[1] == 990.0
    assert fraction.RasterXSize == -(-sample.grids["cisc_2022"]["width"] // 33)
    assert layer_info(tmp_path / "stats.gpkg")["count"] == 4


if __name__ == "__main__":
    import sys

    app = QgsApplication([], False)
    app.initQgis()
    ok = write_model_file()  # English, steps unresolved: the file holds no output parameters
    print(f"wrote {MODEL_FILE}: {ok}")
    app.exitQgis()
    sys.exit(0 if ok else 1)
