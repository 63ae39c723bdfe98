"""cisc:imperviousfraction: impervious percent of valid pixels on a coarse grid."""

from qgis.core import QgsProcessingParameterNumber, QgsProcessingParameterRasterDestination

from ..core.fraction import write_impervious_fraction
from ..toolbelt.i18n import tr
from .base import (
    CiscAlgorithm,
    FeedbackBridge,
    engine_errors,
    engine_threads,
    raise_if_cancelled,
    year_inputs,
    year_parameters,
)
from .postprocessors import FRACTION_STYLE, attach_style


class ImperviousFractionAlgorithm(CiscAlgorithm):
    NAME = "imperviousfraction"
    GROUP_ID = "rasters"

    def displayName(self):  # noqa: N802
        return tr("Impervious fraction on a coarse grid")

    def tags(self):
        return tr("cisc,impervious,fraction,share,percent,grid,aggregate,raster").split(",")

    def initAlgorithm(self, config=None):  # noqa: N802
        for parameter in year_parameters():
            self.addParameter(parameter)
        self.addParameter(
            QgsProcessingParameterNumber(
                "CELL_SIZE",
                tr("Cell size (metres)"),
                QgsProcessingParameterNumber.Type.Double,
                1000.0,
                minValue=1.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                "MIN_VALID_PCT",
                tr("Minimum valid share of a cell (%)"),
                QgsProcessingParameterNumber.Type.Double,
                50.0,
                minValue=0.0,
                maxValue=100.0,
            )
        )
        self.addParameter(QgsProcessingParameterRasterDestination("OUTPUT", tr("Impervious fraction")))

    def process(self, parameters, context, feedback):
        raster, mask = year_inputs(self, parameters, context, feedback)
        cell_size = self.parameterAsDouble(parameters, "CELL_SIZE", context)
        min_valid = self.parameterAsDouble(parameters, "MIN_VALID_PCT", context)
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        raise_if_cancelled(feedback)
        with engine_errors():
            result = write_impervious_fraction(
                raster,
                output,
                mask,
                cell_size=cell_size,
                min_valid_pct=min_valid,
                feedback=FeedbackBridge(feedback),
                threads=engine_threads(),
                other_values="error",
            )
        feedback.pushInfo(
            tr("Impervious fraction written: {path} ({width} x {height} cells of {size:g} m).").format(
                path=result["path"], width=result["width"], height=result["height"], size=cell_size
            )
        )
        attach_style(context, output, FRACTION_STYLE)
        return {"OUTPUT": output}
