"""Screenshots of the statistics dock (results table and every chart), in English and Chinese.

Generates a small CISC-like sample (tests/datafactory.py), runs the dock's change analysis
through the real Processing algorithms, and grabs the window. Run under a virtual display:

    xvfb-run -a .venv/bin/python -m tools.screenshots [--out docs/screenshots] [--size 1536]

Chinese text needs a CJK font (Debian: fonts-noto-cjk or fonts-wqy-microhei).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from tools.plugin_package import REPO_ROOT as ROOT
from tools.plugin_package import put_plugin_on_path

NAMES = {
    "en": ["Anping", "Baishui", "Chengguan", "Dongxiang", "Fengyang", "Gaoqiao", "Hexi", "Jinshan",
           "Lianhua", "Nanhu", "Qingshui", "Xinzhuang"],
    "zh_CN": ["安平县", "白水县", "城关区", "东乡县", "凤阳县", "高桥镇", "河西区", "金山区",
              "莲花县", "南湖区", "清水县", "新庄区"],
}


def _wait(app, condition, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _settle(app, seconds=0.3):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


class _Iface:
    """The few iface methods the dock uses."""

    def __init__(self, window, canvas):
        self._window, self._canvas = window, canvas

    def mainWindow(self):
        return self._window

    def mapCanvas(self):
        return self._canvas


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--size", type=int, default=1536, help="sample raster size in pixels")
    parser.add_argument("--locales", default="en,zh_CN")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    put_plugin_on_path()
    from qgis.core import QgsApplication, QgsProject, QgsRasterLayer, QgsVectorLayer

    app = QgsApplication([], True)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()
    from qgis.core import (
        QgsPalLayerSettings,
        QgsTextFormat,
        QgsVectorLayerSimpleLabeling,
    )
    from qgis.gui import QgsMapCanvas
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtGui import QColor, QFont
    from qgis.PyQt.QtWidgets import QMainWindow

    from cisc_impervious.plugin.gui import charts
    from cisc_impervious.plugin.layers.styling import PROP_KIND, PROP_YEAR
    from cisc_impervious.plugin.processing.provider import CiscProvider
    from cisc_impervious.plugin.toolbelt.i18n import (
        install_translator,
        is_simplified_chinese,
        remove_translator,
    )
    from tests import datafactory

    provider = CiscProvider()
    QgsApplication.processingRegistry().addProvider(provider)

    work = Path(tempfile.mkdtemp(prefix="cisc_screens_"))
    sample = datafactory.make_cisc_set(work / "cisc", args.size, args.size, seed=7, with_dates=False)
    geoms = datafactory.make_provinces(len(NAMES["en"]), sample, seed=7)
    written = []
    for locale in [loc.strip() for loc in args.locales.split(",") if loc.strip()]:
        suffix = "zh" if is_simplified_chinese(locale) else "en"
        if suffix == "zh":
            install_translator(locale)
        else:
            remove_translator()
        project = QgsProject.instance()
        project.clear()
        zones_path = datafactory.write_zones(work / f"zones_{suffix}.gpkg", geoms, 4490, names=NAMES["zh_CN" if suffix == "zh" else "en"])
        zones = QgsVectorLayer(zones_path, "县区" if suffix == "zh" else "counties", "ogr")
        symbol = zones.renderer().symbol()
        symbol.symbolLayer(0).setFillColor(QColor(0, 0, 0, 0))
        symbol.symbolLayer(0).setStrokeColor(QColor(40, 40, 40))
        symbol.symbolLayer(0).setStrokeWidth(0.5)
        label = QgsPalLayerSettings()
        label.fieldName = "name"
        text_format = QgsTextFormat()
        text_format.setFont(QFont("Noto Sans CJK SC" if suffix == "zh" else "DejaVu Sans", 9))
        text_format.buffer().setEnabled(True)
        label.setFormat(text_format)
        zones.setLabeling(QgsVectorLayerSimpleLabeling(label))
        zones.setLabelsEnabled(True)
        rasters = {}
        for kind, year, path in (
            ("cisc", 2020, sample.cisc_2020), ("cisc", 2022, sample.cisc_2022),
            ("mask", 2020, sample.valid_mask_2020), ("mask", 2022, sample.valid_mask_2022),
        ):
            layer = QgsRasterLayer(path, Path(path).stem, "gdal")
            style = ROOT / "resources" / "styles" / ("cisc_classes.qml" if kind == "cisc" else "valid_mask.qml")
            if style.exists():
                layer.loadNamedStyle(str(style))
            # after the style: loading a .qml replaces the custom properties
            layer.setCustomProperty(PROP_KIND, kind)
            layer.setCustomProperty(PROP_YEAR, year)
            project.addMapLayer(layer)
            rasters[(kind, year)] = layer
        project.addMapLayer(zones)

        window = QMainWindow()
        window.setWindowTitle("QGIS – CISC")
        canvas = QgsMapCanvas(window)
        canvas.setDestinationCrs(rasters[("cisc", 2022)].crs())
        canvas.setLayers([zones, rasters[("cisc", 2022)]])
        canvas.setExtent(zones.extent() if zones.crs() == canvas.mapSettings().destinationCrs()
                         else rasters[("cisc", 2022)].extent())
        window.setCentralWidget(canvas)
        iface = _Iface(window, canvas)

        from qgis.PyQt.QtWidgets import QDockWidget, QTreeWidget, QTreeWidgetItem

        from cisc_impervious.plugin.gui.dock import StatisticsDock
        from cisc_impervious.plugin.toolbelt.settings import update_settings

        # the default layout, as a new user gets it: nothing remembered, no forced splitter
        update_settings(dock_splitter="", dock_results_window=False, dock_results_geometry="")
        layers_panel = QDockWidget("Layers" if suffix == "en" else "图层", window)
        tree = QTreeWidget()
        tree.setHeaderHidden(True)
        for layer in (zones, *rasters.values()):
            QTreeWidgetItem(tree, [layer.name()])
        layers_panel.setWidget(tree)
        window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, layers_panel)
        dock = StatisticsDock(iface, window)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.resize(1366, 768)
        window.show()
        _settle(app, 0.3)
        dock.zonesLayerCombo.setLayer(zones)
        dock.nameFieldCombo.setField("name")
        dock.set_analysis("change")
        dock.set_source_layers()
        dock.addLayerCheck.setChecked(True)
        dock.joinCheck.setChecked(False)
        dock.thresholdSpin.setValue(60)
        path = out / f"dock_inputs_{suffix}.png"
        window.grab().save(str(path))
        written.append(path)
        finished = []
        dock.runFinished.connect(lambda ok, msg: finished.append((ok, msg)))  # noqa: B023 (used within the iteration)
        if not dock.run() or not _wait(app, lambda: bool(finished), 300) or not finished[0][0]:  # noqa: B023
            print("the run failed:", dock.message(), file=sys.stderr)
            os._exit(1)  # skip QGIS's teardown with a half-built window
        canvas.setLayers([layer for layer in project.layerTreeRoot().layerOrder()
                          if layer.customProperty(PROP_KIND) != "mask"])
        canvas.zoomToFullExtent()
        canvas.refresh()
        _wait(app, lambda: not canvas.isDrawing(), 30)  # noqa: B023
        dock.tabWidget.setCurrentIndex(0)
        _settle(app, 0.5)
        path = out / f"dock_results_{suffix}.png"
        window.grab().save(str(path))
        written.append(path)

        dock.tabWidget.setCurrentIndex(1)
        for kind in charts.CHART_KINDS:
            dock.set_chart_kind(kind)
            _settle(app, 0.4)
            path = out / f"dock_chart_{kind}_{suffix}.png"
            dock.grab().save(str(path))
            written.append(path)
            figure = charts.make_figure(kind, dock.result, top_n=dock.topNSpin.value())
            written.append(charts.save_png(figure, out / f"chart_{kind}_{suffix}.png", dpi=110))

        # the results in their own window, enlarged
        dock.windowButton.setChecked(True)
        dock.results_window.resize(1000, 680)
        dock.set_chart_kind(charts.CHART_IMPERVIOUS)
        _settle(app, 0.5)
        path = out / f"results_window_{suffix}.png"
        dock.results_window.grab().save(str(path))
        written.append(path)
        dock.windowButton.setChecked(False)

        dock.tabWidget.setCurrentIndex(2)
        _settle(app, 0.3)
        path = out / f"dock_about_{suffix}.png"
        dock.grab().save(str(path))
        written.append(path)
        update_settings(dock_splitter="", dock_results_window=False, dock_results_geometry="")

        dock.cancel_running_task()
        dock.disconnect_project()
        window.close()
        dock.deleteLater()
        window.deleteLater()
        _settle(app, 0.2)

    remove_translator()
    QgsProject.instance().clear()
    QgsApplication.processingRegistry().removeProvider(provider)
    for path in written:
        print(path)
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
