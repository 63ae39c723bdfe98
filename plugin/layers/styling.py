"""Styles of the CISC layers: classes, "impervious only", valid-mask overlay, acquisition dates.

The same functions style the layers the plugin adds and write the .qml files shipped in
resources/styles (tools/generate_styles.py), so the two never drift apart.
"""

from __future__ import annotations

import datetime as _dt
from typing import Dict, Iterable, List, Sequence, Tuple

from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsMapLayer,
    QgsPalettedRasterRenderer,
    QgsRasterLayer,
    QgsRendererCategory,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from ..core import dataset
from ..core.dates import find_date_field, parse_acquisition_date
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger

log = get_logger("layers.styling")

# Custom properties the plugin sets on its layers
PROP_KIND = "cisc_impervious/kind"  # "cisc" | "mask" | "dates"
PROP_YEAR = "cisc_impervious/year"
PROP_STYLE = "cisc_impervious/style"  # "classes" | "impervious_only" | "valid_mask" | "dates"
PROP_DATE_FIELD = "cisc_impervious/date_field"

STYLE_CLASSES = "classes"
STYLE_IMPERVIOUS_ONLY = "impervious_only"
STYLE_VALID_MASK = "valid_mask"
STYLE_DATES = "dates"

MASK_INVALID_COLOR = QColor(110, 110, 110, 150)  # grey, semi-transparent
DATE_FILL_ALPHA = 40  # of 255: the classes stay readable under the date polygons
DATE_OUTLINE_WIDTH_MM = 0.4

# Colour families of the acquisition years; months go from light (January) to dark (December).
_YEAR_HUES = {2018: 300, 2019: 270, 2020: 30, 2021: 170, 2022: 215, 2023: 0, 2024: 90}


def class_label(info: dataset.ClassInfo) -> str:
    """ "Impervious surface / 不透水面": English and Chinese, always both."""
    return f"{info.label_en} / {info.label_zh}"


def class_entries(impervious_only: bool = False) -> List[Tuple[int, QColor, str]]:
    entries = []
    for info in dataset.CLASSES:
        if impervious_only and info.code != dataset.IMPERVIOUS:
            continue
        entries.append((info.code, QColor(info.color), class_label(info)))
    return entries


def mask_entries() -> List[Tuple[int, QColor, str]]:
    valid = QColor(255, 255, 255, 0)
    return [
        (0, QColor(MASK_INVALID_COLOR), "No valid data (class 0 is not bare land here) / 无有效数据"),
        (1, valid, "Valid / 有效"),
    ]


def _paletted(layer: QgsRasterLayer, entries: Sequence[Tuple[int, QColor, str]]) -> QgsPalettedRasterRenderer:
    classes = [QgsPalettedRasterRenderer.Class(value, color, label) for value, color, label in entries]
    return QgsPalettedRasterRenderer(layer.dataProvider(), 1, classes)


def _keep_zero_visible(layer: QgsRasterLayer) -> None:
    """A source nodata tag of 0..3 would hide a class (or the mask's invalid 0): ignore it."""
    provider = layer.dataProvider()
    if provider is None or not provider.sourceHasNoDataValue(1):
        return
    value = provider.sourceNoDataValue(1)
    if value == value and 0 <= value <= 3:
        provider.setUseSourceNoDataValue(1, False)


def style_classes(layer: QgsRasterLayer, impervious_only: bool = False) -> None:
    """Paletted classes; with impervious_only, every class but impervious is transparent."""
    _keep_zero_visible(layer)
    layer.setRenderer(_paletted(layer, class_entries(impervious_only)))
    layer.setCustomProperty(PROP_STYLE, STYLE_IMPERVIOUS_ONLY if impervious_only else STYLE_CLASSES)
    layer.triggerRepaint()
    layer.emitStyleChanged()


def style_valid_mask(layer: QgsRasterLayer) -> None:
    """Invalid (0) grey and semi-transparent; valid (non-zero) transparent."""
    _keep_zero_visible(layer)
    layer.setRenderer(_paletted(layer, mask_entries()))
    layer.setCustomProperty(PROP_STYLE, STYLE_VALID_MASK)
    layer.triggerRepaint()
    layer.emitStyleChanged()


def is_cisc_class_layer(layer) -> bool:
    if not isinstance(layer, QgsRasterLayer) or not layer.isValid():
        return False
    if layer.customProperty(PROP_KIND) == "cisc":
        return True
    if layer.customProperty(PROP_KIND):  # a mask or another layer of ours
        return False
    import os

    source = layer.source().split("|")[0]
    name = os.path.basename(source.split("url=")[-1].split("%2F")[-1])
    kind_year = dataset.classify_file_name(name)
    return kind_year is not None and kind_year[0] == "cisc" and layer.bandCount() == 1


def apply_impervious_only_to_active_layer(iface) -> bool:
    """One click: the active CISC layer shows impervious surface only (again: all classes)."""
    layer = iface.activeLayer() if iface is not None else None
    bar = iface.messageBar() if iface is not None and hasattr(iface, "messageBar") else None
    if not is_cisc_class_layer(layer):
        if bar is not None:
            bar.pushWarning(
                tr("CISC"),
                tr("Select a CISC classification layer (cisc_2020.tif or cisc_2022.tif) in the Layers panel first."),
            )
        return False
    impervious_only = layer.customProperty(PROP_STYLE) != STYLE_IMPERVIOUS_ONLY
    style_classes(layer, impervious_only=impervious_only)
    if hasattr(iface, "layerTreeView") and iface.layerTreeView() is not None:
        iface.layerTreeView().refreshLayerSymbology(layer.id())
    if bar is not None:
        bar.pushInfo(
            tr("CISC"),
            (tr("{name}: impervious surface only.") if impervious_only else tr("{name}: all classes.")).format(
                name=layer.name()
            ),
        )
    return True


# ---------------------------------------------------------------------------------------
# Acquisition dates


def _quoted(field_name: str) -> str:
    return '"' + field_name.replace('"', '""') + '"'


def _date_kind(field) -> str:
    """ "date", "datetime" or "" (by type name: works with QVariant (Qt5) and QMetaType (Qt6) types)."""
    if field is None:
        return ""
    name = (field.typeName() or "").strip().lower()
    if name in ("date", "qdate"):
        return "date"
    if name in ("datetime", "qdatetime", "timestamp"):
        return "datetime"
    return ""


def _is_date_type(field) -> bool:
    return bool(_date_kind(field))


def date_text_expression(field_name: str, is_date_type: bool = False, part: str = "day") -> str:
    """A QGIS expression giving 'YYYY-MM-DD' (part="day") or 'YYYY-MM' (part="month").

    Lenient like core.dates.parse_acquisition_date: Date fields, 20200915 (text or integer),
    2020-09-15, 2020/9/15, 2020.09.15, 2020-09-15T10:00; NULL when unreadable.
    """
    quoted = _quoted(field_name)
    if is_date_type:
        return f"format_date({quoted}, '{'yyyy-MM-dd' if part == 'day' else 'yyyy-MM'}')"
    day8 = " || '-' || substr(@d, 7, 2)" if part == "day" else ""
    dayx = " || '-' || lpad(regexp_substr(@d, '^[0-9]{4}-[0-9]{1,2}-([0-9]{1,2})'), 2, '0')" if part == "day" else ""
    return (
        f"with_variable('d', regexp_replace(trim(to_string({quoted})), '[^0-9]+', '-'), "
        f"if(regexp_match(@d, '^[0-9]{{8}}'), left(@d, 4) || '-' || substr(@d, 5, 2){day8}, "
        f"if(regexp_match(@d, '^[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}'), "
        f"left(@d, 4) || '-' || lpad(regexp_substr(@d, '^[0-9]{{4}}-([0-9]{{1,2}})'), 2, '0'){dayx}, NULL)))"
    )


def month_color(year: int, month: int, fill_alpha: int = 255) -> QColor:
    hue = _YEAR_HUES.get(int(year), (int(year) * 47) % 360)
    lightness = int(200 - (int(month) - 1) * (200 - 70) / 11)  # light in January, dark in December
    color = QColor.fromHsl(hue, 200, lightness)
    color.setAlpha(fill_alpha)
    return color


def _month_name(month: int) -> str:
    return _dt.date(2000, int(month), 1).strftime("%b")


def date_categories(months: Iterable[Tuple[int, int]], with_other: bool = True) -> List[QgsRendererCategory]:
    categories = []
    for year, month in sorted(set(months)):
        fill = month_color(year, month, DATE_FILL_ALPHA)
        outline = month_color(year, month)
        symbol = QgsFillSymbol.createSimple(
            {
                "color": f"{fill.red()},{fill.green()},{fill.blue()},{fill.alpha()}",
                "outline_color": f"{outline.red()},{outline.green()},{outline.blue()},255",
                "outline_width": str(DATE_OUTLINE_WIDTH_MM),
                "outline_width_unit": "MM",
            }
        )
        key = f"{year:04d}-{month:02d}"
        categories.append(QgsRendererCategory(key, symbol, f"{key} ({_month_name(month)} {year})"))
    if with_other:
        symbol = QgsFillSymbol.createSimple(
            {
                "color": "150,150,150,40",
                "outline_color": "120,120,120,255",
                "outline_width": "0.2",
                "style": "b_diagonal",
            }
        )
        categories.append(QgsRendererCategory("", symbol, "Date unreadable / 日期无法识别"))
    return categories


def months_in_layer(layer: QgsVectorLayer, field_name: str) -> Tuple[List[Tuple[int, int]], int]:
    """(year, month) pairs found in the field (parsed like core.dates) and the unreadable count."""
    index = layer.fields().indexOf(field_name)
    months, unreadable = set(), 0
    for value in layer.uniqueValues(index):
        date = parse_acquisition_date(value)
        if date is None:
            unreadable += 1
        else:
            months.add((date.year, date.month))
    return sorted(months), unreadable


def detect_date_field(layer: QgsVectorLayer) -> str | None:
    return find_date_field([(f.name(), _date_kind(f) or f.typeName()) for f in layer.fields()])


def date_renderer(field_name: str, is_date_type: bool, months: Iterable[Tuple[int, int]], with_other: bool = True):
    expression = date_text_expression(field_name, is_date_type, part="month")
    return QgsCategorizedSymbolRenderer(expression, date_categories(months, with_other))


def map_tip_template(field_name: str, is_date_type: bool = False) -> str:
    day = date_text_expression(field_name, is_date_type, part="day")
    return (
        "<p><b>Acquisition date of the 2 m imagery / 2米影像获取日期</b><br/>"
        f"[% coalesce({day}, 'unreadable: ' || to_string({_quoted(field_name)})) %]</p>"
    )


def style_dates(layer: QgsVectorLayer, field_name: str | None = None) -> str | None:
    """Categories by year and month, legend, map tips showing the date. Returns the field used.

    Without a date field the layer gets a plain outline style and None is returned.
    """
    field_name = field_name or detect_date_field(layer)
    if not field_name or layer.fields().indexOf(field_name) < 0:
        symbol = QgsFillSymbol.createSimple(
            {"color": "0,0,0,0", "outline_color": "60,60,60,255", "outline_width": "0.3"}
        )
        from qgis.core import QgsSingleSymbolRenderer

        layer.setRenderer(QgsSingleSymbolRenderer(symbol))
        layer.setCustomProperty(PROP_STYLE, STYLE_DATES)
        log.warning(f"{layer.name()}: no acquisition-date field found (fields: {', '.join(layer.fields().names())}).")
        return None
    field = layer.fields().field(field_name)
    is_date = _is_date_type(field)
    months, unreadable = months_in_layer(layer, field_name)
    apply_date_style(layer, field_name, is_date, months, with_other=unreadable > 0 or not months)
    return field_name


def apply_date_style(layer: QgsVectorLayer, field_name: str, is_date: bool, months, with_other: bool = True) -> None:
    layer.setRenderer(date_renderer(field_name, is_date, months, with_other=with_other))
    layer.setMapTipTemplate(map_tip_template(field_name, is_date))
    layer.setDisplayExpression(date_text_expression(field_name, is_date, part="day"))
    layer.setCustomProperty(PROP_STYLE, STYLE_DATES)
    layer.setCustomProperty(PROP_DATE_FIELD, field_name)
    layer.triggerRepaint()
    layer.emitStyleChanged()


def default_style_months(years: Sequence[int] = (2019, 2020, 2021, 2022, 2023)) -> List[Tuple[int, int]]:
    """Months of the shipped acquisition_dates.qml (it cannot know the data)."""
    return [(year, month) for year in years for month in range(1, 13)]


def style_of(layer: QgsMapLayer) -> str | None:
    return layer.customProperty(PROP_STYLE)


def legend_labels(layer: QgsMapLayer) -> Dict[str, str]:
    """value/key -> label of the layer's current classes (for tests and docs)."""
    renderer = layer.renderer()
    if isinstance(renderer, QgsPalettedRasterRenderer):
        return {str(int(c.value)): c.label for c in renderer.classes()}
    if isinstance(renderer, QgsCategorizedSymbolRenderer):
        return {str(c.value()): c.label() for c in renderer.categories()}
    return {}
