"""The statistics dock: zones + CISC data in, a background run of the Processing
algorithms, results as a table, charts, a layer in the project and exports.

The run goes through cisc:zonalstatistics / cisc:changestatistics in QGIS's task manager
(see task_runner.py); nothing heavy happens on the main thread.

CISC layers added by the plugin are recognised by the custom properties the layer loader
sets (layers.styling.PROP_KIND in {"cisc", "mask", "dates"} and PROP_YEAR, an int); the
result layers the dock adds carry PROP_KIND = "statistics".
"""

import html
import math
import os
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsMapLayerProxyModel,
    QgsProcessingFeatureSourceDefinition,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
    QgsVectorLayerJoinInfo,
    QgsWkbTypes,
)
from qgis.gui import QgsDockWidget, QgsFileWidget
from qgis.PyQt import uic
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QComboBox, QFileDialog, QHeaderView, QLabel

from ..core.dataset import CITATION, DOI, RECORD_URL, classify_file_name
from ..layers.styling import PROP_KIND, PROP_YEAR
from ..processing.base import ZONES_OFFSET, offset_options
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger
from ..toolbelt.qgis_compat import FIELD_DOUBLE, is_null, new_field, python_value
from ..toolbelt.settings import read_settings, update_settings
from . import charts
from .results import (
    ANALYSES,
    ANALYSIS_2020,
    ANALYSIS_2022,
    ANALYSIS_BOTH,
    ANALYSIS_CHANGE,
    CHANGE_VALID_PCT,
    PREFIX_2020,
    PREFIX_2022,
    PREFIX_CHANGE,
    ResultSet,
    ResultsTableModel,
    analysis_label,
    columns_for,
    export_csv,
    export_geopackage,
)
from .task_runner import AlgorithmChain, AlgorithmStep

log = get_logger("gui.dock")

UI_PATH = Path(__file__).resolve().parents[2] / "ui" / "statistics_dock.ui"
FORM_CLASS, _ = uic.loadUiType(str(UI_PATH))

# custom properties the layer loader sets on the layers it adds; the agreed "cisc/..." keys
# and the loader's "cisc_impervious/..." spelling are both read
STATISTICS_KIND = "statistics"  # PROP_KIND of the result layers the dock adds
PROP_ZONES_OFFSET = "cisc_impervious/zones_offset"  # a zones layer's ZONES_OFFSET, remembered by the dock


ALGORITHM_IDS = {"zonal": "cisc:zonalstatistics", "change": "cisc:changestatistics"}

SOURCE_LAYERS = "layers"
SOURCE_FOLDER = "folder"

LEVEL_COLORS = {"info": "#1a1a1a", "success": "#1b6e20", "warning": "#8a5a00", "error": "#b00020"}


class InputError(Exception):
    """A problem with the dock's inputs, worded for the user."""


# -- finding the CISC rasters ---------------------------------------------------
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


def folder_cisc_files(folder) -> Dict[Tuple[str, int], str]:
    """{(kind, year): path} of the CISC rasters and valid masks in a folder."""
    found = {}
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return found
    for name in names:
        kind_year = classify_file_name(name)
        if kind_year and kind_year[0] in ("cisc", "mask"):
            found.setdefault(kind_year, str(Path(folder) / name))
    return found


def years_of(analysis: str) -> Tuple[int, ...]:
    return {
        ANALYSIS_2020: (2020,),
        ANALYSIS_2022: (2022,),
        ANALYSIS_BOTH: (2020, 2022),
        ANALYSIS_CHANGE: (2020, 2022),
    }[analysis]


def _without_offset(geometry, offset: int):
    """A copy of geometry with its vertices converted from GCJ-02 / BD-09 to WGS84."""
    from ..core.webmap_offset import to_wgs84
    from ..core.wkb_coords import map_wkb_xy

    converted = type(geometry)()
    converted.fromWkb(map_wkb_xy(bytes(geometry.asWkb()), lambda x, y: to_wgs84(x, y, offset)))
    return converted


def _null_to_none(value):
    value = python_value(value)  # NULL: a null QVariant (Qt 5) or None (Qt 6)
    if value is None:
        return None
    try:
        if hasattr(value, "isNull") and value.isNull():
            return None
    except TypeError:
        pass
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _text(value) -> str:
    if is_null(value):
        return ""
    try:
        if hasattr(value, "isNull") and value.isNull():
            return ""
    except TypeError:
        pass
    return str(value)


def style_result_layer(layer: QgsVectorLayer, result: ResultSet) -> bool:
    """Graduated colours on the headline figure (impervious share, or net change)."""
    try:
        from qgis.core import (
            QgsClassificationQuantile,
            QgsGraduatedSymbolRenderer,
            QgsStyle,
            QgsSymbol,
        )

        if result.analysis == ANALYSIS_CHANGE:
            field, ramp_name = PREFIX_CHANGE + "net_km2", "Reds"
        else:
            prefix = PREFIX_2020 if result.analysis == ANALYSIS_2020 else PREFIX_2022
            field, ramp_name = prefix + "imperv_pct", "Reds"
        symbol = QgsSymbol.defaultSymbol(layer.geometryType())
        renderer = QgsGraduatedSymbolRenderer(field)
        renderer.setSourceSymbol(symbol)
        ramp = QgsStyle.defaultStyle().colorRamp(ramp_name)
        if ramp is not None:
            renderer.setSourceColorRamp(ramp)
        renderer.setClassificationMethod(QgsClassificationQuantile())
        renderer.updateClasses(layer, 5)
        if not renderer.ranges():
            return False
        layer.setRenderer(renderer)
        layer.setOpacity(0.75)
        return True
    except Exception as error:  # a style is a nicety: never fail a run over it
        log.info("Result layer not styled: %s", error)
        return False


class StatisticsDock(QgsDockWidget, FORM_CLASS):
    """Dock of the CISC zonal and change statistics."""

    runFinished = pyqtSignal(bool, str)  # ok, message (after the table and layer are updated)

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.setupUi(self)
        self.iface = iface
        self.project = QgsProject.instance()
        self.chain: Optional[AlgorithmChain] = None
        self.result: Optional[ResultSet] = None
        self.result_layer_id: Optional[str] = None  # the copy added to the project
        self.joined: Optional[Tuple[str, str]] = None  # (zones layer id, join layer id)
        self._figure = None
        self._canvas = None
        self._run_request = None
        self._settings = read_settings()

        self.setWindowTitle(tr("Impervious surface statistics"))
        self._translate_ui()

        # inputs
        try:  # QGIS >= 3.34 moved the filter enum to Qgis.LayerFilter
            from qgis.core import Qgis

            polygon_filter = Qgis.LayerFilter.PolygonLayer
        except AttributeError:
            polygon_filter = QgsMapLayerProxyModel.Filter.PolygonLayer
        self.zonesLayerCombo.setFilters(polygon_filter)
        self.zonesLayerCombo.setAllowEmptyLayer(True)
        self.zonesLayerCombo.layerChanged.connect(self._zones_changed)
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
        self.thresholdSpin.setValue(self._settings.low_valid_threshold_pct)
        self.thresholdSpin.valueChanged.connect(self._threshold_changed)
        self.topNSpin.setValue(max(1, int(self._settings.top_n_chart)))

        # run
        self.runButton.clicked.connect(self.run)
        self.cancelButton.clicked.connect(self.cancel)
        self.progressBar.setRange(0, 100)
        self.progressBar.setValue(0)

        # table
        self.model = ResultsTableModel(self)
        self.model.set_threshold(self.thresholdSpin.value())
        self.resultsView.setModel(self.model)
        self.resultsView.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.resultsView.horizontalHeader().setDefaultSectionSize(110)
        self.resultsView.selectionModel().selectionChanged.connect(self._selection_changed)
        self.copyButton.clicked.connect(self.copy_selection)
        self.exportCsvButton.clicked.connect(self._export_csv_clicked)
        self.exportGpkgButton.clicked.connect(self._export_gpkg_clicked)

        # charts
        for kind in charts.CHART_KINDS:
            self.chartCombo.addItem(charts.chart_title(kind), kind)
        self.chartCombo.currentIndexChanged.connect(self.refresh_chart)
        self.topNSpin.valueChanged.connect(self.refresh_chart)
        self.selectedZoneCheck.toggled.connect(self.refresh_chart)
        self.savePngButton.clicked.connect(self._save_png_clicked)

        # notes
        self.noteLabel.setText(self.short_note())
        self.aboutBrowser.setHtml(self.about_html())

        # project life cycle: a run never outlives its project
        self.project.cleared.connect(self._project_cleared)
        self.project.layersWillBeRemoved.connect(self._layers_removed)
        self.project.layersAdded.connect(self._update_source_status)

        self._zones_changed(self.zonesLayerCombo.currentLayer())
        self._set_running(False)
        self._update_result_widgets()
        self._update_source_status()

    # -- texts -------------------------------------------------------------
    def _translate_ui(self) -> None:
        """Labels of the .ui through the plugin's single translation context."""
        for widget, text in (
            (self.zonesGroup, tr("Zones")),
            (self.analysisGroup, tr("Analysis and data")),
            (self.outputGroup, tr("Results")),
        ):
            widget.setTitle(text)
        for widget, text in (
            (self.zonesLabel, tr("Zones layer")),
            (self.nameFieldLabel, tr("Zone name field")),
            (self.analysisLabel, tr("Analysis")),
            (self.sourceLabel, tr("CISC data")),
            (self.thresholdLabel, tr("Flag valid coverage below")),
            (self.topNLabel, tr("Top")),
            (self.selectedOnlyCheck, tr("Selected features only")),
            (self.sourceLayersRadio, tr("Layers in the project")),
            (self.sourceFolderRadio, tr("Folder")),
            (self.addLayerCheck, tr("Add the results as a new layer to the project")),
            (self.joinCheck, tr("Join the results onto the zones layer (by the zone name field)")),
            (self.runButton, tr("Run")),
            (self.cancelButton, tr("Cancel")),
            (self.copyButton, tr("Copy")),
            (self.exportCsvButton, tr("Export CSV…")),
            (self.exportGpkgButton, tr("Export GeoPackage…")),
            (self.selectedZoneCheck, tr("Transition matrix of the zone selected in the table (else all zones)")),
            (self.savePngButton, tr("Save chart as PNG…")),
        ):
            widget.setText(text)
        self.zonesLayerCombo.setToolTip(tr("Polygon layer of the zones (provinces, cities, counties…), in any CRS"))
        self.nameFieldCombo.setToolTip(tr("Field used as zone label in the table and charts, and as join key"))
        self.folderWidget.setToolTip(
            tr("Folder holding cisc_2020.tif, cisc_2022.tif and valid_mask_2020.tif, valid_mask_2022.tif")
        )
        self.thresholdSpin.setToolTip(
            tr("Zones whose valid share (inside the valid mask and the raster) is below this percentage are flagged")
        )
        self.copyButton.setToolTip(tr("Copy the selected rows (or all rows) to the clipboard, tab-separated"))
        self.tabWidget.setTabText(0, tr("Table"))
        self.tabWidget.setTabText(1, tr("Charts"))
        self.tabWidget.setTabText(2, tr("About the data"))

    @staticmethod
    def short_note() -> str:
        return tr(
            "Valid: inside the year's valid mask, the only place where a 0 means bare land. "
            "Vegetation and water are auxiliary classes whose reliability is not guaranteed by the "
            "authors. Data: CISC, Scientific Data, DOI {doi}."
        ).format(doi=DOI)

    @staticmethod
    def about_html() -> str:
        parts = [
            "<h3>{}</h3>".format(html.escape(tr("China Impervious Surface Cover 2020 and 2022 (CISC), 30 m"))),
            "<p><b>{}</b> {}</p>".format(
                html.escape(tr("Valid pixels.")),
                html.escape(tr(
                    "A pixel is valid when it lies inside the raster, its year's valid mask is set there "
                    "and its value is 0 to 3. Invalid pixels (outside China, or without enough 2 m "
                    "imagery) are stored as 0, the value of bare land: without the mask they cannot be "
                    "told apart. Areas and shares are computed over valid pixels only; the change "
                    "statistics use pixels valid in both years."
                )),
            ),
            "<p><b>{}</b> {}</p>".format(
                html.escape(tr("Auxiliary classes.")),
                html.escape(tr(
                    "Impervious surface is the product's main class. Vegetation and water are "
                    "auxiliary classes whose reliability is not guaranteed by the authors: use their "
                    "figures for reference only."
                )),
            ),
            "<p><b>{}</b> {}</p>".format(
                html.escape(tr("Zones.")),
                html.escape(tr(
                    "A pixel belongs to a zone when its centre lies inside the zone. Zones with a low "
                    "valid coverage are flagged in the table: their figures rest on a small part of "
                    "their area. The data are not clipped to coastlines or administrative boundaries."
                )),
            ),
            "<p><b>{}</b> {}<br/>DOI: <a href=\"https://doi.org/{doi}\">{doi}</a><br/>"
            "<a href=\"{url}\">{url}</a></p>".format(
                html.escape(tr("Please cite:")), html.escape(CITATION), doi=DOI, url=RECORD_URL
            ),
        ]
        return "\n".join(parts)

    def show_message(self, text: str, level: str = "info") -> None:
        self.messageLabel.setText(text)
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

    def _update_source_status(self, *_args) -> None:
        try:
            sources = self.resolve_sources()
        except InputError as error:
            self.sourceStatusLabel.setText(str(error))
            self.sourceStatusLabel.setStyleSheet(f"QLabel {{ color: {LEVEL_COLORS['warning']}; }}")
        else:
            lines = []
            for year, (raster, mask, _crs) in sorted(sources.items()):
                name = Path(raster).name if "://" not in raster else raster.rsplit("/", 1)[-1]
                mask_text = Path(mask).name if mask else tr("mask looked up beside the raster")
                lines.append(f"{year}: {name} ({mask_text})")
            self.sourceStatusLabel.setText("\n".join(lines))
            self.sourceStatusLabel.setStyleSheet(f"QLabel {{ color: {LEVEL_COLORS['success']}; }}")
        self.folderWidget.setEnabled(self.sourceFolderRadio.isChecked())

    def resolve_sources(self, analysis: Optional[str] = None) -> Dict[int, Tuple[str, Optional[str], QgsCoordinateReferenceSystem]]:
        """{year: (raster source, mask source or None, raster CRS)}; InputError names what is missing."""
        analysis = analysis or self.analysis()
        years = years_of(analysis)
        out = {}
        if self.source_kind() == SOURCE_LAYERS:
            layers = project_cisc_layers(self.project)
            for year in years:
                raster = layers.get(("cisc", year))
                if raster is None:
                    raise InputError(
                        tr("No CISC {year} layer in the project: add it with “Add CISC layers…” or "
                           "choose a folder.").format(year=year)
                    )
                mask = layers.get(("mask", year))
                out[year] = (raster.source(), mask.source() if mask is not None else None, raster.crs())
        else:
            folder = self.folderWidget.filePath().strip()
            if not folder:
                raise InputError(tr("Choose the folder holding the CISC rasters."))
            if not Path(folder).is_dir():
                raise InputError(tr("The folder {folder} does not exist.").format(folder=folder))
            files = folder_cisc_files(folder)
            for year in years:
                raster = files.get(("cisc", year))
                if raster is None:
                    raise InputError(
                        tr("No CISC {year} raster (cisc_{year}.tif) in {folder}.").format(year=year, folder=folder)
                    )
                mask = files.get(("mask", year))
                crs_layer = QgsRasterLayer(raster, "crs", "gdal")
                crs = crs_layer.crs() if crs_layer.isValid() else QgsCoordinateReferenceSystem()
                out[year] = (raster, mask, crs)
        return out

    def zones_layer(self) -> Optional[QgsVectorLayer]:
        layer = self.zonesLayerCombo.currentLayer()
        return layer if isinstance(layer, QgsVectorLayer) else None

    def check_zones(self) -> QgsVectorLayer:
        layer = self.zones_layer()
        if layer is None:
            raise InputError(tr("Choose a zones layer: a polygon layer of the project."))
        if not layer.isValid():
            raise InputError(tr("The zones layer {name} is not valid (its source cannot be read).").format(name=layer.name()))
        if QgsWkbTypes.geometryType(layer.wkbType()) != QgsWkbTypes.GeometryType.PolygonGeometry:
            raise InputError(tr("The zones layer {name} has no polygons.").format(name=layer.name()))
        if self.selectedOnlyCheck.isChecked():
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
        clashes = [c.key for c in columns_for(self.analysis()) if c.key in names - joined]
        if clashes:
            raise InputError(
                tr("The zones layer {name} already has the field {field} (from earlier results?): "
                   "remove those fields or use a copy of the layer without them.").format(
                    name=layer.name(), field=clashes[0])
            )
        if self.joinCheck.isChecked() and not self.nameFieldCombo.currentField():
            raise InputError(tr("Joining the results onto the zones needs a zone name field (the join key)."))
        return layer

    # -- run -----------------------------------------------------------------
    def is_running(self) -> bool:
        return self.chain is not None

    def build_steps(self) -> Tuple[List[AlgorithmStep], dict]:
        """Validate the inputs and return the algorithm steps; raise InputError."""
        analysis = self.analysis()
        zones = self.check_zones()
        sources = self.resolve_sources(analysis)
        zones_param = QgsProcessingFeatureSourceDefinition(zones.id(), self.selectedOnlyCheck.isChecked())
        steps = []
        if analysis == ANALYSIS_CHANGE:
            params = {
                "INPUT_FROM": sources[2020][0],
                "INPUT_TO": sources[2022][0],
                "ZONES": zones_param,
                ZONES_OFFSET: self.zones_offset(),
                "COLUMN_PREFIX": PREFIX_CHANGE,
                "OUTPUT": "TEMPORARY_OUTPUT",
            }
            if sources[2020][1]:
                params["VALID_MASK_FROM"] = sources[2020][1]
            if sources[2022][1]:
                params["VALID_MASK_TO"] = sources[2022][1]
            steps.append(AlgorithmStep(ALGORITHM_IDS["change"], params, tr("change statistics 2020 → 2022")))
        else:
            for year in years_of(analysis):
                params = {
                    "INPUT": sources[year][0],
                    "ZONES": zones_param,
                    ZONES_OFFSET: self.zones_offset(),
                    "COLUMN_PREFIX": PREFIX_2020 if year == 2020 else PREFIX_2022,
                    "OUTPUT": "TEMPORARY_OUTPUT",
                }
                if sources[year][1]:
                    params["VALID_MASK"] = sources[year][1]
                steps.append(AlgorithmStep(ALGORITHM_IDS["zonal"], params, tr("zonal statistics {year}").format(year=year)))
        request = {
            "analysis": analysis,
            "zones_id": zones.id(),
            "zones_name": zones.name(),
            "name_field": self.nameFieldCombo.currentField(),
            "raster_crs": sources[years_of(analysis)[-1]][2],
            "add_layer": self.addLayerCheck.isChecked(),
            "join": self.joinCheck.isChecked(),
            "zones_offset": self.zones_offset(),
        }
        return steps, request

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
        self._remove_previous_join(self.project.mapLayer(request["zones_id"]))
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
        for widget in (self.zonesGroup, self.analysisGroup, self.outputGroup):
            widget.setEnabled(not running)

    def _remember_inputs(self) -> None:
        try:
            self._settings = update_settings(
                dock_analysis=self.analysis(),
                dock_source=self.source_kind(),
                dock_folder=self.folderWidget.filePath(),
                dock_add_layer=self.addLayerCheck.isChecked(),
                dock_join=self.joinCheck.isChecked(),
                low_valid_threshold_pct=float(self.thresholdSpin.value()),
                top_n_chart=int(self.topNSpin.value()),
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
            result = self._build_result(outputs, request)
        except Exception as error:  # a surprise in the outputs must not take QGIS down
            log.exception("Could not read the results")
            self.show_message(tr("Could not read the results: {error}").format(error=error), "error")
            self.runFinished.emit(False, self.message())
            return
        self.set_result(result)
        notes = []
        if request["add_layer"]:
            notes.append(self._add_result_layer(result, request))
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
    def _build_result(self, outputs: List[dict], request: dict) -> ResultSet:
        analysis = request["analysis"]
        columns = columns_for(analysis)
        layers = [o.get("OUTPUT") for o in outputs]
        if not layers or any(layer is None for layer in layers):
            raise ValueError(tr("the algorithm returned no output layer"))
        first = layers[0]
        features = [list(layer.getFeatures()) for layer in layers]
        count = len(features[0])
        if any(len(f) != count for f in features):
            raise ValueError(tr("the two runs returned different numbers of zones"))

        name_field = request["name_field"]
        name_index = first.fields().indexOf(name_field) if name_field else -1
        labels, rows = [], []
        for i, feature in enumerate(features[0]):
            label = _text(feature.attributes()[name_index]) if name_index >= 0 else ""
            labels.append(label or tr("Zone {n}").format(n=i + 1))
            rows.append({})
        for layer, feats in zip(layers, features):
            fields = layer.fields()
            for column in columns:
                index = fields.indexOf(column.key)
                if index < 0:
                    continue
                for i, feature in enumerate(feats):
                    rows[i][column.key] = _null_to_none(feature.attributes()[index])
        missing = [c.key for c in columns if c.field != CHANGE_VALID_PCT and c.key not in rows[0]] if rows else []
        if missing:
            raise ValueError(tr("missing output fields: {fields}").format(fields=", ".join(missing)))

        # result layer: zone attributes and geometry of the first output, statistics of all
        fields = QgsFields()
        for f in first.fields():
            fields.append(QgsField(f))
        extra = []
        for column in columns:
            if fields.indexOf(column.key) < 0:
                fields.append(new_field(column.key, FIELD_DOUBLE))
                extra.append(column.key)
        crs = first.crs()
        if analysis == ANALYSIS_CHANGE:
            self._add_change_valid_pct(features[0], rows, crs, request["raster_crs"], request.get("zones_offset", 0))
        uri = "{}?crs={}".format(QgsWkbTypes.displayString(first.wkbType()), crs.authid() or "")
        layer = QgsVectorLayer(uri, "results", "memory")
        if not crs.authid():
            layer.setCrs(crs)
        provider = layer.dataProvider()
        provider.addAttributes(list(fields))
        layer.updateFields()
        new_features = []
        first_count = first.fields().count()
        for i, feature in enumerate(features[0]):
            out = QgsFeature(layer.fields())
            out.setGeometry(feature.geometry())
            attributes = list(feature.attributes())[:first_count]
            attributes += [rows[i].get(key) for key in extra]
            out.setAttributes(attributes)
            new_features.append(out)
        provider.addFeatures(new_features)
        layer.updateExtents()
        return ResultSet(
            analysis=analysis,
            zone_labels=labels,
            rows=rows,
            columns=columns,
            label_header=name_field or tr("Zone"),
            layer=layer,
            zones_name=request["zones_name"],
            key_field=name_field or "",
        )

    def _add_change_valid_pct(self, features, rows, zones_crs, raster_crs, offset=0) -> None:
        """Valid-in-both-years share of each zone: valid area over the zone's area (raster CRS;
        web-map offset zones converted to WGS84 first, as the algorithm did)."""
        key = PREFIX_CHANGE + CHANGE_VALID_PCT
        transform = None
        if raster_crs is not None and raster_crs.isValid() and zones_crs.isValid() and raster_crs != zones_crs:
            transform = QgsCoordinateTransform(zones_crs, raster_crs, self.project.transformContext())
        for feature, row in zip(features, rows):
            value = None
            geometry = feature.geometry()
            try:
                if geometry is not None and not geometry.isEmpty():
                    geometry = type(geometry)(geometry)
                    if offset:
                        geometry = _without_offset(geometry, offset)
                    if transform is not None:
                        geometry.transform(transform)
                    area_km2 = geometry.area() / 1e6
                    valid = row.get(PREFIX_CHANGE + "valid_km2")
                    if area_km2 > 0 and valid is not None:
                        value = min(100.0, 100.0 * valid / area_km2)
            except Exception as error:  # a zone that cannot be projected gets no share
                log.info("Zone area not computed: %s", error)
            row[key] = value

    def set_result(self, result: Optional[ResultSet]) -> None:
        self.result = result
        self.model.set_result(result)
        if result is not None:
            self.resultsView.sortByColumn(-1, self.resultsView.horizontalHeader().sortIndicatorOrder())
            self.resultsView.horizontalHeader().setSortIndicator(-1, self.resultsView.horizontalHeader().sortIndicatorOrder())
            if len(result) <= 500:
                self.resultsView.resizeColumnsToContents()
            else:
                self.resultsView.resizeColumnToContents(0)
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
        for widget in (self.copyButton, self.exportCsvButton, self.exportGpkgButton):
            widget.setEnabled(has)
        self._update_flag_summary()

    def _add_result_layer(self, result: ResultSet, request: dict) -> str:
        """Add a copy of the result layer to the project (and join it onto the zones)."""
        layer = result.layer.materialize(QgsFeatureRequest())
        layer.setName(tr("CISC {analysis} – {zones}").format(
            analysis=analysis_label(result.analysis), zones=result.zones_name))
        layer.setCustomProperty(PROP_KIND, STATISTICS_KIND)
        style_result_layer(layer, result)
        self._remove_previous_join()
        self.project.addMapLayer(layer)
        self.result_layer_id = layer.id()
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

    def _remove_previous_join(self, zones: Optional[QgsVectorLayer] = None) -> None:
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

    def _selection_changed(self, *_args) -> None:
        if self.selectedZoneCheck.isChecked():
            self.refresh_chart()

    def selected_result_row(self) -> Optional[int]:
        rows = self.resultsView.selectionModel().selectedRows() if self.resultsView.selectionModel() else []
        if not rows:
            return None
        return self.model.result_row(rows[0].row())

    def copy_selection(self) -> str:
        rows = sorted({i.row() for i in self.resultsView.selectionModel().selectedRows()})
        text = self.model.copy_to_clipboard(rows or None)
        self.show_message(tr("Copied {n} rows to the clipboard.").format(n=len(rows) if rows else self.model.rowCount()))
        return text

    # -- exports ---------------------------------------------------------------
    def _ask_path(self, title: str, suffix: str, file_filter: str) -> Optional[str]:
        folder = self._settings.last_export_folder or str(Path.home())
        default = Path(folder) / f"cisc_{self.result.analysis}_{self.result.zones_name or 'zones'}{suffix}"
        path, _ = QFileDialog.getSaveFileName(self, title, str(default), file_filter)
        if not path:
            return None
        if not path.lower().endswith(suffix):
            path += suffix
        try:
            self._settings = update_settings(last_export_folder=str(Path(path).parent))
        except Exception:
            pass
        return path

    def export_csv(self, path) -> Optional[Path]:
        try:
            written = export_csv(self.model, path)
        except Exception as error:
            self.show_message(tr("Could not export {path}: {error}").format(path=path, error=error), "error")
            return None
        self.show_message(tr("Saved {path}").format(path=written), "success")
        return written

    def export_geopackage(self, path) -> Optional[Path]:
        try:
            written = export_geopackage(self.result, path, layer_name=f"cisc_{self.result.analysis}")
        except Exception as error:
            self.show_message(tr("Could not export {path}: {error}").format(path=path, error=error), "error")
            return None
        self.show_message(tr("Saved {path}").format(path=written), "success")
        return written

    def _export_csv_clicked(self) -> None:
        if self.result is not None:
            path = self._ask_path(tr("Export the table as CSV"), ".csv", tr("CSV files (*.csv)"))
            if path:
                self.export_csv(path)

    def _export_gpkg_clicked(self) -> None:
        if self.result is not None:
            path = self._ask_path(tr("Export the results as GeoPackage"), ".gpkg", tr("GeoPackage (*.gpkg)"))
            if path:
                self.export_geopackage(path)

    # -- charts ----------------------------------------------------------------
    def chart_kind(self) -> str:
        return self.chartCombo.currentData()

    def set_chart_kind(self, kind: str) -> None:
        self.chartCombo.setCurrentIndex(self.chartCombo.findData(kind))
        self.refresh_chart()

    def refresh_chart(self, *_args) -> None:
        self._clear_chart()
        self.selectedZoneCheck.setVisible(self.chart_kind() == charts.CHART_TRANSITIONS)
        if not charts.matplotlib_available():
            self.chartNoteLabel.setText(
                tr("Charts need matplotlib, which could not be loaded ({error}). The table shows all figures.")
                .format(error=charts.unavailable_reason())
            )
            self.chartNoteLabel.setVisible(True)
            self.savePngButton.setEnabled(False)
            return
        reason = charts.chart_unavailable_reason(self.chart_kind(), self.result)
        if reason:
            self.chartNoteLabel.setText(reason)
            self.chartNoteLabel.setVisible(True)
            self.savePngButton.setEnabled(False)
            return
        selected = self.selected_result_row() if self.selectedZoneCheck.isChecked() else None
        try:
            self._figure = charts.make_figure(
                self.chart_kind(), self.result, top_n=self.topNSpin.value(), selected_row=selected
            )
            self._canvas = charts.make_canvas(self._figure, self.chartContainer)
        except Exception as error:
            log.exception("Chart failed")
            self._figure = None
            self.chartNoteLabel.setText(tr("The chart could not be drawn: {error}").format(error=error))
            self.chartNoteLabel.setVisible(True)
            self.savePngButton.setEnabled(False)
            return
        self.chartContainer.layout().addWidget(self._canvas)
        self.chartNoteLabel.setVisible(False)
        self.savePngButton.setEnabled(True)

    def _clear_chart(self) -> None:
        if self._canvas is not None:
            self.chartContainer.layout().removeWidget(self._canvas)
            self._canvas.setParent(None)
            self._canvas.deleteLater()
        self._canvas = None
        self._figure = None

    def current_figure(self):
        return self._figure

    def save_chart_png(self, path) -> Optional[Path]:
        if self._figure is None:
            self.show_message(tr("There is no chart to save."), "error")
            return None
        try:
            written = charts.save_png(self._figure, path)
        except Exception as error:
            self.show_message(tr("Could not save {path}: {error}").format(path=path, error=error), "error")
            return None
        self.show_message(tr("Saved {path}").format(path=written), "success")
        return written

    def _save_png_clicked(self) -> None:
        if self._figure is None:
            return
        folder = self._settings.last_export_folder or str(Path.home())
        default = Path(folder) / f"cisc_{self.chart_kind()}.png"
        path, _ = QFileDialog.getSaveFileName(self, tr("Save chart as PNG"), str(default), tr("PNG images (*.png)"))
        if path:
            self.save_chart_png(path)

    # -- life cycle ------------------------------------------------------------
    def _project_cleared(self) -> None:
        self.cancel_running_task()
        self.joined = None
        self.result_layer_id = None
        self.set_result(None)
        self.messageLabel.setText("")

    def _layers_removed(self, layer_ids) -> None:
        ids = set(layer_ids)
        if self.result_layer_id in ids:
            self.result_layer_id = None
        if self.joined is not None and (self.joined[0] in ids or self.joined[1] in ids):
            if self.joined[1] in ids and self.joined[0] not in ids:
                zones = self.project.mapLayer(self.joined[0])
                if zones is not None:
                    zones.removeJoin(self.joined[1])
            self.joined = None
        if self.chain is not None and self._run_request and self._run_request.get("zones_id") in ids:
            self.cancel_running_task()
            self.show_message(tr("The zones layer was removed: the run was cancelled."), "warning")
        self._update_source_status()

    def closeEvent(self, event):
        self.cancel_running_task()
        super().closeEvent(event)

    def deleteLater(self):
        self.cancel_running_task()
        self.disconnect_project()
        self._clear_chart()
        super().deleteLater()

    def disconnect_project(self) -> None:
        for signal, slot in (
            (self.project.cleared, self._project_cleared),
            (self.project.layersWillBeRemoved, self._layers_removed),
            (self.project.layersAdded, self._update_source_status),
        ):
            try:
                signal.disconnect(slot)
            except (TypeError, RuntimeError):
                pass
