"""cisc:changemap: a GeoTIFF of the transitions between two CISC years."""

from qgis.core import QgsProcessingParameterExtent, QgsProcessingParameterRasterDestination

from ..core.changemap import write_change_map
from ..toolbelt.i18n import tr
from .base import (
    YEAR_FROM,
    YEAR_TO,
    CiscAlgorithm,
    FeedbackBridge,
    engine_errors,
    engine_threads,
    raise_if_cancelled,
    raster_crs,
    year_inputs,
    year_parameters,
)
from .postprocessors import CHANGE_MAP_STYLE, attach_style


class ChangeMapAlgorithm(CiscAlgorithm):
    NAME = "changemap"
    GROUP_ID = "rasters"

    def displayName(self):  # noqa: N802
        return tr("Change map (two years)")

    def tags(self):
        return tr("cisc,impervious,change,transition,map,raster").split(",")

    def initAlgorithm(self, config=None):  # noqa: N802
        for parameter in year_parameters(YEAR_FROM) + year_parameters(YEAR_TO):
            self.addParameter(parameter)
        self.addParameter(QgsProcessingParameterExtent("EXTENT", tr("Clip to extent"), optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination("OUTPUT", tr("Change map")))

    def process(self, parameters, context, feedback):
        raster_from, mask_from = year_inputs(self, parameters, context, feedback, YEAR_FROM)
        raster_to, mask_to = year_inputs(self, parameters, context, feedback, YEAR_TO)
        crs = raster_crs(raster_from)
        extent = None
        if parameters.get("EXTENT") not in (None, ""):
            rect = self.parameterAsExtent(parameters, "EXTENT", context, crs)
            if not rect.isNull() and not rect.isEmpty():
                extent = (rect.xMinimum(), rect.yMinimum(), rect.xMaximum(), rect.yMaximum())
        output = self.parameterAsOutputLayer(parameters, "OUTPUT", context)
        raise_if_cancelled(feedback)
        with engine_errors():
            result = write_change_map(
                raster_from,
                raster_to,
                output,
                mask_from,
                mask_to,
                extent=extent,
                feedback=FeedbackBridge(feedback),
                threads=engine_threads(),
                other_values="error",
            )
        feedback.pushInfo(
            tr("Change map written: {path} ({width} x {height} pixels).").format(
                path=result["path"], width=result["width"], height=result["height"]
            )
        )
        attach_style(context, output, CHANGE_MAP_STYLE)
        return {"OUTPUT": output}
