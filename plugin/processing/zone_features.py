"""Zone features in and out of the statistics algorithms.

- read_zones: the zone source's features read with the context's settings (selected features
  only, invalid-geometry handling), each geometry transformed to the raster's CRS with the
  context's transform context (crs_guard.py checks it, zone_geometry.py densifies and undoes a
  web-map offset), handed to the engine as WKB;
- write_features: the same features with the statistics' fields added, written completely or
  not at all (outputs.py), a batch at a time.
"""

from collections.abc import Sequence
from operator import itemgetter

from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsWkbTypes,
)

from ..core.webmap_offset import OFFSET_NONE
from ..toolbelt.i18n import tr
from ..toolbelt.qgis_compat import FIELD_DOUBLE, field_type_id, new_field
from .base import engine_errors, raise_if_cancelled, refuse_offset_crs, report_offset, source_label
from .crs_guard import TransformProbe, crs_label, defined_crs, refuse_crs_less_degrees, zone_transform
from .zone_geometry import ZonePipeline, tolerance_for

# read_zones checks for a cancel and reports progress every this many zones at most
READ_CHECK_EVERY = 256
# write_features hands the sink this many features per call
WRITE_BATCH = 1000


def read_zones(algorithm, parameters, name, context, target_crs, feedback, progress=(0.0, 10.0), raster=None,
               offset=OFFSET_NONE):
    """(features, wkbs): every zone feature (attributes and original geometry) and its geometry
    as WKB in target_crs (None for an empty or untransformable geometry).

    The transformation is checked (plugin/processing/crs_guard.py): zones are never handed on
    in the wrong units. With raster (its path), zones without a CRS whose coordinates are
    degrees beside the raster's metres are refused.

    offset (ZONES_OFFSET): GCJ-02 or BD-09 zones (EPSG:4326/4490 only) are converted to WGS84
    first. Edges are densified in the zones' CRS until each transformed edge lies within a tenth
    of the raster's pixel of its true curve (zone_geometry.py).

    The source honours "selected features only" and the context's invalid-geometry setting.
    """
    source = algorithm.parameterAsSource(parameters, name, context)
    if source is None:
        raise QgsProcessingException(
            tr("{name}: the zone layer {value} cannot be opened.").format(name=name, value=parameters.get(name))
        )
    label = source_label(parameters, name, source)
    if QgsWkbTypes.geometryType(source.wkbType()) != QgsWkbTypes.GeometryType.PolygonGeometry:
        raise QgsProcessingException(
            tr("{layer}: the zone layer holds no polygons ({kind}); choose a polygon layer.").format(
                layer=label, kind=QgsWkbTypes.displayString(source.wkbType())
            )
        )
    source_crs = defined_crs(source.sourceCrs())  # an "Undefined ... SRS" is no CRS
    refuse_offset_crs(offset, source_crs, label)
    transform = zone_transform(source_crs, target_crs, context.transformContext(), label)
    if transform is not None:
        feedback.pushInfo(
            tr("Zones transformed from {src} to the raster's CRS {dst}.").format(
                src=crs_label(source_crs), dst=crs_label(target_crs)
            )
        )
    elif not source_crs.isValid():
        feedback.pushWarning(
            tr("{layer}: the zone layer has no CRS; its coordinates are taken as the raster's.").format(layer=label)
        )
    probe = TransformProbe(transform, label)
    grid = _raster_grid(raster) if raster is not None else None  # read once: pixel size and bounds
    pixel = grid.pixel_width if grid is not None else None
    pipeline = ZonePipeline(transform, offset, tolerance_for(target_crs, pixel), probe)
    features = []
    total = source.featureCount()
    # progress and the cancel check every `every` zones, not per zone (100,000 zones: 400 calls)
    every = min(READ_CHECK_EVERY, max(1, total // 100)) if total and total > 0 else READ_CHECK_EVERY
    step = (progress[1] - progress[0]) / total if total and total > 0 else 0
    # The context's invalid-geometry setting is applied here rather than inside the feature
    # iterator: an exception thrown from inside the iterator corrupts Python's state in QGIS 3.22.
    check = context.invalidGeometryCheck()
    checking = check != QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck
    # Each feature the iterator yields is a new QgsFeature, kept as it is (no copy); its
    # attributes are not converted here (write_features extends them once).
    iterator = source.getFeatures(
        QgsFeatureRequest(), QgsProcessingFeatureSource.Flag.FlagSkipGeometryValidityChecks
    )
    for index, feature in enumerate(iterator):
        if index % every == 0:
            if feedback.isCanceled():
                raise QgsProcessingException(tr("Cancelled: nothing was written."))
            if step:
                feedback.setProgress(progress[0] + step * index)
        geometry = feature.geometry()
        empty = geometry.isEmpty()  # also true for a feature without geometry
        if checking and not empty and not geometry.isGeosValid():
            if check == QgsFeatureRequest.InvalidGeometryCheck.GeometryAbortOnInvalid:
                raise QgsProcessingException(
                    tr(
                        "Feature ({fid}) of {layer} has an invalid geometry. Fix it (Fix geometries) or set "
                        "Processing's invalid features filtering to skip or ignore invalid features."
                    ).format(fid=feature.id(), layer=label)
                )
            feedback.reportError(
                tr("Feature ({fid}) of {layer} has an invalid geometry and was skipped.").format(
                    fid=feature.id(), layer=label
                )
            )
            continue
        features.append(feature)
        wkb = None if empty else geometry_wkb(geometry)  # in the zones' CRS
        pipeline.add(len(features) - 1, wkb)  # converts and transforms it (as it is: passthrough)
    if feedback.isCanceled():
        raise QgsProcessingException(tr("Cancelled: nothing was written."))
    if step:
        feedback.setProgress(progress[1])
    converted = pipeline.finish()
    wkbs = [converted.get(position) for position in range(len(features))]
    polygons = sum(wkb is not None for wkb in wkbs)
    untransformable = pipeline.untransformable
    probe.check()
    report_offset(feedback, offset, pipeline.summary)
    if pipeline.inserted:
        feedback.pushInfo(
            tr("Zone edges reprojected exactly: {count} vertices added so that no transformed edge departs from "
               "its true curve by more than {tolerance:g} (a tenth of a pixel).").format(
                count=pipeline.inserted, tolerance=pipeline.tolerance)
        )
    if not source_crs.isValid() and raster is not None:
        boxes = [_wkb_box(wkb) for wkb in wkbs if wkb is not None]
        if boxes:
            bounds = (min(b.xMinimum() for b in boxes), min(b.yMinimum() for b in boxes),
                      max(b.xMaximum() for b in boxes), max(b.yMaximum() for b in boxes))
            refuse_crs_less_degrees(label, bounds, grid.bounds, target_crs)
    if not features or polygons == 0:
        raise QgsProcessingException(
            tr("{layer}: the zone layer holds no polygons (no feature with a polygon geometry{selected}).").format(
                layer=label,
                selected=tr(", or no feature selected") if _selected_only(parameters, name) else "",
            )
        )
    if untransformable:
        feedback.pushWarning(
            tr("{count} zone(s) could not be transformed to the raster's CRS.").format(count=untransformable)
        )
    return source, features, wkbs


def _raster_grid(path: str):
    from ..core.raster_io import open_info

    with engine_errors():
        return open_info(path)


def _wkb_box(wkb):
    geometry = QgsGeometry()
    geometry.fromWkb(wkb)
    return geometry.boundingBox()


def _selected_only(parameters, name) -> bool:
    from qgis.core import QgsProcessingFeatureSourceDefinition

    value = parameters.get(name)
    return isinstance(value, QgsProcessingFeatureSourceDefinition) and value.selectedFeaturesOnly


# WKB headers (little-endian Polygon, MultiPolygon) of the geometries geometry_wkb hands on as
# they are; read from the WKB itself, cheaper than asking QGIS for the geometry's type
_PLAIN_POLYGON_HEADERS = (b"\x01\x03\x00\x00\x00", b"\x01\x06\x00\x00\x00")


def geometry_wkb(geometry: QgsGeometry):
    """2-D linear polygon WKB of a geometry, or None when it holds no polygon."""
    wkb = bytes(geometry.asWkb())
    if wkb[:5] in _PLAIN_POLYGON_HEADERS:
        # already 2-D, linear polygons: their WKB as it is (what the conversion below gives them)
        return None if geometry.isEmpty() else wkb
    abstract = geometry.constGet()
    if abstract is None:
        return None
    abstract = abstract.clone()
    if QgsWkbTypes.isCurvedType(abstract.wkbType()):
        abstract = abstract.segmentize()
    abstract.dropZValue()
    abstract.dropMValue()
    geometry = QgsGeometry(abstract)
    if geometry.type() != QgsWkbTypes.GeometryType.PolygonGeometry:
        if QgsWkbTypes.flatType(geometry.wkbType()) == QgsWkbTypes.Type.GeometryCollection:
            polygons = [
                part
                for part in geometry.asGeometryCollection()
                if part.type() == QgsWkbTypes.GeometryType.PolygonGeometry
            ]
            if not polygons:
                return None
            geometry = QgsGeometry.collectGeometry(polygons)
        else:
            return None
    if geometry.isEmpty():
        return None
    return bytes(geometry.asWkb())


# -- outputs ------------------------------------------------------------------------------

def output_fields(zone_fields: QgsFields, names, prefix: str, field_type=FIELD_DOUBLE) -> QgsFields:
    """Zone fields plus prefix+name for each name (doubles); refuses a clash clearly."""
    fields = QgsFields(zone_fields)
    existing = {f.name().lower() for f in zone_fields}
    for name in names:
        full = f"{prefix}{name}"
        if full.lower() in existing:
            raise QgsProcessingException(
                tr(
                    "The zone layer already has a field {field}: set COLUMN_PREFIX (e.g. \"cisc_\") to keep both."
                ).format(field=full)
            )
        if isinstance(field_type, dict):
            ftype = field_type[name]
        else:
            ftype = field_type
        if field_type_id(ftype) == field_type_id(FIELD_DOUBLE):
            fields.append(new_field(full, FIELD_DOUBLE, "double"))
        else:
            fields.append(new_field(full, ftype))
    return fields


def write_features(algorithm, parameters, context, feedback, source, fields, features, records, names, convert=None):
    """Create the sink only now (everything is computed), then write every zone: completely or
    not at all (processing/outputs.py: a temporary file, verified, then moved into place).

    The zone features of read_zones become the output features: their attributes are extended
    with the record's values (names, in order; None is NULL) and their id cleared, as a new
    QgsFeature(fields) with the zone's geometry would be. They go to the sink WRITE_BATCH at a
    time. The caller must not use `features` afterwards."""
    from .outputs import FeatureOutput

    raise_if_cancelled(feedback)
    output = FeatureOutput(algorithm, parameters, context, fields, source.wkbType(), source.sourceCrs())
    values_of = _record_values(names, convert)
    new_id = QgsFeature().id()  # the id of a feature not yet written anywhere

    def prepare(batch, batch_records):
        for feature, record in zip(batch, batch_records):
            values = feature.attributes()
            values.extend(values_of(record))
            feature.setFields(fields, False)
            feature.setId(new_id)
            feature.setAttributes(values)

    records = list(records)
    count = min(len(features), len(records))
    try:
        for start in range(0, count, WRITE_BATCH):
            raise_if_cancelled(feedback)
            batch = features[start : min(start + WRITE_BATCH, count)]
            prepare(batch, records[start : start + len(batch)])
            output.add_features(batch)
        dest_id = output.commit()
    except BaseException:
        output.discard()
        raise
    feedback.setProgress(100)
    return dest_id


def _record_values(names, convert=None):
    """record (a dict) -> its values of names, in order (a missing name is None), each through
    convert when given."""
    names = tuple(names)
    getter = itemgetter(*names) if len(names) > 1 else None

    def values(record):
        if getter is None:
            found = [record.get(name) for name in names]
        else:
            try:
                found = getter(record)
            except KeyError:
                found = [record.get(name) for name in names]
        if convert is not None:
            return [convert(value) for value in found]
        return found

    return values


def untransformable_zones(features, wkbs):
    """Positions of zones that hold a polygon but came back from read_zones without a geometry
    (the transformation failed): their figures are unknown, not zero."""
    return [index for index, (feature, wkb) in enumerate(zip(features, wkbs))
            if wkb is None and feature.hasGeometry() and geometry_wkb(feature.geometry()) is not None]


class _ZoneLabels(Sequence):
    """The labels of zone_labels, each made when the engine asks for it (a warning names a few
    zones; formatting 100,000 labels up front took a tenth of a second)."""

    def __init__(self, ids):
        self._ids = ids

    def __len__(self):
        return len(self._ids)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[position] for position in range(*index.indices(len(self._ids)))]
        return tr("feature {fid}").format(fid=self._ids[index])


def zone_labels(features):
    """How the engine's warnings name the zones: by feature id, as QGIS does."""
    return _ZoneLabels([feature.id() for feature in features])
