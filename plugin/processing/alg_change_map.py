"""cisc:changemap: a GeoTIFF of the transitions between two CISC years."""

from qgis.core import QgsProcessingParameterExtent, QgsProcessingParameterRasterDestination

from ..core.changemap import write_change_map
from ..toolbelt.i18n import tr
from .base import (
    CiscAlgorithm,
    FeedbackBridge,
    engine_errors,
    engine_threads,
    raise_if_cancelled,
    raster_crs,
    raster_parameter,
    raster_path,
    resolve_mask,
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
        self.addParameter(raster_parameter("INPUT_FROM", tr("CISC raster, first year (from)")))
        self.addParameter(raster_parameter("VALID_MASK_FROM", tr("Valid mask of the first year"), optional=True))
        self.addParameter(raster_parameter("INPUT_TO", tr("CISC raster, second year (to)")))
        self.addParameter(raster_parameter("VALID_MASK_TO", tr("Valid mask of the second year"), optional=True))
        self.addParameter(QgsProcessingParameterExtent("EXTENT", tr("Clip to extent"), optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination("OUTPUT", tr("Change map")))

    def process(self, parameters, context, feedback):
        from ..core.engine import check_cisc_raster

        raster_from = raster_path(self, parameters, "INPUT_FROM", context)
        raster_to = raster_path(self, parameters, "INPUT_TO", context)
        mask_from = raster_path(self, parameters, "VALID_MASK_FROM", context, required=False)
        mask_to = raster_path(self, parameters, "VALID_MASK_TO", context, required=False)
        with engine_errors():
            check_cisc_raster(raster_from)
            check_cisc_raster(raster_to)
            mask_from = resolve_mask(mask_from, raster_from, feedback, "VALID_MASK_FROM")
            mask_to = resolve_mask(mask_to, raster_to, feedback, "VALID_MASK_TO")
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
