"""The "Add CISC layers…" dialog: years, masks, dates and the source, remembered between sessions."""

from __future__ import annotations

import weakref
from pathlib import Path
from typing import List

from qgis.core import Qgis, QgsApplication
from qgis.PyQt import uic
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QCursor
from qgis.PyQt.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QLabel, QProgressBar

from ..core import dataset, sources
from ..core.errors import CiscError
from ..layers import loader
from ..layers.download import DownloadTask
from ..layers.stream_task import StreamProbeTask
from ..toolbelt.i18n import tr, tr_message
from ..toolbelt.log import get_logger
from ..toolbelt.settings import read_settings, update_settings
from . import message_box
from .message_box import translate_buttons

log = get_logger("gui.add_layers")

UI_PATH = Path(__file__).resolve().parents[2] / "ui" / "add_layers_dialog.ui"
FORM_CLASS, _ = uic.loadUiType(str(UI_PATH))

_OPEN_DIALOGS = weakref.WeakSet()  # closed by close_all() when the plugin unloads


def close_all() -> None:
    """Plugin unload: cancel what the open dialogs wait for and close them."""
    for dialog in list(_OPEN_DIALOGS):
        try:
            dialog.reject()
        except RuntimeError:  # its C++ side is already gone
            pass
    _OPEN_DIALOGS.clear()


class AddLayersDialog(QDialog, FORM_CLASS):
    """Pick years, overlays and source; OK adds the layers (or starts the verified download)."""

    # Zenodo's address; tests point it at a server on 127.0.0.1.
    base_url: str | None = None
    # overrides of loader.streaming_options() (retries, timeouts); tests shorten them
    stream_settings: dict | None = None

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.setupUi(self)
        # shown with exec() and forgotten by the caller: Qt deletes it once closed
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.iface = iface
        self.last_result = None  # loader.LoadResult of the last add (tests, callers)
        self.download_task = None
        self.stream_task = None  # StreamProbeTask while Zenodo is contacted
        self.last_stream_outcome = None
        self.progressBar = QProgressBar(self)
        self.progressBar.setRange(0, 100)
        self.progressBar.setVisible(False)
        self.layout().insertWidget(self.layout().indexOf(self.buttonBox), self.progressBar)
        # the citation under the file list, wrapped: always shown in full, however narrow the dialog
        self.labelCitation = QLabel(self)
        self.labelCitation.setObjectName("labelCitation")
        self.labelCitation.setWordWrap(True)
        self.labelCitation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout().insertWidget(self.layout().indexOf(self.textStatus) + 1, self.labelCitation)
        self.can_add = False  # would OK add anything? (refresh_status)
        _OPEN_DIALOGS.add(self)
        self._retranslate()
        self._load_settings()
        for widget in (
            self.check2020,
            self.check2022,
            self.checkMasks,
            self.checkDates,
            self.radioLocal,
            self.radioStream,
            self.radioDownload,
        ):
            widget.toggled.connect(self.refresh_status)
        self.editLocalFolder.textChanged.connect(self.refresh_status)
        self.editDownloadFolder.textChanged.connect(self.refresh_status)
        # bound methods, not lambdas: no reference cycle keeps a closed dialog alive
        self.buttonLocalFolder.clicked.connect(self._browse_local)
        self.buttonDownloadFolder.clicked.connect(self._browse_download)
        self.buttonBox.accepted.connect(self.accept)
        self.buttonBox.rejected.connect(self.reject)
        self.refresh_status()

    # -- set-up ----------------------------------------------------------------------
    def _retranslate(self):
        self.setWindowTitle(tr("Add CISC layers"))
        self.groupYears.setTitle(tr("Layers"))
        self.check2020.setText(tr("CISC 2020"))
        self.check2022.setText(tr("CISC 2022"))
        self.checkMasks.setText(tr("Valid-mask overlays (invalid area in grey)"))
        self.checkDates.setText(tr("Acquisition dates of the 2 m imagery"))
        self.groupSource.setTitle(tr("Source"))
        self.radioLocal.setText(tr("Files in a local folder"))
        self.radioStream.setText(tr("Stream from Zenodo (no download; needs a fast connection)"))
        self.radioDownload.setText(tr("Download to a folder (about 1.9 GB; md5-verified, resumable)"))
        self.editLocalFolder.setPlaceholderText(tr("Folder holding cisc_2020.tif, valid_mask_2020.tif, …"))
        self.editDownloadFolder.setPlaceholderText(tr("Folder to download into"))
        self.labelStatus.setText(tr("Files"))
        translate_buttons(self.buttonBox)  # Qt's own labels stay English in a Chinese QGIS
        self.buttonBox.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Add layers"))

    def _load_settings(self):
        settings = read_settings()
        years = sources.parse_years(settings.years)
        self.check2020.setChecked(2020 in years)
        self.check2022.setChecked(2022 in years)
        self.checkMasks.setChecked(bool(settings.add_masks))
        self.checkDates.setChecked(bool(settings.add_dates))
        self.editLocalFolder.setText(settings.local_folder)
        self.editDownloadFolder.setText(settings.download_folder)
        {"stream": self.radioStream, "download": self.radioDownload}.get(
            settings.source_kind, self.radioLocal
        ).setChecked(True)

    def _save_settings(self):
        update_settings(
            source_kind=self.source_kind(),
            local_folder=self.editLocalFolder.text().strip(),
            download_folder=self.editDownloadFolder.text().strip(),
            years=",".join(str(y) for y in self.years()),
            add_masks=self.checkMasks.isChecked(),
            add_dates=self.checkDates.isChecked(),
        )

    def _browse_local(self):
        self._browse(self.editLocalFolder)

    def _browse_download(self):
        self._browse(self.editDownloadFolder)

    def _browse(self, edit):
        folder = QFileDialog.getExistingDirectory(self, tr("Choose a folder"), edit.text())
        if folder:
            edit.setText(folder)

    # -- state -------------------------------------------------------------------------
    def years(self) -> List[int]:
        return [y for y, box in ((2020, self.check2020), (2022, self.check2022)) if box.isChecked()]

    def source_kind(self) -> str:
        if self.radioStream.isChecked():
            return "stream"
        if self.radioDownload.isChecked():
            return "download"
        return "local"

    def wanted(self):
        return sources.wanted_files(self.years(), self.checkMasks.isChecked(), self.checkDates.isChecked())

    def refresh_status(self, *args):
        kind = self.source_kind()
        self.editLocalFolder.setEnabled(kind == "local")
        self.buttonLocalFolder.setEnabled(kind == "local")
        self.editDownloadFolder.setEnabled(kind == "download")
        self.buttonDownloadFolder.setEnabled(kind == "download")
        lines = []
        citation = ""
        self.can_add = bool(self.years())
        if not self.years():
            lines.append(tr("Choose at least one year."))
        elif kind == "local":
            folder = self.editLocalFolder.text().strip()
            found = sources.discover_local(
                folder, self.years(), self.checkMasks.isChecked(), self.checkDates.isChecked()
            )
            self.can_add = bool(found.found)  # every file missing: nothing to add
            for path in found.found.values():
                lines.append(tr("found: {name}").format(name=Path(path).name))
            for name in found.missing:
                lines.append(tr("MISSING: {name}").format(name=name))
            lines.extend(tr_message(note) for note in found.notes)
        else:
            names = [sources.canonical_name(k, y) for k, y in self.wanted()]
            verb = tr("stream") if kind == "stream" else tr("download")
            for name in names:
                size = dataset.PUBLISHED_FILES.get(name, (0, ""))[0]
                lines.append(tr("{verb}: {name} (about {size:.0f} MB)").format(verb=verb, name=name, size=size / 1e6))
            citation = tr("From Zenodo record {id}. Cite: {citation}").format(
                id=dataset.RECORD_ID, citation=dataset.CITATION
            )
        self.textStatus.setPlainText("\n".join(lines))
        self.labelCitation.setText(citation)
        self.labelCitation.setVisible(bool(citation))
        self.buttonBox.button(QDialogButtonBox.StandardButton.Ok).setEnabled(self.can_add)

    # -- actions -------------------------------------------------------------------------
    def accept(self):
        if not self.years():
            return
        kind = self.source_kind()
        try:
            if kind == "local":
                ok = self._add_local()
            elif kind == "stream":
                ok = self._add_streamed()
            else:
                ok = self._start_download()
        except CiscError as exc:
            message_box.warning(self, tr("Add CISC layers"), str(exc))
            return
        if ok:
            self._save_settings()
            super().accept()

    def _report(self, result: loader.LoadResult, missing=()):
        self.last_result = result
        bar = self.iface.messageBar() if self.iface is not None and hasattr(self.iface, "messageBar") else None
        if bar is None:
            return
        if missing:
            bar.pushWarning(tr("CISC"), tr("Missing, not added: {names}").format(names=", ".join(missing)))
        for message in result.errors:
            bar.pushCritical(tr("CISC"), message)
        if result.layers:
            bar.pushSuccess(tr("CISC"), tr("{n} layer(s) added.").format(n=len(result.layers)))

    def _add_local(self) -> bool:
        folder = self.editLocalFolder.text().strip()
        found = sources.discover_local(folder, self.years(), self.checkMasks.isChecked(), self.checkDates.isChecked())
        if not found.found:
            message_box.warning(
                self,
                tr("Add CISC layers"),
                tr("No CISC file found in {folder}. Missing: {names}").format(
                    folder=folder or tr("(no folder)"), names=", ".join(found.missing)
                ),
            )
            return False
        result = loader.add_cisc_layers(loader.specs_for_local(found), iface=self.iface)
        self._report(result, found.missing)
        return True

    def _add_streamed(self) -> bool:
        """Start contacting Zenodo in a task (record API, then a probe of each file); the dialog
        stays open and responsive, Cancel stops waiting at once; _stream_ready() goes on."""
        options = loader.streaming_options(**(self.stream_settings or {}))
        options, _prefix = loader.prepare_streaming(self.base_url, options)
        task = StreamProbeTask(
            self.years(), self.checkMasks.isChecked(), self.checkDates.isChecked(), options,
            base_url=self.base_url, user_agent=loader.user_agent(), on_done=self._stream_ready,
        )
        task.progressChanged.connect(self._stream_progress)
        self.stream_task = task
        self._set_busy(True)
        self.textStatus.setPlainText(tr("Contacting Zenodo…"))
        task.start()
        return False  # not closed yet

    def _set_busy(self, busy: bool) -> None:
        self.groupYears.setEnabled(not busy)
        self.groupSource.setEnabled(not busy)
        self.buttonBox.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not busy and self.can_add)
        self.progressBar.setValue(0)
        self.progressBar.setVisible(busy)

    def _stream_progress(self, percent: float) -> None:
        self.progressBar.setValue(int(percent))

    def _stop_stream_task(self) -> None:
        task, self.stream_task = self.stream_task, None
        if task is None:
            return
        task.on_done = None  # whatever it finds later is dropped: nothing outlives the dialog
        try:
            task.progressChanged.disconnect(self._stream_progress)
        except (TypeError, RuntimeError):
            pass
        task.cancel()  # the record fetch stops at once; a GDAL open ends within its timeouts

    def _stream_ready(self, task: StreamProbeTask) -> None:
        """Main thread, once the task found which files answer: add those layers."""
        if task is not self.stream_task:
            return
        self.stream_task = None
        self._set_busy(False)
        outcome = self.last_stream_outcome = task.outcome
        if not outcome.specs:
            lines = [tr("Nothing could be streamed.")] + outcome.errors
            if outcome.missing:
                lines.append(tr("Missing, not added: {names}").format(names=", ".join(outcome.missing)))
            self.textStatus.setPlainText("\n".join(lines))
            return
        QgsApplication.setOverrideCursor(QCursor(Qt.CursorShape.WaitCursor))
        try:
            result = loader.add_cisc_layers(outcome.specs, iface=self.iface)
        finally:
            QgsApplication.restoreOverrideCursor()
        result.errors[:0] = outcome.errors  # files that did not answer are named too
        self._report(result, outcome.missing)
        if not result.layers:
            self.textStatus.setPlainText("\n".join([tr("Nothing could be streamed.")] + result.errors))
            return
        self._save_settings()
        QDialog.accept(self)

    def done(self, code):
        self._stop_stream_task()  # whichever way the dialog closes
        _OPEN_DIALOGS.discard(self)
        super().done(code)

    def _start_download(self) -> bool:
        folder = self.editDownloadFolder.text().strip()
        if not folder:
            message_box.warning(self, tr("Add CISC layers"), tr("Choose a folder to download into."))
            return False
        iface = self.iface

        def on_done(task: DownloadTask):
            outcome = task.outcome
            bar = iface.messageBar() if iface is not None and hasattr(iface, "messageBar") else None
            for message in outcome.errors:
                if bar is not None:
                    bar.pushMessage(tr("CISC download"), message, Qgis.MessageLevel.Critical, 0)
            for note in outcome.notes:
                log.info(note)
            if outcome.files:
                specs = [loader.LayerSpec(k, y, p, Path(p).name) for (k, y), p in outcome.files.items()]
                result = loader.add_cisc_layers(specs, iface=iface)
                self.last_result = result
                if bar is not None:
                    for message in result.errors:
                        bar.pushCritical(tr("CISC"), message)

        self.download_task = DownloadTask(
            self.wanted(), folder, base_url=self.base_url, user_agent=loader.user_agent(), on_done=on_done
        ).start()
        if self.iface is not None and hasattr(self.iface, "messageBar"):
            self.iface.messageBar().pushInfo(
                tr("CISC"),
                tr("Downloading into {folder}: progress in QGIS's task bar; layers are added once verified.").format(
                    folder=folder
                ),
            )
        return True
