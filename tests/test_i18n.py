"""Chinese UI: the zh_CN translation is complete and is picked up from QGIS's locale."""

import importlib.util
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from qgis.core import QgsSettings

REPO = Path(__file__).resolve().parents[1]
TS = REPO / "resources" / "i18n" / "cisc_impervious_zh_CN.ts"
QM = TS.with_suffix(".qm")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# names that stay as they are in Chinese
SAME_IN_CHINESE = {"CISC", "CISC: {step}", "CISC 2020", "CISC 2022", "GeoPackage (*.gpkg)", "CISC {analysis} – {zones}"}


def _tool():
    spec = importlib.util.spec_from_file_location("update_translations", REPO / "tools" / "update_translations.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _lrelease():
    for candidate in ("lrelease", "/usr/lib/qt5/bin/lrelease", "lrelease-qt5"):
        path = shutil.which(candidate) or (candidate if Path(candidate).exists() else None)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def qm_file():
    """The .qm `make translations` builds; rebuilt here when missing or older than the .ts."""
    if not QM.exists() or QM.stat().st_mtime < TS.stat().st_mtime:
        tool = _lrelease()
        if tool is None:
            pytest.skip("lrelease is not installed (qttools5-dev-tools)")
        subprocess.run([tool, "-silent", str(TS), "-qm", str(QM)], check=True)
    return QM


def test_ts_has_no_unfinished_entry():
    root = ET.parse(TS).getroot()
    assert root.get("language") == "zh_CN"
    messages = list(root.iter("message"))
    assert len(messages) > 100
    for message in messages:
        translation = message.find("translation")
        source = message.findtext("source")
        assert translation is not None and translation.get("type") is None, f"unfinished: {source!r}"
        assert (translation.text or "").strip(), f"empty translation: {source!r}"


def test_ts_covers_every_tr_string_of_the_source_tree():
    tool = _tool()
    messages, _prefill, _warnings = tool.extract_all()
    translations = tool.read_ts(TS)
    missing = [key for key in messages if not translations.get(key, ("", False))[1]]
    assert not missing, f"run tools/update_translations.py and translate: {missing[:10]}"
    # the extractor really sees the plugin's strings
    assert ("CiscImpervious", "Add CISC layers…") in messages
    assert ("CiscImpervious", "Impervious surface") in messages  # a class label from core/dataset.py


def test_translations_keep_their_placeholders():
    tool = _tool()
    for (context, source), (text, finished) in tool.read_ts(TS).items():
        assert finished
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text)), (context, source, text)
        # the text is actually Chinese wherever the source has words to translate
        if re.search(r"[A-Za-z]{4,}", PLACEHOLDER.sub("", source)) and source not in SAME_IN_CHINESE:
            assert re.search(r"[\u4e00-\u9fff]", text), source


def test_extractor_finds_tr_calls_and_ui_strings(tmp_path):
    tool = _tool()
    source = tmp_path / "sample.py"
    source.write_text('from x import tr\nA = tr("One {n}")\nB = tr(\n  "Two "\n  "parts")\nC = tr(name)\n', encoding="utf-8")
    from collections import OrderedDict

    messages, warnings = OrderedDict(), []
    tool.ROOT = tmp_path  # relative paths of the sample
    tool.extract_python(source, messages, warnings)
    assert ("CiscImpervious", "One {n}") in messages
    assert ("CiscImpervious", "Two parts") in messages
    assert len(messages) == 2


@pytest.fixture()
def zh_locale(qgis_app):
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in ("locale/overrideFlag", "locale/userLocale")}
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "zh_CN")
    yield
    for key, value in saved.items():
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)


def test_plugin_loads_in_chinese(qgis_app, qgis_iface, plugin, qm_file, zh_locale):
    import cisc_impervious
    from cisc_impervious.plugin.core.dataset import (
        CLASSES,
        IMPERVIOUS,
        VEGETATION,
        WATER,
    )
    from cisc_impervious.plugin.gui.results import class_label, field_label
    from cisc_impervious.plugin.toolbelt.i18n import (
        install_translator,
        remove_translator,
        tr,
    )

    chinese = cisc_impervious.classFactory(qgis_iface)  # installs the translator of QGIS's locale
    try:
        chinese.initGui()
        texts = [a.text() for a in chinese.menu.actions() if a.text()]
        assert "添加 CISC 图层…" in texts
        assert "不透水面统计" in texts
        assert "关于 CISC 数据集…" in texts
        # class labels: the same text as core/dataset.py's label_zh
        assert class_label(IMPERVIOUS) == "不透水面" == CLASSES[IMPERVIOUS].label_zh
        assert class_label(VEGETATION) == CLASSES[VEGETATION].label_zh
        assert class_label(WATER) == CLASSES[WATER].label_zh
        assert field_label("imperv_km2") == "不透水面面积"

        from cisc_impervious.plugin.gui.dock import StatisticsDock

        dock = StatisticsDock(qgis_iface)
        try:
            assert dock.windowTitle() == "不透水面统计"
            assert dock.runButton.text() == "运行"
            assert dock.analysisCombo.itemText(3) == "变化 2020 → 2022"
            assert dock.tabWidget.tabText(2) == "关于数据"
            assert "有效掩膜" in dock.noteLabel.text()
            assert "10.1038/s41597-026-06619-3" in dock.noteLabel.text()
        finally:
            dock.disconnect_project()
            dock.deleteLater()
        assert tr("Cancelled.") == "已取消。"
    finally:
        chinese.unload()
    # unloading removed the translator again
    assert tr("Cancelled.") == "Cancelled."
    # and install_translator() picks zh_CN by name too
    assert install_translator("zh_CN") == "zh_CN"
    assert tr("Run") == "运行"
    remove_translator()
    assert tr("Run") == "Run"
