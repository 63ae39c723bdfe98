"""The statistics dock's layout: inputs that never scroll sideways, the inputs/results split
and the results window (both remembered between sessions), the table's column order.

A mixin of StatisticsDock (plugin/gui/dock.py): it works on the dock's widgets from
ui/statistics_dock.ui and its settings."""

from qgis.PyQt.QtCore import QByteArray, Qt
from qgis.PyQt.QtWidgets import QComboBox, QDialog, QVBoxLayout

from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger
from ..toolbelt.settings import update_settings

log = get_logger("gui.dock")

# the figures a planner reads first, shown right after the zone name (in this order)
HEADLINE_FIELDS = ("imperv_km2", "imperv_pct", "imperv_from_km2", "imperv_to_km2", "gain_km2", "loss_km2",
                   "net_km2", "growth_pct", "valid_pct")


class DockLayout:
    """Layout behaviour of the statistics dock."""

    def _fit_inputs_to_width(self) -> None:
        """The inputs never scroll sideways: combo boxes shrink to the dock's width (their full
        text stays in the drop-down and the tooltip)."""
        self.inputsScroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for combo in (self.zonesLayerCombo, self.nameFieldCombo, self.analysisCombo,
                      getattr(self, "offsetCombo", None)):
            if combo is not None:
                combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                combo.setMinimumContentsLength(8)

    def _restore_layout(self) -> None:
        state = self._settings.dock_splitter
        if not (state and self.splitter.restoreState(QByteArray.fromBase64(state.encode("ascii")))):
            # before a run the inputs get all they need; the results take the rest (and get
            # more room after a run, see _give_results_room)
            inputs = self.inputsWidget.sizeHint().height() + 4
            self.splitter.setSizes([inputs, 300])
        if self._settings.dock_results_window:
            self.windowButton.setChecked(True)

    def _remember_layout(self) -> None:
        changes = {"dock_results_window": self.results_window is not None}
        if self.results_window is None:
            changes["dock_splitter"] = bytes(self.splitter.saveState().toBase64()).decode("ascii")
        else:
            changes["dock_results_geometry"] = bytes(self.results_window.saveGeometry().toBase64()).decode("ascii")
        try:
            self._settings = update_settings(**changes)
        except Exception as error:  # layout memory is a convenience
            log.info("Could not save the dock's layout: %s", error)

    # -- the results window --------------------------------------------------
    def set_results_in_window(self, in_window: bool) -> None:
        """Move the results (table, charts, about) into their own resizable window, or back."""
        if bool(in_window) == (self.results_window is not None):
            return
        if in_window:
            window = QDialog(self, Qt.WindowType.Window)
            window.setWindowTitle(tr("Impervious surface statistics – results"))
            layout = QVBoxLayout(window)
            layout.setContentsMargins(4, 4, 4, 4)
            layout.addWidget(self.resultsPanel)
            self.resultsPanel.show()
            geometry = self._settings.dock_results_geometry
            if not (geometry and window.restoreGeometry(QByteArray.fromBase64(geometry.encode("ascii")))):
                window.resize(900, 640)
            window.finished.connect(lambda _result: self.windowButton.setChecked(False))
            self.results_window = window
            self.windowButton.setText(tr("Back into the dock"))
            window.show()
            self._remember_layout()
        else:
            window, self.results_window = self.results_window, None
            self._settings = update_settings(
                dock_results_window=False,
                dock_results_geometry=bytes(window.saveGeometry().toBase64()).decode("ascii"),
            )
            self.splitter.addWidget(self.resultsPanel)
            self.splitter.setStretchFactor(1, 1)
            self.resultsPanel.show()
            self.windowButton.setText(tr("Open in a window"))
            try:
                window.finished.disconnect()
            except TypeError:
                pass
            window.hide()
            window.deleteLater()

    # -- the table -----------------------------------------------------------
    def _headline_columns_first(self, keys) -> None:
        """Show the impervious figures (the sort column among them) right after the zone name;
        only the view's order changes, exports keep the fields' order."""
        header = self.resultsView.horizontalHeader()
        for visual in range(header.count()):  # undo an earlier run's order
            logical = header.logicalIndex(visual)
            if logical != visual:
                header.moveSection(header.visualIndex(visual), visual)
        wanted = [key for suffix in HEADLINE_FIELDS for key in keys if key.endswith("_" + suffix)]
        for position, key in enumerate(wanted, start=1):
            header.moveSection(header.visualIndex(1 + keys.index(key)), position)

    def _give_results_room(self) -> None:
        """After a run the results matter most: the inputs keep at most a third of the dock
        (they scroll; the border can be dragged back)."""
        if self.results_window is not None:
            return
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if total > 0 and sizes[0] > total // 3:
            self.splitter.setSizes([total // 3, total - total // 3])
