"""cisc:webmapoffset: a layer's coordinates between WGS84 and the Chinese web-map systems
GCJ-02 (AMap/Gaode, Tencent, DataV GeoAtlas) and BD-09 (Baidu), to fix a layer once and keep it."""

from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
)

from ..core.webmap_offset import OFFSET_BD09, OFFSET_GCJ02, ShiftSummary, forward, shift_metres, to_wgs84
from ..core.wkb_coords import map_many_wkb_xy
from ..toolbelt.i18n import tr
from .base import CiscAlgorithm, check_outputs, raise_if_cancelled, refuse_offset_crs, source_label
from .outputs import FeatureOutput

# DIRECTION values: (offset system, True when converting to WGS84)
DIRECTIONS = (
    (OFFSET_GCJ02, True),
    (OFFSET_BD09, True),
    (OFFSET_GCJ02, False),
    (OFFSET_BD09, False),
)
# features per batch: one vectorised conversion for all their vertices
BATCH_FEATURES = 2000


class WebMapOffsetAlgorithm(CiscAlgorithm):
    NAME = "webmapoffset"
    GROUP_ID = "coordinates"

    ZONES = "ZONES"
    DIRECTION = "DIRECTION"
    OUTPUT = "OUTPUT"

    def displayName(self):  # noqa: N802
        return tr("Web-map offset (GCJ-02 / BD-09 <-> WGS84)")

    def tags(self):
        return tr("gcj02,gcj-02,bd09,bd-09,wgs84,mars,amap,gaode,baidu,tencent,datav,offset,china,coordinates").split(",")

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.ZONES, tr("Input layer (zones or any vector layer, EPSG:4326 or EPSG:4490)"),
                [QgsProcessing.SourceType.TypeVector],
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                self.DIRECTION,
                tr("Conversion"),
                options=[
                    tr("GCJ-02 -> WGS84 (fix AMap/Gaode, Tencent, DataV GeoAtlas data)"),
                    tr("BD-09 -> WGS84 (fix Baidu data)"),
                    tr("WGS84 -> GCJ-02"),
                    tr("WGS84 -> BD-09"),
                ],
                defaultValue=0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(self.OUTPUT, tr("Converted layer"),
                                              QgsProcessing.SourceType.TypeVectorAnyGeometry)
        )

    def process(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.ZONES, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.ZONES))
        label = source_label(parameters, self.ZONES, source)
        kind, to_wgs = DIRECTIONS[self.parameterAsEnum(parameters, self.DIRECTION, context)]
        refuse_offset_crs(kind, source.sourceCrs(), label)
        check_outputs(self, parameters, context, sources=(self.ZONES,), name=self.OUTPUT)
        summary = ShiftSummary()

        def convert(x, y):
            if to_wgs:
                return to_wgs84(x, y, kind, summary)
            out_x, out_y = forward(x, y, kind)
            summary.add(shift_metres(x, y, out_x, out_y))
            return out_x, out_y

        total = source.featureCount()
        done = 0
        batch = []
        # written completely or not at all: a cancel or an error leaves no half-converted layer
        # and an existing output as it was (outputs.py)
        output = FeatureOutput(self, parameters, context, source.fields(), source.wkbType(), source.sourceCrs(),
                               name=self.OUTPUT)
        try:
            iterator = source.getFeatures(QgsFeatureRequest(),
                                          QgsProcessingFeatureSource.Flag.FlagSkipGeometryValidityChecks)
            for feature in iterator:
                batch.append(QgsFeature(feature))
                if len(batch) >= BATCH_FEATURES:
                    done += self._write(batch, convert, output, label)
                    batch = []
                    raise_if_cancelled(feedback)
                    if total and total > 0:
                        feedback.setProgress(100.0 * done / total)
            done += self._write(batch, convert, output, label)
            raise_if_cancelled(feedback)
            dest_id = output.commit()
        except BaseException:
            output.discard()
            raise
        what = {(OFFSET_GCJ02, True): "GCJ-02 -> WGS84", (OFFSET_BD09, True): "BD-09 -> WGS84",
                (OFFSET_GCJ02, False): "WGS84 -> GCJ-02", (OFFSET_BD09, False): "WGS84 -> BD-09"}[(kind, to_wgs)]
        feedback.pushInfo(
            tr("{conversion}: {features} features, {moved} of {total} vertices moved, by {median:.1f} m (median) and "
               "{max:.1f} m at most; vertices outside the offset area (mainland China) were left unchanged.").format(
                conversion=what, features=done, moved=summary.moved, total=summary.total,
                median=summary.median_m(), max=summary.max_m())
        )
        feedback.setProgress(100)
        return {self.OUTPUT: dest_id}

    @staticmethod
    def _write(batch, convert, output, label) -> int:
        if not batch:
            return 0
        wkbs = []
        for feature in batch:
            geometry = feature.geometry()
            wkbs.append(None if geometry is None or geometry.isNull() else bytes(geometry.asWkb()))
        try:
            converted = map_many_wkb_xy(wkbs, convert)
        except ValueError as exc:
            raise QgsProcessingException(
                tr("{layer}: a geometry could not be read ({error}).").format(layer=label, error=exc)
            ) from None
        for feature, wkb in zip(batch, converted):
            if wkb is not None:
                geometry = QgsGeometry()
                geometry.fromWkb(wkb)
                feature.setGeometry(geometry)
        output.add_features(batch)
        return len(batch)
