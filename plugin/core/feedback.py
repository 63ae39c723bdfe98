"""How core code reports progress and log lines and learns of cancel requests.

Adapters (Processing, tasks, tests) subclass EngineFeedback; core code only calls it.
"""

import logging

from .errors import CiscCancelled

log = logging.getLogger("cisc_impervious.core")


class EngineFeedback:
    """No-op feedback; the default when a caller passes none."""

    def set_progress(self, percent: float) -> None:
        pass

    def is_cancelled(self) -> bool:
        return False

    def info(self, message: str) -> None:
        log.info(message)

    def warning(self, message: str) -> None:
        log.warning(message)

    def raise_if_cancelled(self) -> None:
        if self.is_cancelled():
            raise CiscCancelled()
