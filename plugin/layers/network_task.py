"""The base of the plugin's network tasks (verified download, streamed-layer probe).

Following qgis_plugin_tools' pattern: run() (a worker thread) does no GUI work, spins no event
loop and stores its errors in the task's outcome; finished() (the main thread) reports and
calls the caller's on_done(task) once. Network reads go through an HttpSession (http.py) made
on the main thread, where QGIS's proxy settings live; cancel() aborts it, so a read blocked
in run() returns at once.
"""

from __future__ import annotations

from typing import Callable, Optional

from qgis.core import QgsTask

from ..toolbelt.log import get_logger
from .http import HttpSession, proxy_from_qgis

log = get_logger("layers.network")

RUNNING = set()  # keeps the Python side of running tasks alive until finished()


def cancel_running_tasks() -> None:
    """Plugin unload: no callback of a running task may run afterwards; cancel them all."""
    for task in list(RUNNING):
        task.on_done = None
        try:
            task.cancel()
        except RuntimeError:  # its C++ side is already gone
            RUNNING.discard(task)


class NetworkTask(QgsTask):
    """A cancellable QgsTask with an outcome (having .cancelled) and an on_done callback."""

    def __init__(self, description: str, user_agent: str, on_done: Optional[Callable] = None,
                 timeout: Optional[float] = None):
        super().__init__(description, QgsTask.Flag.CanCancel)
        self.user_agent = user_agent
        self.on_done = on_done
        self.exception: BaseException | None = None
        timeouts = {} if timeout is None else {"connect_timeout": timeout, "read_timeout": timeout}
        self._session = HttpSession(user_agent, proxy_from_qgis(), **timeouts)

    # -- main thread ---------------------------------------------------------------
    def start(self):
        """Hand the task to QGIS's task manager (keeps it alive until finished)."""
        from qgis.core import QgsApplication

        RUNNING.add(self)
        QgsApplication.taskManager().addTask(self)
        return self

    def cancel(self) -> None:
        self.outcome.cancelled = True
        super().cancel()
        self._session.abort()  # a read blocked in run() returns now

    def finished(self, result: bool) -> None:  # noqa: D401 - QgsTask API
        RUNNING.discard(self)
        self.report()
        callback, self.on_done = self.on_done, None  # called once; breaks reference cycles
        if callback is not None and self.calls_back():
            try:
                callback(self)
            except Exception as exc:  # noqa: BLE001 - never let a callback crash QGIS
                log.error(f"{self.description()}: the callback failed: {exc}")

    def report(self) -> None:
        """Log what run() stored (main thread, before the callback)."""

    def calls_back(self) -> bool:
        return True
