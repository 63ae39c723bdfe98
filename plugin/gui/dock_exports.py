"""The statistics dock's exports: copy, CSV, GeoPackage, the PDF report and chart PNGs, each
through a non-blocking save dialog (file_dialogs.py) that the dock closes on unload.

A mixin of StatisticsDock (plugin/gui/dock.py)."""

from pathlib import Path
from typing import Optional

from ..toolbelt.i18n import tr
from ..toolbelt.settings import update_settings
from . import file_dialogs
from .results import export_csv as write_csv
from .results import export_geopackage as write_geopackage


class DockExports:
    """Export actions of the statistics dock."""

    def copy_selection(self) -> str:
        rows = sorted({i.row() for i in self.resultsView.selectionModel().selectedRows()})
        text = self.model.copy_to_clipboard(rows or None)
        self.show_message(tr("Copied {n} rows to the clipboard.").format(n=len(rows) if rows else self.model.rowCount()))
        return text

    # -- exports ---------------------------------------------------------------
    def _ask_path(self, title: str, suffix: str, file_filter: str, callback, stem: Optional[str] = None):
        """A non-blocking save dialog (file_dialogs.py): callback(path) once a file is chosen."""
        folder = self._settings.last_export_folder or str(Path.home())
        if stem is None:
            stem = f"cisc_{self.result.analysis}_{self.result.zones_name or 'zones'}"
        default = Path(folder) / f"{stem}{suffix}"

        def chosen(path: str) -> None:
            try:
                self._settings = update_settings(last_export_folder=str(Path(path).parent))
            except Exception:  # nosec B110 # remembering the folder is a convenience; the export goes on
                pass
            callback(path)

        return file_dialogs.ask_save_path(self, title, str(default), file_filter, suffix, chosen)

    def export_csv(self, path) -> Optional[Path]:
        return self._export(lambda: write_csv(self.model, path), path)

    def export_geopackage(self, path) -> Optional[Path]:
        return self._export(lambda: write_geopackage(self.result, path, layer_name=f"cisc_{self.result.analysis}"), path)

    def _export(self, write, path) -> Optional[Path]:
        try:
            written = write()
        except Exception as error:
            self.show_message(tr("Could not export {path}: {error}").format(path=path, error=error), "error")
            return None
        self.show_message(tr("Saved {path}").format(path=written), "success")
        return written

    def _export_csv_clicked(self) -> None:
        if self.result is not None:
            self._ask_path(tr("Export the table as CSV"), ".csv", tr("CSV files (*.csv)"), self.export_csv)

    def _export_gpkg_clicked(self) -> None:
        if self.result is not None:
            self._ask_path(tr("Export the results as GeoPackage"), ".gpkg", tr("GeoPackage (*.gpkg)"),
                           self.export_geopackage)

    def export_report(self, path) -> Optional[Path]:
        """The PDF report (plugin/layers/report.py, the code of cisc:report), built on the main thread;
        its layout is added to the project (Project > Layouts) to be edited in the layout designer."""
        from ..layers.report import ReportOptions, write_report

        def write():
            shown = self.project.mapLayer(self.result_layer_id) if self.result_layer_id else None
            options = ReportOptions(threshold_pct=self.thresholdSpin.value(),
                                    top_n=max(1, int(self.topNSpin.value())))
            written, _layout = write_report(self.result, str(path), options, self.project, add_to_project=True,
                                            map_layer=shown)
            return Path(written)

        return self._export(write, path)

    def _export_report_clicked(self) -> None:
        if self.result is not None:
            self._ask_path(tr("Export a PDF report"), ".pdf", tr("PDF files (*.pdf)"), self.export_report)

    def _save_png_clicked(self) -> None:
        if self.charts.figure is not None:
            self._ask_path(tr("Save chart as PNG"), ".png", tr("PNG images (*.png)"), self.save_chart_png,
                           stem=f"cisc_{self.chart_kind()}")
