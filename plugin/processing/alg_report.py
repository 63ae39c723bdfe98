"""cisc:report: a PDF report (QGIS print layout) of a statistics layer, the output of
cisc:zonalstatistics or cisc:changestatistics. The layout is built by plugin/layers/report.py;
it runs on the main thread (FlagNoThreading): print layouts are scene objects."""

import os

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
)

from ..core.errors import CiscError
from ..toolbelt.i18n import tr, tr_message
from .base import CiscAlgorithm, raise_if_cancelled

# The report is a print layout built by plugin/layers/report.py, one tier above Processing: the
# plugin hands that module in when it registers the provider (plugin_main.initProcessing), so
# Processing never imports the layers/gui tier (data flows sources -> core -> processing -> gui/layers).
_REPORT_BUILDER = None


def set_report_builder(module) -> None:
    global _REPORT_BUILDER
    _REPORT_BUILDER = module


def report_builder():
    if _REPORT_BUILDER is None:
        raise QgsProcessingException(tr("cisc:report needs the CISC plugin loaded (it builds the report's layout)."))
    return _REPORT_BUILDER


class ReportAlgorithm(CiscAlgorithm):
    NAME = "report"
    GROUP_ID = "reports"
    INPUT = "INPUT"
    NAME_FIELD = "NAME_FIELD"
    YEAR = "YEAR"
    VALID_THRESHOLD = "VALID_THRESHOLD"
    TITLE = "TITLE"
    OUTPUT = "OUTPUT"
    YEARS = ("2020", "2022")

    def displayName(self):  # noqa: N802
        return tr("Report (PDF)")

    def group(self):
        return tr("Reports")

    def tags(self):
        return tr("cisc,impervious,report,pdf,layout,map,chart,table").split(",")

    def flags(self):
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.INPUT, tr("Statistics layer (output of Zonal statistics or Change statistics)"),
            [QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(
            self.NAME_FIELD, tr("Zone name field"), parentLayerParameterName=self.INPUT, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.YEAR, tr("Year of a one-year layer whose field names do not say it"), options=list(self.YEARS),
            defaultValue=1, optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.VALID_THRESHOLD, tr("Flag zones with a valid coverage below (%)"),
            QgsProcessingParameterNumber.Type.Double, defaultValue=50.0, minValue=0.0, maxValue=100.0))
        self.addParameter(QgsProcessingParameterString(self.TITLE, tr("Title"), "", optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, tr("Report"), tr("PDF files (*.pdf)")))

    def process(self, parameters, context, feedback):
        from ..core.outputs import PDF_EXTENSIONS, check_output_path

        report = report_builder()
        ReportError, ReportOptions = report.ReportError, report.ReportOptions  # noqa: N806 (classes)
        result_from_layer, write_report = report.result_from_layer, report.write_report

        layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        if layer is None or not layer.isValid():
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        try:
            output = check_output_path(output, [layer.source().split("|")[0]], PDF_EXTENSIONS)
        except CiscError as error:
            raise QgsProcessingException(tr_message(error.args[0])) from None
        year = self.YEARS[self.parameterAsEnum(parameters, self.YEAR, context)] if parameters.get(self.YEAR) not in (
            None, "") else "2022"
        options = ReportOptions(
            title=self.parameterAsString(parameters, self.TITLE, context) or "",
            threshold_pct=self.parameterAsDouble(parameters, self.VALID_THRESHOLD, context),
        )
        feedback.setProgress(5)
        try:
            result = result_from_layer(layer, self.parameterAsString(parameters, self.NAME_FIELD, context) or "",
                                       year, zones_name=layer.name())
            feedback.pushInfo(tr("{n} zones read from {layer}.").format(n=len(result), layer=layer.name()))
            raise_if_cancelled(feedback)
            feedback.setProgress(20)
            written, layout = write_report(result, output, options, context.project())
        except ReportError as error:
            raise QgsProcessingException(str(error)) from None
        except CiscError as error:
            raise QgsProcessingException(tr_message(error.args[0])) from None
        pages = layout.pageCollection().pageCount()
        feedback.pushInfo(tr("Report written: {path} ({pages} pages).").format(path=written, pages=pages))
        feedback.setProgress(100)
        return {self.OUTPUT: os.path.abspath(written)}
