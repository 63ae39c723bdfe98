"""cisc:changemap: a GeoTIFF of the transitions between two CISC years."""

from qgis.core import (
    QgsCsException,
    QgsProcessingException,
    QgsProcessingParameterExtent,
    QgsProcessingParameterRasterDestination,
)

from ..core.changemap import write_change_map
from ..core.densify import TransformFailed
from ..core.raster_io import open_info
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
from .crs_guard import crs_label, zone_transform
from .postprocessors import CHANGE_MAP_STYLE, attach_style
from .zone_geometry import densified_extent, tolerance_for


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
            rect = self.extent_in_raster_crs(parameters, context, crs, raster_from)
            if rect.isNull() or rect.isEmpty():  # a point or a line: never the whole raster instead
                raise QgsProcessingException(
                    tr("EXTENT ({extent}) has no area: give an extent with a width and a height, or leave it "
                       "empty for the whole raster. Nothing was written.").format(
                        extent=self.parameterAsString(parameters, "EXTENT", context) or rect.toString())
                )
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

    def extent_in_raster_crs(self, parameters, context, crs, raster):
        """EXTENT in the raster's CRS. An extent in another CRS is the bounding box of its outline
        reprojected exactly (edges densified until within a tenth of a pixel of the true curve),
        not of its four corners."""
        rect = self.parameterAsExtent(parameters, "EXTENT", context, crs)
        own = self.parameterAsExtent(parameters, "EXTENT", context)
        if rect.isNull() or own.isNull() or rect == own:
            return rect  # no transformation: already in the raster's CRS
        extent_crs = self.parameterAsExtentCrs(parameters, "EXTENT", context)
        if not extent_crs.isValid() or extent_crs == crs:
            return rect
        transform = zone_transform(extent_crs, crs, context.transformContext(), "EXTENT")
        pixel = abs(open_info(raster).geotransform[1])
        try:
            return densified_extent(own, transform, tolerance_for(crs, pixel))
        except (QgsCsException, TransformFailed):
            raise QgsProcessingException(
                tr("EXTENT cannot be transformed from {src} to the raster's CRS {dst}.").format(
                    src=crs_label(extent_crs), dst=crs_label(crs))
            ) from None
