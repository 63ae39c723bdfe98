"""Add the CISC layers to a project: a "CISC" group, one subgroup per year, styled, with metadata.

Sources are plain GDAL paths: local files, streamed /vsicurl? paths (core.sources), and the
acquisition-date shapefiles read in place from the zip through /vsizip/.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Dict, List, Sequence, Tuple

from qgis.core import (
    Qgis,
    QgsCoordinateTransform,
    QgsLayerMetadata,
    QgsLayerTreeGroup,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsSettings,
    QgsVectorLayer,
)

from ..core import dataset, sources
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger
from . import project_crs, styling

log = get_logger("layers.loader")

GROUP_NAME = "CISC"
_YEAR_IN_NAME = re.compile(r"(20\d\d)")


@dataclass
class LayerSpec:
    kind: str  # sources.CISC | sources.MASK | sources.DATES
    year: int | None
    path: str  # GDAL path: file, /vsicurl?... or (dates) the zip's path
    label: str  # the file's name, for messages


@dataclass
class LoadResult:
    layers: list = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    zoomed: bool = False


def plugin_version() -> str:
    from configparser import ConfigParser
    from pathlib import Path

    parser = ConfigParser()
    try:
        parser.read(Path(__file__).resolve().parents[2] / "metadata.txt", encoding="utf-8")
        return parser["general"].get("version", "0")
    except Exception:  # noqa: BLE001
        return "0"


def user_agent() -> str:
    return f"QGIS/{Qgis.QGIS_VERSION_INT} cisc_impervious/{plugin_version()} (QGIS plugin; +{dataset.RECORD_URL})"


def qgis_proxy() -> sources.ProxySettings:
    """QGIS's own proxy settings (Settings > Options > Network) as plain values."""
    settings = QgsSettings()
    if not settings.value("proxy/proxyEnabled", False, type=bool):
        return sources.ProxySettings()
    kind = settings.value("proxy/proxyType", "HttpProxy", type=str) or "HttpProxy"
    if kind in ("DefaultProxy", "NoProxy"):
        return sources.ProxySettings()
    return sources.ProxySettings(
        host=settings.value("proxy/proxyHost", "", type=str) or "",
        port=settings.value("proxy/proxyPort", 0, type=int) or 0,
        user=settings.value("proxy/proxyUser", "", type=str) or "",
        password=settings.value("proxy/proxyPassword", "", type=str) or "",
        kind="socks5" if "socks" in kind.lower() else "http",
    )


def streaming_options(max_retry: int = 5, retry_delay: float = 2.0, **timeouts) -> Dict[str, str]:
    """The GDAL options of streaming (read QGIS's settings: call on the main thread); timeouts:
    connect_timeout, timeout, low_speed_time, low_speed_limit of sources.gdal_http_options."""
    return sources.gdal_http_options(
        user_agent(), qgis_proxy(), max_retry=max_retry, retry_delay=retry_delay, **timeouts
    )


def prepare_streaming(base_url: str | None = None, options: Dict[str, str] | None = None) -> Tuple[Dict[str, str], str]:
    """Scope the HTTP options to the record's URLs; returns (options, prefix)."""
    options = dict(options or streaming_options())
    prefix = sources.streaming_prefix(base_url, options)
    sources.set_path_specific_options(prefix, options)
    return options, prefix


def specs_for_local(discovery: sources.Discovery) -> List[LayerSpec]:
    return [LayerSpec(kind, year, path, os.path.basename(path)) for (kind, year), path in discovery.found.items()]


def specs_for_stream(
    found: Dict[Tuple[str, int | None], sources.RemoteFile], base_url: str | None, options: Dict[str, str]
) -> List[LayerSpec]:
    return [
        LayerSpec(kind, year, sources.streaming_path(remote.key, base_url, options), remote.key)
        for (kind, year), remote in found.items()
    ]


# ---------------------------------------------------------------------------------------


def layer_metadata(kind: str, year: int | None, label: str) -> QgsLayerMetadata:
    metadata = QgsLayerMetadata()
    if kind == sources.CISC:
        title = f"China Impervious Surface Cover {year} (CISC{year}), 30 m"
        what = (
            "Land cover at 30 m: 0 bare land / other (also every invalid pixel), 1 impervious surface, "
            "2 vegetation (auxiliary, reference only), 3 water body (auxiliary, reference only)."
        )
    elif kind == sources.MASK:
        title = f"CISC valid mask {year}"
        what = (
            f"Valid extent of CISC{year}: non-zero where the classification is valid. Shown as an overlay: "
            "invalid area grey, valid area transparent."
        )
    else:
        title = "CISC acquisition dates of the 2 m source imagery" + (f" ({year})" if year else "")
        what = "Polygons of the acquisition date of the 2 m imagery behind the classification."
    metadata.setTitle(title)
    metadata.setAbstract(f"{what}\n\nFile: {label}\n\nCite: {dataset.CITATION}\n\nCaveats: {dataset.CAVEATS}")
    metadata.setIdentifier(f"doi:{dataset.DOI}")
    metadata.setType("dataset")
    metadata.setKeywords(
        {
            "gmd:topicCategory": ["imageryBaseMapsEarthCover"],
            "keywords": ["impervious surface", "land cover", "China", "CISC", "不透水面"],
        }
    )
    for name, url, description in (
        ("DOI", f"https://doi.org/{dataset.DOI}", "Scientific Data article (cite this)"),
        ("Zenodo record", dataset.RECORD_URL, f"Data: Zenodo record {dataset.RECORD_ID}"),
    ):
        link = QgsLayerMetadata.Link(name, "WWW:LINK", url)
        link.description = description
        metadata.addLink(link)
    metadata.setConstraints([QgsLayerMetadata.Constraint(dataset.CAVEATS, "caveats")])
    metadata.setHistory([f"Cite: {dataset.CITATION}"])
    return metadata


def date_members(zip_path: str) -> List[Tuple[str, int | None]]:
    """(/vsizip/ path of each shapefile inside the zip, year from its name or None)."""
    from osgeo import gdal

    root = zip_path if zip_path.startswith("/vsizip/") else "/vsizip/" + zip_path
    names = gdal.ReadDirRecursive(root) or []
    members = []
    for name in sorted(names):
        if name.lower().endswith(".shp"):
            match = _YEAR_IN_NAME.search(os.path.basename(name))
            members.append((f"{root}/{name}", int(match.group(1)) if match else None))
    return members


def _layer_name(kind: str, year: int | None) -> str:
    if kind == sources.CISC:
        return tr("CISC {year} classes").format(year=year)
    if kind == sources.MASK:
        return tr("Valid mask {year} (grey: no valid data)").format(year=year)
    return tr("Acquisition dates {year}").format(year=year) if year else tr("Acquisition dates")


def _open_layer(kind: str, year: int | None, path: str, label: str):
    name = _layer_name(kind, year)
    if kind == sources.DATES:
        layer = QgsVectorLayer(path, name, "ogr")
    else:
        layer = QgsRasterLayer(path, name, "gdal")
    if not layer.isValid():
        detail = layer.error().summary() if layer.error() is not None else ""
        raise OSError(
            f"{label}: cannot be opened as a {'vector' if kind == sources.DATES else 'raster'} layer"
            + (f" ({detail.strip()})" if detail and detail.strip() else "")
        )
    if kind == sources.CISC:
        if layer.bandCount() != 1:
            raise OSError(f"{label}: has {layer.bandCount()} bands; a CISC classification has one.")
        styling.style_classes(layer)
    elif kind == sources.MASK:
        styling.style_valid_mask(layer)
    else:
        styling.style_dates(layer)
    layer.setCustomProperty(styling.PROP_KIND, kind)
    if year:
        layer.setCustomProperty(styling.PROP_YEAR, int(year))
    layer.setMetadata(layer_metadata(kind, year, label))
    return layer


def _year_group(root_group: QgsLayerTreeGroup, year: int) -> QgsLayerTreeGroup:
    name = str(int(year))
    group = root_group.findGroup(name)
    if group is not None:
        return group
    # newest year on top
    index = 0
    for i, child in enumerate(root_group.children()):
        if isinstance(child, QgsLayerTreeGroup) and child.name().isdigit() and int(child.name()) > int(year):
            index = i + 1
    return root_group.insertGroup(index, name)


def _existing_sources(group: QgsLayerTreeGroup) -> set:
    return {node.layer().source() for node in group.findLayers() if node.layer() is not None}


_ORDER = {sources.DATES: 0, sources.MASK: 1, sources.CISC: 2}  # top to bottom inside a year


def add_cisc_layers(
    specs: Sequence[LayerSpec], project: QgsProject | None = None, iface=None, zoom: bool = True
) -> LoadResult:
    """Open, style and add the layers; each failure is reported by file name, never raised."""
    project = project or QgsProject.instance()
    result = LoadResult()
    root = project.layerTreeRoot()
    group = root.findGroup(GROUP_NAME)
    first_add = group is None
    if group is None:
        group = root.insertGroup(0, GROUP_NAME)
    present = _existing_sources(group)
    years = sorted({s.year for s in specs if s.year}, reverse=True)

    opened = []  # (year or None, kind, layer)
    for spec in specs:
        if spec.kind == sources.DATES:
            try:
                members = date_members(spec.path)
            except Exception as exc:  # noqa: BLE001 - GDAL error text names the problem
                result.errors.append(f"{spec.label}: cannot read the zip ({exc}).")
                continue
            if not members:
                result.errors.append(f"{spec.label}: holds no shapefile of acquisition dates.")
                continue
            for member, year in members:
                if year is not None and years and year not in years:
                    continue
                try:
                    opened.append(
                        (
                            year,
                            spec.kind,
                            _open_layer(spec.kind, year, member, f"{spec.label}/{os.path.basename(member)}"),
                        )
                    )
                except OSError as exc:
                    result.errors.append(str(exc))
            continue
        try:
            opened.append((spec.year, spec.kind, _open_layer(spec.kind, spec.year, spec.path, spec.label)))
        except OSError as exc:
            result.errors.append(str(exc))

    opened.sort(key=lambda item: (-(item[0] or 0), _ORDER.get(item[1], 9)))
    adopt_crs = project_crs.should_adopt(project)  # the rasters decide, not the date layer on top
    with project_crs.first_layer_crs_skipped(iface, adopt_crs and project is QgsProject.instance()):
        for year, _kind, layer in opened:
            if layer.source() in present:
                result.warnings.append(tr("{name} is already in the project.").format(name=layer.name()))
                continue
            project.addMapLayer(layer, False)
            target = _year_group(group, year) if year else group
            target.addLayer(layer)
            present.add(layer.source())
            result.layers.append(layer)
        if adopt_crs:
            classes = [layer for _year, kind, layer in opened if kind == sources.CISC]
            project_crs.adopt_raster_crs(project, classes + [layer for _y, _k, layer in opened])

    for message in result.errors:
        log.warning(message)
    if zoom and first_add and result.layers:
        result.zoomed = zoom_to_layers(result.layers, project, iface)
    return result


def zoom_to_layers(layers, project: QgsProject, iface=None) -> bool:
    """Zoom the map canvas onto the new layers (rasters first), in the canvas's CRS."""
    rasters = [layer for layer in layers if isinstance(layer, QgsRasterLayer)] or list(layers)
    if not project.crs().isValid():
        project.setCrs(rasters[0].crs())
    canvas = iface.mapCanvas() if iface is not None else None
    if canvas is None:
        return False
    target = project.crs() if project.crs().isValid() else canvas.mapSettings().destinationCrs()
    if target != canvas.mapSettings().destinationCrs():  # QGIS's canvas follows the project CRS
        canvas.setDestinationCrs(target)
    extent = QgsRectangle()  # null: combineExtentWith takes the first extent as it is (setMinimal is deprecated)
    for layer in rasters:
        try:
            transform = QgsCoordinateTransform(layer.crs(), target, project)
            extent.combineExtentWith(transform.transformBoundingBox(layer.extent()))
        except Exception:  # noqa: BLE001  # nosec B112 # a layer without a usable CRS is left out of the zoom
            continue
    if extent.isEmpty():
        return False
    extent.scale(1.02)
    canvas.setExtent(extent)
    canvas.refresh()
    return True
