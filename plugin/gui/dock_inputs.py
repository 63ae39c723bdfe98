"""The dock's inputs resolved: which CISC rasters and masks (project layers or a folder), which
zones layer (checked, and the default choice). No widgets here: the dock passes its values in.

CISC layers added by the plugin are recognised by the custom properties the layer loader sets
(layers.styling.PROP_KIND in {"cisc", "mask", "dates"} and PROP_YEAR, an int); the result
layers the dock adds carry PROP_KIND = "statistics".
"""

from pathlib import Path
from typing import Dict, Iterable, Optional, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ..core.discovery import scan_folder
from ..layers.styling import PROP_KIND, PROP_YEAR
from ..toolbelt.i18n import tr, tr_message
from .results import ANALYSIS_2020, ANALYSIS_2022, ANALYSIS_BOTH, ANALYSIS_CHANGE, columns_for

STATISTICS_KIND = "statistics"  # PROP_KIND of the result layers the dock adds
NOT_ZONES_KINDS = ("dates", STATISTICS_KIND)  # polygon layers of the plugin that are no default zones

SOURCE_LAYERS = "layers"
SOURCE_FOLDER = "folder"

Sources = Dict[int, Tuple[str, Optional[str], QgsCoordinateReferenceSystem]]


class InputError(Exception):
    """A problem with the dock's inputs, worded for the user."""


def _layer_year(layer) -> Optional[int]:
    value = layer.customProperty(PROP_YEAR)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def project_cisc_layers(project: QgsProject) -> Dict[Tuple[str, int], QgsRasterLayer]:
    """{(kind, year): layer} of the raster layers the plugin added (first one wins)."""
    found = {}
    for layer in project.mapLayers().values():
        if not isinstance(layer, QgsRasterLayer):
            continue
        kind = layer.customProperty(PROP_KIND)
        year = _layer_year(layer)
        if kind in ("cisc", "mask") and year is not None:
            found.setdefault((kind, year), layer)
    return found


def folder_cisc_file(files, kind: str, year: int) -> Optional[str]:
    """The one file of (kind, year) in a scanned folder (core/discovery.py's rule), None when
    there is none; InputError naming the files when there are several."""
    from ..core.errors import CiscError

    try:
        return files.unique(kind, year)
    except CiscError as error:
        raise InputError(tr_message(error.args[0])) from None


def years_of(analysis: str) -> Tuple[int, ...]:
    return {
        ANALYSIS_2020: (2020,),
        ANALYSIS_2022: (2022,),
        ANALYSIS_BOTH: (2020, 2022),
        ANALYSIS_CHANGE: (2020, 2022),
    }[analysis]


def resolve_sources(project: QgsProject, source_kind: str, folder: str, analysis: str) -> Sources:
    """{year: (raster source, mask source or None, raster CRS)}; InputError names what is missing."""
    years = years_of(analysis)
    out = {}
    if source_kind == SOURCE_LAYERS:
        layers = project_cisc_layers(project)
        for year in years:
            raster = layers.get(("cisc", year))
            if raster is None:
                raise InputError(
                    tr("No CISC {year} layer in the project: add it with “Add CISC layers…” or "
                       "choose a folder.").format(year=year)
                )
            mask = layers.get(("mask", year))
            out[year] = (raster.source(), mask.source() if mask is not None else None, raster.crs())
        return out
    folder = (folder or "").strip()
    if not folder:
        raise InputError(tr("Choose the folder holding the CISC rasters."))
    if not Path(folder).is_dir():
        raise InputError(tr("The folder {folder} does not exist.").format(folder=folder))
    files = scan_folder(folder)
    for year in years:
        raster = folder_cisc_file(files, "cisc", year)
        if raster is None:
            raise InputError(
                tr("No CISC {year} raster (cisc_{year}.tif) in {folder}.").format(year=year, folder=folder)
            )
        mask = folder_cisc_file(files, "mask", year)
        crs_layer = QgsRasterLayer(raster, "crs", "gdal")
        crs = crs_layer.crs() if crs_layer.isValid() else QgsCoordinateReferenceSystem()
        out[year] = (raster, mask, crs)
    return out


def sources_summary(sources: Sources) -> str:
    """One line per year: the raster and the mask that will be used."""
    lines = []
    for year, (raster, mask, _crs) in sorted(sources.items()):
        name = Path(raster).name if "://" not in raster else raster.rsplit("/", 1)[-1]
        mask_text = Path(mask).name if mask else tr("mask looked up beside the raster")
        lines.append(f"{year}: {name} ({mask_text})")
    return "\n".join(lines)


def check_zones(layer: Optional[QgsVectorLayer], *, selected_only: bool, analysis: str, join: bool,
                name_field: str) -> QgsVectorLayer:
    """The zones layer if a run can use it; else InputError saying why."""
    if layer is None:
        raise InputError(tr("Choose a zones layer: a polygon layer of the project."))
    if not layer.isValid():
        raise InputError(tr("The zones layer {name} is not valid (its source cannot be read).").format(name=layer.name()))
    if QgsWkbTypes.geometryType(layer.wkbType()) != QgsWkbTypes.GeometryType.PolygonGeometry:
        raise InputError(tr("The zones layer {name} has no polygons.").format(name=layer.name()))
    if selected_only:
        if layer.selectedFeatureCount() == 0:
            raise InputError(
                tr("“Selected features only” is checked but no feature of {name} is selected.").format(name=layer.name())
            )
    elif layer.featureCount() == 0:
        raise InputError(tr("The zones layer {name} has no polygons.").format(name=layer.name()))
    else:
        request = QgsFeatureRequest().setNoAttributes().setLimit(1)
        request.setFilterExpression("NOT is_empty_or_null($geometry)")
        if not any(True for _ in layer.getFeatures(request)):
            raise InputError(tr("The zones layer {name} has no polygons.").format(name=layer.name()))
    names = set(layer.fields().names())
    joined = set()
    for info in layer.vectorJoins():  # joins of earlier results are removed before a run
        join_layer = info.joinLayer()
        if join_layer is not None and join_layer.customProperty(PROP_KIND) == STATISTICS_KIND:
            joined.update(f.name() for f in join_layer.fields())
    clashes = [c.key for c in columns_for(analysis) if c.key in names - joined]
    if clashes:
        raise InputError(
            tr("The zones layer {name} already has the field {field} (from earlier results?): "
               "remove those fields or use a copy of the layer without them.").format(
                name=layer.name(), field=clashes[0])
        )
    if join and not name_field:
        raise InputError(tr("Joining the results onto the zones needs a zone name field (the join key)."))
    return layer


# -- the default zones layer -------------------------------------------------------
def is_zones_candidate(layer) -> bool:
    """A polygon layer that is neither a plugin output nor the acquisition-date polygons."""
    if not isinstance(layer, QgsVectorLayer) or not layer.isValid():
        return False
    if QgsWkbTypes.geometryType(layer.wkbType()) != QgsWkbTypes.GeometryType.PolygonGeometry:
        return False
    if layer.customProperty(PROP_KIND) in NOT_ZONES_KINDS:
        return False
    return not any(word in layer.name().lower() for word in ("acquisition date", "source_date"))


def _layers_in_tree_order(project: QgsProject) -> Iterable:
    seen = set()
    for node in project.layerTreeRoot().findLayers():
        layer = node.layer()
        if layer is not None:
            seen.add(layer.id())
            yield layer
    for layer in project.mapLayers().values():
        if layer.id() not in seen:
            yield layer


def default_zones_layer(project: QgsProject, remembered_id: str = "", remembered_source: str = "") -> Optional[QgsVectorLayer]:
    """The last used zones layer if still in the project, else the topmost candidate (None if none)."""
    candidates = [layer for layer in _layers_in_tree_order(project) if is_zones_candidate(layer)]
    for layer in candidates:
        if remembered_id and layer.id() == remembered_id:
            return layer
    for layer in candidates:
        if remembered_source and layer.source() == remembered_source:
            return layer
    return candidates[0] if candidates else None
