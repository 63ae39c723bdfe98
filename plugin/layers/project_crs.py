"""The project CRS when CISC layers are added: the rasters' Albers CRS, never the date layer's.

QGIS gives a project without layers the CRS of the first layer in the Layers panel (its map
canvas bridge does so on the next event loop, when *Settings ▸ Options ▸ CRS ▸ CRS for projects*
is "Use CRS from first layer added", the default). The acquisition dates sit on top of each year
(EPSG:4326), so the rasters would be drawn reprojected into degrees. Here:

- a project without a CRS, or without any spatial layer (unless the user chose a preset CRS for new
  projects), gets the CRS of the rasters; the canvas bridge's own choice is skipped for that add;
- the CRS is identified as an EPSG code when it is one (QGIS does so itself from the WKT;
  OSR's FindMatches with full confidence is the fallback);
- a custom CRS (CISC's Albers has no EPSG code) keeps its own definition, stored in the project
  only (nothing is written into the user's CRS database); when its name is empty or "unknown"
  it is named "China Albers (CISC)" so that the status bar and CRS dialogs show a readable name.
"""

from __future__ import annotations

from contextlib import contextmanager

from qgis.core import QgsCoordinateReferenceSystem, QgsProject, QgsRasterLayer, QgsSettings

from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger

log = get_logger("layers.project_crs")

_USELESS_NAMES = {"", "unknown", "unnamed", "custom crs", "undefined"}
PRESET_CRS_SETTING = "projections/newProjectCrsBehavior"  # QgsGui::ProjectCrsBehavior, App section


def _wkt(crs: QgsCoordinateReferenceSystem) -> str:
    return crs.toWkt(QgsCoordinateReferenceSystem.WktVariant.WKT_PREFERRED)


def epsg_match(crs: QgsCoordinateReferenceSystem) -> QgsCoordinateReferenceSystem | None:
    """The EPSG CRS identical to crs (OSR FindMatches, confidence 100), or None."""
    from osgeo import osr

    srs = osr.SpatialReference()
    try:
        if srs.ImportFromWkt(_wkt(crs)) != 0:
            return None
        matches = srs.FindMatches() or []
    except Exception:  # noqa: BLE001 (GDAL exceptions on or off: no match either way)
        return None
    for match, confidence in matches:
        if confidence >= 100 and (match.GetAuthorityName(None) or "").upper() == "EPSG":
            candidate = QgsCoordinateReferenceSystem(f"EPSG:{match.GetAuthorityCode(None)}")
            if candidate.isValid():
                return candidate
    return None


def readable_name(crs: QgsCoordinateReferenceSystem) -> str:
    is_albers = "+proj=aea" in crs.toProj()
    return tr("China Albers (CISC)") if is_albers else tr("CRS of the CISC rasters")


def identify(crs: QgsCoordinateReferenceSystem) -> QgsCoordinateReferenceSystem:
    """crs as an EPSG CRS when it is one, else crs itself with a readable name."""
    if not crs.isValid() or crs.authid():
        return crs
    match = epsg_match(crs)
    if match is not None:
        return match
    if (crs.description() or "").strip().lower() not in _USELESS_NAMES:
        return crs
    from osgeo import osr

    srs = osr.SpatialReference()
    try:
        srs.ImportFromWkt(_wkt(crs))
        if not srs.IsProjected():
            return crs
        srs.SetProjCS(readable_name(crs))
        named = QgsCoordinateReferenceSystem.fromWkt(srs.ExportToWkt(["FORMAT=WKT2_2019"]))
    except Exception:  # noqa: BLE001 (the unnamed CRS is still the right one)
        return crs
    return named if named.isValid() else crs


def uses_preset_crs() -> bool:
    """The user chose "Use a default CRS" for new projects (QGIS's setting)."""
    value = QgsSettings().value(PRESET_CRS_SETTING, "", section=QgsSettings.Section.App)
    return str(value) in ("UsePresetCrs", "2")


def should_adopt(project: QgsProject) -> bool:
    """Before adding: may the rasters decide the project CRS? (no CRS, or no spatial layer yet and
    QGIS would take the first layer's CRS)."""
    if not project.crs().isValid():
        return True
    has_spatial = any(layer is not None and layer.isSpatial() for layer in project.mapLayers().values())
    return not has_spatial and not uses_preset_crs()


def adopt_raster_crs(project: QgsProject, layers) -> QgsCoordinateReferenceSystem | None:
    """Set the project CRS from the first raster of layers (identified); returns it, or None."""
    rasters = [layer for layer in layers if isinstance(layer, QgsRasterLayer) and layer.crs().isValid()]
    if not rasters:
        return None
    crs = identify(rasters[0].crs())
    for layer in rasters:  # an EPSG match found by OSR only: the layers show the code too
        if crs.authid() and not layer.crs().authid() and identify(layer.crs()) == crs:
            layer.setCrs(crs)
    project.setCrs(crs)
    log.info(
        tr("Project CRS set to the CISC rasters' CRS: {crs}.").format(
            crs=crs.userFriendlyIdentifier(QgsCoordinateReferenceSystem.IdentifierType.MediumString)
        )
    )
    return crs


@contextmanager
def first_layer_crs_skipped(iface, active: bool = True):
    """While adding the layers, QGIS's map canvas bridge does not set the project CRS from the
    first layer of the Layers panel (it would pick the date layer's): its "first layers" pass
    runs here with the automatic set-up off, then the set-up is restored."""
    bridge = None
    if active and iface is not None and hasattr(iface, "layerTreeCanvasBridge"):
        try:
            bridge = iface.layerTreeCanvasBridge()
        except Exception:  # noqa: BLE001 (a partial interface)
            bridge = None
    previous = bridge.autoSetupOnFirstLayer() if bridge is not None else False
    if bridge is not None:
        bridge.setAutoSetupOnFirstLayer(False)
    try:
        yield
    finally:
        if bridge is not None:
            bridge.setCanvasLayers()  # the deferred pass, now: the new layers count as seen
            bridge.setAutoSetupOnFirstLayer(previous)
