"""Statistics results as the dock shows them: a sortable table model with units, low valid
coverage flags, copy to the clipboard and CSV / GeoPackage export.

A ResultSet is plain data (zone labels, one dict of values per zone, column descriptions)
plus the result layer holding the geometries; the table model is a view onto it.
Exports write a temporary file beside the target and rename it, so a failed or
interrupted export never leaves a half-written file under the user's name.
"""

import csv
import math
import os
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from qgis.core import QgsCoordinateTransformContext, QgsProject, QgsVectorFileWriter
from qgis.PyQt.QtCore import QAbstractTableModel, QModelIndex, Qt
from qgis.PyQt.QtGui import QBrush, QColor
from qgis.PyQt.QtWidgets import QApplication

from ..core.dataset import CLASS_CODES, CLASSES
from ..core.fields import CHANGE_FIELDS, PERCENT_FIELDS, ZONAL_FIELDS
from ..toolbelt.i18n import tr

# Analyses the dock offers.
ANALYSIS_2020 = "2020"
ANALYSIS_2022 = "2022"
ANALYSIS_BOTH = "both"
ANALYSIS_CHANGE = "change"
ANALYSES = (ANALYSIS_2020, ANALYSIS_2022, ANALYSIS_BOTH, ANALYSIS_CHANGE)

# Column prefixes of the result layer (COLUMN_PREFIX of the algorithms).
PREFIX_2020 = "y2020_"
PREFIX_2022 = "y2022_"
PREFIX_CHANGE = "chg_"

FLAG_ROLE = Qt.ItemDataRole.UserRole + 1  # bool: the row is flagged for low valid coverage
VALUE_ROLE = Qt.ItemDataRole.UserRole  # the raw value (float or None) / label text

FLAG_BRUSH = QBrush(QColor(255, 224, 178))
try:  # an int for the item delegate: PyQt5 flags convert with int(), PyQt6 enums have .value
    _ALIGN_NUMBERS = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
except TypeError:
    _ALIGN_NUMBERS = (Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value
_TRANSITION = re.compile(r"^t(\d)(\d)_km2$")


# Decimals of exported figures (CSV, clipboard): a 30 m pixel is 0.0009 km2, so 4 decimals keep
# every pixel count exact and drop float noise (3.8411999999999997 -> 3.8412); shares to 0.01 %.
# The GeoPackage keeps full precision.
AREA_DECIMALS = 4
PERCENT_DECIMALS = 2


def default_sort_key(analysis: str) -> str:
    """The column the table is sorted by after a run (descending): the impervious area."""
    return {
        ANALYSIS_2020: PREFIX_2020 + "imperv_km2",
        ANALYSIS_2022: PREFIX_2022 + "imperv_km2",
        ANALYSIS_BOTH: PREFIX_2022 + "imperv_km2",
        ANALYSIS_CHANGE: PREFIX_CHANGE + "imperv_to_km2",
    }[analysis]


def export_number(value, column: "ResultColumn") -> str:
    """A figure as written to CSV and the clipboard: rounded to what 30 m pixels support."""
    if value is None:
        return ""
    number = float(value)
    if math.isnan(number):
        return ""
    digits = PERCENT_DECIMALS if column.is_percent else AREA_DECIMALS
    return repr(round(number, digits) + 0.0)  # + 0.0: no "-0.0"


def analysis_label(analysis: str) -> str:
    return {
        ANALYSIS_2020: tr("Impervious surface 2020"),
        ANALYSIS_2022: tr("Impervious surface 2022"),
        ANALYSIS_BOTH: tr("Impervious surface 2020 and 2022"),
        ANALYSIS_CHANGE: tr("Change 2020 → 2022"),
    }[analysis]


def class_label(code: int) -> str:
    """The class's label in the user's language (labels come from core/dataset.py)."""
    return tr(CLASSES[code].label_en)


def class_short_label(code: int) -> str:
    return {
        0: tr("Bare land"),
        1: tr("Impervious"),
        2: tr("Vegetation"),
        3: tr("Water"),
    }[code]


def field_label(name: str) -> str:
    """Human label of an engine field, without its unit."""
    labels = {
        "valid_km2": tr("Valid area"),
        "invalid_km2": tr("Invalid area"),
        "valid_pct": tr("Valid coverage"),
        "bare_km2": tr("Bare land"),
        "imperv_km2": tr("Impervious area"),
        "veg_km2": tr("Vegetation (ref.)"),
        "water_km2": tr("Water (ref.)"),
        "imperv_pct": tr("Impervious share"),
        "imperv_from_km2": tr("Impervious 2020"),
        "imperv_to_km2": tr("Impervious 2022"),
        "gain_km2": tr("Gain"),
        "loss_km2": tr("Loss"),
        "net_km2": tr("Net change"),
        "growth_pct": tr("Growth"),
    }
    if name in labels:
        return labels[name]
    match = _TRANSITION.match(name)
    if match:  # t{a}{b}_km2
        a, b = int(match.group(1)), int(match.group(2))
        return tr("{from_class} → {to_class}").format(
            from_class=class_short_label(a), to_class=class_short_label(b)
        )
    return name


def unit_of(name: str) -> str:
    if name in PERCENT_FIELDS or name.endswith("_pct"):
        return "%"
    if name.endswith("_km2"):
        return "km²"
    return ""


@dataclass(frozen=True)
class ResultColumn:
    key: str  # attribute name in the result layer and in exports, e.g. "y2020_imperv_km2"
    field: str  # engine field, e.g. "imperv_km2"
    period: str  # "2020", "2022", "2020→2022"

    @property
    def unit(self) -> str:
        return unit_of(self.field)

    @property
    def is_percent(self) -> bool:
        return self.unit == "%"

    def header(self, with_period: bool = True) -> str:
        text = field_label(self.field)
        if with_period and self.period:
            text = f"{self.period} {text}"
        return f"{text} ({self.unit})" if self.unit else text


def columns_for(analysis: str) -> List[ResultColumn]:
    """The result columns of an analysis, in display order."""
    if analysis in (ANALYSIS_2020, ANALYSIS_2022):
        prefix = PREFIX_2020 if analysis == ANALYSIS_2020 else PREFIX_2022
        return [ResultColumn(prefix + f, f, analysis) for f in ZONAL_FIELDS]
    if analysis == ANALYSIS_BOTH:
        return [
            ResultColumn(prefix + f, f, year)
            for prefix, year in ((PREFIX_2020, "2020"), (PREFIX_2022, "2022"))
            for f in ZONAL_FIELDS
        ]
    if analysis == ANALYSIS_CHANGE:
        period = "2020→2022"
        main = [f for f in CHANGE_FIELDS if not _TRANSITION.match(f)]
        transitions = [f for f in CHANGE_FIELDS if f not in main]
        cols = [ResultColumn(PREFIX_CHANGE + f, f, period) for f in main]
        cols += [ResultColumn(PREFIX_CHANGE + f, f, period) for f in transitions]
        return cols
    raise ValueError(f"unknown analysis {analysis!r}")


@dataclass
class ResultSet:
    """The outcome of one dock run."""

    analysis: str
    zone_labels: List[str]
    rows: List[Dict[str, Optional[float]]]  # one per zone, keyed by ResultColumn.key
    columns: List[ResultColumn] = field(default_factory=list)
    label_header: str = ""
    layer: object = None  # QgsVectorLayer with geometries, zone attributes and the columns
    zones_name: str = ""
    key_field: str = ""  # attribute used as the zone label (and join key), "" if none

    def __post_init__(self):
        if not self.columns:
            self.columns = columns_for(self.analysis)
        if not self.label_header:
            self.label_header = tr("Zone")

    def __len__(self):
        return len(self.rows)

    def column(self, key: str) -> ResultColumn:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    def has_field(self, field_name: str, period: Optional[str] = None) -> bool:
        return any(c.field == field_name and (period is None or c.period == period) for c in self.columns)

    def values(self, key: str) -> List[Optional[float]]:
        return [row.get(key) for row in self.rows]

    def valid_pct_keys(self) -> List[str]:
        return [c.key for c in self.columns if c.field == "valid_pct"]

    def low_valid(self, row: int, threshold_pct: float) -> bool:
        """True when any of the row's valid coverages is below the threshold (or unknown)."""
        for key in self.valid_pct_keys():
            value = self.rows[row].get(key)
            if value is None or (isinstance(value, float) and math.isnan(value)) or value < threshold_pct:
                return True
        return False

    def transition_matrix(self, row: Optional[int] = None) -> List[List[float]]:
        """4 x 4 km2 matrix [from][to], for one zone or summed over all zones."""
        rows = self.rows if row is None else [self.rows[row]]
        matrix = [[0.0] * len(CLASS_CODES) for _ in CLASS_CODES]
        for values in rows:
            for a in CLASS_CODES:
                for b in CLASS_CODES:
                    v = values.get(f"{PREFIX_CHANGE}t{a}{b}_km2")
                    if v is not None:
                        matrix[a][b] += float(v)
        return matrix


def format_value(value, column: ResultColumn) -> str:
    if value is None:
        return "–"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(number):
        return "–"
    if column.is_percent:
        return f"{number:.2f}"
    if number != 0 and abs(number) < 0.01:
        return f"{number:.4f}"
    return f"{number:,.3f}"


class ResultsTableModel(QAbstractTableModel):
    """Column 0 is the zone label, then one column per ResultColumn. Sortable (NULL last)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._result: Optional[ResultSet] = None
        self._order: List[int] = []  # display row -> result row
        self._threshold = 50.0

    # -- data -------------------------------------------------------------
    def set_result(self, result: Optional[ResultSet]) -> None:
        self.beginResetModel()
        self._result = result
        self._order = list(range(len(result))) if result is not None else []
        self.endResetModel()

    def result(self) -> Optional[ResultSet]:
        return self._result

    def threshold(self) -> float:
        return self._threshold

    def set_threshold(self, threshold_pct: float) -> None:
        self._threshold = float(threshold_pct)
        if self.rowCount():
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
            )

    def result_row(self, display_row: int) -> int:
        return self._order[display_row]

    def is_flagged(self, display_row: int) -> bool:
        return self._result is not None and self._result.low_valid(self._order[display_row], self._threshold)

    def flagged_count(self) -> int:
        if self._result is None:
            return 0
        return sum(1 for i in range(len(self._result)) if self._result.low_valid(i, self._threshold))

    def value(self, display_row: int, key: str):
        return self._result.rows[self._order[display_row]].get(key)

    def label(self, display_row: int) -> str:
        return self._result.zone_labels[self._order[display_row]]

    # -- Qt model API -----------------------------------------------------
    def rowCount(self, parent=QModelIndex()):  # noqa: B008 (Qt's signature)
        if parent.isValid() or self._result is None:
            return 0
        return len(self._result)

    def columnCount(self, parent=QModelIndex()):  # noqa: B008 (Qt's signature)
        if parent.isValid() or self._result is None:
            return 0
        return 1 + len(self._result.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if self._result is None or orientation != Qt.Orientation.Horizontal:
            return super().headerData(section, orientation, role)
        if section == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return tr("Zone")
            if role == Qt.ItemDataRole.ToolTipRole:
                field_name = self._result.key_field or self._result.label_header
                return tr("Zone (field {field})").format(field=field_name) if field_name else tr("Zone")
            return None
        column = self._result.columns[section - 1]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header(with_period=self._result.analysis == ANALYSIS_BOTH)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{column.header()}\n{column.key}"
        if role == VALUE_ROLE:
            return column.key
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self._result is None:
            return None
        row = self._order[index.row()]
        flagged = self._result.low_valid(row, self._threshold)
        if index.column() == 0:
            label = self._result.zone_labels[row]
            if role in (Qt.ItemDataRole.DisplayRole, VALUE_ROLE):
                return ("⚠ " + label) if (flagged and role == Qt.ItemDataRole.DisplayRole) else label
        else:
            column = self._result.columns[index.column() - 1]
            value = self._result.rows[row].get(column.key)
            if role == Qt.ItemDataRole.DisplayRole:
                return format_value(value, column)
            if role == VALUE_ROLE:
                return value
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _ALIGN_NUMBERS
        if role == FLAG_ROLE:
            return flagged
        if role == Qt.ItemDataRole.BackgroundRole and flagged:
            return FLAG_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole and flagged:
            return tr(
                "Valid coverage below {threshold:g} %: the figures of this zone rest on a small "
                "part of its area (outside the valid mask, or outside the raster)."
            ).format(threshold=self._threshold)
        return None

    def sort(self, column, order=Qt.SortOrder.AscendingOrder):
        if self._result is None:
            return
        self.layoutAboutToBeChanged.emit()
        reverse = order == Qt.SortOrder.DescendingOrder
        if column == 0:
            labels = self._result.zone_labels
            self._order.sort(key=lambda r: str(labels[r]).casefold(), reverse=reverse)
        else:
            key = self._result.columns[column - 1].key
            rows = self._result.rows

            def number(r):
                v = rows[r].get(key)
                if v is None or (isinstance(v, float) and math.isnan(v)):
                    return None
                return float(v)

            present = [r for r in self._order if number(r) is not None]
            missing = [r for r in self._order if number(r) is None]
            present.sort(key=number, reverse=reverse)
            self._order = present + missing  # NULL always last
        self.layoutChanged.emit()

    # -- text export ------------------------------------------------------
    def as_rows(self, display_rows: Optional[Sequence[int]] = None, *, raw: bool = True):
        """Header plus rows (display order) as lists of strings."""
        if self._result is None:
            return []
        display_rows = range(self.rowCount()) if display_rows is None else display_rows
        header = [self._result.key_field or "zone"] + [c.key for c in self._result.columns]
        out = [header]
        for d in display_rows:
            r = self._order[d]
            line = [str(self._result.zone_labels[r])]
            for c in self._result.columns:
                v = self._result.rows[r].get(c.key)
                line.append(export_number(v, c) if raw else ("" if v is None else format_value(v, c)))
            out.append(line)
        return out

    def copy_to_clipboard(self, display_rows: Optional[Sequence[int]] = None) -> str:
        """Copy (selected or all) rows as tab-separated text with a header; return the text."""
        text = "\n".join("\t".join(cells) for cells in self.as_rows(display_rows)) + "\n"
        QApplication.clipboard().setText(text)
        return text

    def export_csv(self, path) -> Path:
        return export_csv(self, path)


# -- exports ----------------------------------------------------------------
def _temporary_sibling(target: Path, suffix: str) -> Path:
    return target.with_name(f".{target.stem}.{uuid.uuid4().hex[:8]}.part{suffix}")


def _remove_quietly(path: Path) -> None:
    for candidate in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm"), Path(str(path) + "-journal")):
        try:
            candidate.unlink()
        except OSError:
            pass


def export_csv(model: ResultsTableModel, path) -> Path:
    """Write the table (all rows, display order, figures rounded by export_number()) as UTF-8
    CSV, atomically."""
    target = Path(path)
    if model.result() is None:
        raise ValueError(tr("There are no results to export."))
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=str(target.parent), prefix=f".{target.stem}.", suffix=".part.csv")
    tmp = Path(tmp_name)
    try:
        # utf-8-sig: spreadsheet programs then read Chinese zone names correctly
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            for line in model.as_rows(raw=True):
                writer.writerow(line)
        os.replace(tmp, target)
    except BaseException:
        _remove_quietly(tmp)
        raise
    return target


def export_geopackage(result: ResultSet, path, layer_name: Optional[str] = None) -> Path:
    """Write the result layer (geometries, zone attributes, statistics) to a GeoPackage, atomically.

    An existing file at `path` is replaced only once the new one is complete.
    """
    target = Path(path)
    if result is None or result.layer is None:
        raise ValueError(tr("There are no results to export."))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_sibling(target, ".gpkg")
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.fileEncoding = "UTF-8"
    options.layerName = layer_name or target.stem
    try:
        context = QgsProject.instance().transformContext()
    except Exception:
        context = QgsCoordinateTransformContext()
    try:
        if hasattr(QgsVectorFileWriter, "writeAsVectorFormatV3"):
            outcome = QgsVectorFileWriter.writeAsVectorFormatV3(result.layer, str(tmp), context, options)
        else:  # QGIS < 3.20
            outcome = QgsVectorFileWriter.writeAsVectorFormatV2(result.layer, str(tmp), context, options)
        error, message = outcome[0], outcome[1]
        if error != QgsVectorFileWriter.WriterError.NoError:
            raise OSError(tr("Could not write {path}: {message}").format(path=target, message=message))
        os.replace(tmp, target)
    except BaseException:
        _remove_quietly(tmp)
        raise
    return target
