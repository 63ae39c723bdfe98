"""The result layer in the project: graduated style on the headline figure, placed just above
its zones layer (never over the layers the zones lie on), and the join onto the zones."""

from typing import Optional, Tuple

from qgis.core import QgsFeatureRequest, QgsProject, QgsVectorLayer, QgsVectorLayerJoinInfo

from ..layers.styling import PROP_KIND
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger
from .dock_inputs import STATISTICS_KIND
from .results import ANALYSIS_2020, ANALYSIS_CHANGE, PREFIX_2020, PREFIX_2022, PREFIX_CHANGE, ResultSet, analysis_label

log = get_logger("gui.result_layer")

RESULT_OPACITY = 0.6  # the rasters under the zones stay readable through the fill


def headline_field(result: ResultSet) -> str:
    """The field the result layer (and the report's map) is shaded by."""
    if result.analysis == ANALYSIS_CHANGE:
        return PREFIX_CHANGE + "net_km2"
    prefix = PREFIX_2020 if result.analysis == ANALYSIS_2020 else PREFIX_2022
    return prefix + "imperv_pct"


def style_result_layer(layer: QgsVectorLayer, result: ResultSet) -> bool:
    """Graduated colours on the headline figure (impervious share, or net change)."""
    try:
        from qgis.core import QgsClassificationQuantile, QgsGraduatedSymbolRenderer, QgsStyle, QgsSymbol

        symbol = QgsSymbol.defaultSymbol(layer.geometryType())
        renderer = QgsGraduatedSymbolRenderer(headline_field(result))
        renderer.setSourceSymbol(symbol)
        ramp = QgsStyle.defaultStyle().colorRamp("Reds")
        if ramp is not None:
            renderer.setSourceColorRamp(ramp)
        renderer.setClassificationMethod(QgsClassificationQuantile())
        renderer.updateClasses(layer, 5)
        if result.analysis == ANALYSIS_CHANGE:
            _diverging_around_zero(renderer, layer, headline_field(result))
        if not renderer.ranges():
            return False
        layer.setRenderer(renderer)
        layer.setOpacity(RESULT_OPACITY)
        return True
    except Exception as error:  # a style is a nicety: never fail a run over it
        log.info("Result layer not styled: %s", error)
        return False


def _diverging_around_zero(renderer, layer: QgsVectorLayer, field: str) -> None:
    """Net change: losses in blues, no change in light grey, gains in reds (quantiles on each side),
    so a loss never reads as a small gain."""
    from qgis.core import QgsRendererRange
    from qgis.PyQt.QtGui import QColor

    values = sorted(v for v in (f[field] for f in layer.getFeatures()) if isinstance(v, (int, float)))
    if not values:
        return
    losses = [v for v in values if v < 0]
    gains = [v for v in values if v > 0]

    def quantile_breaks(side, count):
        count = max(1, min(count, len(side)))
        return sorted({side[min(len(side) - 1, (len(side) * (i + 1)) // count - 1)] for i in range(count)})

    ranges = []
    source = renderer.sourceSymbol()
    if losses:
        breaks = quantile_breaks(losses, 2)
        breaks[-1] = -1e-12  # the lightest blue reaches up to (not including) zero
        colours = ["#2166ac", "#67a9cf"][-len(breaks):]
        lower = losses[0]
        for upper, colour in zip(breaks, colours):
            ranges.append((lower, upper, colour))
            lower = upper
    ranges.append((-1e-12, 1e-12, "#f0f0f0"))
    if gains:
        breaks = quantile_breaks(gains, 4)
        colours = ["#fddbc7", "#ef8a62", "#d6604d", "#b2182b"][-len(breaks):]
        lower = 1e-12
        for upper, colour in zip(breaks, colours):
            ranges.append((lower, upper, colour))
            lower = upper
    renderer.deleteAllClasses()
    for lower, upper, colour in ranges:
        symbol = source.clone()
        symbol.setColor(QColor(colour))
        if abs(lower) < 1e-9 and abs(upper) < 1e-9:
            label = tr("no change")
        else:
            label = f"{max(lower, values[0]):+.2f} – {min(upper, values[-1]):+.2f}".replace("-0.00", "0.00")
        renderer.addClassRange(QgsRendererRange(lower, upper, symbol, label))


def insert_above(project: QgsProject, layer, reference_id: str) -> None:
    """Add the layer to the project directly above the reference layer in the layer tree (at the
    top when the reference is not there)."""
    project.addMapLayer(layer, False)
    root = project.layerTreeRoot()
    node = root.findLayer(reference_id) if reference_id else None
    if node is None or node.parent() is None:
        root.insertLayer(0, layer)
        return
    parent = node.parent()
    parent.insertLayer(parent.children().index(node), layer)


class ResultLayers:
    """The result layer the dock added last and the join it made (replaced by the next run)."""

    def __init__(self, project: QgsProject):
        self.project = project
        self.layer_id: Optional[str] = None
        self.joined: Optional[Tuple[str, str]] = None  # (zones layer id, join layer id)

    def add(self, result: ResultSet, request: dict) -> str:
        """Add a copy of the result layer to the project (and join it onto the zones); return a
        note for the user ("" when there is nothing to say)."""
        layer = result.layer.materialize(QgsFeatureRequest())
        layer.setName(tr("CISC {analysis} – {zones}").format(
            analysis=analysis_label(result.analysis), zones=result.zones_name))
        layer.setCustomProperty(PROP_KIND, STATISTICS_KIND)
        style_result_layer(layer, result)
        self.remove_previous_join()
        insert_above(self.project, layer, request["zones_id"])
        self.layer_id = layer.id()
        if not request["join"]:
            return ""
        zones = self.project.mapLayer(request["zones_id"])
        key = request["name_field"]
        if zones is None or not key:
            return tr("Not joined: the zones layer is gone or has no name field.")
        values = [f[key] for f in zones.getFeatures(QgsFeatureRequest().setSubsetOfAttributes([key], zones.fields()))]
        info = QgsVectorLayerJoinInfo()
        info.setJoinLayer(layer)
        info.setJoinFieldName(key)
        info.setTargetFieldName(key)
        # in the join layer's field order: QGIS 3.22 misplaces values of a reordered subset
        keys = {c.key for c in result.columns}
        info.setJoinFieldNamesSubset([f.name() for f in layer.fields() if f.name() in keys])
        info.setPrefix("")
        info.setUsingMemoryCache(True)
        if not zones.addJoin(info):
            return tr("Could not join the results onto {zones}.").format(zones=zones.name())
        self.joined = (zones.id(), layer.id())
        if len(set(values)) != len(values):
            return tr("Joined on {field}, but its values are not unique: some zones got another zone's figures.").format(field=key)
        return tr("Joined onto {zones} by {field}.").format(zones=zones.name(), field=key)

    def remove_previous_join(self, zones: Optional[QgsVectorLayer] = None) -> None:
        """Drop the joins of earlier CISC results (their fields would clash with a new run)."""
        if self.joined is not None:
            zones_id, join_id = self.joined
            self.joined = None
            joined_zones = self.project.mapLayer(zones_id)
            if joined_zones is not None:
                joined_zones.removeJoin(join_id)
        if zones is not None:
            for info in list(zones.vectorJoins()):
                join_layer = info.joinLayer()
                if join_layer is not None and join_layer.customProperty(PROP_KIND) == STATISTICS_KIND:
                    zones.removeJoin(info.joinLayerId())

    def layers_removed(self, ids) -> None:
        ids = set(ids)
        if self.layer_id in ids:
            self.layer_id = None
        if self.joined is not None and (self.joined[0] in ids or self.joined[1] in ids):
            if self.joined[1] in ids and self.joined[0] not in ids:
                zones = self.project.mapLayer(self.joined[0])
                if zones is not None:
                    zones.removeJoin(self.joined[1])
            self.joined = None

    def forget(self) -> None:
        self.layer_id = None
        self.joined = None
