"""The shipped model cisc:changereport: change statistics + change map + impervious fraction.

The provider builds it here, in code, so its title, group, inputs, steps and outputs are in
the user's language (tr()). Its ids stay the same in every language and QGIS version: model
name "changereport" (id cisc:changereport), group id "reports", inputs zones, cisc_from,
mask_from, cisc_to, mask_to, cell_size, outputs changestatistics:change_statistics,
changemap:change_map, imperviousfraction:impervious_fraction.

resources/models/cisc_change_report.model3 is the same model in English, the editable copy
for the graphical modeler ("Open Existing Model…"); after changing build_model(), rewrite it:
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.test_processing_model
(tests/test_processing_model.py checks that the file holds what build_model() builds; Qt orders
the XML attributes differently from run to run, so rewrite it only when the model changes).
"""

from pathlib import Path

from qgis.core import (
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
from qgis.PyQt.QtCore import QPointF

from ..toolbelt import i18n
from ..toolbelt.i18n import tr

MODEL_NAME = "changereport"
MODEL_ID = f"cisc:{MODEL_NAME}"
GROUP_ID = "reports"
MODEL_FILE = Path(__file__).resolve().parents[2] / "resources" / "models" / "cisc_change_report.model3"
# the steps' outputs that are the model's outputs: child id -> output name
OUTPUTS = {
    "changestatistics": "change_statistics",
    "changemap": "change_map",
    "imperviousfraction": "impervious_fraction",
}


def _english(text: str) -> str:
    return text


def display_name() -> str:
    return tr("Change report (statistics, change map, fraction)")


class ChangeReportModel(QgsProcessingModelAlgorithm):
    """The model as the provider lists it: translated title and group, group id "reports"."""

    def displayName(self):  # noqa: N802
        return display_name()

    def group(self):
        return tr("Reports")

    def groupId(self):  # noqa: N802
        return GROUP_ID

    def createInstance(self):  # noqa: N802
        """A ChangeReportModel again: QGIS runs and edits copies made by create(), and its own
        copy would be a plain model titled "changereport"."""
        copy = ChangeReportModel()
        copy.loadVariant(self.toVariant())
        copy.setSourceFilePath(self.sourceFilePath())
        return copy


def build_model(model_class=QgsProcessingModelAlgorithm, english: bool = False) -> QgsProcessingModelAlgorithm:
    """The change report model; its texts in the user's language, or in English (the file).

    Every text below is a tr("...") call, which is how tools/update_translations.py finds it;
    with english=True, tr is the identity."""
    tr = _english if english else i18n.tr  # the texts below stay tr("...") calls (extracted)
    model = model_class(MODEL_NAME, tr("Reports"), GROUP_ID)
    model.setHelpContent({
        "ALG_DESC": tr(
            "For a zone layer: change statistics per zone between two CISC years, the change map clipped to "
            "the zones' extent, and the impervious fraction of the second year on a coarse grid."
        ),
        "ALG_CREATOR": tr("CISC impervious surface plugin"),
    })
    inputs = [
        QgsProcessingParameterFeatureSource(
            "zones", tr("Zones (polygons)"), [QgsProcessing.SourceType.TypeVectorPolygon]
        ),
        QgsProcessingParameterRasterLayer("cisc_from", tr("CISC raster, first year (from)")),
        QgsProcessingParameterRasterLayer("mask_from", tr("Valid mask of the first year"), optional=True),
        QgsProcessingParameterRasterLayer("cisc_to", tr("CISC raster, second year (to)")),
        QgsProcessingParameterRasterLayer("mask_to", tr("Valid mask of the second year"), optional=True),
        QgsProcessingParameterNumber(
            "cell_size", tr("Cell size of the impervious fraction (metres)"),
            QgsProcessingParameterNumber.Type.Double, 1000.0, minValue=1.0,
        ),
    ]
    for row, definition in enumerate(inputs):
        component = QgsProcessingModelParameter(definition.name())
        component.setPosition(QPointF(120, 60 + 70 * row))
        model.addModelParameter(definition, component)

    def param(name):
        return [QgsProcessingModelChildParameterSource.fromModelParameter(name)]

    def static(value):
        return [QgsProcessingModelChildParameterSource.fromStaticValue(value)]

    years = {"INPUT_FROM": param("cisc_from"), "VALID_MASK_FROM": param("mask_from"),
             "INPUT_TO": param("cisc_to"), "VALID_MASK_TO": param("mask_to")}
    steps = [
        ("changestatistics", "cisc:changestatistics", {**years, "ZONES": param("zones"), "COLUMN_PREFIX": static("")},
         tr("Change statistics")),
        ("changemap", "cisc:changemap", {**years, "EXTENT": param("zones")}, tr("Change map")),
        ("imperviousfraction", "cisc:imperviousfraction",
         {"INPUT": param("cisc_to"), "VALID_MASK": param("mask_to"), "CELL_SIZE": param("cell_size"),
          "MIN_VALID_PCT": static(50.0)},
         tr("Impervious fraction")),
    ]
    for row, (child_id, algorithm_id, sources, description) in enumerate(steps):
        child = QgsProcessingModelChildAlgorithm(algorithm_id)
        child.setChildId(child_id)
        child.setDescription(description)
        child.setPosition(QPointF(460, 100 + 150 * row))
        for name, value in sources.items():
            child.addParameterSources(name, value)
        output_name = OUTPUTS[child_id]
        output = QgsProcessingModelOutput(output_name, description)
        output.setChildId(child_id)
        output.setChildOutputName("OUTPUT")
        output.setPosition(QPointF(720, 100 + 150 * row))
        child.setModelOutputs({output_name: output})
        model.addChildAlgorithm(child)
    model.updateDestinationParameters()
    _keep_output_names(model)
    return model


def _keep_output_names(model: QgsProcessingModelAlgorithm) -> None:
    """Output parameters named <child id>:<output name> in every QGIS version and language.

    QGIS 3.22 and models read from files without an "internal_version" name a model's outputs
    <child id>:<output name>; newer QGIS names those of a model built in code ("Version2") after
    their descriptions, which are translated here (and a Chinese description has no letters left
    for a name). Loading the model back as "Version1" keeps the documented names."""
    variant = model.toVariant()
    if variant.get("internal_version", "Version1") != "Version1":
        variant["internal_version"] = "Version1"
        model.loadVariant(variant)


def strip_child_prefix(name: str) -> str:
    """'changemap:change_map' -> 'change_map' (output parameter names, any QGIS version)."""
    return name.split(":", 1)[1] if ":" in name else name


def output_parameter_name(model, child_id: str) -> str:
    """The name of the model parameter holding the output of step child_id, whichever way the
    QGIS version (or whoever saved the model) named it: '<child id>:<output>' or '<output>'."""
    output_name = OUTPUTS[child_id]
    for definition in model.destinationParameterDefinitions():
        metadata = definition.metadata() or {}
        if metadata.get("_modelChildId") == child_id and metadata.get("_modelChildOutputName") == output_name:
            return definition.name()
    names = [definition.name() for definition in model.destinationParameterDefinitions()]
    for candidate in (f"{child_id}:{output_name}", output_name):
        if candidate in names:
            return candidate
    raise KeyError(f"{model.id()}: no output of step {child_id}")


def write_model_file(path=MODEL_FILE) -> bool:
    """Write the English editable copy (resources/models/cisc_change_report.model3)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return build_model(english=True).toFile(str(path))
