"""cisc:acquisitiondates: which 2 m imagery dates a zone's figures rest on."""

import datetime as _dt
import os

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCsException,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDate

from ..core.dates import CHINA_ALBERS_PROJ, DATE_FIELDS, acquisition_date_statistics, find_date_field
from ..toolbelt.i18n import tr
from ..toolbelt.qgis_compat import FIELD_DATE, FIELD_DOUBLE
from .base import (
    CiscAlgorithm,
    FeedbackBridge,
    check_outputs,
    engine_errors,
    offset_parameter,
    offset_value,
    zones_parameter,
)
from .crs_guard import TransformProbe, checked_bounding_box, defined_crs, transform_or_none, zone_transform
from .zone_features import geometry_wkb, output_fields, read_zones, write_features

_FIELD_TYPES = {"date_min": FIELD_DATE, "date_max": FIELD_DATE, "date_median": FIELD_DATE,
                "date_cover_pct": FIELD_DOUBLE}


def _to_qvariant(value):
    if isinstance(value, _dt.date):
        return QDate(value.year, value.month, value.day)
    return value


def zip_layers(path: str):
    """(vsi path, name) of every shapefile inside a zip."""
    from osgeo import gdal

    root = f"/vsizip/{path}"
    names = gdal.ReadDirRecursive(root) or []
    return [(f"{root}/{name}", name.rsplit("/", 1)[-1][:-4]) for name in sorted(names) if name.lower().endswith(".shp")]


class AcquisitionDatesAlgorithm(CiscAlgorithm):
    NAME = "acquisitiondates"
    GROUP_ID = "dates"

    def displayName(self):  # noqa: N802
        return tr("Acquisition dates of the imagery per zone")

    def tags(self):
        return tr("cisc,date,acquisition,imagery,source,time").split(",")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(zones_parameter())
        self.addParameter(offset_parameter())
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                "DATES",
                tr("Acquisition-date polygons (layer, or source_date_*.zip)"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
            )
        )
        self.addParameter(
            QgsProcessingParameterField("DATE_FIELD", tr("Date field (detected when empty)"), None, "DATES",
                                        optional=True)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink("OUTPUT", tr("Acquisition dates"),
                                              QgsProcessing.SourceType.TypeVectorPolygon)
        )

    def checkParameterValues(self, parameters, context):  # noqa: N802
        value = parameters.get("DATES")
        if isinstance(value, str) and value.lower().endswith(".zip"):
            if not os.path.exists(value):
                return False, tr("DATES: {path}: file not found.").format(path=value)
            layers = zip_layers(value)
            if not layers:
                return False, tr(
                    "DATES: {path}: no shapefile inside the zip (expected source_date_*_dissolve.shp)."
                ).format(path=value)
        return super().checkParameterValues(parameters, context)

    def value_checked_here(self, name, value):
        """A zip for DATES is checked above (QGIS cannot load a zip as a feature source)."""
        return name == "DATES" and isinstance(value, str) and value.lower().endswith(".zip")

    def _date_sources(self, parameters, context):
        """[(source, label)] of the date polygons: the layer, or every shapefile in the zip."""
        value = parameters.get("DATES")
        if isinstance(value, str) and value.lower().endswith(".zip"):
            layers = zip_layers(value)
            if not layers:
                raise QgsProcessingException(
                    tr("{path}: no shapefile inside the zip (expected source_date_*_dissolve.shp).").format(path=value)
                )
            sources = []
            for vsi_path, name in layers:
                layer = QgsVectorLayer(vsi_path, name, "ogr")
                if not layer.isValid():
                    raise QgsProcessingException(
                        tr("{path}: {name} inside the zip cannot be read.").format(path=value, name=name)
                    )
                context.temporaryLayerStore().addMapLayer(layer)
                sources.append((layer, f"{value} ({name})"))
            return sources
        source = self.parameterAsSource(parameters, "DATES", context)
        if source is None:
            raise QgsProcessingException(tr("DATES: the date layer {value} cannot be opened.").format(value=value))
        return [(source, str(value) if isinstance(value, str) else source.sourceName())]

    def process(self, parameters, context, feedback):
        albers = QgsCoordinateReferenceSystem.fromProj(CHINA_ALBERS_PROJ)
        check_outputs(self, parameters, context, sources=("ZONES", "DATES"))
        zone_source, features, wkbs = read_zones(self, parameters, "ZONES", context, albers, feedback, (0.0, 20.0),
                                                 offset=offset_value(self, parameters, context))
        zone_extent = QgsRectangle()
        for wkb in wkbs:
            if wkb is not None:
                geometry = QgsGeometry()
                geometry.fromWkb(wkb)
                zone_extent.combineExtentWith(geometry.boundingBox())
        wanted_field = self.parameterAsString(parameters, "DATE_FIELD", context)
        dated = []
        for source, label in self._date_sources(parameters, context):
            fields = source.fields()
            field = wanted_field or find_date_field([(f.name(), f.typeName()) for f in fields])
            if not field or fields.lookupField(field) < 0:
                raise QgsProcessingException(
                    tr("{layer}: no acquisition-date field found (fields: {fields}); set DATE_FIELD.").format(
                        layer=label, fields=", ".join(f.name() for f in fields)
                    )
                )
            feedback.pushInfo(
                tr("{layer}: acquisition dates read from the field {field}.").format(layer=label, field=field)
            )
            index = fields.lookupField(field)
            source_crs = defined_crs(source.sourceCrs())  # an "Undefined ... SRS" is no CRS
            to_albers = zone_transform(source_crs, albers, context.transformContext(), label)
            if to_albers is None and not source_crs.isValid():
                feedback.pushWarning(
                    tr("{layer}: the date layer has no CRS; its coordinates are taken as China Albers metres.").format(
                        layer=label)
                )
            probe = TransformProbe(to_albers, label)
            request = QgsFeatureRequest().setSubsetOfAttributes([index])
            if not zone_extent.isEmpty():
                to_source = zone_transform(albers, source_crs, context.transformContext(), label)
                try:
                    request.setFilterRect(checked_bounding_box(to_source, zone_extent, label))
                except QgsCsException:
                    pass
            for feature in source.getFeatures(request):
                if feedback.isCanceled():
                    raise QgsProcessingException(tr("Cancelled: nothing was written."))
                geometry = QgsGeometry(feature.geometry())
                if geometry.isEmpty():
                    continue
                if to_albers is not None:
                    before = geometry.vertexAt(0) if probe.wants() else None
                    if not transform_or_none(geometry, to_albers):
                        continue
                    if before is not None:
                        after = geometry.vertexAt(0)
                        probe.add((before.x(), before.y()), (after.x(), after.y()))
                dated.append((geometry_wkb(geometry), feature.attribute(index)))
            probe.check()
        feedback.setProgress(40)
        fields = output_fields(zone_source.fields(), DATE_FIELDS, "", _FIELD_TYPES)
        with engine_errors():
            records = acquisition_date_statistics(wkbs, dated, feedback=FeedbackBridge(feedback, 40.0, 95.0))
        dest = write_features(self, parameters, context, feedback, zone_source, fields, features, records,
                              DATE_FIELDS, convert=_to_qvariant)
        return {"OUTPUT": dest}
