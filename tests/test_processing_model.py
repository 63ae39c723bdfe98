"""The shipped model resources/models/cisc_change_report.model3: built here, listed by the
provider, run end to end.

Rebuild the shipped file after changing build_model():
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.test_processing_model
"""

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

for _module in (gdal, ogr, osr):  # datafactory restores GDAL's exception mode on exit
    _module.UseExceptions()

from qgis.core import (  # noqa: E402
    QgsProcessing,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
)
from qgis.PyQt.QtCore import QPointF  # noqa: E402

from tests import datafactory as df  # noqa: E402
from tests import oracle  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
MODEL_PATH = REPO_ROOT / "resources" / "models" / "cisc_change_report.model3"
MODEL_ID = "cisc:changereport"
# model outputs: "<child id>:<output name>"
OUT_STATS = "changestatistics:change_statistics"
OUT_MAP = "changemap:change_map"
OUT_FRACTION = "imperviousfraction:impervious_fraction"


def build_model() -> QgsProcessingModelAlgorithm:
    # name() is also the id's tail (cisc:changereport); the provider gives it a readable displayName()
    model = QgsProcessingModelAlgorithm("changereport", "Reports", "reports")
    model.setHelpContent({
        "ALG_DESC": "For a zone layer: change statistics per zone between two CISC years, the change map "
                    "clipped to the zones' extent, and the impervious fraction of the second year on a coarse grid.",
        "ALG_CREATOR": "CISC impervious surface plugin",
    })
    inputs = [
        (QgsProcessingParameterFeatureSource("zones", "Zones (polygons)",
                                             [QgsProcessing.SourceType.TypeVectorPolygon]), 0),
        (QgsProcessingParameterRasterLayer("cisc_from", "CISC raster, first year (from)"), 1),
        (QgsProcessingParameterRasterLayer("mask_from", "Valid mask of the first year", optional=True), 2),
        (QgsProcessingParameterRasterLayer("cisc_to", "CISC raster, second year (to)"), 3),
        (QgsProcessingParameterRasterLayer("mask_to", "Valid mask of the second year", optional=True), 4),
        (QgsProcessingParameterNumber("cell_size", "Cell size of the impervious fraction (metres)",
                                      QgsProcessingParameterNumber.Type.Double, 1000.0, minValue=1.0), 5),
    ]
    for definition, row in inputs:
        component = QgsProcessingModelParameter(definition.name())
        component.setPosition(QPointF(120, 60 + 70 * row))
        model.addModelParameter(definition, component)

    def param(name):
        return [QgsProcessingModelChildParameterSource.fromModelParameter(name)]

    def static(value):
        return [QgsProcessingModelChildParameterSource.fromStaticValue(value)]

    years = {"INPUT_FROM": param("cisc_from"), "VALID_MASK_FROM": param("mask_from"),
             "INPUT_TO": param("cisc_to"), "VALID_MASK_TO": param("mask_to")}
    children = [
        ("changestatistics", "cisc:changestatistics", {**years, "ZONES": param("zones"), "COLUMN_PREFIX": static("")},
         "change_statistics", "Change statistics"),
        ("changemap", "cisc:changemap", {**years, "EXTENT": param("zones")}, "change_map", "Change map"),
        ("imperviousfraction", "cisc:imperviousfraction",
         {"INPUT": param("cisc_to"), "VALID_MASK": param("mask_to"), "CELL_SIZE": param("cell_size"),
          "MIN_VALID_PCT": static(50.0)},
         "impervious_fraction", "Impervious fraction"),
    ]
    for row, (child_id, algorithm_id, sources, output_name, description) in enumerate(children):
        child = QgsProcessingModelChildAlgorithm(algorithm_id)
        child.setChildId(child_id)
        child.setDescription(description)
        child.setPosition(QPointF(460, 100 + 150 * row))
        for name, value in sources.items():
            child.addParameterSources(name, value)
        output = QgsProcessingModelOutput(output_name, description)
        output.setChildId(child_id)
        output.setChildOutputName("OUTPUT")
        output.setPosition(QPointF(720, 100 + 150 * row))
        child.setModelOutputs({output_name: output})
        model.addChildAlgorithm(child)
    model.updateDestinationParameters()
    return model


def test_shipped_model_is_what_build_model_builds(provider):
    shipped = QgsProcessingModelAlgorithm()
    assert shipped.fromFile(str(MODEL_PATH))
    built = build_model()
    assert shipped.name() == built.name()
    assert sorted(shipped.childAlgorithms()) == sorted(built.childAlgorithms())
    names = sorted(p.name() for p in shipped.parameterDefinitions())
    assert names == sorted(p.name() for p in built.parameterDefinitions())
    for child_id, child in built.childAlgorithms().items():
        assert shipped.childAlgorithm(child_id).algorithmId() == child.algorithmId()


def test_model_listed_in_toolbox(provider):
    from qgis.core import QgsApplication

    algorithm = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
    assert algorithm is not None
    assert algorithm.provider().id() == "cisc"
    names = {p.name() for p in algorithm.parameterDefinitions()}
    assert {"zones", "cisc_from", "cisc_to", OUT_STATS, OUT_MAP, OUT_FRACTION} <= names


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    return df.make_cisc_set(folder / "cisc", 600, 520, seed=21, with_dates=False)


def test_model_runs_end_to_end(provider, sample, tmp_path):
    import processing

    zones = df.make_provinces(4, sample, 5)
    zones_path = df.write_zones(str(tmp_path / "zones.gpkg"), zones, 4326)
    results = processing.run(
        MODEL_ID,
        {"zones": zones_path, "cisc_from": sample.cisc_2020, "mask_from": sample.valid_mask_2020,
         "cisc_to": sample.cisc_2022, "mask_to": sample.valid_mask_2022, "cell_size": 990.0,
         OUT_STATS: str(tmp_path / "stats.gpkg"), OUT_MAP: str(tmp_path / "map.tif"),
         OUT_FRACTION: str(tmp_path / "fraction.tif")},
    )
    assert Path(results[OUT_STATS]).exists() or str(tmp_path / "stats.gpkg") in str(results[OUT_STATS])
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

    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    ok = build_model().toFile(str(MODEL_PATH))
    print(f"wrote {MODEL_PATH}: {ok}")
    app.exitQgis()
    sys.exit(0 if ok else 1)
