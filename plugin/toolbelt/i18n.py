"""Translation helpers.

Every user-visible string goes through tr(); one translation context keeps the
.ts file simple for translators.
"""

from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

CONTEXT = "CiscImpervious"
I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"

_installed_translator = None


def tr(text: str, context: str = CONTEXT) -> str:
    return QCoreApplication.translate(context, text)


def user_locale() -> str:
    """QGIS's UI locale (e.g. 'zh_CN'), as QGIS itself chooses it."""
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        value = settings.value("locale/userLocale", "", type=str)
    else:
        value = settings.value("locale/userLocale", "", type=str) or QLocale.system().name()
    return value or "en_US"


def install_translator(locale: str = None) -> str:
    """Load resources/i18n/cisc_impervious_<locale>.qm if present; return the locale used."""
    global _installed_translator
    remove_translator()
    locale = locale or user_locale()
    candidates = [locale, locale.split("_")[0]]
    for name in candidates:
        qm_path = I18N_DIR / f"cisc_impervious_{name}.qm"
        if qm_path.exists():
            translator = QTranslator()
            if translator.load(str(qm_path)):
                QCoreApplication.installTranslator(translator)
                _installed_translator = translator
                return name
    return locale


def remove_translator() -> None:
    global _installed_translator
    if _installed_translator is not None:
        QCoreApplication.removeTranslator(_installed_translator)
        _installed_translator = None
