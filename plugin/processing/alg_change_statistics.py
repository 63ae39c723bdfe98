"""cisc:changestatistics: transitions between two CISC years per zone."""

from qgis.core import QgsProcessing, QgsProcessingParameterFeatureSink, QgsProcessingParameterString

from ..core.fields import CHANGE_FIELDS
from ..toolbelt.i18n import tr
from .base import (
    CiscAlgorithm,
    FeedbackBridge,
    engine_errors,
    engine_threads,
    output_fields,
    raster_crs,
    raster_parameter,
    raster_path,
    read_zones,
    resolve_mask,
    write_features,
    zones_parameter,
)


class ChangeStatisticsAlgorithm(CiscAlgorithm):
    NAME = "changestatistics"
    GROUP_ID = "statistics"

    def displayName(self):  # noqa: N802
        return tr("Change statistics (two years)")

    def tags(self):
        return tr("cisc,impervious,change,transition,gain,loss,growth,zonal,statistics").split(",")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(raster_parameter("INPUT_FROM", tr("CISC raster, first year (from)")))
        self.addParameter(raster_parameter("VALID_MASK_FROM", tr("Valid mask of the first year"), optional=True))
        self.addParameter(raster_parameter("INPUT_TO", tr("CISC raster, second year (to)")))
        self.addParameter(raster_parameter("VALID_MASK_TO", tr("Valid mask of the second year"), optional=True))
        self.addParameter(zones_parameter())
        self.addParameter(QgsProcessingParameterString("COLUMN_PREFIX", tr("Output column prefix"), "", optional=True))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", tr("Change statistics"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )

    def process(self, parameters, context, feedback):
        from ..core.engine import change_statistics, check_cisc_raster

        raster_from = raster_path(self, parameters, "INPUT_FROM", context)
        raster_to = raster_path(self, parameters, "INPUT_TO", context)
        mask_from = raster_path(self, parameters, "VALID_MASK_FROM", context, required=False)
        mask_to = raster_path(self, parameters, "VALID_MASK_TO", context, required=False)
        prefix = self.parameterAsString(parameters, "COLUMN_PREFIX", context) or ""
        with engine_errors():
            check_cisc_raster(raster_from)
            check_cisc_raster(raster_to)
            mask_from = resolve_mask(mask_from, raster_from, feedback, "VALID_MASK_FROM")
            mask_to = resolve_mask(mask_to, raster_to, feedback, "VALID_MASK_TO")
        crs = raster_crs(raster_from)
        source, features, wkbs = read_zones(self, parameters, "ZONES", context, crs, feedback)
        fields = output_fields(source.fields(), CHANGE_FIELDS, prefix)
        with engine_errors():
            records = change_statistics(
                raster_from,
                raster_to,
                wkbs,
                mask_from,
                mask_to,
                feedback=FeedbackBridge(feedback, 10.0, 95.0),
                threads=engine_threads(),
                other_values="error",
            )
        dest = write_features(self, parameters, context, feedback, source, fields, features, records, CHANGE_FIELDS)
        return {"OUTPUT": dest}
