"""The dock's Charts tab: picks the chart, builds it (charts.py) at the size its labels need,
shows it in the tab's scroll area, saves it as PNG. Holds no results of its own: it asks the
dock for the current ResultSet and the zone selected in the table."""

from pathlib import Path
from typing import Callable, Optional

from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger
from . import charts

log = get_logger("gui.chart_view")


class ChartView:
    def __init__(self, ui, result_of: Callable, selected_row_of: Callable, show_message: Callable):
        """ui: the dock (its chartCombo, topNSpin, selectedZoneCheck, chartNoteLabel,
        chartContainer, chartScroll and savePngButton)."""
        self.ui = ui
        self._result_of = result_of
        self._selected_row_of = selected_row_of
        self._show_message = show_message
        self.figure = None
        self.canvas = None
        for kind in charts.CHART_KINDS:
            ui.chartCombo.addItem(charts.chart_title(kind), kind)
        ui.chartCombo.currentIndexChanged.connect(self.refresh)
        ui.topNSpin.valueChanged.connect(self.refresh)
        ui.selectedZoneCheck.toggled.connect(self.refresh)

    def kind(self) -> str:
        return self.ui.chartCombo.currentData()

    def set_kind(self, kind: str) -> None:
        self.ui.chartCombo.setCurrentIndex(self.ui.chartCombo.findData(kind))
        self.refresh()

    def _note(self, text: str) -> None:
        self.ui.chartNoteLabel.setText(text)
        self.ui.chartNoteLabel.setVisible(True)
        self.ui.savePngButton.setEnabled(False)

    def refresh(self, *_args) -> None:
        self.clear()
        ui = self.ui
        ui.selectedZoneCheck.setVisible(self.kind() == charts.CHART_TRANSITIONS)
        if not charts.matplotlib_available():
            self._note(tr("Charts need matplotlib, which could not be loaded ({error}). The table shows all figures.")
                       .format(error=charts.unavailable_reason()))
            return
        result = self._result_of()
        reason = charts.chart_unavailable_reason(self.kind(), result)
        if reason:
            self._note(reason)
            return
        selected = self._selected_row_of() if ui.selectedZoneCheck.isChecked() else None
        try:
            self.figure = charts.make_figure(self.kind(), result, top_n=ui.topNSpin.value(), selected_row=selected)
            self.canvas = charts.make_canvas(self.figure, ui.chartContainer)
        except Exception as error:
            log.exception("Chart failed")
            self.figure = None
            self._note(tr("The chart could not be drawn: {error}").format(error=error))
            return
        ui.chartContainer.layout().addWidget(self.canvas)
        ui.chartNoteLabel.setVisible(False)
        ui.savePngButton.setEnabled(True)

    def clear(self) -> None:
        if self.canvas is not None:
            self.ui.chartContainer.layout().removeWidget(self.canvas)
            self.canvas.setParent(None)
            self.canvas.deleteLater()
        self.canvas = None
        self.figure = None

    def save_png(self, path) -> Optional[Path]:
        if self.figure is None:
            self._show_message(tr("There is no chart to save."), "error")
            return None
        try:
            written = charts.save_png(self.figure, path)
        except Exception as error:
            self._show_message(tr("Could not save {path}: {error}").format(path=path, error=error), "error")
            return None
        self._show_message(tr("Saved {path}").format(path=written), "success")
        return written
