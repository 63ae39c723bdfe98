"""cisc:zonalstatistics: class areas and impervious share per zone, one CISC year."""

from qgis.core import QgsProcessing, QgsProcessingParameterFeatureSink, QgsProcessingParameterString

from ..core.fields import ZONAL_FIELDS
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


class ZonalStatisticsAlgorithm(CiscAlgorithm):
    NAME = "zonalstatistics"
    GROUP_ID = "statistics"

    def displayName(self):  # noqa: N802
        return tr("Zonal statistics (one year)")

    def tags(self):
        return tr("cisc,impervious,zonal,statistics,area,china,land cover").split(",")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(raster_parameter("INPUT", tr("CISC raster (one year)")))
        self.addParameter(raster_parameter("VALID_MASK", tr("Valid mask of that year"), optional=True))
        self.addParameter(zones_parameter())
        self.addParameter(QgsProcessingParameterString("COLUMN_PREFIX", tr("Output column prefix"), "", optional=True))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", tr("Zonal statistics"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )

    def process(self, parameters, context, feedback):
        from ..core.engine import check_cisc_raster, zonal_statistics

        raster = raster_path(self, parameters, "INPUT", context)
        mask = raster_path(self, parameters, "VALID_MASK", context, required=False)
        prefix = self.parameterAsString(parameters, "COLUMN_PREFIX", context) or ""
        with engine_errors():
            check_cisc_raster(raster)
            mask = resolve_mask(mask, raster, feedback, "VALID_MASK")
        crs = raster_crs(raster)
        source, features, wkbs = read_zones(self, parameters, "ZONES", context, crs, feedback)
        fields = output_fields(source.fields(), ZONAL_FIELDS, prefix)
        with engine_errors():
            records = zonal_statistics(
                raster,
                wkbs,
                mask,
                feedback=FeedbackBridge(feedback, 10.0, 95.0),
                threads=engine_threads(),
                other_values="error",
            )
        dest = write_features(self, parameters, context, feedback, source, fields, features, records, ZONAL_FIELDS)
        return {"OUTPUT": dest}
