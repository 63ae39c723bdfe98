"""Verified download of the CISC files in a background task, through QGIS's network stack.

QgsNetworkAccessManager (one per thread, set up from the user's QGIS proxy, SSL and
authentication settings) streams each file into <name>.part; an interrupted file resumes with
a Range request; each file's md5 (from the record's API when reachable, else the published
table) is checked before it gets its final name, and a mismatching file becomes
<name>.md5-mismatch. Nothing is loaded that was not verified.

Following qgis_plugin_tools' pattern: run() does no GUI work and stores its errors;
finished() (main thread) reports and calls the caller's callback.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence, Tuple

from qgis.core import QgsNetworkAccessManager, QgsTask
from qgis.PyQt.QtCore import QEventLoop, QTimer, QUrl
from qgis.PyQt.QtNetwork import QNetworkReply, QNetworkRequest

from ..core import dataset, sources
from ..core.errors import CiscCancelled, CiscError
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger

log = get_logger("layers.download")

_RUNNING = set()  # keeps the Python side of running tasks alive


def no_cache(request: QNetworkRequest) -> QNetworkRequest:
    """Always ask the server, never store: the files are large and the API answer must be fresh."""
    request.setAttribute(
        QNetworkRequest.Attribute.CacheLoadControlAttribute, QNetworkRequest.CacheLoadControl.AlwaysNetwork
    )
    request.setAttribute(QNetworkRequest.Attribute.CacheSaveControlAttribute, False)
    return request


def _await_reply(reply: QNetworkReply, on_ready_read: Callable[[], None], should_abort: Callable[[], bool]) -> None:
    """Wait in a local event loop (any thread) until reply finishes, feeding on_ready_read as data
    arrives and aborting the reply once should_abort() says so (asked every 100 ms).

    Our Python slots are disconnected before returning: no callback may outlive its loop. The
    caller reads the reply's status, then lets it go with reply.deleteLater()."""
    loop = QEventLoop()
    timer = QTimer()

    def on_tick():
        if should_abort():
            reply.abort()

    reply.readyRead.connect(on_ready_read)
    reply.finished.connect(loop.quit)
    timer.timeout.connect(on_tick)
    timer.start(100)
    if not reply.isFinished():
        loop.exec()
    timer.stop()
    if reply.bytesAvailable():
        on_ready_read()
    for signal in (reply.readyRead, reply.finished, timer.timeout):
        try:
            signal.disconnect()
        except TypeError:  # nothing connected
            pass


def fetch_small(
    url: str,
    user_agent: str,
    *,
    timeout: float = 30.0,
    limit: int = 20_000_000,
    is_cancelled: Callable[[], bool] | None = None,
) -> bytes:
    """GET a small document (the record's JSON) through QGIS's network stack, in any thread.

    Raises CiscError with the URL and the HTTP status or network error.
    """
    request = no_cache(QNetworkRequest(QUrl(url)))
    request.setRawHeader(b"User-Agent", user_agent.encode())
    request.setRawHeader(b"Accept", b"application/json")
    request.setAttribute(
        QNetworkRequest.Attribute.RedirectPolicyAttribute, QNetworkRequest.RedirectPolicy.NoLessSafeRedirectPolicy
    )
    reply = QgsNetworkAccessManager.instance().get(request)
    chunks, state = [], {"size": 0, "timed_out": False}
    started = time.monotonic()

    def on_ready_read():
        data = bytes(reply.readAll())
        state["size"] += len(data)
        chunks.append(data)
        if state["size"] > limit:
            reply.abort()

    def should_abort():
        if is_cancelled is not None and is_cancelled():
            return True
        state["timed_out"] = time.monotonic() - started > timeout
        return state["timed_out"]

    _await_reply(reply, on_ready_read, should_abort)
    status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
    error, error_text = reply.error(), reply.errorString()
    reply.deleteLater()
    if is_cancelled is not None and is_cancelled():
        raise CiscCancelled()
    if state["timed_out"]:
        raise CiscError(f"{url}: no answer within {timeout:g} s")
    if status is not None and int(status) != 200:
        raise CiscError(f"{url}: HTTP {int(status)}")
    if error != QNetworkReply.NetworkError.NoError:
        raise CiscError(f"{url}: {error_text}")
    if state["size"] > limit:
        raise CiscError(f"{url}: answer larger than {_mb(limit)}")
    return b"".join(chunks)


class _HttpProblemError(Exception):
    """One attempt failed; retry may help."""

    def __init__(self, message: str, retry_after: float | None = None, fatal: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.fatal = fatal


@dataclass
class DownloadOutcome:
    files: Dict[Tuple[str, int | None], str] = field(default_factory=dict)  # verified final paths
    errors: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    cancelled: bool = False
    checksums_from_api: bool = False


def _mb(n: int) -> str:
    """Human-readable size (decimal units, like the record's page)."""
    n = int(n or 0)
    if n < 1000:
        return f"{n} bytes"
    if n < 1000**2:
        return f"{n / 1000:.1f} kB"
    if n < 1000**3:
        return f"{n / 1000**2:.1f} MB"
    return f"{n / 1000**3:.2f} GB"


class DownloadTask(QgsTask):
    """Download (kind, year) files of the record into folder; on_done(task) runs on the main thread."""

    def __init__(
        self,
        wanted: Sequence[Tuple[str, int | None]],
        folder: str,
        *,
        base_url: str | None = None,
        record_id: int = dataset.RECORD_ID,
        user_agent: str = "cisc_impervious QGIS plugin",
        on_done: Callable[[DownloadTask], None] | None = None,
        max_attempts: int = 4,
        retry_delay: float = 2.0,
        max_retry_wait: float = 60.0,
    ):
        super().__init__(tr("Downloading CISC files"), QgsTask.Flag.CanCancel)
        self.wanted = list(wanted)
        self.folder = folder
        self.base_url = base_url
        self.record_id = record_id
        self.user_agent = user_agent
        self.on_done = on_done
        self.max_attempts = max(1, int(max_attempts))
        self.retry_delay = float(retry_delay)
        self.max_retry_wait = float(max_retry_wait)
        self.outcome = DownloadOutcome()
        self.exception: BaseException | None = None
        self._total = 1
        self._done = 0

    # -- main thread ---------------------------------------------------------------
    def start(self) -> DownloadTask:
        """Hand the task to QGIS's task manager (keeps it alive until finished)."""
        from qgis.core import QgsApplication

        _RUNNING.add(self)
        QgsApplication.taskManager().addTask(self)
        return self

    def finished(self, result: bool) -> None:  # noqa: D401 - QgsTask API
        _RUNNING.discard(self)
        if self.exception is not None and not isinstance(self.exception, CiscError):
            self.outcome.errors.append(tr("Download failed: {error}").format(error=self.exception))
        for message in self.outcome.errors:
            log.warning(message)
        callback, self.on_done = self.on_done, None  # called once; breaks reference cycles
        if callback is not None:
            try:
                callback(self)
            except Exception as exc:  # noqa: BLE001 - never let a callback crash QGIS
                log.error(f"Download callback failed: {exc}")

    def cancel(self) -> None:
        self.outcome.cancelled = True
        super().cancel()

    # -- worker thread -------------------------------------------------------------
    def run(self) -> bool:
        try:
            self._run()
        except CiscCancelled:
            self.outcome.cancelled = True
            self.outcome.errors.append(
                tr(
                    "Download cancelled: nothing incomplete was given a final name; partial files end in .part "
                    "and resume next time."
                )
            )
        except CiscError as exc:
            self.outcome.errors.append(str(exc))
            self.exception = exc
        except Exception as exc:  # noqa: BLE001 - stored, reported in finished()
            self.exception = exc
        return not self.outcome.errors and self.exception is None

    def _check_cancel(self) -> None:
        if self.isCanceled():
            raise CiscCancelled()

    def _run(self) -> None:
        os.makedirs(self.folder, exist_ok=True)
        remote_files = self._record_files()
        found, missing = sources.select_remote(remote_files, *self._selection())
        self.outcome.missing = missing
        for name in missing:
            self.outcome.errors.append(tr("{name}: not on the record; not downloaded.").format(name=name))
        self._total = max(1, sum((r.size or 0) for r in found.values()) * 2)  # download + md5
        for kind_year, remote in found.items():
            self._check_cancel()
            try:
                self.outcome.files[kind_year] = self._get_one(remote)
            except CiscCancelled:
                raise
            except CiscError as exc:
                self.outcome.errors.append(str(exc))

    def _selection(self):
        years = sorted({y for k, y in self.wanted if y is not None})
        masks = any(k == sources.MASK for k, _ in self.wanted)
        dates = any(k == sources.DATES for k, _ in self.wanted)
        return years, masks, dates

    def _record_files(self) -> List[sources.RemoteFile]:
        url = sources.record_api_url(self.base_url, self.record_id)
        try:
            data = fetch_small(url, self.user_agent, is_cancelled=self.isCanceled)
            files = sources.parse_record_json(data, self.base_url, self.record_id)
            self.outcome.checksums_from_api = True
            return sources.fill_missing_checksums(files)
        except CiscCancelled:
            raise
        except CiscError as exc:
            problem = str(exc)
        self.outcome.notes.append(
            tr("The record's API ({url}) could not be read ({error}); using the published checksums.").format(
                url=url, error=problem
            )
        )
        return sources.published_files(self.base_url, self.record_id)

    def _get_one(self, remote: sources.RemoteFile) -> str:
        final = os.path.join(self.folder, remote.key)
        part = sources.part_path(final)
        if not remote.md5:
            raise CiscError(
                tr("{name}: no md5 checksum is known, so it cannot be verified; not downloaded.").format(
                    name=remote.key
                )
            )
        if os.path.exists(final):
            if sources.verify_file(final, remote.md5, is_cancelled=self.isCanceled):
                self.outcome.notes.append(tr("{name}: already downloaded and verified.").format(name=remote.key))
                self._advance((remote.size or 0) * 2)
                return final
            os.replace(final, sources.mismatch_path(final))
            self.outcome.notes.append(
                tr("{name}: the existing file did not match its md5; renamed to {bad} and downloaded again.").format(
                    name=remote.key, bad=os.path.basename(sources.mismatch_path(final))
                )
            )
        if remote.size:
            have = os.path.getsize(part) if os.path.exists(part) else 0
            free = shutil.disk_usage(self.folder).free
            if remote.size - have > free:
                raise CiscError(
                    tr("{name}: needs {need} in {folder} but only {free} is free.").format(
                        name=remote.key, need=_mb(remote.size - have), folder=self.folder, free=_mb(free)
                    )
                )
        url = sources.download_url(remote.key, self.base_url, self.record_id)
        attempt = 0
        while True:
            attempt += 1
            self._check_cancel()
            try:
                self._fetch(url, part, remote)
                break
            except _HttpProblemError as problem:
                have = os.path.getsize(part) if os.path.exists(part) else 0
                if problem.fatal or attempt >= self.max_attempts:
                    kept = (
                        tr(" The partial file {part} ({size}) is kept; download again to resume.").format(
                            part=os.path.basename(part), size=_mb(have)
                        )
                        if have
                        else ""
                    )
                    raise CiscError(f"{remote.key}: {problem}.{kept}") from None
                wait = problem.retry_after if problem.retry_after is not None else self.retry_delay * 2 ** (attempt - 1)
                wait = min(max(0.0, wait), self.max_retry_wait)
                log.info(f"{remote.key}: {problem}; retrying in {wait:g} s (attempt {attempt + 1}).")
                self._sleep(wait)
        return sources.finalize_download(part, final, remote.md5, is_cancelled=self.isCanceled)

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._check_cancel()
            time.sleep(min(0.1, max(0.0, end - time.monotonic())))

    def _advance(self, nbytes: int) -> None:
        self._done += nbytes
        self.setProgress(min(100.0, 100.0 * self._done / self._total))

    def _fetch(self, url: str, part: str, remote: sources.RemoteFile) -> None:
        """One attempt: append to part from its current size (Range), until the end of the file."""
        offset = os.path.getsize(part) if os.path.exists(part) else 0
        if remote.size and offset > remote.size:
            os.remove(part)
            offset = 0
        if remote.size and offset == remote.size:
            return  # complete: md5 decides
        request = no_cache(QNetworkRequest(QUrl(url)))
        request.setRawHeader(b"User-Agent", self.user_agent.encode())
        request.setAttribute(
            QNetworkRequest.Attribute.RedirectPolicyAttribute, QNetworkRequest.RedirectPolicy.NoLessSafeRedirectPolicy
        )
        if offset:
            request.setRawHeader(b"Range", f"bytes={offset}-".encode())
        state = {"handle": None, "status": None, "problem": None, "written": 0, "start": offset}
        reply = QgsNetworkAccessManager.instance().get(request)

        def open_target():
            status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
            state["status"] = status
            if status == 206:
                content_range = bytes(reply.rawHeader(b"Content-Range")).decode("latin-1")
                try:
                    start = int(content_range.split()[1].split("-")[0])
                except (IndexError, ValueError):
                    start = -1
                if start != offset:
                    state["problem"] = _HttpProblemError(f"the server resumed at byte {start} instead of {offset}")
                    if os.path.exists(part):
                        os.remove(part)
                    return False
                state["handle"] = open(part, "ab")
                return True
            if status == 200:
                state["start"] = 0
                state["handle"] = open(part, "wb")  # the server ignored the Range: start again
                return True
            return False

        def on_ready_read():
            if state["handle"] is None:
                if state["status"] is not None or not open_target():
                    reply.readAll()
                    return
            data = reply.readAll()
            state["handle"].write(bytes(data))
            state["written"] += len(data)
            self._advance(len(data))

        _await_reply(reply, on_ready_read, self.isCanceled)
        if state["handle"] is not None:
            state["handle"].close()
        status = reply.attribute(QNetworkRequest.Attribute.HttpStatusCodeAttribute)
        error = reply.error()
        error_text = reply.errorString()
        retry_after = bytes(reply.rawHeader(b"Retry-After")).decode("latin-1").strip()
        reply.deleteLater()
        if self.isCanceled():
            raise CiscCancelled()
        if state["problem"] is not None:
            raise state["problem"]
        if status == 416 and offset:
            return  # the part is already complete (the md5 check decides)
        if status == 429:
            raise _HttpProblemError(
                tr("the server answered 429 Too Many Requests (Zenodo's rate limit); try again in a few minutes"),
                retry_after=float(retry_after) if retry_after.replace(".", "", 1).isdigit() else None,
            )
        if status in (404, 410):
            raise _HttpProblemError(tr("not found on the server (HTTP {status})").format(status=status), fatal=True)
        if status is not None and status >= 400:
            raise _HttpProblemError(
                tr("the server answered HTTP {status}").format(status=status), fatal=status in (401, 403)
            )
        if error != QNetworkReply.NetworkError.NoError:
            raise _HttpProblemError(
                tr("the connection failed after {size} ({error})").format(
                    size=_mb(state["start"] + state["written"]), error=error_text
                )
            )
        total = state["start"] + state["written"]
        if remote.size and total < remote.size:
            raise _HttpProblemError(
                tr("the connection was cut after {got} of {size}").format(got=_mb(total), size=_mb(remote.size))
            )
