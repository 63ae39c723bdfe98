"""Icons (every one referenced is shipped; the two toolbar buttons differ), the About text, and
the Add-layers dialog's OK button and citation."""

import re
import shutil
from pathlib import Path

import pytest
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtWidgets import QDialogButtonBox

from tests.layers_testutil import enable_gdal_exceptions, make_set

REPO = Path(__file__).resolve().parents[1]
ICONS = REPO / "resources" / "icons"


def test_every_icon_the_plugin_references_is_shipped():
    referenced = set()
    for source in (REPO / "plugin").rglob("*.py"):
        referenced |= set(re.findall(r"""["']([\w.-]+\.svg)["']""", source.read_text(encoding="utf-8")))
    metadata = (REPO / "metadata.txt").read_text(encoding="utf-8")
    referenced.add(Path(re.search(r"^icon=(.+)$", metadata, re.M).group(1).strip()).name)
    assert {"cisc.svg", "statistics.svg", "impervious.svg"} <= referenced
    for name in sorted(referenced):
        assert (ICONS / name).is_file(), f"{name} is referenced but not in resources/icons"
        assert (ICONS / name).read_text(encoding="utf-8").lstrip().startswith("<svg")


def _image(icon):
    return icon.pixmap(QSize(24, 24)).toImage()


def test_the_two_toolbar_buttons_show_different_icons(plugin):
    add, dock = plugin.actions["add_layers"], plugin.actions["dock"]
    assert not add.icon().isNull() and not dock.icon().isNull()
    assert plugin.toolbar.actions()[:2] == [add, dock]
    assert _image(add.icon()) != _image(dock.icon())
    from cisc_impervious.plugin.plugin_main import plugin_icon

    assert _image(dock.icon()) == _image(plugin_icon("statistics.svg"))
    assert _image(plugin.actions["impervious_only"].icon()) not in (_image(add.icon()), _image(dock.icon()))


def test_about_text_names_the_data_and_the_doi_once(plugin):
    from cisc_impervious.plugin.core.dataset import CITATION, DOI, RECORD_ID, RECORD_URL

    text = plugin.about_text()
    assert CITATION in text and RECORD_URL in text
    assert text.count("Data:") == 1
    assert text.count(DOI) == 1
    assert text.count(str(RECORD_ID)) == 2  # in the citation and in the record's address
    assert "reliability is not guaranteed" in text


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    enable_gdal_exceptions()
    return make_set(tmp_path_factory.mktemp("dialog") / "data", size=64)


@pytest.fixture()
def dialog(project, qgis_iface):
    from cisc_impervious.plugin.gui.add_layers_dialog import AddLayersDialog
    from cisc_impervious.plugin.toolbelt.settings import read_settings, write_settings

    saved = read_settings()
    widget = AddLayersDialog(qgis_iface)
    yield widget
    widget.reject()
    QgsApplication.processEvents()
    write_settings(saved)


def test_add_layers_is_disabled_when_every_file_is_missing(dialog, sample, tmp_path):
    ok = dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok)
    dialog.radioLocal.setChecked(True)
    dialog.check2020.setChecked(True)
    dialog.check2022.setChecked(False)
    dialog.checkMasks.setChecked(True)
    empty = tmp_path / "empty"
    empty.mkdir()
    dialog.editLocalFolder.setText(str(empty))
    assert "MISSING: cisc_2020.tif" in dialog.textStatus.toPlainText()
    assert not ok.isEnabled() and not dialog.can_add
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(sample.valid_mask_2020, partial / "valid_mask_2020.tif")
    dialog.editLocalFolder.setText(str(partial))  # one file of two: it can be added
    assert ok.isEnabled()
    dialog.editLocalFolder.setText(str(empty))
    assert not ok.isEnabled()
    dialog.radioStream.setChecked(True)  # streaming always has something to offer
    assert ok.isEnabled()
    dialog.check2020.setChecked(False)  # no year: nothing
    assert not ok.isEnabled()


def test_the_citation_is_shown_in_full(dialog):
    from cisc_impervious.plugin.core.dataset import CITATION, RECORD_ID

    dialog.check2022.setChecked(True)
    dialog.radioDownload.setChecked(True)
    dialog.resize(360, 420)  # a narrow dialog
    dialog.show()
    for _ in range(3):
        QgsApplication.processEvents()
    label = dialog.labelCitation
    assert label.isVisible() and label.wordWrap()
    assert CITATION in label.text() and str(RECORD_ID) in label.text()
    assert CITATION not in dialog.textStatus.toPlainText()
    assert label.width() <= dialog.width()
    assert label.height() >= label.heightForWidth(label.width())  # every wrapped line fits
    dialog.radioLocal.setChecked(True)
    assert not label.isVisible()  # local files: nothing is fetched from the record
