"""cisc:zonalstatistics: class areas and impervious share per zone, one CISC year."""

from qgis.core import QgsProcessing, QgsProcessingParameterFeatureSink, QgsProcessingParameterString

from ..core.fields import ZONAL_FIELDS
from ..toolbelt.i18n import tr
from .base import (
    CiscAlgorithm,
    FeedbackBridge,
    check_outputs,
    engine_errors,
    engine_threads,
    offset_parameter,
    offset_value,
    raster_crs,
    year_inputs,
    year_parameters,
    zones_parameter,
)
from .zone_features import output_fields, read_zones, untransformable_zones, write_features, zone_labels


class ZonalStatisticsAlgorithm(CiscAlgorithm):
    NAME = "zonalstatistics"
    GROUP_ID = "statistics"

    def displayName(self):  # noqa: N802
        return tr("Zonal statistics (one year)")

    def tags(self):
        return tr("cisc,impervious,zonal,statistics,area,china,land cover").split(",")

    def initAlgorithm(self, config=None):  # noqa: N802
        for parameter in year_parameters():
            self.addParameter(parameter)
        self.addParameter(zones_parameter())
        self.addParameter(offset_parameter())
        self.addParameter(QgsProcessingParameterString("COLUMN_PREFIX", tr("Output column prefix"), "", optional=True))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", tr("Zonal statistics"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )

    def process(self, parameters, context, feedback):
        from ..core.engine import zonal_statistics

        raster, mask = year_inputs(self, parameters, context, feedback)
        check_outputs(self, parameters, context, (raster, mask))
        prefix = self.parameterAsString(parameters, "COLUMN_PREFIX", context) or ""
        crs = raster_crs(raster)
        source, features, wkbs = read_zones(self, parameters, "ZONES", context, crs, feedback, raster=raster,
                                            offset=offset_value(self, parameters, context))
        fields = output_fields(source.fields(), ZONAL_FIELDS, prefix)
        with engine_errors():
            records = zonal_statistics(
                raster,
                wkbs,
                mask,
                feedback=FeedbackBridge(feedback, 10.0, 95.0),
                threads=engine_threads(),
                other_values="error",
                zone_labels=zone_labels(features),
                unmeasurable=untransformable_zones(features, wkbs),
            )
        dest = write_features(self, parameters, context, feedback, source, fields, features, records, ZONAL_FIELDS)
        return {"OUTPUT": dest}
