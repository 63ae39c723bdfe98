"""Shared pieces of the CISC Processing algorithms: thin adapters onto plugin/core.

- FeedbackBridge: QgsProcessingFeedback -> core EngineFeedback.
- the algorithms' base class and parameters (rasters, zones, web-map offset).
- raster inputs and the default valid-mask lookup (with a log line).
- zone features in and out: zone_features.py.
- CiscError -> QgsProcessingException with the engine's message (file named).
"""

import os
import traceback
from contextlib import contextmanager

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterRasterLayer,
)

from ..core.errors import CiscCancelled, CiscError
from ..core.feedback import EngineFeedback
from ..core.webmap_offset import OFFSET_BD09, OFFSET_GCJ02, OFFSET_NAMES, OFFSET_NONE
from ..plugin_main import plugin_icon
from ..toolbelt.i18n import tr, tr_message
from ..toolbelt.log import get_logger
from . import help as help_texts
from .crs_guard import crs_label

log = get_logger("processing")

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


def report_offset(feedback, offset: int, summary) -> None:
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
