"""Verified download of the CISC files in a background task.

Each file streams into <name>.part through plugin/layers/http.py (blocking sockets with
timeouts, QGIS's HTTP proxy settings, no event loop in the worker thread); an interrupted file resumes with
a Range request; each file's md5 (from the record's API when reachable, else the published
table) is checked before it gets its final name, and a mismatching file becomes
<name>.md5-mismatch. Nothing is loaded that was not verified.

Following qgis_plugin_tools' pattern: run() does no GUI work and stores its errors;
finished() (main thread) reports and calls the caller's callback.
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Sequence, Tuple

from ..core import dataset, sources
from ..core.errors import CiscCancelled, CiscError
from ..toolbelt.i18n import tr
from ..toolbelt.log import get_logger
from .http import HttpError
from .network_task import NetworkTask, human_size

log = get_logger("layers.download")

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


class DownloadTask(NetworkTask):
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
        super().__init__(tr("Downloading CISC files"), user_agent, on_done)
        self.wanted = list(wanted)
        self.folder = folder
        self.base_url = base_url
        self.record_id = record_id
        self.max_attempts = max(1, int(max_attempts))
        self.retry_delay = float(retry_delay)
        self.max_retry_wait = float(max_retry_wait)
        self.outcome = DownloadOutcome()
        self._total = 1
        self._done = 0

    # -- main thread ---------------------------------------------------------------
    def report(self) -> None:
        if self.exception is not None and not isinstance(self.exception, CiscError):
            self.outcome.errors.append(tr("Download failed: {error}").format(error=self.exception))
        for message in self.outcome.errors:
            log.warning(message)

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
        files, url, problem = self.record_from_api(self.base_url, self.record_id)
        if files is not None:
            self.outcome.checksums_from_api = True
            return sources.fill_missing_checksums(files)
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
                        name=remote.key, need=human_size(remote.size - have), folder=self.folder, free=human_size(free)
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
                            part=os.path.basename(part), size=human_size(have)
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
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        received = 0
        start = offset
        try:
            response = self._session.get(url, headers)
            status = response.status
            if status == 416 and offset:
                return  # the part is already complete (the md5 check decides)
            if status == 429:
                retry_after = (response.getheader("Retry-After") or "").strip()
                raise _HttpProblemError(
                    tr("the server answered 429 Too Many Requests (Zenodo's rate limit); try again in a few minutes"),
                    retry_after=float(retry_after) if retry_after.replace(".", "", 1).isdigit() else None,
                )
            if status in (404, 410):
                raise _HttpProblemError(tr("not found on the server (HTTP {status})").format(status=status), fatal=True)
            if status >= 400 or status not in (200, 206):
                raise _HttpProblemError(
                    tr("the server answered HTTP {status}").format(status=status), fatal=status in (401, 403)
                )
            if status == 206:
                content_range = response.getheader("Content-Range") or ""
                try:
                    resumed_at = int(content_range.split()[1].split("-")[0])
                except (IndexError, ValueError):
                    resumed_at = -1
                if resumed_at != offset:
                    if os.path.exists(part):
                        os.remove(part)
                    raise _HttpProblemError(f"the server resumed at byte {resumed_at} instead of {offset}")
                mode = "ab"
            else:
                start, mode = 0, "wb"  # the server ignored the Range: start again
            with open(part, mode, buffering=0) as handle:  # on disk as it arrives
                while True:
                    data = self._session.read_chunk(response)
                    if not data:
                        break
                    self._write(handle, data, part)
                    received += len(data)
                    self._advance(len(data))
        except HttpError as exc:
            self._check_cancel()
            raise _HttpProblemError(
                tr("the connection failed after {size} ({error})").format(size=human_size(start + received), error=exc)
            ) from None
        finally:
            self._session.close()
        self._check_cancel()
        total = start + received
        if remote.size and total < remote.size:
            raise _HttpProblemError(
                tr("the connection was cut after {got} of {size}").format(got=human_size(total), size=human_size(remote.size))
            )

    def _write(self, handle, data: bytes, part: str) -> None:
        """Append data; a full disk or any write error ends the download, keeping the .part file."""
        try:
            view = memoryview(data)
            while view:
                view = view[handle.write(view):]
        except OSError as exc:
            kept = os.path.getsize(part) if os.path.exists(part) else 0
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise CiscError(
                    tr("{part}: the disk is full ({error}); the partial file ({size}) is kept: free space and "
                       "download again to resume.").format(part=part, error=exc.strerror or exc, size=human_size(kept))
                ) from None
            raise CiscError(
                tr("{part}: could not write ({error}); the partial file ({size}) is kept, free space and download "
                   "again to resume.").format(part=part, error=exc.strerror or exc, size=human_size(kept))
            ) from None
