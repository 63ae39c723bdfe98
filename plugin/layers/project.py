"""A ready-to-open QGIS project of the CISC layers (used by `make demo` for demo/cisc_demo.qgz)."""

from __future__ import annotations

import os
from typing import Iterable, Sequence

from qgis.core import (
    Qgis,
    QgsCoordinateTransform,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsReferencedRectangle,
    QgsVectorLayer,
)

from ..core import dataset, sources
from ..core.errors import CiscError
from . import loader, project_crs, style_files
from .style_files import STYLES_DIR

EXTRA_GROUP_NAME = "Statistics"
ZONES_GROUP_NAME = "Zones"
ZONE_OUTLINE = "40,40,40,255"
_RASTER_EXTENSIONS = (".tif", ".tiff", ".vrt", ".img", ".asc")


def _folder_of(sample_set_or_folder) -> str:
    folder = getattr(sample_set_or_folder, "folder", sample_set_or_folder)
    return os.fspath(folder)


def _open_layers(paths, what: str) -> list:
    """Every layer of each file (a GeoPackage may hold several); CiscError naming a file that opens none."""
    opened = []
    for path in paths or []:
        path = os.path.abspath(os.fspath(path))
        layers = _extra_layers(path)
        if not layers:
            raise CiscError(f"{path}: cannot be opened as {what} for the demo project.")
        opened.extend(layers)
    return opened


def _extra_layers(path: str):
    """Layers of one extra file: a raster, or every vector layer of a GeoPackage/shapefile/…"""
    name = os.path.splitext(os.path.basename(path))[0]
    if path.lower().endswith(_RASTER_EXTENSIONS):
        layer = QgsRasterLayer(path, name, "gdal")
        return [layer] if layer.isValid() else []
    layer = QgsVectorLayer(path, name, "ogr")
    if not layer.isValid():
        return []
    sublayers = layer.dataProvider().subLayers() if layer.dataProvider() is not None else []
    if len(sublayers) <= 1:
        return [layer]
    layers = []
    separator = QgsVectorLayer.SUBLAYER_SEPARATOR if hasattr(QgsVectorLayer, "SUBLAYER_SEPARATOR") else "!!::!!"
    for entry in sublayers:
        parts = entry.split(separator)
        if len(parts) < 2:
            continue
        sub = QgsVectorLayer(f"{path}|layername={parts[1]}", parts[1], "ogr")
        if sub.isValid():
            layers.append(sub)
    return layers or [layer]


_SHARE_FIELDS = ("imperv_pct", "growth_pct", "share_pct")


def _style_vector_extra(layer) -> bool:
    """Polygons of statistics: outlines only (the CISC map stays visible), or, for a layer with an
    impervious share, a graduated style (returns True: then it starts hidden, one click away)."""
    from qgis.core import (
        QgsClassificationQuantile,
        QgsFillSymbol,
        QgsGradientColorRamp,
        QgsGraduatedSymbolRenderer,
        QgsSingleSymbolRenderer,
        QgsWkbTypes,
    )
    from qgis.PyQt.QtGui import QColor

    if layer.geometryType() != QgsWkbTypes.GeometryType.PolygonGeometry:
        return False
    names = layer.fields().names()
    label = "name" if "name" in names else None
    share = next((f for f in _SHARE_FIELDS if f in names), None)
    if share is not None:
        renderer = QgsGraduatedSymbolRenderer(share)
        renderer.setSourceSymbol(QgsFillSymbol.createSimple({"outline_color": "40,40,40,255", "outline_width": "0.3"}))
        renderer.setSourceColorRamp(QgsGradientColorRamp(QColor("#fee5d9"), QColor("#a50f15")))
        renderer.setClassificationMethod(QgsClassificationQuantile())
        renderer.updateClasses(layer, 5)
        layer.setRenderer(renderer)
    else:
        layer.setRenderer(
            QgsSingleSymbolRenderer(
                QgsFillSymbol.createSimple(
                    {"color": "0,0,0,0", "outline_color": "40,40,40,255", "outline_width": "0.4"}
                )
            )
        )
    if label:
        tip = f'<b>[% "{label}" %]</b>' + (f'<br/>{share}: [% round("{share}", 2) %]' if share else "")
        layer.setMapTipTemplate(tip)
    return share is not None


def style_zones(layer, label_field: str | None = None) -> None:
    """Zones over the CISC map: outline only (nothing hidden under a fill), labelled by name."""
    from qgis.core import (
        QgsFillSymbol,
        QgsPalLayerSettings,
        QgsSingleSymbolRenderer,
        QgsTextBufferSettings,
        QgsTextFormat,
        QgsVectorLayerSimpleLabeling,
    )
    from qgis.PyQt.QtGui import QColor

    layer.setRenderer(
        QgsSingleSymbolRenderer(
            QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": ZONE_OUTLINE, "outline_width": "0.5"})
        )
    )
    names = layer.fields().names()
    label_field = label_field or next((n for n in ("name", "NAME", "name_zh", "county") if n in names), None)
    if label_field is None:
        return
    text = QgsTextFormat()
    text.setSize(9)
    text.setColor(QColor(30, 30, 30))
    buffer = QgsTextBufferSettings()  # a white halo keeps the names readable over the classes
    buffer.setEnabled(True)
    buffer.setSize(1)
    buffer.setColor(QColor(255, 255, 255))
    text.setBuffer(buffer)
    settings = QgsPalLayerSettings()
    settings.fieldName = label_field
    settings.setFormat(text)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)
    layer.setMapTipTemplate(f'<b>[% "{label_field}" %]</b>')


def _style_extra(layer) -> bool:
    """Style a statistics output; True when it should start hidden (it would cover the CISC map).

    Rasters named like a shipped style (resources/styles/change_map.qml, impervious_fraction.qml)
    get it, unless a sidecar <name>.qml next to the file was already loaded by QGIS.
    """
    if isinstance(layer, QgsVectorLayer):
        return _style_vector_extra(layer)
    source = layer.source().split("|")[0]
    if os.path.exists(os.path.splitext(source)[0] + ".qml"):
        return True
    name = os.path.basename(source).lower()
    for qml in sorted(STYLES_DIR.glob("*.qml"), key=lambda p: -len(p.stem)):
        if qml.name in style_files.STYLE_FILES.values():
            continue
        if qml.stem.lower() in name:
            layer.loadNamedStyle(str(qml))
            layer.triggerRepaint()
            break
    return True


def write_demo_project(
    path,
    sample_set_or_folder,
    extra_layers: Sequence | None = None,
    years: Iterable[int] = dataset.YEARS,
    title: str = "CISC impervious surface demo",
    zones: Sequence | None = None,
) -> str:
    """Write a .qgz holding the styled CISC layers, mask overlays, date layers and extra layers.

    zones: polygon files (e.g. the county zones) added in a "Zones" group above the CISC layers,
    drawn as outlines labelled by their name field. The project CRS is the rasters' (identified as
    an EPSG code when it is one, see project_crs.py) and the view opens on the data.

    Paths are stored relative to the project file, so the project opens as is once the folder
    is moved together with the data. Raises CiscError naming what is missing.
    """
    path = os.path.abspath(os.fspath(path))
    if not path.lower().endswith((".qgz", ".qgs")):
        path += ".qgz"
    folder = _folder_of(sample_set_or_folder)
    discovery = sources.discover_local(folder, years, masks=True, dates=True)
    if not discovery.found:
        raise CiscError(f"{folder}: no CISC file found (missing: {', '.join(discovery.missing)}).")

    project = QgsProject()
    project.setTitle(title)
    if hasattr(project, "setFilePathStorage"):
        project.setFilePathStorage(Qgis.FilePathType.Relative)
    else:  # older QGIS
        project.writeEntryBool("Paths", "/Absolute", False)
    project.setFileName(path)

    result = loader.add_cisc_layers(loader.specs_for_local(discovery), project=project, iface=None, zoom=False)
    if result.errors and not result.layers:
        raise CiscError("; ".join(result.errors))
    rasters = [layer for layer in result.layers if isinstance(layer, QgsRasterLayer)]
    if rasters and not project.crs().isValid():  # set by add_cisc_layers; a safety net
        project.setCrs(project_crs.identify(rasters[0].crs()))

    zone_layers = _open_layers(zones, "a zones layer")
    if zone_layers:
        zones_group = project.layerTreeRoot().insertGroup(0, ZONES_GROUP_NAME)
        for layer in zone_layers:
            style_zones(layer)
            project.addMapLayer(layer, False)
            zones_group.addLayer(layer)

    extras = _open_layers(extra_layers, "a layer")
    if extras:
        root = project.layerTreeRoot()
        group = root.findGroup(EXTRA_GROUP_NAME) or root.insertGroup(0, EXTRA_GROUP_NAME)
        for layer in extras:
            hidden = _style_extra(layer)
            project.addMapLayer(layer, False)
            node = group.addLayer(layer)
            node.setItemVisibilityChecked(not hidden)

    extent = QgsRectangle()  # null: combineExtentWith takes the first extent as it is (setMinimal is deprecated)
    for layer in (rasters or result.layers) + zone_layers:
        transform = QgsCoordinateTransform(layer.crs(), project.crs(), project)
        extent.combineExtentWith(transform.transformBoundingBox(layer.extent()))
    if not extent.isEmpty():
        extent.scale(1.02)
        project.viewSettings().setDefaultViewExtent(QgsReferencedRectangle(extent, project.crs()))

    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".writing" + os.path.splitext(path)[1]
    if not project.write(tmp):
        raise CiscError(f"{path}: the project could not be written ({project.error()}).")
    os.replace(tmp, path)
    project.clear()
    return path
