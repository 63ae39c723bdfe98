"""cisc:changestatistics: transitions between two CISC years per zone."""

from qgis.core import QgsProcessing, QgsProcessingParameterFeatureSink, QgsProcessingParameterString

from ..core.fields import CHANGE_FIELDS
from ..toolbelt.i18n import tr
from .base import (
    YEAR_FROM,
    YEAR_TO,
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


class ChangeStatisticsAlgorithm(CiscAlgorithm):
    NAME = "changestatistics"
    GROUP_ID = "statistics"

    def displayName(self):  # noqa: N802
        return tr("Change statistics (two years)")

    def tags(self):
        return tr("cisc,impervious,change,transition,gain,loss,growth,zonal,statistics").split(",")

    def initAlgorithm(self, config=None):  # noqa: N802
        for parameter in year_parameters(YEAR_FROM) + year_parameters(YEAR_TO):
            self.addParameter(parameter)
        self.addParameter(zones_parameter())
        self.addParameter(offset_parameter())
        self.addParameter(QgsProcessingParameterString("COLUMN_PREFIX", tr("Output column prefix"), "", optional=True))
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                "OUTPUT", tr("Change statistics"), QgsProcessing.SourceType.TypeVectorPolygon
            )
        )

    def process(self, parameters, context, feedback):
        from ..core.engine import change_statistics

        raster_from, mask_from = year_inputs(self, parameters, context, feedback, YEAR_FROM)
        raster_to, mask_to = year_inputs(self, parameters, context, feedback, YEAR_TO)
        check_outputs(self, parameters, context, (raster_from, mask_from, raster_to, mask_to))
        prefix = self.parameterAsString(parameters, "COLUMN_PREFIX", context) or ""
        crs = raster_crs(raster_from)
        source, features, wkbs = read_zones(self, parameters, "ZONES", context, crs, feedback, raster=raster_from,
                                            offset=offset_value(self, parameters, context))
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
                zone_labels=zone_labels(features),
                unmeasurable=untransformable_zones(features, wkbs),
            )
        dest = write_features(self, parameters, context, feedback, source, fields, features, records, CHANGE_FIELDS)
        return {"OUTPUT": dest}
