"""The PDF report of a statistics result: a QGIS print layout (so it also opens in the layout
designer), exported with QgsLayoutExporter. No widgets: it works in qgis_process.

Pages (A4 landscape):
1. title, date, a map of the zones shaded by the impervious share (one year) or the net change
   (2020 -> 2022) with legend and scale bar, the key figures, what the figures mean, the
   dataset citation and DOI;
2. charts (the dock's matplotlib figures, plugin/gui/charts.py, embedded as PNG) and the zones
   whose valid coverage is below the threshold;
3+. the table of the zones, sorted by impervious area (largest first), areas to 0.0001 km2,
   shares to 0.01 %, as many pages as it needs.

Every text goes through tr(): the report is in the UI's language; Chinese text gets a CJK font.
Build and export on the main thread (QGIS layouts are scene objects); cisc:report is
FlagNoThreading for that reason.

The input is a ResultSet (plugin/gui/results.py: plain data plus the result layer);
result_from_layer() makes one from the output layer of cisc:zonalstatistics or
cisc:changestatistics (any COLUMN_PREFIX), or from a dock result layer. The gui modules are
imported lazily: they hold the result model and figure code the dock and the report share.
"""

import base64
import datetime
import math
import os
import tempfile
import uuid
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsLayoutExporter,
    QgsLayoutFrame,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemManualTable,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutMultiFrame,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLayoutTable,
    QgsLayoutTableColumn,
    QgsLegendStyle,
    QgsPrintLayout,
    QgsProject,
    QgsTableCell,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontDatabase

from ..core.dataset import CITATION, DOI
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger
from ..toolbelt.qgis_compat import scale_bar_fit_width

log = get_logger("layers.report")

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 12.0
CHART_TOP_N = 15
DEFAULT_THRESHOLD_PCT = 50.0
MAX_LISTED_ZONES = 40  # low-coverage zones named on page 2 (the table marks every one)
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")
LATIN_FAMILIES = ("DejaVu Sans", "Liberation Sans", "Arial", "Helvetica")
CHINA_ALBERS = "+proj=aea +lat_0=0 +lon_0=105 +lat_1=25 +lat_2=47 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"


class ReportError(Exception):
    """The report cannot be made; the message is worded for the user (translated)."""


@dataclass
class ReportOptions:
    title: str = ""  # default: "Impervious surface report – <zones>"
    threshold_pct: float = DEFAULT_THRESHOLD_PCT  # valid coverage below this is flagged
    top_n: int = CHART_TOP_N
    date: Optional[datetime.date] = None  # default: today
    map_layers: Sequence = ()  # shown under the zones (e.g. the CISC rasters), top first


# -- the result ------------------------------------------------------------------------------
def _is_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" for ch in str(text))


def _num(value) -> Optional[float]:
    from ..gui.result_builder import null_to_none

    return null_to_none(value)


def default_name_field(layer: QgsVectorLayer) -> str:
    """The field that names the zones: "name" (any case), else the first text field, else ""."""
    fields = layer.fields()
    for field in fields:
        if field.name().lower() in ("name", "zone", "zone_name", "名称"):
            return field.name()
    for field in fields:
        if field.typeName().lower() in ("string", "text", "varchar") or "char" in field.typeName().lower():
            return field.name()
    return ""


def detect_analysis(field_names: Sequence[str], year: str = "2022") -> Tuple[str, dict]:
    """(analysis, {canonical prefix: layer prefix}) of a statistics layer's fields; ReportError
    when the layer holds neither zonal nor change statistics."""
    from ..gui.results import ANALYSIS_BOTH, ANALYSIS_CHANGE, PREFIX_2020, PREFIX_2022, PREFIX_CHANGE

    names = set(field_names)
    change = [n[: -len("net_km2")] for n in names if n.endswith("net_km2")
              and n[: -len("net_km2")] + "gain_km2" in names and n[: -len("net_km2")] + "t11_km2" in names]
    if change:
        prefix = PREFIX_CHANGE if PREFIX_CHANGE in change else sorted(change, key=len)[0]
        return ANALYSIS_CHANGE, {PREFIX_CHANGE: prefix}
    zonal = sorted(n[: -len("imperv_pct")] for n in names if n.endswith("imperv_pct")
                   and n[: -len("imperv_pct")] + "imperv_km2" in names
                   and n[: -len("imperv_pct")] + "valid_pct" in names)
    if not zonal:
        raise ReportError(tr(
            "The layer holds no CISC statistics (fields such as imperv_km2, imperv_pct or net_km2): choose the "
            "output of Zonal statistics or Change statistics."))
    by_year = {}
    for prefix in zonal:
        if "2020" in prefix:
            by_year.setdefault("2020", prefix)
        elif "2022" in prefix:
            by_year.setdefault("2022", prefix)
    if "2020" in by_year and "2022" in by_year:
        return ANALYSIS_BOTH, {PREFIX_2020: by_year["2020"], PREFIX_2022: by_year["2022"]}
    if by_year:
        found = next(iter(by_year))
        return found, {PREFIX_2020 if found == "2020" else PREFIX_2022: by_year[found]}
    prefix = "" if "" in zonal else zonal[0]
    year = "2020" if str(year) == "2020" else "2022"
    return year, {PREFIX_2020 if year == "2020" else PREFIX_2022: prefix}


def result_from_layer(layer: QgsVectorLayer, name_field: str = "", year: str = "2022", zones_name: str = ""):
    """A ResultSet of a statistics layer (cisc:zonalstatistics / cisc:changestatistics output,
    or a dock result layer). year: the year of a one-year layer whose field names do not say it."""
    from ..gui.result_builder import text_of
    from ..gui.results import ResultSet, columns_for

    if layer is None or not layer.isValid():
        raise ReportError(tr("The statistics layer cannot be opened."))
    analysis, prefixes = detect_analysis(layer.fields().names(), year)
    columns = columns_for(analysis)
    name_field = name_field if name_field and layer.fields().indexOf(name_field) >= 0 else default_name_field(layer)
    name_index = layer.fields().indexOf(name_field) if name_field else -1
    labels, rows = [], []
    for number, feature in enumerate(layer.getFeatures(QgsFeatureRequest()), start=1):
        attributes = feature.attributes()
        label = text_of(attributes[name_index]) if name_index >= 0 else ""
        labels.append(label or tr("Zone {n}").format(n=number))
        row = {}
        for column in columns:
            canonical = column.key[: -len(column.field)]
            index = layer.fields().indexOf(prefixes.get(canonical, canonical) + column.field)
            row[column.key] = _num(attributes[index]) if index >= 0 else None
        rows.append(row)
    if not rows:
        raise ReportError(tr("The statistics layer holds no zones."))
    return ResultSet(analysis=analysis, zone_labels=labels, rows=rows, columns=columns, label_header=tr("Zone"),
                     layer=layer, zones_name=zones_name or layer.name(), key_field=name_field or "")


# -- fonts and items ---------------------------------------------------------------------------
def font_family(chinese: bool) -> str:
    """A family QGIS can draw the report's text with: a CJK one for Chinese."""
    families = set(QFontDatabase().families())
    for name in (CJK_FAMILIES + LATIN_FAMILIES) if chinese else (LATIN_FAMILIES + CJK_FAMILIES):
        if name in families:
            return name
    return QFont().family()


class _Builder:
    def __init__(self, layout: QgsPrintLayout, family: str):
        self.layout = layout
        self.family = family

    def font(self, size: float, bold: bool = False) -> QFont:
        font = QFont(self.family)
        font.setPointSizeF(size)
        font.setBold(bold)
        return font

    def text_format(self, size: float, bold: bool = False) -> QgsTextFormat:
        text_format = QgsTextFormat.fromQFont(self.font(size, bold))
        text_format.setSize(size)
        text_format.setSizeUnit(QgsUnitTypes.RenderUnit.RenderPoints)
        return text_format

    def label(self, page: int, text: str, x: float, y: float, w: float, h: float, size: float = 9,
              bold: bool = False, color: str = "#000000", item_id: str = "") -> QgsLayoutItemLabel:
        label = QgsLayoutItemLabel(self.layout)
        label.setText(text)
        if hasattr(label, "setTextFormat"):  # QGIS >= 3.24
            text_format = self.text_format(size, bold)
            text_format.setColor(QColor(color))
            label.setTextFormat(text_format)
        else:
            label.setFont(self.font(size, bold))
            label.setFontColor(QColor(color))
        label.setVAlign(Qt.AlignmentFlag.AlignTop)
        label.setHAlign(Qt.AlignmentFlag.AlignLeft)
        label.setMarginX(0)
        label.setMarginY(0)
        self.layout.addLayoutItem(label)
        self.place(label, page, x, y, w, h)
        if item_id:
            label.setId(item_id)
        return label

    def place(self, item, page: int, x: float, y: float, w: float, h: float) -> None:
        item.attemptResize(QgsLayoutSize(w, h, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
        item.attemptMove(QgsLayoutPoint(x, y, QgsUnitTypes.LayoutUnit.LayoutMillimeters), True, False, page)

    def add_page(self) -> int:
        page = QgsLayoutItemPage(self.layout)
        page.setPageSize("A4", QgsLayoutItemPage.Orientation.Landscape)
        self.layout.pageCollection().addPage(page)
        return self.layout.pageCollection().pageCount() - 1


# -- texts ------------------------------------------------------------------------------------
def _fmt_area(value: Optional[float]) -> str:
    return "–" if value is None else f"{round(value, 4) + 0.0:.4f}"


def _fmt_pct(value: Optional[float]) -> str:
    return "–" if value is None else f"{round(value, 2) + 0.0:.2f}"


def headline(result) -> Tuple[str, str]:
    """(result key the map is shaded by, its legend title)."""
    from ..gui.result_layer import headline_field
    from ..gui.results import ANALYSIS_CHANGE

    key = headline_field(result)
    if result.analysis == ANALYSIS_CHANGE:
        return key, tr("Net change of impervious area 2020 → 2022 (km²)")
    year = key[1:5]
    return key, tr("Impervious share of the valid area {year} (%)").format(year=year)


def area_key(result) -> str:
    """The key the table is sorted by (impervious area of the later year)."""
    from ..gui.results import default_sort_key

    return default_sort_key(result.analysis)


def table_columns(result) -> List[Tuple[str, str]]:
    """(result key, header) of the table's number columns."""
    from ..gui.results import ANALYSIS_BOTH, ANALYSIS_CHANGE, PREFIX_2020, PREFIX_2022, PREFIX_CHANGE

    if result.analysis == ANALYSIS_CHANGE:
        p = PREFIX_CHANGE
        return [
            (p + "imperv_from_km2", tr("Impervious 2020 (km²)")),
            (p + "imperv_to_km2", tr("Impervious 2022 (km²)")),
            (p + "gain_km2", tr("Gain (km²)")),
            (p + "loss_km2", tr("Loss (km²)")),
            (p + "net_km2", tr("Net change (km²)")),
            (p + "growth_pct", tr("Growth (%)")),
            (p + "valid_pct", tr("Valid coverage (%)")),
        ]
    if result.analysis == ANALYSIS_BOTH:
        return [
            (PREFIX_2020 + "imperv_km2", tr("Impervious area {year} (km²)").format(year=2020)),
            (PREFIX_2022 + "imperv_km2", tr("Impervious area {year} (km²)").format(year=2022)),
            (PREFIX_2020 + "imperv_pct", tr("Impervious share {year} (%)").format(year=2020)),
            (PREFIX_2022 + "imperv_pct", tr("Impervious share {year} (%)").format(year=2022)),
            (PREFIX_2022 + "valid_pct", tr("Valid coverage {year} (%)").format(year=2022)),
        ]
    p = PREFIX_2020 if result.analysis == "2020" else PREFIX_2022
    return [
        (p + "imperv_km2", tr("Impervious area (km²)")),
        (p + "imperv_pct", tr("Impervious share (%)")),
        (p + "valid_km2", tr("Valid area (km²)")),
        (p + "valid_pct", tr("Valid coverage (%)")),
        (p + "veg_km2", tr("Vegetation, ref. (km²)")),
        (p + "water_km2", tr("Water, ref. (km²)")),
    ]


def sorted_rows(result) -> List[int]:
    """Row indices by impervious area, largest first (NULL last)."""
    key = area_key(result)
    present = [r for r in range(len(result)) if result.rows[r].get(key) is not None]
    missing = [r for r in range(len(result)) if result.rows[r].get(key) is None]
    return sorted(present, key=lambda r: -float(result.rows[r][key])) + missing


def table_rows(result, threshold_pct: float) -> Tuple[List[str], List[List[str]]]:
    """(headers, rows of text) of the report's table; a zone with low valid coverage ends in " *"."""
    columns = table_columns(result)
    headers = [tr("Zone")] + [header for _key, header in columns]
    rows = []
    for r in sorted_rows(result):
        label = str(result.zone_labels[r])
        if result.low_valid(r, threshold_pct):
            label += " *"
        cells = [label]
        for key, _header in columns:
            value = result.rows[r].get(key)
            cells.append(_fmt_pct(value) if key.endswith("_pct") else _fmt_area(value))
        rows.append(cells)
    return headers, rows


def _total(result, key: str) -> float:
    return sum(float(v) for v in result.values(key) if v is not None and not math.isnan(float(v)))


def key_figures(result) -> str:
    """The totals over all zones, one per line."""
    from ..gui.results import ANALYSIS_CHANGE, PREFIX_CHANGE

    lines = [tr("Zones: {n}").format(n=len(result))]
    if result.analysis == ANALYSIS_CHANGE:
        p = PREFIX_CHANGE
        before, after = _total(result, p + "imperv_from_km2"), _total(result, p + "imperv_to_km2")
        lines += [
            tr("Impervious area 2020: {area} km²").format(area=f"{before:,.2f}"),
            tr("Impervious area 2022: {area} km²").format(area=f"{after:,.2f}"),
            tr("Gain: {gain} km², loss: {loss} km², net: {net} km²").format(
                gain=f"{_total(result, p + 'gain_km2'):,.2f}", loss=f"{_total(result, p + 'loss_km2'):,.2f}",
                net=f"{_total(result, p + 'net_km2'):+,.2f}"),
        ]
        if before > 0:
            lines.append(tr("Growth: {pct} %").format(pct=f"{100.0 * (after - before) / before:+.2f}"))
        return "\n".join(lines)
    for column in result.columns:
        if column.field != "imperv_km2":
            continue
        prefix = column.key[: -len("imperv_km2")]
        area, valid = _total(result, column.key), _total(result, prefix + "valid_km2")
        share = f"{100.0 * area / valid:.2f}" if valid > 0 else "–"
        lines.append(tr("Impervious area {year}: {area} km² ({share} % of {valid} km² valid)").format(
            year=column.period, area=f"{area:,.2f}", share=share, valid=f"{valid:,.2f}"))
    return "\n".join(lines)


def notes_text() -> str:
    return "\n".join([
        tr("• Only valid pixels are counted: invalid pixels (outside China, or without enough 2 m imagery) "
           "are excluded; the valid coverage is the share of a zone's pixels that are valid."),
        tr("• Vegetation and water are auxiliary classes whose reliability is not guaranteed by the dataset's "
           "authors: for reference only."),
        tr("• The data are not clipped to coastlines or administrative boundaries; a pixel belongs to a zone "
           "when its centre lies inside it (30 m pixels, areas in km²)."),
    ])


def citation_text() -> str:
    return tr("Data: CISC, China Impervious Surface Cover (30 m). Please cite: {citation} DOI: {doi}").format(
        citation=CITATION, doi=DOI)


def low_coverage_text(result, threshold_pct: float) -> str:
    flagged = [r for r in sorted_rows(result) if result.low_valid(r, threshold_pct)]
    if not flagged:
        return tr("Valid coverage: every zone has a valid coverage of at least {threshold:g} %.").format(
            threshold=threshold_pct)
    names = [str(result.zone_labels[r]) for r in flagged[:MAX_LISTED_ZONES]]
    if len(flagged) > MAX_LISTED_ZONES:
        names.append(tr("and {n} more").format(n=len(flagged) - MAX_LISTED_ZONES))
    return tr("Valid coverage below {threshold:g} % in {n} of {total} zones (marked * in the table; their figures "
              "rest on a small part of their area): {zones}").format(
        threshold=threshold_pct, n=len(flagged), total=len(result), zones=", ".join(names))


# -- charts -------------------------------------------------------------------------------------
def chart_kinds(result) -> List[str]:
    from ..gui.charts import CHART_COMPOSITION, CHART_GAIN_LOSS, CHART_IMPERVIOUS, CHART_TRANSITIONS
    from ..gui.results import ANALYSIS_CHANGE

    if result.analysis == ANALYSIS_CHANGE:
        return [CHART_GAIN_LOSS, CHART_TRANSITIONS]
    return [CHART_IMPERVIOUS, CHART_COMPOSITION]


def chart_pngs(result, folder: str, size_mm: Tuple[float, float], top_n: int) -> List[str]:
    """PNG files of the report's charts (empty when matplotlib is missing)."""
    try:
        from ..gui import charts
    except Exception as error:  # noqa: BLE001  # charts are optional: the table has every figure
        log.info("No charts in the report: %s", error)
        return []
    paths = []
    for kind in chart_kinds(result):
        try:
            figure = charts.make_figure(kind, result, top_n=top_n,
                                        figsize=(size_mm[0] / 25.4, size_mm[1] / 25.4), dpi=100)
            paths.append(str(charts.save_png(figure, os.path.join(folder, f"{kind}.png"), dpi=200)))
        except Exception as error:  # noqa: BLE001  # one chart missing is no reason to stop the report
            log.warning("Chart %s not drawn for the report: %s", kind, error)
    return paths


def embedded_picture_path(png: str) -> str:
    """The picture as a "base64:" path: the layout keeps it when the temporary file is gone."""
    with open(png, "rb") as handle:
        return "base64:" + base64.b64encode(handle.read()).decode("ascii")


# -- map -------------------------------------------------------------------------------------------
def styled_copy(result, layer_title: str) -> QgsVectorLayer:
    """A memory copy of the result layer, shaded by the headline field (the user's layer keeps its style)."""
    from ..gui.result_layer import style_result_layer

    copy = result.layer.materialize(QgsFeatureRequest())
    copy.setName(layer_title)
    key, _title = headline(result)
    if copy.fields().indexOf(key) < 0:  # a processing output: its fields lack the dock's prefix
        from ..toolbelt.qgis_compat import FIELD_DOUBLE, new_field

        copy.startEditing()
        copy.addAttribute(new_field(key, FIELD_DOUBLE))
        index = copy.fields().indexOf(key)
        for row, feature in enumerate(copy.getFeatures()):
            copy.changeAttributeValue(feature.id(), index, result.rows[row].get(key))
        copy.commitChanges()
    style_result_layer(copy, result)
    renderer = copy.renderer()
    from ..gui.results import ANALYSIS_CHANGE

    if result.analysis != ANALYSIS_CHANGE and hasattr(renderer, "classificationMethod") \
            and renderer.classificationMethod() is not None:  # net change keeps its signed labels
        renderer.classificationMethod().setLabelPrecision(2)
        renderer.updateRangeLabels()
    copy.setOpacity(0.85)
    return copy


def _map_crs(layer) -> QgsCoordinateReferenceSystem:
    crs = layer.crs()
    if crs.isValid() and not crs.isGeographic():
        return crs
    return QgsCoordinateReferenceSystem.fromProj(CHINA_ALBERS)


# -- the layout ---------------------------------------------------------------------------------
def build_layout(result, options: Optional[ReportOptions] = None, project: Optional[QgsProject] = None,
                 work_folder: Optional[str] = None, map_layer: Optional[QgsVectorLayer] = None) -> QgsPrintLayout:
    """The report as a print layout (not added to any project). work_folder receives the chart
    PNGs (they are embedded in the layout, the folder may go afterwards). map_layer: the layer
    drawn on the map (default: a styled copy of the result layer, kept alive by the layout)."""
    from ..gui.results import analysis_label

    options = options or ReportOptions()
    project = project or QgsProject.instance()
    if result is None or len(result) == 0:
        raise ReportError(tr("There are no results to report."))
    texts = [tr("Zone")] + list(result.zone_labels)
    family = font_family(_is_cjk("".join(texts[:1])) or any(_is_cjk(t) for t in texts))
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.pageCollection().page(0).setPageSize("A4", QgsLayoutItemPage.Orientation.Landscape)
    title = options.title or tr("Impervious surface report – {zones}").format(zones=result.zones_name or tr("zones"))
    layout.setName(title)
    b = _Builder(layout, family)
    date = (options.date or datetime.date.today()).isoformat()
    width = PAGE_W - 2 * MARGIN

    # page 1: map, legend, scale bar, key figures, notes, citation
    b.label(0, title, MARGIN, 9, width, 10, size=17, bold=True, item_id="title")
    b.label(0, tr("{analysis} · {n} zones · made on {date} with the CISC plugin for QGIS").format(
        analysis=analysis_label(result.analysis), n=len(result), date=date),
        MARGIN, 20, width, 6, size=9, color="#444444", item_id="subtitle")
    key, legend_title = headline(result)
    shown = map_layer if map_layer is not None else styled_copy(result, legend_title)
    if map_layer is None:
        layout._cisc_keep = [shown]  # the layout's map needs the layer alive as long as the layout
    map_item = QgsLayoutItemMap(layout)
    map_item.setId("map")
    layout.addLayoutItem(map_item)
    b.place(map_item, 0, MARGIN, 28, 180, 160)
    map_item.setCrs(_map_crs(shown))
    map_item.setLayers([shown] + [layer for layer in options.map_layers if layer is not None])
    map_item.setKeepLayerSet(True)
    extent = shown.extent()
    if shown.crs().isValid() and shown.crs() != map_item.crs():
        extent = QgsCoordinateTransform(shown.crs(), map_item.crs(), project.transformContext()).transformBoundingBox(extent)
    extent.scale(1.04)
    map_item.zoomToExtent(extent)
    map_item.setFrameEnabled(True)
    map_item.setBackgroundColor(QColor("#ffffff"))

    legend = QgsLayoutItemLegend(layout)
    legend.setId("legend")
    layout.addLayoutItem(legend)
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)
    root = legend.model().rootGroup()
    root.clear()
    root.addLayer(shown)
    legend.setTitle(tr("Legend"))
    for style, size, bold in ((QgsLegendStyle.Style.Title, 11, True), (QgsLegendStyle.Style.Subgroup, 9, True),
                              (QgsLegendStyle.Style.SymbolLabel, 9, False)):
        legend.setStyleFont(style, b.font(size, bold))
    legend.setWrapString("|")
    legend.setResizeToContents(True)
    b.place(legend, 0, 200, 28, 85, 50)
    legend.adjustBoxSize()
    legend.refresh()

    scale_bar = QgsLayoutItemScaleBar(layout)
    scale_bar.setId("scalebar")
    layout.addLayoutItem(scale_bar)
    scale_bar.setLinkedMap(map_item)
    scale_bar.setStyle("Single Box")
    scale_bar.setUnits(QgsUnitTypes.DistanceUnit.DistanceKilometers)
    scale_bar.setUnitLabel("km")
    scale_bar.setTextFormat(b.text_format(8))
    scale_bar.applyDefaultSize(QgsUnitTypes.DistanceUnit.DistanceKilometers)
    scale_bar.setNumberOfSegmentsLeft(0)
    scale_bar.setNumberOfSegments(3)
    scale_bar.setSegmentSizeMode(scale_bar_fit_width())
    scale_bar.setMinimumBarWidth(30)
    scale_bar.setMaximumBarWidth(60)
    scale_bar.update()
    scale_bar.attemptMove(QgsLayoutPoint(MARGIN, 190, QgsUnitTypes.LayoutUnit.LayoutMillimeters), True, False, 0)

    b.label(0, tr("Key figures"), 200, 98, 85, 6, size=11, bold=True, item_id="figures_title")
    b.label(0, key_figures(result), 200, 105, 85, 30, size=8.5, item_id="figures")
    b.label(0, tr("What the figures mean"), 200, 134, 85, 6, size=11, bold=True, item_id="notes_title")
    b.label(0, notes_text(), 200, 141, 85, 44, size=7.5, item_id="notes")
    b.label(0, citation_text(), 200, 186, 85, 14, size=6.5, color="#333333", item_id="citation")

    # page 2: charts and low valid coverage
    page = b.add_page()
    b.label(page, tr("Charts"), MARGIN, 9, width, 9, size=14, bold=True)
    chart_w, chart_h = (width - 8) / 2, 150.0
    folder = work_folder or tempfile.mkdtemp(prefix="cisc_report_")
    pngs = chart_pngs(result, folder, (chart_w, chart_h), options.top_n)
    if not pngs:
        b.label(page, tr("The charts need matplotlib, which could not be loaded; the table has every figure."),
                MARGIN, 22, width, 10, size=9)
    for index, png in enumerate(pngs[:2]):
        picture = QgsLayoutItemPicture(layout)
        picture.setId(f"chart_{index + 1}")
        layout.addLayoutItem(picture)
        picture.setPicturePath(embedded_picture_path(png), QgsLayoutItemPicture.Format.FormatRaster)
        picture.setResizeMode(QgsLayoutItemPicture.ResizeMode.Zoom)
        b.place(picture, page, MARGIN + index * (chart_w + 8), 20, chart_w, chart_h)
    b.label(page, low_coverage_text(result, options.threshold_pct), MARGIN, 174, width, 14, size=8,
            item_id="low_coverage")
    b.label(page, citation_text(), MARGIN, 192, width, 8, size=6.5, color="#333333")

    # page 3+: the table (as many pages as it needs)
    page = b.add_page()
    b.label(page, tr("Statistics per zone, by impervious area"), MARGIN, 9, width, 9, size=14, bold=True)
    b.label(page, tr("Areas in km² to 0.0001 km², shares in % to 0.01 %; * valid coverage below {threshold:g} %; "
                     "– no value.").format(threshold=options.threshold_pct),
            MARGIN, 18, width, 5, size=8, color="#444444")
    headers, rows = table_rows(result, options.threshold_pct)
    table = QgsLayoutItemManualTable.create(layout)
    layout.addMultiFrame(table)
    columns = []
    for index, header in enumerate(headers):
        column = QgsLayoutTableColumn(header)
        column.setHAlignment(Qt.AlignmentFlag.AlignLeft if index == 0 else Qt.AlignmentFlag.AlignRight)
        columns.append(column)
    table.setHeaders(columns)
    contents = []
    for row in rows:
        cells = []
        for index, text in enumerate(row):
            cell = QgsTableCell(text)
            cell.setHorizontalAlignment(Qt.AlignmentFlag.AlignLeft if index == 0 else Qt.AlignmentFlag.AlignRight)
            cells.append(cell)
        contents.append(cells)
    table.setTableContents(contents)
    table.setIncludeTableHeader(True)
    table.setHeaderTextFormat(b.text_format(8, True))
    table.setContentTextFormat(b.text_format(8))
    table.setHeaderHAlignment(QgsLayoutTable.HeaderHAlignment.FollowColumn)
    table.setShowGrid(True)
    table.setWrapBehavior(QgsLayoutTable.WrapBehavior.WrapText)  # long headers wrap, never clipped
    table.setGridStrokeWidth(0.15)
    table.setGridColor(QColor("#999999"))
    margin, stroke = 1.2, 0.15
    table.setCellMargin(margin)
    # column widths exclude the cell margins and grid lines: the whole table spans the page's width
    usable = width - len(headers) * 2 * margin - (len(headers) + 1) * stroke - 1.0
    zone_width = min(50.0, usable * 0.22)
    others = (usable - zone_width) / max(1, len(headers) - 1)
    table.setColumnWidths([zone_width] + [others] * (len(headers) - 1))
    frame = QgsLayoutFrame(layout, table)
    frame.setId("table")
    b.place(frame, page, MARGIN, 25, width, PAGE_H - 25 - MARGIN)
    table.addFrame(frame)
    table.setResizeMode(QgsLayoutMultiFrame.ResizeMode.RepeatUntilFinished)
    table.recalculateFrameSizes()
    return layout


def _pdf_settings():
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.dpi = 200
    settings.rasterizeWholeImage = False
    settings.forceVectorOutput = False
    settings.appendGeoreference = False
    settings.exportMetadata = True
    try:
        from qgis.core import Qgis

        settings.textRenderFormat = Qgis.TextRenderFormat.AlwaysText  # QGIS >= 3.28
    except AttributeError:
        from qgis.core import QgsRenderContext

        settings.textRenderFormat = QgsRenderContext.TextRenderFormat.TextFormatAlwaysText
    return settings


def check_pdf_path(path: str) -> None:
    """ReportError unless the output is a .pdf file (core.outputs' one extension rule)."""
    from ..core.errors import CiscError
    from ..core.outputs import PDF_EXTENSIONS, check_extension
    from ..toolbelt.i18n import tr_message

    try:
        check_extension(path, PDF_EXTENSIONS)
    except CiscError as error:
        raise ReportError(tr_message(error.args[0])) from None


def export_pdf(layout: QgsPrintLayout, path: str) -> str:
    """Write the layout as PDF to path: into a temporary file beside it, moved into place once
    complete (an existing file is left as it was on failure). Returns the absolute path."""
    from ..core.outputs import make_output_folder, write_error

    target = os.path.abspath(path)
    folder = make_output_folder(target)
    temporary = os.path.join(folder, f".{os.path.basename(target)}.{uuid.uuid4().hex[:8]}.part.pdf")
    try:
        outcome = QgsLayoutExporter(layout).exportToPdf(temporary, _pdf_settings())
        if outcome != QgsLayoutExporter.ExportResult.Success:
            detail = {
                QgsLayoutExporter.ExportResult.FileError: "file error",
                QgsLayoutExporter.ExportResult.PrintError: "print error",
                QgsLayoutExporter.ExportResult.MemoryError: "out of memory",
            }.get(outcome, f"export result {int(outcome)}")
            raise write_error(target, detail)
        with open(temporary, "rb") as handle:
            if handle.read(5) != b"%PDF-":
                raise write_error(target, "the written file is not a PDF")
        os.replace(temporary, target)
    except OSError as error:
        raise write_error(target, error.strerror or str(error), error.errno) from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return target


def write_report(result, path: str, options: Optional[ReportOptions] = None, project: Optional[QgsProject] = None,
                 add_to_project: bool = False, map_layer: Optional[QgsVectorLayer] = None):
    """Build the layout, export it to path (PDF); with add_to_project the layout is added to the
    project's layout manager (Project > Layouts), replacing one of the same name.
    Returns (absolute path, layout)."""
    project = project or QgsProject.instance()
    check_pdf_path(path)
    with tempfile.TemporaryDirectory(prefix="cisc_report_") as folder:
        layout = build_layout(result, options, project, folder, map_layer)
        written = export_pdf(layout, path)
    if add_to_project:
        manager = project.layoutManager()
        old = manager.layoutByName(layout.name())
        if old is not None:
            manager.removeLayout(old)
        manager.addLayout(layout)
    return written, layout
