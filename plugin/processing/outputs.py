"""Feature outputs of the CISC algorithms: checked before the work starts, written completely or
not at all.

- check_feature_output: the rule of plugin/core/outputs.py (not an input, a writable folder) for
  a feature sink parameter, called before anything is computed.
- FeatureOutput: a feature sink whose file is written into a temporary folder beside the output
  (same file name, so the layer inside a GeoPackage keeps its name), flushed, closed and
  reopened to count its features, and only then moved into place; on any failure the temporary
  folder is deleted, an existing output is left as it was, and the message says what happened
  (a full disk says "the disk is full", naming the output). Outputs that are not plain files
  (TEMPORARY_OUTPUT, memory:, database URIs) are written through QGIS's sink as they are.
"""

import os
import shutil
import uuid

from qgis.core import (
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingUtils,
    QgsProperty,
)

from ..core.errors import CiscError
from ..core.outputs import check_output_path, make_output_folder, write_error
from ..toolbelt.i18n import tr, tr_message

_NOT_FILES = ("memory:", "ogr:", "postgis:", "postgres:", "spatialite:", "mssql:", "oracle:", "hana:", "delimitedtext:")
# files a shapefile output consists of: stale ones of an earlier output are removed with it
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".shp.xml", ".qpj")


def _raise(error: CiscError):
    raise QgsProcessingException(tr_message(error.args[0]) if error.args else str(error)) from None


def sink_file_path(parameters, name, context):
    """The plain file a feature sink parameter writes to, or None (temporary, memory, database)."""
    value = parameters.get(name)
    if isinstance(value, QgsProcessingOutputLayerDefinition):
        value, _ok = value.sink.valueAsString(context.expressionContext())
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or value == QgsProcessing.TEMPORARY_OUTPUT or "|" in value or "://" in value:
        return None
    if value.lower().startswith(_NOT_FILES) or not os.path.splitext(value)[1]:
        return None
    return value


def source_file(parameters, name, context):
    """The file behind a feature source or raster parameter (path or layer), or None."""
    value = parameters.get(name)
    if isinstance(value, QgsProcessingFeatureSourceDefinition):
        value = value.source.staticValue()
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    layer = QgsProcessingUtils.mapLayerFromString(text, context, False)
    if layer is not None:
        text = layer.source()
    return text.split("|")[0]


def check_feature_output(parameters, context, inputs, name="OUTPUT") -> None:
    """Refuse, before any work, a feature output that is one of the inputs (files) or cannot be
    written into its folder (plugin/core/outputs.py's rule)."""
    path = sink_file_path(parameters, name, context)
    if path is None:
        return
    try:
        check_output_path(path, inputs)
    except CiscError as error:
        _raise(error)


class FeatureOutput:
    """A feature sink for parameter `name`, written in full or not at all (see the module)."""

    def __init__(self, algorithm, parameters, context, fields, wkb_type, crs, name="OUTPUT"):
        self.context = context
        self.final_path = sink_file_path(parameters, name, context)
        self.temp_folder = None
        self.count = 0
        self.sink = None
        sink_parameters = parameters
        if self.final_path is not None:
            self.final_path = os.path.abspath(self.final_path)
            try:
                folder = make_output_folder(self.final_path)
                self.temp_folder = os.path.join(folder, f".cisc-{uuid.uuid4().hex[:8]}.part")
                os.mkdir(self.temp_folder)
            except CiscError as error:
                _raise(error)
            except OSError as exc:
                _raise(write_error(self.final_path, exc.strerror or str(exc), exc.errno))
            self.temp_path = os.path.join(self.temp_folder, os.path.basename(self.final_path))
            sink_parameters = dict(parameters)
            value = parameters.get(name)
            if isinstance(value, QgsProcessingOutputLayerDefinition):
                value = QgsProcessingOutputLayerDefinition(value)
                value.sink = QgsProperty.fromValue(self.temp_path)
                sink_parameters[name] = value
            else:
                sink_parameters[name] = self.temp_path
        try:
            self.sink, self.dest_id = algorithm.parameterAsSink(sink_parameters, name, context, fields, wkb_type, crs)
        except QgsProcessingException as exc:
            self._fail(str(exc))
        if self.sink is None:
            self._fail(algorithm.invalidSinkError(parameters, name))

    def add(self, feature) -> None:
        if not self.sink.addFeature(feature, QgsFeatureSink.Flag.FastInsert):
            self._fail(self.sink.lastError())
        self.count += 1

    def add_features(self, features) -> None:
        """Several features in one call to the sink (a list of QgsFeature)."""
        if not features:
            return
        if not self.sink.addFeatures(features, QgsFeatureSink.Flag.FastInsert):
            self._fail(self.sink.lastError())
        self.count += len(features)

    def commit(self) -> str:
        """Close the sink, verify and move the file(s) into place; the destination id to return."""
        if hasattr(self.sink, "flushBuffer") and self.sink.flushBuffer() is False:
            self._fail(self.sink.lastError())
        self.sink = None  # the last reference: QGIS's writer commits and closes the file on destruction
        if self.temp_folder is None:
            return self.dest_id
        problem = self._verify()
        if problem:
            self._fail(problem)
        try:
            self._move_into_place()
        except OSError as exc:
            self._fail(exc.strerror or str(exc), exc.errno)
        shutil.rmtree(self.temp_folder, ignore_errors=True)
        self.temp_folder = None
        final_id = self.dest_id.replace(self.temp_path, self.final_path)
        self._load_final_on_completion(final_id)
        return final_id

    def discard(self) -> None:
        """Drop the sink and the temporary folder (an existing output is untouched)."""
        self.sink = None
        if self.temp_folder is not None:
            shutil.rmtree(self.temp_folder, ignore_errors=True)
            layers = self.context.layersToLoadOnCompletion()
            dest_id = getattr(self, "dest_id", None)
            if dest_id is not None and dest_id in layers:
                del layers[dest_id]
                self.context.setLayersToLoadOnCompletion(layers)
            self.temp_folder = None

    # -- internals -------------------------------------------------------------------
    def _fail(self, detail: str, error_number=None):
        target = self.final_path or getattr(self, "dest_id", "") or "OUTPUT"
        if self.final_path is None:
            self.sink = None
            raise QgsProcessingException(
                tr("Cannot write to {output}: {error}").format(output=target, error=str(detail).strip()[:300])
            )
        error = write_error(self.final_path, detail, error_number)  # before the temporary file goes
        self.discard()
        _raise(error)

    def _verify(self) -> str:
        """"" when the closed file opens and holds every feature written, else what is wrong."""
        from osgeo import gdal, ogr

        gdal.ErrorReset()
        try:
            dataset = ogr.Open(self.temp_path)
        except RuntimeError as exc:
            return str(exc)
        if dataset is None:
            return gdal.GetLastErrorMsg() or "the written file cannot be opened"
        try:
            layer = dataset.GetLayer(0)
            written = layer.GetFeatureCount() if layer is not None else -1
        except RuntimeError as exc:
            return str(exc)
        finally:
            layer = None
            dataset = None
        if written != self.count:
            return f"the written file holds {written} of {self.count} features"
        return ""

    def _move_into_place(self) -> None:
        folder = os.path.dirname(self.final_path)
        stem, extension = os.path.splitext(self.final_path)
        names = os.listdir(self.temp_folder)
        stale = []
        if extension.lower() == ".shp":
            stale = [stem + part for part in _SHAPEFILE_PARTS]
        elif extension.lower() == ".gpkg":
            stale = [self.final_path + "-wal", self.final_path + "-shm"]  # an old database's journal
        new = {os.path.join(folder, n) for n in names}
        for path in stale:
            if path not in new and os.path.exists(path):
                os.remove(path)
        for name in names:
            os.replace(os.path.join(self.temp_folder, name), os.path.join(folder, name))

    def _load_final_on_completion(self, final_id: str) -> None:
        """The output is loaded under its final name when Processing was asked to load it."""
        layers = self.context.layersToLoadOnCompletion()
        if self.dest_id not in layers:
            return
        details = layers.pop(self.dest_id)
        layers[final_id] = details
        self.context.setLayersToLoadOnCompletion(layers)
