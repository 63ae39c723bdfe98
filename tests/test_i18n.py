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


def build_qm():
    """The .qm `make translations` builds; rebuilt here when missing or older than the .ts."""
    if not QM.exists() or QM.stat().st_mtime < TS.stat().st_mtime:
        tool = _lrelease()
        if tool is None:
            pytest.skip("lrelease is not installed (qttools5-dev-tools)")
        subprocess.run([tool, "-silent", str(TS), "-qm", str(QM)], check=True)
    return QM


@pytest.fixture(scope="module")
def qm_file():
    return build_qm()


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


@pytest.fixture(params=["zh_CN", "zh-Hans"])
def zh_locale(qgis_app, request):
    """QGIS set to Chinese: "zh-Hans" is what QGIS's options dialog stores for 简体中文,
    "zh_CN" what QGIS writes there from a Chinese system locale."""
    settings = QgsSettings()
    saved = {key: settings.value(key) for key in ("locale/overrideFlag", "locale/userLocale")}
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", request.param)
    yield request.param
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


# -- locale spellings -------------------------------------------------------------------
SIMPLIFIED = ["zh-Hans", "zh_Hans", "zh_CN", "zh-CN", "zh", "zh_SG", "zh_Hans_CN", "zh-Hans-CN", "zh_CN.UTF-8", "ZH_cn"]
TRADITIONAL = ["zh-Hant", "zh_Hant", "zh_TW", "zh-TW", "zh_HK", "zh_MO", "zh_Hant_TW", "zh-Hant-HK"]


@pytest.fixture()
def no_translator():
    from cisc_impervious.plugin.toolbelt.i18n import remove_translator

    remove_translator()
    yield
    remove_translator()


@pytest.mark.parametrize("spelling", SIMPLIFIED)
def test_simplified_chinese_spellings_load_zh_cn(qgis_app, qm_file, no_translator, spelling):
    from cisc_impervious.plugin.toolbelt.i18n import (
        install_translator,
        is_simplified_chinese,
        is_traditional_chinese,
        tr,
        translation_locale,
    )

    assert is_simplified_chinese(spelling) and not is_traditional_chinese(spelling)
    assert translation_locale(spelling) == "zh_CN"
    assert tr("Run") == "Run"
    assert install_translator(spelling) == "zh_CN"  # resources/i18n/cisc_impervious_zh_CN.qm
    assert tr("Run") == "运行"
    assert tr("Impervious surface statistics") == "不透水面统计"


@pytest.mark.parametrize("spelling", TRADITIONAL)
def test_traditional_chinese_spellings_stay_english(qgis_app, qm_file, no_translator, spelling):
    from cisc_impervious.plugin.toolbelt.i18n import (
        install_translator,
        is_simplified_chinese,
        is_traditional_chinese,
        tr,
        translation_locale,
    )

    assert is_traditional_chinese(spelling) and not is_simplified_chinese(spelling)
    assert translation_locale(spelling) is None  # no cisc_impervious_zh_TW.qm: English, not simplified
    assert install_translator(spelling) == spelling
    assert tr("Run") == "Run"


@pytest.mark.parametrize("spelling", TRADITIONAL)
def test_traditional_chinese_spellings_load_a_traditional_translation_once_shipped(
    qgis_app, qm_file, no_translator, spelling, tmp_path, monkeypatch
):
    from cisc_impervious.plugin.toolbelt import i18n

    (tmp_path / "cisc_impervious_zh_CN.qm").write_bytes(qm_file.read_bytes())
    (tmp_path / "cisc_impervious_zh_TW.qm").write_bytes(qm_file.read_bytes())  # stands in for one
    monkeypatch.setattr(i18n, "I18N_DIR", tmp_path)
    assert i18n.translation_locale(spelling) == "zh_TW"
    assert i18n.install_translator(spelling) == "zh_TW"
    assert i18n.tr("Run") == "运行"
    # a Hong Kong file would be preferred for zh_HK
    (tmp_path / "cisc_impervious_zh_HK.qm").write_bytes(qm_file.read_bytes())
    assert i18n.translation_locale("zh_HK") == "zh_HK" and i18n.translation_locale("zh_TW") == "zh_TW"
    assert i18n.translation_locale("zh-Hans") == "zh_CN"


@pytest.mark.parametrize(
    ("locale", "candidates"),
    [("fr_FR", ["fr_FR", "fr"]), ("de-DE", ["de_DE", "de"]), ("en_US", ["en_US", "en"]), ("pt", ["pt"]),
     ("", []), ("C", ["c"])],
)
def test_other_locales(qgis_app, locale, candidates):
    from cisc_impervious.plugin.toolbelt.i18n import is_simplified_chinese, translation_candidates, translation_locale

    assert translation_candidates(locale) == candidates
    assert translation_locale(locale) is None
    assert not is_simplified_chinese(locale)


@pytest.mark.parametrize(
    ("override", "user_locale", "expected"),
    [(True, "zh-Hans", "zh-Hans"), (True, "zh-Hant", "zh-Hant"), (False, "zh_CN", "zh_CN"), (False, "fr_FR", "fr_FR")],
)
def test_user_locale_is_the_locale_qgis_translates_with(qgis_app, override, user_locale, expected):
    """QGIS keeps its UI language in locale/userLocale whether or not the override flag is set
    (without it, QGIS writes the system locale there at start)."""
    from qgis.PyQt.QtCore import QLocale

    from cisc_impervious.plugin.toolbelt import i18n

    settings = QgsSettings()
    saved = {key: settings.value(key) for key in ("locale/overrideFlag", "locale/userLocale")}
    try:
        settings.setValue("locale/overrideFlag", override)
        settings.setValue("locale/userLocale", user_locale)
        assert i18n.user_locale() == expected
        settings.setValue("locale/userLocale", "")
        assert i18n.user_locale() == (QLocale.system().name() or "en_US")
    finally:
        for key, value in saved.items():
            if value is None:
                settings.remove(key)
            else:
                settings.setValue(key, value)


# -- core messages, dialogs ----------------------------------------------------------------
@pytest.fixture()
def chinese(qgis_app, qm_file):
    from cisc_impervious.plugin.toolbelt.i18n import install_translator, remove_translator

    assert install_translator("zh-Hans") == "zh_CN"
    yield
    remove_translator()


def test_core_messages_reach_processing_feedback_in_chinese(qgis_app, chinese, tmp_path):
    """plugin/core cannot translate: its messages are CoreMessage templates, translated by the
    Processing feedback bridge (and the message-log handler)."""
    from qgis.core import QgsProcessingFeedback

    import datafactory
    from cisc_impervious.plugin.core import engine
    from cisc_impervious.plugin.core.messages import CoreMessage
    from cisc_impervious.plugin.processing.base import FeedbackBridge

    class Capture(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.infos, self.warnings = [], []

        def pushInfo(self, text):  # noqa: N802
            self.infos.append(text)

        def pushWarning(self, text):  # noqa: N802
            self.warnings.append(text)

    sample = datafactory.make_cisc_set(tmp_path / "cisc", 200, 160, seed=3, with_dates=False)
    zones = datafactory.make_provinces(2, sample, 3)
    capture = Capture()
    engine.zonal_statistics(sample.cisc_2020, zones, sample.valid_mask_2020, feedback=FeedbackBridge(capture), threads=1)
    [counting] = [text for text in capture.infos if "条带" in text]
    assert counting.startswith("正在统计 2 个分区")
    # every core message is a str holding the English text, translated only on the way out
    message = CoreMessage("{count} date polygon(s) have no readable acquisition date and are ignored.", count=3)
    assert message == "3 date polygon(s) have no readable acquisition date and are ignored."
    FeedbackBridge(capture).warning(message)
    assert capture.warnings[-1] == "3 个日期面没有可读取的获取日期，已忽略。"


def test_core_messages_in_the_message_log_in_chinese(qgis_app, chinese):
    import logging

    from qgis.core import QgsApplication

    from cisc_impervious.plugin.core.messages import CoreMessage
    from cisc_impervious.plugin.toolbelt.log import QgsMessageLogHandler

    received = []

    def on_message(message, tag, level):
        if tag == "CISC":
            received.append(message)

    QgsApplication.messageLog().messageReceived.connect(on_message)
    try:
        handler = QgsMessageLogHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        message = CoreMessage(
            "No valid mask for {rasters}: every pixel inside the raster with a value 0..3 was taken as valid.",
            rasters="a.tif",
        )
        handler.emit(logging.LogRecord("cisc_impervious.core", logging.INFO, __file__, 1, message, None, None))
        handler.emit(logging.LogRecord("cisc_impervious.core", logging.INFO, __file__, 1, "plain %s", ("text",), None))
    finally:
        QgsApplication.messageLog().messageReceived.disconnect(on_message)
    assert received[0].startswith("a.tif 没有有效掩膜")
    assert received[1] == "plain text"


def test_core_errors_made_of_core_messages_are_translated(qgis_app, chinese):
    from qgis.core import QgsProcessingException

    from cisc_impervious.plugin.core.errors import CiscError
    from cisc_impervious.plugin.core.messages import CoreMessage
    from cisc_impervious.plugin.processing.base import engine_errors

    with pytest.raises(QgsProcessingException) as caught:
        with engine_errors():
            raise CiscError(CoreMessage(
                "{count} date polygon(s) have no readable acquisition date and are ignored.", count=2))
    assert str(caught.value) == "2 个日期面没有可读取的获取日期，已忽略。"
    with pytest.raises(QgsProcessingException, match="^plain$"):
        with engine_errors():
            raise CiscError("plain")


def test_dialog_buttons_in_chinese(qgis_app, qgis_iface, chinese):
    """Qt's standard buttons take their labels from Qt's own translation, which QGIS does not
    load for "zh-Hans": the plugin labels them through tr()."""
    from qgis.PyQt.QtWidgets import QDialogButtonBox, QMessageBox

    from cisc_impervious.plugin.gui.add_layers_dialog import AddLayersDialog
    from cisc_impervious.plugin.gui.message_box import message_box

    dialog = AddLayersDialog(qgis_iface)
    try:
        assert dialog.buttonBox.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
        assert dialog.buttonBox.button(QDialogButtonBox.StandardButton.Ok).text() == "添加图层"
    finally:
        dialog.close()
    box = message_box(None, "CISC", "text", QMessageBox.Icon.Warning)
    try:
        assert box.button(QMessageBox.StandardButton.Ok).text() == "确定"
    finally:
        box.deleteLater()
