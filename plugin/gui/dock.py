"""The statistics dock: a thin view. Inputs (dock_inputs.py) are resolved into a run request
(run_request.py) of the Processing algorithms cisc:zonalstatistics / cisc:changestatistics,
run in QGIS's task manager (task_runner.py); the outputs become a ResultSet (result_builder.py)
shown as a table (results.py) and charts (chart_view.py), and a layer in the project
(result_layer.py); exports are in dock_exports.py, the layout and the results window in
dock_layout.py. Nothing heavy happens on the main thread.

Layout: the inputs scroll, the results (table, charts, about) take the rest and can be opened
in their own window; Run, Cancel, the progress bar and the status line sit below both, outside
any scroll area, so they are visible at any height of the dock.
"""

from pathlib import Path
from typing import List, Optional, Tuple

from qgis.core import QgsMapLayerProxyModel, QgsProject, QgsVectorLayer
from qgis.gui import QgsDockWidget, QgsFileWidget
from qgis.PyQt import uic
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import QComboBox, QDialog, QHeaderView, QLabel, QToolButton

from ..processing.base import offset_options
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger
from ..toolbelt.settings import read_settings, update_settings
from . import dock_texts, file_dialogs
from .chart_view import ChartView
from .dock_exports import DockExports
from .dock_inputs import (  # noqa: F401 (InputError, STATISTICS_KIND: the dock's public names)
    SOURCE_FOLDER,
    SOURCE_LAYERS,
    STATISTICS_KIND,
    InputError,
    check_zones,
    default_zones_layer,
    is_zones_candidate,
    resolve_sources,
    sources_summary,
)
from .dock_layout import DockLayout
from .result_builder import build_result
from .result_layer import ResultLayers, style_result_layer  # noqa: F401 (style_result_layer: public name)
from .results import ANALYSES, ANALYSIS_CHANGE, ResultSet, ResultsTableModel, analysis_label, default_sort_key
from .run_request import ALGORITHM_IDS, RunOptions, build_run  # noqa: F401 (ALGORITHM_IDS: public name)
from .task_runner import AlgorithmChain, AlgorithmStep

log = get_logger("gui.dock")

UI_PATH = Path(__file__).resolve().parents[2] / "ui" / "statistics_dock.ui"
FORM_CLASS, _ = uic.loadUiType(str(UI_PATH))

PROP_ZONES_OFFSET = "cisc_impervious/zones_offset"  # a zones layer's ZONES_OFFSET, remembered by the dock
LEVEL_COLORS = {"info": "#1a1a1a", "success": "#1b6e20", "warning": "#8a5a00", "error": "#b00020"}
MESSAGE_LINES = 3  # the status line shows up to this many lines; the full text is its tooltip


class StatisticsDock(QgsDockWidget, FORM_CLASS, DockLayout, DockExports):
    """Dock of the CISC zonal and change statistics."""

    runFinished = pyqtSignal(bool, str)  # ok, message (after the table and layer are updated)

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.setupUi(self)
        self.iface = iface
        self.project = QgsProject.instance()
        self.chain: Optional[AlgorithmChain] = None
        self.result: Optional[ResultSet] = None
        self.layers = ResultLayers(self.project)
        self.results_window: Optional[QDialog] = None
        self._run_request = None
        self._zones_user_choice = False  # the user picked the zones layer: keep it
        self._settings = read_settings()

        self.setWindowTitle(tr("Impervious surface statistics"))
        dock_texts.translate_ui(self)
        self._setup_inputs()
        self._setup_run_bar()
        self._setup_results()

        # project life cycle: a run never outlives its project
        self.project.cleared.connect(self._project_cleared)
        self.project.layersWillBeRemoved.connect(self._layers_removed)
        self.project.layersAdded.connect(self._layers_added)

        self._pick_default_zones()
        self._zones_changed(self.zonesLayerCombo.currentLayer())
        self._set_running(False)
        self._update_result_widgets()
        self._update_source_status()
        self._restore_layout()

    # -- set-up ------------------------------------------------------------
    def _setup_inputs(self) -> None:
        try:  # QGIS >= 3.34 moved the filter enum to Qgis.LayerFilter
            from qgis.core import Qgis

            polygon_filter = Qgis.LayerFilter.PolygonLayer
        except AttributeError:
            polygon_filter = QgsMapLayerProxyModel.Filter.PolygonLayer
        self.zonesLayerCombo.setFilters(polygon_filter)
        self.zonesLayerCombo.setAllowEmptyLayer(True)
        self.zonesLayerCombo.layerChanged.connect(self._zones_changed)
        self.zonesLayerCombo.activated.connect(self._zones_picked)
        self._add_offset_choice()
        self.nameFieldCombo.setAllowEmptyFieldName(True)
        for analysis in ANALYSES:
            self.analysisCombo.addItem(analysis_label(analysis), analysis)
        index = self.analysisCombo.findData(self._settings.dock_analysis)
        self.analysisCombo.setCurrentIndex(index if index >= 0 else ANALYSES.index(ANALYSIS_CHANGE))
        self.analysisCombo.currentIndexChanged.connect(self._update_source_status)
        self.folderWidget.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.folderWidget.setFilePath(self._settings.dock_folder)
        self.folderWidget.fileChanged.connect(self._update_source_status)
        (self.sourceFolderRadio if self._settings.dock_source == SOURCE_FOLDER else self.sourceLayersRadio).setChecked(True)
        self.sourceLayersRadio.toggled.connect(self._update_source_status)
        self.addLayerCheck.setChecked(self._settings.dock_add_layer)
        self.joinCheck.setChecked(self._settings.dock_join)

    def _setup_run_bar(self) -> None:
        self.runButton.clicked.connect(self.run)
        self.cancelButton.clicked.connect(self.cancel)
        self.progressBar.setRange(0, 100)
        self.progressBar.setValue(0)
        line = self.messageLabel.fontMetrics().lineSpacing()
        self.messageLabel.setMinimumHeight(line + 2)  # the status line keeps its place when empty
        self.messageLabel.setMaximumHeight(MESSAGE_LINES * line + 4)

    def _setup_results(self) -> None:
        self.thresholdSpin.setValue(self._settings.low_valid_threshold_pct)
        self.thresholdSpin.valueChanged.connect(self._threshold_changed)
        self.topNSpin.setValue(max(1, int(self._settings.top_n_chart)))
        self.model = ResultsTableModel(self)
        self.model.set_threshold(self.thresholdSpin.value())
        self.resultsView.setModel(self.model)
        header = self.resultsView.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setDefaultSectionSize(110)
        self.resultsView.verticalHeader().setVisible(False)
        self.resultsView.selectionModel().selectionChanged.connect(self._selection_changed)
        self.copyButton.clicked.connect(self.copy_selection)
        self.exportCsvButton.clicked.connect(self._export_csv_clicked)
        self.exportGpkgButton.clicked.connect(self._export_gpkg_clicked)
        self.exportReportButton.clicked.connect(self._export_report_clicked)
        self.charts = ChartView(self, lambda: self.result, self.selected_result_row, self.show_message)
        self.savePngButton.clicked.connect(self._save_png_clicked)
        self.noteLabel.setText(dock_texts.short_note())
        self.aboutBrowser.setHtml(dock_texts.about_html())
        # the results in their own window (remembered between sessions)
        self.windowButton = QToolButton(self.tabWidget)
        self.windowButton.setCheckable(True)
        self.windowButton.setAutoRaise(True)
        self.windowButton.setText(tr("Open in a window"))
        self.windowButton.setToolTip(tr("Show the table and charts in their own window, which can be enlarged"))
        self.windowButton.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.tabWidget.setCornerWidget(self.windowButton, Qt.Corner.TopRightCorner)
        self.windowButton.toggled.connect(self.set_results_in_window)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.splitterMoved.connect(lambda *_args: self._remember_layout())
        self._fit_inputs_to_width()

    # -- messages ------------------------------------------------------------
    @staticmethod
    def short_note() -> str:
        return dock_texts.short_note()

    @staticmethod
    def about_html() -> str:
        return dock_texts.about_html()

    def show_message(self, text: str, level: str = "info") -> None:
        self.messageLabel.setText(text)
        self.messageLabel.setToolTip(text)
        self.messageLabel.setStyleSheet(f"QLabel {{ color: {LEVEL_COLORS.get(level, LEVEL_COLORS['info'])}; }}")
        self.messageLabel.setProperty("level", level)
        if level == "error":
            log.warning(text)

    def message(self) -> str:
        return self.messageLabel.text()

    # -- inputs --------------------------------------------------------------
    def analysis(self) -> str:
        return self.analysisCombo.currentData()

    def set_analysis(self, analysis: str) -> None:
        self.analysisCombo.setCurrentIndex(self.analysisCombo.findData(analysis))

    def source_kind(self) -> str:
        return SOURCE_FOLDER if self.sourceFolderRadio.isChecked() else SOURCE_LAYERS

    def set_source_folder(self, folder) -> None:
        self.sourceFolderRadio.setChecked(True)
        self.folderWidget.setFilePath(str(folder))
        self._update_source_status()

    def set_source_layers(self) -> None:
        self.sourceLayersRadio.setChecked(True)
        self._update_source_status()

    def _add_offset_choice(self) -> None:
        """The zones' web-map offset (ZONES_OFFSET): a row of the zones group, remembered per
        zones layer in the layer's custom property PROP_ZONES_OFFSET (saved with the project)."""
        self.offsetLabel = QLabel(tr("Coordinates offset"), self.zonesGroup)
        self.offsetCombo = QComboBox(self.zonesGroup)
        for value, text in enumerate(offset_options()):
            self.offsetCombo.addItem(text, value)
        self.offsetCombo.setToolTip(
            tr("Boundaries from Chinese web maps (AMap/Gaode, Tencent, DataV GeoAtlas: GCJ-02; Baidu: BD-09) are "
               "offset by 100 to 700 m: choose their system to convert them to WGS84 before the statistics. "
               "The layer must be in EPSG:4326 or EPSG:4490.")
        )
        self.zonesForm.addRow(self.offsetLabel, self.offsetCombo)
        self.offsetCombo.currentIndexChanged.connect(self._offset_changed)

    def zones_offset(self) -> int:
        value = self.offsetCombo.currentData()
        return int(value) if value is not None else 0

    def set_zones_offset(self, value: int) -> None:
        index = self.offsetCombo.findData(int(value))
        self.offsetCombo.setCurrentIndex(index if index >= 0 else 0)

    def _offset_changed(self, _index) -> None:
        layer = self.zones_layer()
        if layer is not None:
            layer.setCustomProperty(PROP_ZONES_OFFSET, self.zones_offset())

    def _zones_picked(self, _index) -> None:
        self._zones_user_choice = self.zones_layer() is not None

    def _pick_default_zones(self) -> None:
        """Zones layer by default: the last one used if still there, else the topmost polygon
        layer that is neither a plugin output nor the acquisition dates; never the user's choice
        overridden."""
        current = self.zones_layer()
        if self._zones_user_choice and current is not None:
            return
        if current is not None and is_zones_candidate(current) and (
                current.id() == self._settings.dock_zones_layer or not self._settings.dock_zones_layer):
            return
        choice = default_zones_layer(self.project, self._settings.dock_zones_layer, self._settings.dock_zones_source)
        if choice is not None or (current is not None and not is_zones_candidate(current)):
            self.zonesLayerCombo.setLayer(choice)

    def _zones_changed(self, layer) -> None:
        self.nameFieldCombo.setLayer(layer if isinstance(layer, QgsVectorLayer) else None)
        if hasattr(self, "offsetCombo"):
            remembered = layer.customProperty(PROP_ZONES_OFFSET, 0) if isinstance(layer, QgsVectorLayer) else 0
            try:
                remembered = int(remembered)
            except (TypeError, ValueError):
                remembered = 0
            self.offsetCombo.blockSignals(True)
            self.set_zones_offset(remembered)
            self.offsetCombo.blockSignals(False)
        if isinstance(layer, QgsVectorLayer) and not self.nameFieldCombo.currentField():
            for candidate in ("name", "NAME", "Name", "名称", "zone", "id"):
                if layer.fields().indexOf(candidate) >= 0:
                    self.nameFieldCombo.setField(candidate)
                    break

    def _threshold_changed(self, value: float) -> None:
        self.model.set_threshold(value)
        self._update_flag_summary()

    def _layers_added(self, *_args) -> None:
        self._pick_default_zones()
        self._update_source_status()

    def _update_source_status(self, *_args) -> None:
        try:
            sources = self.resolve_sources()
        except InputError as error:
            self.sourceStatusLabel.setText(str(error))
            self.sourceStatusLabel.setStyleSheet(f"QLabel {{ color: {LEVEL_COLORS['warning']}; }}")
        else:
            self.sourceStatusLabel.setText(sources_summary(sources))
            self.sourceStatusLabel.setStyleSheet(f"QLabel {{ color: {LEVEL_COLORS['success']}; }}")
        self.folderWidget.setVisible(self.sourceFolderRadio.isChecked())

    def resolve_sources(self, analysis: Optional[str] = None):
        """{year: (raster source, mask source or None, raster CRS)}; InputError names what is missing."""
        return resolve_sources(self.project, self.source_kind(), self.folderWidget.filePath(),
                               analysis or self.analysis())

    def zones_layer(self) -> Optional[QgsVectorLayer]:
        layer = self.zonesLayerCombo.currentLayer()
        return layer if isinstance(layer, QgsVectorLayer) else None

    def check_zones(self) -> QgsVectorLayer:
        return check_zones(self.zones_layer(), selected_only=self.selectedOnlyCheck.isChecked(),
                           analysis=self.analysis(), join=self.joinCheck.isChecked(),
                           name_field=self.nameFieldCombo.currentField())

    # -- run -----------------------------------------------------------------
    def is_running(self) -> bool:
        return self.chain is not None

    def build_steps(self) -> Tuple[List[AlgorithmStep], dict]:
        """Validate the inputs and return the algorithm steps; raise InputError."""
        zones = self.check_zones()
        sources = self.resolve_sources()
        return build_run(zones, sources, RunOptions(
            analysis=self.analysis(), selected_only=self.selectedOnlyCheck.isChecked(),
            zones_offset=self.zones_offset(), name_field=self.nameFieldCombo.currentField(),
            add_layer=self.addLayerCheck.isChecked(), join=self.joinCheck.isChecked()))

    def run(self) -> bool:
        """Start a run; return False (with a message in the dock) when the inputs are not usable."""
        if self.is_running():
            return False
        try:
            steps, request = self.build_steps()
        except InputError as error:
            self.show_message(str(error), "error")
            return False
        self._remember_inputs()
        self.layers.remove_previous_join(self.project.mapLayer(request["zones_id"]))
        self.nameFieldCombo.setField(request["name_field"])  # the zones' fields changed
        self._run_request = request
        self.chain = AlgorithmChain(steps, self.project, self)
        self.chain.progressChanged.connect(self._on_progress)
        self.chain.stepStarted.connect(self._on_step_started)
        self.chain.finished.connect(self._on_finished)
        self.progressBar.setValue(0)
        self._set_running(True)
        self.show_message(tr("Running {analysis}…").format(analysis=analysis_label(request["analysis"])))
        self.chain.start()
        return True

    def cancel(self) -> None:
        """Ask the running task to stop; the dock reports when it has."""
        if self.chain is not None:
            self.chain.cancel()
            self.cancelButton.setEnabled(False)
            self.show_message(tr("Cancelling…"), "warning")

    def cancel_running_task(self) -> None:
        """Cancel any run and forget it at once (dock closed, project closed, plugin unloaded)."""
        chain, self.chain = self.chain, None
        if chain is not None:
            chain.detach()
            chain.cancel()
            self._set_running(False)
            self.progressBar.setValue(0)
            self.show_message(tr("Cancelled."), "warning")

    def _set_running(self, running: bool) -> None:
        self.runButton.setEnabled(not running)
        self.cancelButton.setEnabled(running)
        for widget in (self.zonesGroup, self.analysisGroup, self.outputWidget):
            widget.setEnabled(not running)

    def _remember_inputs(self) -> None:
        zones = self.zones_layer()
        try:
            self._settings = update_settings(
                dock_analysis=self.analysis(),
                dock_source=self.source_kind(),
                dock_folder=self.folderWidget.filePath(),
                dock_add_layer=self.addLayerCheck.isChecked(),
                dock_join=self.joinCheck.isChecked(),
                low_valid_threshold_pct=float(self.thresholdSpin.value()),
                top_n_chart=int(self.topNSpin.value()),
                dock_zones_layer=zones.id() if zones is not None else "",
                dock_zones_source=zones.source() if zones is not None else "",
            )
        except Exception as error:  # settings are a convenience, never a reason to fail
            log.info("Could not save the dock's settings: %s", error)

    def _on_progress(self, percent: float) -> None:
        self.progressBar.setValue(int(round(percent)))

    def _on_step_started(self, index: int, label: str) -> None:
        if self.chain is not None and len(self.chain.steps) > 1:
            self.show_message(tr("Running step {n} of {total}: {step}…").format(
                n=index + 1, total=len(self.chain.steps), step=label))

    def _on_finished(self, ok: bool, outputs, message: str) -> None:
        chain, self.chain = self.chain, None
        self._set_running(False)
        request = self._run_request
        if not ok:
            cancelled = chain is not None and chain.is_cancelled()
            self.progressBar.setValue(0)
            self.show_message(message or tr("The run failed."), "warning" if cancelled else "error")
            self.runFinished.emit(False, self.message())
            return
        try:
            result = build_result(outputs, request)
        except Exception as error:  # a surprise in the outputs must not take QGIS down
            log.exception("Could not read the results")
            self.show_message(tr("Could not read the results: {error}").format(error=error), "error")
            self.runFinished.emit(False, self.message())
            return
        self.set_result(result)
        notes = []
        if request["add_layer"]:
            notes.append(self.layers.add(result, request))
            if self.zones_layer() is not None and self.zones_layer().id() == request["zones_id"]:
                self.nameFieldCombo.setField(request["name_field"])  # the join changed the fields
        warnings = [w for w in (chain.warnings if chain else []) if w.strip()]
        self.progressBar.setValue(100)
        text = tr("Done: {n} zones.").format(n=len(result))
        text = " ".join([text] + [n for n in notes if n])
        if warnings:
            text += "\n" + tr("Warnings: {warnings}").format(warnings="; ".join(dict.fromkeys(warnings)))
        self.show_message(text, "warning" if warnings else "success")
        self.runFinished.emit(True, self.message())

    # -- results -------------------------------------------------------------
    @property
    def result_layer_id(self) -> Optional[str]:
        return self.layers.layer_id

    @property
    def joined(self):
        return self.layers.joined

    def set_result(self, result: Optional[ResultSet]) -> None:
        self.result = result
        self.model.set_result(result)
        if result is not None:
            keys = [c.key for c in result.columns]
            key = default_sort_key(result.analysis)
            column = 1 + keys.index(key) if key in keys else 0
            self._headline_columns_first(keys)
            self.resultsView.sortByColumn(column, Qt.SortOrder.DescendingOrder)
            if len(result) <= 500:
                self.resultsView.resizeColumnsToContents()
            else:
                self.resultsView.resizeColumnToContents(0)
            self._give_results_room()
        self._update_result_widgets()
        self.refresh_chart()

    def _update_flag_summary(self) -> None:
        if self.result is None:
            self.flagSummaryLabel.setText("")
            return
        flagged = self.model.flagged_count()
        text = tr("{n} of {total} zones have a valid coverage below {threshold:g} % (marked ⚠).").format(
            n=flagged, total=len(self.result), threshold=self.thresholdSpin.value()
        ) if flagged else tr("All zones have a valid coverage of at least {threshold:g} %.").format(
            threshold=self.thresholdSpin.value())
        self.flagSummaryLabel.setText(text)

    def _update_result_widgets(self) -> None:
        has = self.result is not None
        for widget in (self.copyButton, self.exportCsvButton, self.exportGpkgButton, self.exportReportButton):
            widget.setEnabled(has)
        self._update_flag_summary()

    def _selection_changed(self, *_args) -> None:
        if self.selectedZoneCheck.isChecked():
            self.refresh_chart()

    def selected_result_row(self) -> Optional[int]:
        rows = self.resultsView.selectionModel().selectedRows() if self.resultsView.selectionModel() else []
        if not rows:
            return None
        return self.model.result_row(rows[0].row())

    # -- charts ----------------------------------------------------------------
    def chart_kind(self) -> str:
        return self.charts.kind()

    def set_chart_kind(self, kind: str) -> None:
        self.charts.set_kind(kind)

    def refresh_chart(self, *_args) -> None:
        self.charts.refresh()

    def current_figure(self):
        return self.charts.figure

    def current_canvas(self):
        return self.charts.canvas

    def save_chart_png(self, path) -> Optional[Path]:
        return self.charts.save_png(path)

    # -- life cycle ------------------------------------------------------------
    def _project_cleared(self) -> None:
        self.cancel_running_task()
        self.layers.forget()
        self.set_result(None)
        self.messageLabel.setText("")
        self._zones_user_choice = False

    def _layers_removed(self, layer_ids) -> None:
        ids = set(layer_ids)
        self.layers.layers_removed(ids)
        if self.chain is not None and self._run_request and self._run_request.get("zones_id") in ids:
            self.cancel_running_task()
            self.show_message(tr("The zones layer was removed: the run was cancelled."), "warning")
        self._update_source_status()

    def closeEvent(self, event):
        self.cancel_running_task()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Everything that could call back into the dock later is stopped: the run, the save
        dialogs, the results window, the project's signals (the plugin is being unloaded)."""
        self.cancel_running_task()
        file_dialogs.close_all(self)
        if self.results_window is not None:
            self.set_results_in_window(False)
        self.disconnect_project()
        self.charts.clear()

    def deleteLater(self):
        self.shutdown()
        super().deleteLater()

    def disconnect_project(self) -> None:
        for signal, slot in (
            (self.project.cleared, self._project_cleared),
            (self.project.layersWillBeRemoved, self._layers_removed),
            (self.project.layersAdded, self._layers_added),
        ):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass
