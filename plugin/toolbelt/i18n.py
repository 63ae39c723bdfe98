"""Translation helpers.

Every user-visible string goes through tr(); one translation context keeps the
.ts file simple for translators.

Which language: QGIS keeps the UI language of the user in the setting locale/userLocale.
With "Override system locale" checked (locale/overrideFlag true) it holds the user's choice,
e.g. "zh-Hans" for 简体中文 (the names of QGIS's own qgis_<code>.qm files); otherwise QGIS writes
the system locale (QLocale().name(), e.g. "zh_CN") there at every start, "so that third party
plugins always use the same locale as QGIS" (src/app/main.cpp). QgsApplication.locale() is no
help here: without the override it returns only the language ("zh"), which cannot tell
simplified from traditional Chinese. Chinese comes in many spellings (zh-Hans, zh_CN, zh-CN, zh,
zh_SG, zh_Hans_CN; zh-Hant, zh_TW, zh_HK, zh_MO): translation_locale() maps each to the
translation file that serves it, and is_simplified_chinese() is the one test the plugin uses
wherever it chooses between English and Chinese.
"""

import re
from pathlib import Path
from typing import List, Optional, Tuple

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "CiscImpervious"
I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
QM_PREFIX = "cisc_impervious_"
SIMPLIFIED_CHINESE = "zh_CN"  # the translation file simplified Chinese spellings load
TRADITIONAL_CHINESE = "zh_TW"  # loaded by traditional spellings, once such a file exists
_TRADITIONAL_TERRITORIES = {"TW", "HK", "MO"}

_installed_translator = None


def tr(text: str, context: str = CONTEXT) -> str:
    return QCoreApplication.translate(context, text)


def tr_message(message) -> str:
    """A message of plugin/core in the user's language.

    plugin/core cannot import Qt: its user-visible messages are core.messages.CoreMessage
    (an English str that keeps its template and values); the template is translated here,
    then formatted. Anything else is returned as str(message)."""
    translated = getattr(message, "translated", None)
    return translated(tr) if callable(translated) else str(message)


def parse_locale(locale: str) -> Tuple[str, str, str]:
    """(language, script, territory) of a locale name in any of the spellings in use:
    'zh-Hans' -> ('zh', 'Hans', ''), 'zh_CN.UTF-8' -> ('zh', '', 'CN'),
    'zh_Hant_TW' -> ('zh', 'Hant', 'TW'). Unknown parts are ''."""
    name = (locale or "").strip().split(".")[0].split("@")[0]
    parts = [part for part in re.split(r"[-_]", name) if part]
    if not parts:
        return "", "", ""
    language, script, territory = parts[0].lower(), "", ""
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha() and not script:
            script = part.title()
        elif (len(part) == 2 and part.isalpha() or len(part) == 3 and part.isdigit()) and not territory:
            territory = part.upper()
    return language, script, territory


def is_chinese(locale: str) -> bool:
    return parse_locale(locale)[0] == "zh"


def is_traditional_chinese(locale: str) -> bool:
    """zh-Hant, zh_TW, zh_HK, zh_MO, zh_Hant_TW... (the script decides when it is given)."""
    language, script, territory = parse_locale(locale)
    if language != "zh":
        return False
    if script:
        return script == "Hant"
    return territory in _TRADITIONAL_TERRITORIES


def is_simplified_chinese(locale: str) -> bool:
    """zh-Hans, zh_Hans, zh_CN, zh-CN, zh, zh_SG, zh_Hans_CN...: every Chinese that is not traditional."""
    return is_chinese(locale) and not is_traditional_chinese(locale)


def translation_candidates(locale: str) -> List[str]:
    """Names of the translation files that may serve a locale, best first."""
    language, script, territory = parse_locale(locale)
    if not language:
        return []
    if language == "zh":
        if is_traditional_chinese(locale):
            names = [f"zh_{territory}"] if territory in _TRADITIONAL_TERRITORIES else []
            return names + [TRADITIONAL_CHINESE]  # never simplified: English is the better fallback
        return [SIMPLIFIED_CHINESE]
    names = [f"{language}_{territory}"] if territory else []
    return names + [language]


def qm_path(name: str) -> Path:
    return I18N_DIR / f"{QM_PREFIX}{name}.qm"


def translation_locale(locale: str) -> Optional[str]:
    """The translation the plugin loads for a locale ('zh_CN' for every simplified Chinese
    spelling), or None when it stays in English."""
    for name in dict.fromkeys(translation_candidates(locale)):
        if qm_path(name).exists():
            return name
    return None


def user_locale() -> str:
    """QGIS's UI locale as QGIS itself chooses it (e.g. 'zh-Hans', 'zh_CN', 'en_US').

    locale/userLocale is what QGIS translates its own UI with: the user's choice when
    locale/overrideFlag is set, else the system locale QGIS wrote there at start (also the
    --lang option's value); the system locale when it is empty (QGIS does the same)."""
    value = QgsSettings().value("locale/userLocale", "", type=str)
    return value or QLocale.system().name() or "en_US"


def install_translator(locale: str = None) -> str:
    """Load the translation that serves locale (default: QGIS's UI locale); return the
    translation's name (e.g. 'zh_CN'), or the locale itself when it stays in English."""
    global _installed_translator
    remove_translator()
    locale = locale or user_locale()
    name = translation_locale(locale)
    if name is not None:
        translator = QTranslator()
        if translator.load(str(qm_path(name))):
            QCoreApplication.installTranslator(translator)
            _installed_translator = translator
            return name
    return locale


def remove_translator() -> None:
    global _installed_translator
    if _installed_translator is not None:
        QCoreApplication.removeTranslator(_installed_translator)
        _installed_translator = None
