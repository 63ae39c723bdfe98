"""Shared pieces of the CISC Processing algorithms: thin adapters onto plugin/core.

- FeedbackBridge: QgsProcessingFeedback -> core EngineFeedback.
- zone geometries: the zone source's features read with the context's settings (selected
  features only, invalid-geometry handling), transformed to the raster's CRS with the
  context's transform context, handed to the engine as WKB.
- raster inputs and the default valid-mask lookup (with a log line).
- CiscError -> QgsProcessingException with the engine's message (file named).
"""

import os
import traceback
from collections.abc import Sequence
from contextlib import contextmanager
from operator import itemgetter

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureRequest,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterRasterLayer,
    QgsWkbTypes,
)

from ..core.errors import CiscCancelled, CiscError
from ..core.feedback import EngineFeedback
from ..core.webmap_offset import OFFSET_BD09, OFFSET_GCJ02, OFFSET_NAMES, OFFSET_NONE
from ..plugin_main import plugin_icon
from ..toolbelt.i18n import tr, tr_message
from ..toolbelt.log import get_logger
from ..toolbelt.qgis_compat import FIELD_DOUBLE, field_type_id, new_field
from . import help as help_texts
from .crs_guard import TransformProbe, crs_label, defined_crs, refuse_crs_less_degrees, zone_transform
from .zone_geometry import ZonePipeline, tolerance_for

log = get_logger("processing")

# read_zones checks for a cancel and reports progress every this many zones at most
READ_CHECK_EVERY = 256
# write_features hands the sink this many features per call
WRITE_BATCH = 1000


class FeedbackBridge(EngineFeedback):
    """Core feedback that reports onto a QgsProcessingFeedback (any thread)."""

    def __init__(self, feedback, start: float = 0.0, end: float = 100.0):
        self._feedback = feedback
        self._start = start
        self._span = end - start

    def set_progress(self, percent: float) -> None:
        if self._feedback is not None:
            self._feedback.setProgress(self._start + self._span * max(0.0, min(100.0, percent)) / 100.0)

    def is_cancelled(self) -> bool:
        return self._feedback is not None and self._feedback.isCanceled()

    def info(self, message: str) -> None:
        message = tr_message(message)  # core's CoreMessage, in the user's language
        log.info(message)
        if self._feedback is not None:
            self._feedback.pushInfo(message)

    def warning(self, message: str) -> None:
        message = tr_message(message)
        log.warning(message)
        if self._feedback is not None:
            self._feedback.pushWarning(message)


@contextmanager
def engine_errors():
    """Turn core errors into QgsProcessingException (the message names the file)."""
    try:
        yield
    except CiscCancelled:
        raise QgsProcessingException(tr("Cancelled: nothing was written.")) from None
    except CiscError as exc:
        raise QgsProcessingException(tr_message(exc.args[0]) if exc.args else str(exc)) from None
    except MemoryError:
        raise QgsProcessingException(
            tr("Out of memory. Please report this: the CISC tools should never need much.")
        ) from None


def raise_if_cancelled(feedback) -> None:
    if feedback is not None and feedback.isCanceled():
        raise QgsProcessingException(tr("Cancelled: nothing was written."))


class CiscAlgorithm(QgsProcessingAlgorithm):
    """Common metadata; subclasses set NAME, GROUP_ID and implement the rest."""

    NAME = ""
    GROUP_ID = "statistics"

    def createInstance(self):  # noqa: N802
        return self.__class__()

    def name(self):
        return self.NAME

    def group(self):
        return help_texts.group_name(self.GROUP_ID)

    def groupId(self):  # noqa: N802
        return self.GROUP_ID

    def icon(self):
        return plugin_icon()

    def shortHelpString(self):  # noqa: N802
        return help_texts.short_help(self.NAME)

    def helpUrl(self):  # noqa: N802
        return help_texts.HELP_URL

    def tr(self, text):
        return tr(text)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        """Run process(); an error leaves as a fresh QgsProcessingException that holds no
        reference to the run's QGIS objects (a traceback keeping a feature source alive past
        its layer crashes QGIS 3.22 on exit)."""
        try:
            return self.process(parameters, context, feedback)
        except QgsProcessingException as exc:
            message = str(exc)
            exc.__traceback__ = None
        except Exception as exc:  # a bug: report it, with the traceback in the log
            log.error("%s failed:\n%s", self.id(), traceback.format_exc())
            message = tr("{algorithm} failed: {error} (details in the CISC log)").format(
                algorithm=self.id(), error=f"{type(exc).__name__}: {exc}"
            )
            exc.__traceback__ = None
        raise QgsProcessingException(message)

    def process(self, parameters, context, feedback):
        raise NotImplementedError

    def checkParameterValues(self, parameters, context):  # noqa: N802
        """QGIS's check, except that raster files are checked by the core without loading them
        as layers (faster), and an unreadable one is named with what is wrong with it (QGIS
        would only say the layer was "not found")."""
        from ..core.raster_io import open_info

        for definition in self.parameterDefinitions():
            if definition.isDestination():
                continue
            name = definition.name()
            value = parameters.get(name)
            if self.value_checked_here(name, value):
                continue
            path = plain_raster_path(definition, value, context)
            if path is not None:
                if not os.path.exists(path):
                    return False, tr("{param}: {path}: file not found.").format(param=name, path=path)
                try:
                    open_info(path)
                except CiscError as exc:
                    return False, f"{name}: {exc}"
                continue
            if (
                isinstance(definition, QgsProcessingParameterFeatureSource)
                and isinstance(value, str)
                and os.path.isfile(value.split("|")[0])
            ):
                continue  # an existing file: opened once, by the algorithm, which names it if unreadable
            if not definition.checkValueIsAcceptable(value, context):
                if isinstance(definition, QgsProcessingParameterRasterLayer):
                    return False, self.invalidRasterError(parameters, name)
                if isinstance(definition, QgsProcessingParameterFeatureSource):
                    return False, self.invalidSourceError(parameters, name)
                return False, tr("Incorrect parameter value for {param}").format(param=name)
        return True, ""

    def value_checked_here(self, name, value) -> bool:
        """True for a parameter value the algorithm checks itself (see checkParameterValues)."""
        return False


def plain_raster_path(definition, value, context=None):
    """The file path when a raster parameter's value is a plain local file path, else None."""
    if not isinstance(definition, QgsProcessingParameterRasterLayer) or not isinstance(value, str):
        return None
    value = value.strip()
    if not value or value.startswith("/vsi") or "://" in value or "|" in value:
        return None
    project = context.project() if context is not None else None
    if project is not None and project.mapLayer(value) is not None:
        return None
    if os.path.exists(value) or os.path.sep in value or value.lower().endswith((".tif", ".tiff")):
        return value
    return None


# -- inputs -------------------------------------------------------------------------------

def raster_parameter(name: str, description: str, optional: bool = False):
    return QgsProcessingParameterRasterLayer(name, description, optional=optional)


def zones_parameter(name: str = "ZONES", description: str = None):
    return QgsProcessingParameterFeatureSource(
        name, description or tr("Zones (polygons)"), [QgsProcessing.SourceType.TypeVectorPolygon]
    )


# ZONES_OFFSET: the zones' coordinates come from a Chinese web map (values: core.webmap_offset)
ZONES_OFFSET = "ZONES_OFFSET"
# geographic CRSs the web-map offsets can be removed from (both are WGS84 to a few centimetres)
OFFSET_CRS_AUTHIDS = ("EPSG:4326", "EPSG:4490", "OGC:CRS84")


def offset_options():
    """The ZONES_OFFSET choices, in the order of their values (OFFSET_NONE, OFFSET_GCJ02, OFFSET_BD09)."""
    return [
        tr("None: coordinates are what their CRS says"),
        tr("GCJ-02 (AMap/Gaode, Tencent, DataV GeoAtlas)"),
        tr("BD-09 (Baidu)"),
    ]


def offset_parameter(name: str = ZONES_OFFSET):
    """The enum parameter of the zone algorithms: are the zones' coordinates web-map offset?"""
    from qgis.core import QgsProcessingParameterEnum

    return QgsProcessingParameterEnum(
        name, tr("Zone coordinates are offset (Chinese web maps)"), options=offset_options(),
        defaultValue=OFFSET_NONE, optional=True,
    )


def offset_value(algorithm, parameters, context, name: str = ZONES_OFFSET) -> int:
    """The ZONES_OFFSET value (OFFSET_NONE when absent)."""
    if parameters.get(name) in (None, ""):
        return OFFSET_NONE
    value = algorithm.parameterAsEnum(parameters, name, context)
    return value if value in (OFFSET_NONE, OFFSET_GCJ02, OFFSET_BD09) else OFFSET_NONE


def refuse_offset_crs(offset: int, source_crs: QgsCoordinateReferenceSystem, layer: str) -> None:
    """With a web-map offset the zones must be longitude/latitude on WGS84 (EPSG:4326) or
    CGCS2000 (EPSG:4490): the offsets are defined on those coordinates only."""
    if offset == OFFSET_NONE:
        return
    if source_crs.isValid() and source_crs.isGeographic():
        if source_crs.authid().upper() in OFFSET_CRS_AUTHIDS:
            return
        if any(source_crs == QgsCoordinateReferenceSystem(authid) for authid in OFFSET_CRS_AUTHIDS[:2]):
            return
    raise QgsProcessingException(
        tr("{layer}: ZONES_OFFSET {offset} needs zones in longitude/latitude, EPSG:4326 (WGS84) or EPSG:4490 "
           "(CGCS2000), but the layer is in {crs}. The {offset} offset is defined on WGS84 longitudes and "
           "latitudes only: reproject the layer to EPSG:4326 first (Reproject layer keeps the offset), then run "
           "again. Nothing was computed.").format(
            layer=layer, offset=OFFSET_NAMES[offset],
            crs=crs_label(source_crs) if source_crs.isValid() else tr("no CRS"))
    )


def _report_offset(feedback, offset: int, summary) -> None:
    if summary is None:
        return
    message = tr(
        "ZONES_OFFSET {offset}: the zones' vertices were converted to WGS84: {moved} of {total} moved, by "
        "{median:.1f} m (median) and {max:.1f} m at most; {outside} outside the offset area (mainland China) "
        "were left unchanged."
    ).format(offset=OFFSET_NAMES[offset], moved=summary.moved, total=summary.total, median=summary.median_m(),
             max=summary.max_m(), outside=summary.total - summary.moved)
    log.info(message)
    feedback.pushInfo(message)


def raster_path(algorithm, parameters, name, context, required: bool = True):
    """The file path behind a raster parameter (layer or path), or None when optional and empty."""
    value = parameters.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise QgsProcessingException(tr("{name}: a CISC raster is required.").format(name=name))
        return None
    direct = plain_raster_path(algorithm.parameterDefinition(name), value, context)
    if direct is not None:
        return direct  # the core reads the file: no need to load it as a QGIS layer
    layer = algorithm.parameterAsRasterLayer(parameters, name, context)
    if layer is not None:
        if layer.providerType() != "gdal":
            raise QgsProcessingException(
                tr("{source}: not a raster file (provider {provider}); save it as a GeoTIFF first.").format(
                    source=layer.source(), provider=layer.providerType()
                )
            )
        source = layer.source()
        return source.split("|")[0]
    text = algorithm.parameterAsString(parameters, name, context)
    if text:
        # not loadable as a layer: let the core name the file and the problem
        return text
    if required:
        raise QgsProcessingException(tr("{name}: a CISC raster is required.").format(name=name))
    return None


# One CISC year's pair of parameters: INPUT + VALID_MASK, with a suffix for the two years of a change
ONE_YEAR, YEAR_FROM, YEAR_TO = "", "_FROM", "_TO"


def year_parameters(suffix: str = ONE_YEAR):
    """The raster and optional valid-mask parameters of one year (INPUT<suffix>, VALID_MASK<suffix>)."""
    raster_title, mask_title = {
        ONE_YEAR: (tr("CISC raster (one year)"), tr("Valid mask of that year")),
        YEAR_FROM: (tr("CISC raster, first year (from)"), tr("Valid mask of the first year")),
        YEAR_TO: (tr("CISC raster, second year (to)"), tr("Valid mask of the second year")),
    }[suffix]
    return [
        raster_parameter("INPUT" + suffix, raster_title),
        raster_parameter("VALID_MASK" + suffix, mask_title, optional=True),
    ]


def year_inputs(algorithm, parameters, context, feedback, suffix: str = ONE_YEAR):
    """(raster path, valid mask path or None) of one year, the raster checked to be CISC-like and
    an empty mask resolved to the valid_mask_<year>.tif beside the raster."""
    from ..core.checks import check_cisc_raster

    raster = raster_path(algorithm, parameters, "INPUT" + suffix, context)
    mask = raster_path(algorithm, parameters, "VALID_MASK" + suffix, context, required=False)
    with engine_errors():
        check_cisc_raster(raster)
        mask = resolve_mask(mask, raster, feedback, "VALID_MASK" + suffix)
    return raster, mask


def resolve_mask(mask_path, raster, feedback, parameter_name="VALID_MASK"):
    """The valid mask to use for raster: the given one, else valid_mask_<year>.tif beside it."""
    if mask_path:
        return mask_path
    from ..core.engine import find_valid_mask

    found = find_valid_mask(raster)
    if found:
        message = tr("{param} left empty: using the valid mask {mask} found beside {raster}.").format(
            param=parameter_name, mask=found, raster=raster
        )
        log.info(message)
        if feedback is not None:
            feedback.pushInfo(message)
        return found
    message = tr(
        "No valid mask for {raster} ({param} empty, no valid_mask_<year>.tif beside it): every pixel inside "
        "the raster is taken as valid, so invalid pixels (stored as 0) count as bare land."
    ).format(raster=raster, param=parameter_name)
    log.warning(message)
    if feedback is not None:
        feedback.pushWarning(message)
    return None


def raster_crs(path: str) -> QgsCoordinateReferenceSystem:
    from ..core.raster_io import open_info

    with engine_errors():
        info = open_info(path)
    crs = QgsCoordinateReferenceSystem.fromWkt(info.crs_wkt) if info.crs_wkt else QgsCoordinateReferenceSystem()
    if not crs.isValid():
        raise QgsProcessingException(
            tr(
                "{path}: the raster has no coordinate reference system; CISC rasters are in an Albers projection."
            ).format(path=path)
        )
    return crs


def source_label(parameters, name, source) -> str:
    value = parameters.get(name)
    if isinstance(value, str) and value:
        return value
    try:
        from qgis.core import QgsProcessingFeatureSourceDefinition

        if isinstance(value, QgsProcessingFeatureSourceDefinition):
            return value.source.staticValue()
    except Exception:  # noqa: BLE001  # nosec B110 # only a label: the source's own name is used instead
        pass
    return source.sourceName() if source is not None else name


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
    # zones already in the raster's CRS, no offset: their WKB goes to the engine as read, no
    # per-zone pipeline work (the pipeline would hand each one back unchanged)
    direct = pipeline.passthrough
    features, direct_wkbs = [], []
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
        if direct:
            direct_wkbs.append(wkb)
        else:
            pipeline.add(len(features) - 1, wkb)  # converts and transforms it
    if feedback.isCanceled():
        raise QgsProcessingException(tr("Cancelled: nothing was written."))
    if step:
        feedback.setProgress(progress[1])
    if direct:
        wkbs = direct_wkbs
    else:
        converted = pipeline.finish()
        wkbs = [converted.get(position) for position in range(len(features))]
    polygons = sum(wkb is not None for wkb in wkbs)
    untransformable = pipeline.untransformable
    probe.check()
    _report_offset(feedback, offset, pipeline.summary)
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


def check_outputs(algorithm, parameters, context, inputs=(), sources=("ZONES",), name="OUTPUT") -> None:
    """Refuse, before any work, a feature output (parameter `name`) that is one of the run's inputs
    or cannot be written (plugin/core/outputs.py). inputs: paths read; sources: parameters whose
    files are read."""
    from .outputs import check_feature_output, source_file

    files = list(inputs) + [source_file(parameters, source, context) for source in sources]
    check_feature_output(parameters, context, files, name)


def engine_threads():
    """Threads for the engine: every core (GDAL and numpy release the GIL)."""
    return max(1, os.cpu_count() or 1)
