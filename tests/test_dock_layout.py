"""The dock at its real size: a 1366 x 768 main window, the dock under another panel. Run,
Cancel and the status line stay visible, charts get the room their labels need, the results
can go into their own window; defaults (zones layer, sort order); unloading with a save dialog
open."""

import pytest
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QApplication, QDockWidget, QFileDialog, QMainWindow, QTreeView, QWidget

from cisc_impervious.plugin.layers.styling import PROP_KIND
from tests.test_results import _change_rows, _layer

NAMES = ["Chengguan District of a Very Long Name", "甲", "乙"]


def _settle(rounds=20):
    for _ in range(rounds):
        QgsApplication.processEvents()


@pytest.fixture()
def change_result(qgis_app):
    from cisc_impervious.plugin.gui.results import ResultSet, columns_for

    rows = _change_rows()
    columns = columns_for("change")
    return ResultSet("change", list(NAMES), rows, columns, layer=_layer(rows, [c.key for c in columns]),
                     zones_name="z", key_field="name")


@pytest.fixture()
def laptop(plugin, qgis_iface, qgis_new_project):
    """A 1366 x 768 main window with a Processing-toolbox-like panel and the dock docked under it."""
    from cisc_impervious.plugin.gui.dock import StatisticsDock
    from cisc_impervious.plugin.toolbelt.settings import update_settings

    update_settings(dock_splitter="", dock_results_window=False, dock_results_geometry="")
    window = QMainWindow()
    window.setCentralWidget(QWidget())
    other = QDockWidget("Processing Toolbox", window)
    other.setObjectName("toolbox")
    other.setWidget(QTreeView())
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, other)
    dock = StatisticsDock(qgis_iface, window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.splitDockWidget(other, dock, Qt.Orientation.Vertical)
    window.resize(1366, 768)
    window.show()
    _settle()
    window.resizeDocks([other], [420], Qt.Orientation.Vertical)  # the toolbox takes the larger part
    _settle()
    yield window, dock
    dock.shutdown()
    window.close()
    dock.deleteLater()
    window.deleteLater()
    _settle()


def _visible(widget) -> bool:
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def test_run_cancel_and_status_visible_under_another_panel(laptop):
    window, dock = laptop
    assert dock.height() < 500  # it shares the column with the other panel
    for widget in (dock.runButton, dock.cancelButton, dock.progressBar, dock.messageLabel):
        assert _visible(widget), widget.objectName()
    # whatever the dock's height: shrunk to its minimum, the run bar is still whole
    window.resizeDocks([dock], [dock.minimumSizeHint().height()], Qt.Orientation.Vertical)
    _settle()
    for widget in (dock.runButton, dock.cancelButton, dock.messageLabel):
        assert widget.visibleRegion().boundingRect().height() == widget.height(), widget.objectName()
    # an error message is seen without scrolling
    dock.zonesLayerCombo.setLayer(None)
    assert dock.run() is False
    assert "zones layer" in dock.message().lower() and _visible(dock.messageLabel)


def test_charts_get_the_room_their_labels_need(laptop, change_result):
    from cisc_impervious.plugin.gui import charts

    _window, dock = laptop
    dock.set_result(change_result)
    dock.tabWidget.setCurrentIndex(1)
    for kind in charts.CHART_KINDS:
        dock.set_chart_kind(kind)
        _settle()
        canvas = dock.current_canvas()
        assert canvas is not None and _visible(canvas), kind
        assert canvas.width() >= 350 and canvas.height() >= 300, (kind, canvas.size())  # scrolls if need be
        # the figure follows the canvas: zone labels never overlap at the size shown
        canvas.draw()
        renderer = canvas.get_renderer()
        for ax in [a for a in dock.current_figure().axes if a.axison]:  # not the legends' axes
            boxes = sorted((t.get_window_extent(renderer) for t in ax.get_yticklabels() if t.get_text()),
                           key=lambda b: b.y0)
            for lower, upper in zip(boxes, boxes[1:]):
                assert lower.y1 <= upper.y0 + 0.5, (kind, lower, upper)


def test_long_zone_names_are_cut_and_shown_in_full_on_hover(change_result):
    from cisc_impervious.plugin.gui import charts

    figure = charts.make_figure(charts.CHART_GAIN_LOSS, change_result, top_n=3)
    canvas = charts.make_canvas(figure)
    canvas.draw()
    ax = figure.axes[-1] if figure.axes[-1].get_yticklabels() else figure.axes[0]
    ax = next(a for a in figure.axes if [t for t in a.get_yticklabels() if t.get_text()])
    labels = {t.get_text(): t for t in ax.get_yticklabels()}
    cut = [text for text in labels if text.endswith("…")]
    assert cut == ["Chengguan Distric…"]  # 18 characters
    box = labels[cut[0]].get_window_extent(canvas.get_renderer())
    hover = charts.hover_text(figure, (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
    assert hover.startswith(NAMES[0]) and "km²" in hover


def test_results_open_in_their_own_window_and_it_is_remembered(laptop, change_result):
    from cisc_impervious.plugin.toolbelt.settings import read_settings

    _window, dock = laptop
    dock.set_result(change_result)
    dock.windowButton.setChecked(True)
    _settle()
    assert dock.results_window is not None and dock.results_window.isVisible()
    assert dock.resultsPanel.window() is dock.results_window
    assert dock.resultsView.height() > 300
    dock.tabWidget.setCurrentIndex(1)
    dock.set_chart_kind("transitions")
    _settle()
    shown = dock.current_canvas().visibleRegion().boundingRect()
    assert shown.width() >= 350 and shown.height() >= 300, shown
    assert read_settings().dock_results_window is True
    for widget in (dock.runButton, dock.messageLabel):  # the run bar stays in the dock
        assert _visible(widget)
    dock.results_window.close()  # closing the window brings the results back
    _settle()
    assert dock.results_window is None and not dock.windowButton.isChecked()
    assert dock.resultsPanel.window() is dock.window()
    assert read_settings().dock_results_window is False


def test_table_sorted_by_impervious_area_descending(laptop, change_result):
    _window, dock = laptop
    dock.set_result(change_result)
    areas = [dock.model.value(r, "chg_imperv_to_km2") for r in range(dock.model.rowCount())]
    assert areas == sorted(areas, reverse=True) and areas[0] == pytest.approx(4.0)
    assert dock.model.headerData(0, Qt.Orientation.Horizontal) == "Zone"
    assert dock.model.headerData(1, Qt.Orientation.Horizontal) == "Valid area (km²)"
    # the view shows the impervious figures first (the sorted column in sight); exports keep
    # the fields' order
    header = dock.resultsView.horizontalHeader()
    shown = [dock.model.headerData(header.logicalIndex(v), Qt.Orientation.Horizontal) for v in range(5)]
    assert shown[0] == "Zone" and "Impervious 2020" in shown[1] and "Impervious 2022" in shown[2]
    assert "Gain" in shown[3] and "Loss" in shown[4]
    assert header.visualIndex(header.sortIndicatorSection()) == 2


def _polygon_layer(name, kind=None):
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=name:string", name, "memory")
    if kind:
        layer.setCustomProperty(PROP_KIND, kind)
    return layer


def test_default_zones_layer_is_no_date_or_result_layer(plugin, qgis_iface, qgis_new_project):
    from cisc_impervious.plugin.gui.dock import StatisticsDock
    from cisc_impervious.plugin.toolbelt.settings import update_settings

    update_settings(dock_zones_layer="", dock_zones_source="")
    project = QgsProject.instance()
    dock = StatisticsDock(qgis_iface)
    try:
        dates = _polygon_layer("Acquisition dates 2020", "dates")
        results = _polygon_layer("CISC Change – counties", "statistics")
        counties = _polygon_layer("counties")
        provinces = _polygon_layer("provinces")
        project.addMapLayers([dates, results])
        assert dock.zones_layer() is None  # nothing but plugin layers: no default
        project.addMapLayers([counties, provinces])
        assert dock.zones_layer() is not None and dock.zones_layer().id() in (counties.id(), provinces.id())
        # the last used zones layer wins while it is in the project
        update_settings(dock_zones_layer=provinces.id(), dock_zones_source=provinces.source())
        second = StatisticsDock(qgis_iface)
        try:
            assert second.zones_layer().id() == provinces.id()
        finally:
            second.shutdown()
            second.deleteLater()
        # a layer the user picked is kept when other layers arrive
        dock.zonesLayerCombo.setLayer(dates)
        dock._zones_picked(0)
        project.addMapLayer(_polygon_layer("districts"))
        assert dock.zones_layer().id() == dates.id()
    finally:
        dock.shutdown()
        dock.deleteLater()
        update_settings(dock_zones_layer="", dock_zones_source="")
        _settle()


def test_unloading_with_the_export_dialog_open(qgis_iface, qgis_new_project, change_result):
    """The export dialog no longer runs a nested event loop: unloading the plugin closes it, and
    nothing calls back into the deleted dock."""
    import cisc_impervious
    from cisc_impervious.plugin.gui import file_dialogs

    window = qgis_iface.mainWindow()
    was_visible = window.isVisible()
    window.show()
    instance = cisc_impervious.classFactory(qgis_iface)
    instance.initGui()
    try:
        instance.actions["dock"].trigger()
        dock = instance.dock
        dock.set_result(change_result)
        dock.exportCsvButton.click()  # returns at once: the dialog is open, not exec()'d
        _settle()
        dialogs = file_dialogs.open_dialogs(dock)
        assert len(dialogs) == 1 and dialogs[0].isVisible()
        dock.savePngButton.click()
        _settle()
        assert len(file_dialogs.open_dialogs(dock)) == 2
    finally:
        instance.unload()
        window.setVisible(was_visible)
    _settle()
    assert instance.dock is None
    assert file_dialogs.open_dialogs() == []
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()]
