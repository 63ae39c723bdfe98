"""Save-file dialogs that cannot outlive their owner.

QFileDialog.getSaveFileName() runs a nested event loop: if the plugin is unloaded meanwhile
(plugin reloader, a script, QGIS closing), the dock is deleted under the dialog and QGIS aborts
with a double free when the loop returns into the deleted dock. These dialogs are opened with
open() instead (no nested loop), tracked, and closed with their callbacks dropped by close_all().
"""

from pathlib import Path
from typing import Callable, List

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QFileDialog

_OPEN: List[QFileDialog] = []


def ask_save_path(parent, title: str, default_path: str, file_filter: str, suffix: str,
                  callback: Callable[[str], None]) -> QFileDialog:
    """Show a non-blocking save dialog; callback(path) runs once a file is chosen (the suffix
    added when missing). Returns the dialog (already shown)."""
    dialog = QFileDialog(parent, title, str(default_path), file_filter)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.selectFile(Path(default_path).name)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)

    def chosen(path: str) -> None:
        if path and not path.lower().endswith(suffix):
            path += suffix
        if path:
            callback(path)

    dialog.fileSelected.connect(chosen)
    dialog.finished.connect(lambda _result: _forget(dialog))
    _OPEN.append(dialog)
    dialog.open()
    return dialog


def _forget(dialog) -> None:
    if dialog in _OPEN:
        _OPEN.remove(dialog)


def open_dialogs(owner=None) -> List[QFileDialog]:
    """The dialogs still open (of one owner, or all)."""
    return [d for d in _OPEN if owner is None or _owned_by(d, owner)]


def _owned_by(dialog, owner) -> bool:
    try:
        widget = dialog.parentWidget()
    except RuntimeError:  # already deleted by Qt
        return False
    while widget is not None:
        if widget is owner:
            return True
        widget = widget.parentWidget()
    return False


def close_all(owner=None) -> int:
    """Close the open dialogs (of one owner, or all) without running their callbacks."""
    closed = 0
    for dialog in list(open_dialogs(owner)):
        _forget(dialog)
        try:
            dialog.fileSelected.disconnect()
            dialog.finished.disconnect()
            dialog.reject()  # WA_DeleteOnClose: Qt deletes it
            closed += 1
        except RuntimeError:  # the C++ dialog is already gone
            pass
    return closed
