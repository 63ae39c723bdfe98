"""One logger for the whole plugin, shown in QGIS's message log under "CISC".

plugin/core logs through the standard logging module ("cisc_impervious.*");
attach_message_log() forwards those records onto QgsMessageLog, core's CoreMessage records
translated.
"""

import logging

from qgis.core import Qgis, QgsMessageLog

from .i18n import tr_message

LOGGER_NAME = "cisc_impervious"
MESSAGE_LOG_TAG = "CISC"

_LEVELS = (
    (logging.ERROR, Qgis.MessageLevel.Critical),
    (logging.WARNING, Qgis.MessageLevel.Warning),
    (logging.INFO, Qgis.MessageLevel.Info),
)


class QgsMessageLogHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        level = Qgis.MessageLevel.Info
        for threshold, qgis_level in _LEVELS:
            if record.levelno >= threshold:
                level = qgis_level
                break
        try:
            if not record.args and hasattr(record.msg, "translated"):
                # a core.messages.CoreMessage: shown in the user's language
                record = logging.makeLogRecord({**record.__dict__, "msg": tr_message(record.msg)})
            QgsMessageLog.logMessage(self.format(record), MESSAGE_LOG_TAG, level, notifyUser=False)
        except Exception:  # never let logging break a run
            self.handleError(record)


def get_logger(name: str = "") -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{name}" if name else LOGGER_NAME)


def attach_message_log() -> None:
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(h, QgsMessageLogHandler) for h in logger.handlers):
        handler = QgsMessageLogHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def detach_message_log() -> None:
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        if isinstance(handler, QgsMessageLogHandler):
            logger.removeHandler(handler)
