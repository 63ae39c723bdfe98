"""The base of the plugin's network tasks (verified download, streamed-layer probe).

Following qgis_plugin_tools' pattern: run() (a worker thread) does no GUI work, spins no event
loop and stores its errors in the task's outcome; finished() (the main thread) reports and
calls the caller's on_done(task) once. Network reads go through an HttpSession (http.py) made
on the main thread, where QGIS's proxy settings live; cancel() aborts it, so a read blocked
in run() returns at once. fetch_small() reads the record's JSON for both tasks.
"""

from __future__ import annotations

from typing import Callable, Optional

from qgis.core import QgsTask

from ..core import sources
from ..core.errors import CiscCancelled, CiscError
from ..toolbelt.log import get_logger
from .http import HttpError, HttpSession, proxy_from_qgis

log = get_logger("layers.network")

RUNNING = set()  # keeps the Python side of running tasks alive until finished()


def human_size(n: int) -> str:
    """Human-readable size (decimal units, like the record's page)."""
    n = int(n or 0)
    if n < 1000:
        return f"{n} bytes"
    if n < 1000**2:
        return f"{n / 1000:.1f} kB"
    if n < 1000**3:
        return f"{n / 1000**2:.1f} MB"
    return f"{n / 1000**3:.2f} GB"


def fetch_small(
    url: str,
    user_agent: str,
    *,
    timeout: float = 30.0,
    limit: int = 20_000_000,
    session: HttpSession | None = None,
) -> bytes:
    """GET a small document (the record's JSON), in any thread, with no event loop.

    Raises CiscError with the URL and the HTTP status or network error; CiscCancelled when
    the session was aborted."""
    session = session or HttpSession(user_agent, proxy_from_qgis(), connect_timeout=timeout, read_timeout=timeout)
    try:
        response = session.get(url, {"Accept": "application/json"})
        if response.status != 200:
            raise CiscError(f"{url}: HTTP {response.status}")
        chunks, size = [], 0
        while True:
            data = session.read_chunk(response)
            if not data:
                break
            size += len(data)
            if size > limit:
                raise CiscError(f"{url}: answer larger than {human_size(limit)}")
            chunks.append(data)
        return b"".join(chunks)
    except HttpError as exc:
        if session.aborted:
            raise CiscCancelled() from None
        raise CiscError(str(exc)) from None
    finally:
        session.close()


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

    # -- worker thread -------------------------------------------------------------
    def _check_cancel(self) -> None:
        if self.isCanceled():
            raise CiscCancelled()

    def record_from_api(self, base_url, record_id):
        """(files, url, None) from the record's API, or (None, url, the problem) when it cannot be
        read; CiscCancelled once the task is cancelled."""
        url = sources.record_api_url(base_url, record_id)
        try:
            data = fetch_small(url, self.user_agent, session=self._session)
            return sources.parse_record_json(data, base_url, record_id), url, None
        except CiscCancelled:
            raise
        except CiscError as exc:
            self._check_cancel()
            return None, url, str(exc)

    # -- main thread (after run) ------------------------------------------------
    def report(self) -> None:
        """Log what run() stored (main thread, before the callback)."""

    def calls_back(self) -> bool:
        return True
