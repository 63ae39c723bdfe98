"""Zones reach the engine in the raster's CRS, or the run stops: never degrees read as metres.

QgsCoordinateTransform is silently a no-op when it is not valid (its transform methods return
the coordinates unchanged), and a CRS that PROJ cannot build (proj.db unreadable, a PROJ
context in a bad state) is simply "not valid". Either way zones stored in EPSG:4326/4490 would
be handed on in degrees and every statistic would be a plausible-looking zero. So:

- a zone CRS that is set but cannot be built, or a transform that is not valid, is refused;
- every transform is probed: a sample of the real vertices is transformed again, independently,
  with GDAL's OSR, and QGIS's result must agree (to 1 km: datum choices move points by metres
  to a few hundred metres; a missing or broken transformation moves them by thousands of km);
- zones without any CRS whose coordinates look like degrees over a projected raster they do
  not overlap are refused too; otherwise they are taken as the raster's, with a warning.
"""

from __future__ import annotations

import math
from typing import List, Optional, Sequence, Tuple

from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsCsException, QgsProcessingException

from ..toolbelt.i18n import tr

# metres in a projected target CRS, degrees in a geographic one
AGREEMENT_TOLERANCE_M = 1000.0
AGREEMENT_TOLERANCE_DEG = 0.01
PROBE_POINTS = 24

Point = Tuple[float, float]


def crs_label(crs: QgsCoordinateReferenceSystem) -> str:
    return crs.authid() or crs.description() or tr("a custom CRS")


def zone_transform(source_crs: QgsCoordinateReferenceSystem, target_crs: QgsCoordinateReferenceSystem,
                   transform_context, layer: str) -> Optional[QgsCoordinateTransform]:
    """The transform from the zones' CRS to the raster's; None when the CRSs are the same or
    the zones have no CRS at all. Raises QgsProcessingException when it cannot be built."""
    if not source_crs.isValid():
        return None
    if source_crs == target_crs:
        return None
    transform = QgsCoordinateTransform(source_crs, target_crs, transform_context)
    if not transform.isValid():
        raise QgsProcessingException(
            tr("{layer}: the zones cannot be transformed from {src} to the raster's CRS {dst} (PROJ could not set "
               "up the transformation); nothing was computed. Check QGIS's PROJ installation (proj.db).").format(
                layer=layer, src=crs_label(source_crs), dst=crs_label(target_crs))
        )
    return transform


def defined_crs(crs: QgsCoordinateReferenceSystem) -> QgsCoordinateReferenceSystem:
    """crs, or no CRS (an invalid one) when crs only says the CRS is unknown.

    A GeoPackage whose layer has srs_id 0 or -1 (GDAL writes them for "no CRS") comes back from
    GDAL as "Undefined geographic SRS" (a GEOGCS with an unknown datum) or "Undefined Cartesian
    SRS" (a LOCAL_CS): both are *valid* CRSs to QGIS, so they would be used as if they were real
    (a LOCAL_CS cannot be transformed at all, an undefined GEOGCS is taken as lon/lat on WGS84).
    They are treated like a shapefile without .prj: the run warns, or refuses degrees beside a
    raster in metres."""
    if not crs.isValid() or crs.authid():
        return crs
    wkt = (crs.toWkt() or "").lstrip().upper()
    name = (crs.description() or "").strip().lower()
    if wkt.startswith(("LOCAL_CS", "ENGCRS", "ENGINEERINGCRS")) or name.startswith("undefined "):
        return QgsCoordinateReferenceSystem()
    return crs


class TransformProbe:
    """Collects (before, after) vertex pairs while zones are transformed, then checks them."""

    def __init__(self, transform: Optional[QgsCoordinateTransform], layer: str):
        self.transform = transform
        self.layer = layer
        self.pairs: List[Tuple[Point, Point]] = []
        self._seen = 0

    def wants(self) -> bool:
        """Sample the first geometries, then every 97th: spread over the layer, bounded."""
        self._seen += 1
        return self.transform is not None and (len(self.pairs) < PROBE_POINTS // 2 or self._seen % 97 == 0) \
            and len(self.pairs) < PROBE_POINTS * 4

    def add(self, before: Point, after: Point) -> None:
        self.pairs.append((before, after))

    def check(self) -> None:
        if self.transform is None or not self.pairs:
            return
        source, target = self.transform.sourceCrs(), self.transform.destinationCrs()
        independent = _osr_transform(source, target, [before for before, _ in self.pairs])
        if independent is None:
            raise QgsProcessingException(
                tr("{layer}: the transformation from {src} to {dst} could not be checked (GDAL/PROJ cannot set it "
                   "up); nothing was computed. Check QGIS's PROJ installation (proj.db).").format(
                    layer=self.layer, src=crs_label(source), dst=crs_label(target))
            )
        tolerance = AGREEMENT_TOLERANCE_DEG if target.isGeographic() else AGREEMENT_TOLERANCE_M
        worst, where = 0.0, None
        for (before, after), expected in zip(self.pairs, independent):
            if expected is None:
                continue  # outside the area OSR can transform: QGIS's own exception covers it
            distance = math.hypot(after[0] - expected[0], after[1] - expected[1])
            if not math.isfinite(distance):
                distance = math.inf
            if distance > worst:
                worst, where = distance, (before, after, expected)
        if worst > tolerance:
            before, after, expected = where
            raise QgsProcessingException(
                tr("{layer}: transforming the zones from {src} to {dst} gave wrong coordinates: ({x:.6f}, {y:.6f}) "
                   "became ({qx:.1f}, {qy:.1f}) where PROJ gives ({ox:.1f}, {oy:.1f}). QGIS's coordinate "
                   "transformation is not working (PROJ state or installation); nothing was computed, so no "
                   "statistic is wrong. Restart QGIS and check its PROJ installation.").format(
                    layer=self.layer, src=crs_label(source), dst=crs_label(target), x=before[0], y=before[1],
                    qx=after[0], qy=after[1], ox=expected[0], oy=expected[1])
            )


def _osr_transform(source: QgsCoordinateReferenceSystem, target: QgsCoordinateReferenceSystem,
                   points: Sequence[Point]) -> Optional[List[Optional[Point]]]:
    """points transformed by GDAL's OSR (lon/lat order for geographic CRSs), None per point it
    cannot transform; None when OSR cannot set up the transformation at all. GDAL's exception
    mode is left as the user has it."""
    try:
        from osgeo import osr
    except ImportError:  # pragma: no cover - QGIS always ships GDAL's bindings
        return None
    try:
        src, dst = _osr_crs(osr, source), _osr_crs(osr, target)
        if src is None or dst is None:
            return None
        transformation = osr.CoordinateTransformation(src, dst)
    except Exception:  # noqa: BLE001 - exceptions mode on: RuntimeError
        return None
    if transformation is None:
        return None
    results: List[Optional[Point]] = []
    for x, y in points:
        try:
            out = transformation.TransformPoint(float(x), float(y))
        except Exception:  # noqa: BLE001
            out = None
        if out is None or not (math.isfinite(out[0]) and math.isfinite(out[1])):
            results.append(None)
        else:
            results.append((out[0], out[1]))
    return results


def _osr_crs(osr, crs: QgsCoordinateReferenceSystem):
    srs = osr.SpatialReference()
    authid = crs.authid()
    try:
        ok = bool(authid) and authid.upper().startswith(("EPSG:", "ESRI:")) and srs.SetFromUserInput(authid) == 0
    except Exception:  # noqa: BLE001
        ok = False
    if not ok:
        srs = osr.SpatialReference()
        try:
            ok = srs.ImportFromWkt(_wkt(crs)) == 0
        except Exception:  # noqa: BLE001
            ok = False
    if not ok:
        return None
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _wkt(crs: QgsCoordinateReferenceSystem) -> str:
    variant = getattr(QgsCoordinateReferenceSystem, "WKT_PREFERRED_GDAL", None)
    try:
        return crs.toWkt(variant) if variant is not None else crs.toWkt()
    except TypeError:
        return crs.toWkt()


def looks_like_degrees(bounds: Sequence[float]) -> bool:
    xmin, ymin, xmax, ymax = bounds
    return -180.0 <= xmin <= xmax <= 360.0 and -90.0 <= ymin <= ymax <= 90.0


def refuse_crs_less_degrees(layer: str, bounds: Sequence[float], raster_bounds: Sequence[float],
                            target_crs: QgsCoordinateReferenceSystem) -> None:
    """Zones with no CRS whose coordinates are degrees, over a projected raster they miss."""
    if target_crs.isGeographic() or not looks_like_degrees(bounds):
        return
    xmin, ymin, xmax, ymax = bounds
    rxmin, rymin, rxmax, rymax = raster_bounds
    overlaps = xmin < rxmax and xmax > rxmin and ymin < rymax and ymax > rymin
    if not overlaps:
        raise QgsProcessingException(
            tr("{layer}: the zone layer has no CRS and its coordinates ({xmin:.4f}, {ymin:.4f} to {xmax:.4f}, "
               "{ymax:.4f}) look like longitude/latitude, not the raster's {dst} metres. Set the layer's CRS "
               "(e.g. EPSG:4490 or EPSG:4326) and run again; nothing was computed.").format(
                layer=layer, xmin=xmin, ymin=ymin, xmax=xmax, ymax=ymax, dst=crs_label(target_crs))
        )


def checked_bounding_box(transform: Optional[QgsCoordinateTransform], rect, layer: str):
    """rect (a QgsRectangle) through transform, its corners and centre probed first; rect as it
    is when transform is None. QgsCsException when PROJ cannot transform it."""
    if transform is None:
        return rect
    probe = TransformProbe(transform, layer)
    for x, y in ((rect.xMinimum(), rect.yMinimum()), (rect.xMaximum(), rect.yMaximum()),
                 (rect.xMinimum(), rect.yMaximum()), (rect.xMaximum(), rect.yMinimum()),
                 (rect.center().x(), rect.center().y())):
        point = transform.transform(x, y)
        probe.add((x, y), (point.x(), point.y()))
    probe.check()
    return transform.transformBoundingBox(rect)


def transform_or_none(geometry, transform) -> bool:
    """Transform geometry in place; False when PROJ cannot transform it (outside its area)."""
    try:
        geometry.transform(transform)
        return True
    except QgsCsException:
        return False
