"""Message boxes and button boxes whose standard buttons speak the plugin's language.

Qt labels standard buttons (OK, Cancel) from its own qtbase translation, which QGIS loads only
under its locale's name (qt_<locale>.qm: there is none for QGIS's "zh-Hans", so a Chinese QGIS
shows "OK"/"Cancel"). The plugin labels them itself, through tr().
"""

from qgis.PyQt.QtWidgets import QDialogButtonBox, QMessageBox

from ..toolbelt.i18n import tr


def translate_buttons(box) -> None:
    """Label the standard buttons of a QDialogButtonBox or QMessageBox through tr()."""
    kind = QMessageBox.StandardButton if isinstance(box, QMessageBox) else QDialogButtonBox.StandardButton
    for button_id, text in ((kind.Ok, tr("OK")), (kind.Cancel, tr("Cancel"))):
        button = box.button(button_id)
        if button is not None:
            button.setText(text)


def message_box(parent, title: str, text: str, icon=QMessageBox.Icon.Information) -> QMessageBox:
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    translate_buttons(box)
    return box


def information(parent, title: str, text: str) -> None:
    message_box(parent, title, text, QMessageBox.Icon.Information).exec()


def warning(parent, title: str, text: str) -> None:
    message_box(parent, title, text, QMessageBox.Icon.Warning).exec()
