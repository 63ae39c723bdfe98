"""Where the CISC files come from: a local folder, streaming from Zenodo, or a verified download.

Pure module (stdlib + osgeo.gdal only, no Qt, no qgis):
- find the files of a local folder by name (cisc_2020.tif or cisc2020.tif, any case, the
  masks and the dates zip) and list what is missing instead of guessing;
- build the record's URLs (base URL configurable, so tests point at 127.0.0.1);
- read the record API's file list (key, size, "md5:<hex>" checksum, links.self), with the
  published table of plugin/core/dataset.py as the offline fallback;
- md5 of a file in chunks, and the naming rules of partial and mismatching downloads
  (<name>.part while downloading, renamed to <name> only after its md5 matched; a mismatching
  file becomes <name>.md5-mismatch and is never loaded);
- the GDAL HTTP options of /vsicurl/ streaming, scoped to the record's URLs only: carried in
  the /vsicurl?...&url= file name (User-Agent, retries, empty directory, proxy host) and set
  with gdal.SetPathSpecificOption on the record's prefix, never globally, so the user's other
  layers are never affected.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Mapping, Sequence, Tuple
from urllib.parse import quote, unquote

from . import dataset
from .errors import CiscCancelled, CiscError
from .messages import CoreMessage

log = logging.getLogger("cisc_impervious.core.sources")

ZENODO_BASE_URL = "https://zenodo.org"
PART_SUFFIX = ".part"
MISMATCH_SUFFIX = ".md5-mismatch"
CHUNK_SIZE = 1 << 20

# Kinds of files of the record
CISC, MASK, DATES = "cisc", "mask", "dates"
DATES_CANONICAL_NAME = "source_date_dissovle.zip"  # sic: the record's own spelling


def canonical_name(kind: str, year: int | None = None) -> str:
    """The name the record uses for a file kind (cisc_2020.tif, valid_mask_2022.tif, ...)."""
    if kind == CISC:
        return f"cisc_{int(year)}.tif"
    if kind == MASK:
        return f"valid_mask_{int(year)}.tif"
    if kind == DATES:
        return DATES_CANONICAL_NAME
    raise ValueError(f"unknown file kind {kind!r}")


def wanted_files(years: Iterable[int], masks: bool = True, dates: bool = True) -> List[Tuple[str, int | None]]:
    """(kind, year) of every file a selection needs, in loading order."""
    wanted: List[Tuple[str, int | None]] = []
    for year in sorted({int(y) for y in years}):
        wanted.append((CISC, year))
        if masks:
            wanted.append((MASK, year))
    if dates:
        wanted.append((DATES, None))
    return wanted


def parse_years(text: str) -> List[int]:
    """ "2020,2022" -> [2020, 2022]; unknown or malformed entries are dropped."""
    years = []
    for part in str(text or "").replace(";", ",").split(","):
        part = part.strip()
        if part.isdigit() and int(part) in dataset.YEARS and int(part) not in years:
            years.append(int(part))
    return sorted(years)


# ---------------------------------------------------------------------------------------
# Local folder


@dataclass
class Discovery:
    """What a selection found: (kind, year) -> path or URL, and what is missing."""

    found: Dict[Tuple[str, int | None], str] = field(default_factory=dict)
    missing: List[str] = field(default_factory=list)  # canonical names of missing files
    notes: List[str] = field(default_factory=list)  # e.g. two spellings of one file

    @property
    def complete(self) -> bool:
        return not self.missing


def _spelling_rank(kind: str, year: int | None, name: str) -> Tuple[int, str]:
    """Prefer the canonical spelling, then the plain lower-case one, then anything else
    (discovery.spelling_rank: the same rule for local folders and the record's file list)."""
    from .discovery import spelling_rank

    return spelling_rank(kind, year, name)


def discover_local(folder: str, years: Iterable[int], masks: bool = True, dates: bool = True) -> Discovery:
    """Find the wanted files in folder (not recursive) by name: both spellings, any case, by the
    one rule of plugin/core/discovery.py.

    .part and .md5-mismatch files never match. Missing files are listed by their record name.
    Several candidates for one file: the record's spelling is used and a note names them all.
    """
    from .discovery import scan_folder, several_files_note

    result = Discovery()
    wanted = wanted_files(years, masks, dates)
    if not folder or not os.path.isdir(folder):
        result.missing = [canonical_name(kind, year) for kind, year in wanted]
        result.notes.append(
            CoreMessage("Folder not found: {folder}", folder=folder) if folder else CoreMessage("No folder chosen.")
        )
        return result
    files = scan_folder(folder)
    for kind, year in wanted:
        best = files.best(kind, year)
        if best is None:
            result.missing.append(canonical_name(kind, year))
            continue
        result.found[(kind, year)] = best
        if files.ambiguous(kind, year):
            result.notes.append(several_files_note(files, kind, year))
    return result


# ---------------------------------------------------------------------------------------
# Zenodo record: URLs and file list


def _base(base_url: str | None) -> str:
    return (base_url or ZENODO_BASE_URL).rstrip("/")


def record_api_url(base_url: str | None = None, record_id: int = dataset.RECORD_ID) -> str:
    return f"{_base(base_url)}/api/records/{int(record_id)}"


def file_url(key: str, base_url: str | None = None, record_id: int = dataset.RECORD_ID) -> str:
    """https://zenodo.org/records/<id>/files/<key>: the form that honours HTTP range requests."""
    return f"{_base(base_url)}/records/{int(record_id)}/files/{key}"


def download_url(key: str, base_url: str | None = None, record_id: int = dataset.RECORD_ID) -> str:
    return file_url(key, base_url, record_id) + "?download=1"


def plain_vsicurl_path(key: str, base_url: str | None = None, record_id: int = dataset.RECORD_ID) -> str:
    return "/vsicurl/" + file_url(key, base_url, record_id)


@dataclass(frozen=True)
class RemoteFile:
    key: str
    size: int | None
    md5: str | None  # lower-case hex
    url: str  # /records/<id>/files/<key> form (ranges honoured)
    api_link: str | None = None  # links.self from the API, for information
    from_api: bool = False

    @property
    def kind_year(self):
        return dataset.classify_file_name(self.key)


def _md5_of_checksum(checksum) -> str | None:
    if not checksum:
        return None
    text = str(checksum).strip()
    if ":" in text:
        algorithm, _, value = text.partition(":")
        if algorithm.strip().lower() != "md5":
            return None
        text = value
    text = text.strip().lower()
    if len(text) == 32 and all(c in "0123456789abcdef" for c in text):
        return text
    return None


def parse_record_json(data, base_url: str | None = None, record_id: int = dataset.RECORD_ID) -> List[RemoteFile]:
    """The files[] of a Zenodo record API answer (dict, str or bytes).

    Raises CiscError when the answer is not a record with a file list.
    """
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data).decode("utf-8", errors="replace")
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise CiscError(f"The Zenodo record {record_id} answer is not JSON: {exc}") from exc
    if not isinstance(data, Mapping):
        raise CiscError(f"The Zenodo record {record_id} answer is not a record.")
    files = data.get("files")
    if isinstance(files, Mapping):  # newer API: {"entries": {...}} or {"entries": [...]}
        entries = files.get("entries")
        files = list(entries.values()) if isinstance(entries, Mapping) else entries
    if not isinstance(files, list):
        raise CiscError(f"The Zenodo record {record_id} answer has no file list.")
    result = []
    for entry in files:
        if not isinstance(entry, Mapping):
            continue
        key = entry.get("key") or entry.get("filename")
        if not key:
            continue
        size = entry.get("size", entry.get("filesize"))
        try:
            size = int(size) if size is not None else None
        except (TypeError, ValueError):
            size = None
        links = entry.get("links") if isinstance(entry.get("links"), Mapping) else {}
        result.append(
            RemoteFile(
                key=str(key),
                size=size,
                md5=_md5_of_checksum(entry.get("checksum")),
                url=file_url(str(key), base_url, record_id),
                api_link=links.get("self") or links.get("content"),
                from_api=True,
            )
        )
    return result


def published_files(base_url: str | None = None, record_id: int = dataset.RECORD_ID) -> List[RemoteFile]:
    """The offline fallback: dataset.PUBLISHED_FILES (sizes are approximate)."""
    return [
        RemoteFile(key=key, size=None, md5=md5, url=file_url(key, base_url, record_id), from_api=False)
        for key, (_size, md5) in dataset.PUBLISHED_FILES.items()
    ]


def select_remote(
    files: Sequence[RemoteFile], years: Iterable[int], masks: bool = True, dates: bool = True
) -> Tuple[Dict[Tuple[str, int | None], RemoteFile], List[str]]:
    """Match the record's files to the wanted (kind, year): both spellings, any case."""
    by_kind: Dict[Tuple[str, int | None], List[RemoteFile]] = {}
    for remote in files:
        kind_year = remote.kind_year
        if kind_year is not None:
            by_kind.setdefault(tuple(kind_year), []).append(remote)
    found, missing = {}, []
    for kind, year in wanted_files(years, masks, dates):
        matches = sorted(by_kind.get((kind, year), []), key=lambda r: _spelling_rank(kind, year, r.key))
        if matches:
            found[(kind, year)] = matches[0]
        else:
            missing.append(canonical_name(kind, year))
    return found, missing


def fill_missing_checksums(files: Sequence[RemoteFile]) -> List[RemoteFile]:
    """API entries without an md5 take it from the published table (matched by kind and year)."""
    table = {}
    for key, (_size, md5) in dataset.PUBLISHED_FILES.items():
        kind_year = dataset.classify_file_name(key)
        if kind_year is not None:
            table[tuple(kind_year)] = md5
    out = []
    for remote in files:
        if remote.md5 is None and remote.kind_year is not None and tuple(remote.kind_year) in table:
            remote = RemoteFile(
                remote.key, remote.size, table[tuple(remote.kind_year)], remote.url, remote.api_link, remote.from_api
            )
        out.append(remote)
    return out


# ---------------------------------------------------------------------------------------
# md5 and the naming of partial / mismatching downloads


def md5_of_file(
    path: str,
    chunk_size: int = CHUNK_SIZE,
    is_cancelled: Callable[[], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Hex md5 of a file, read in chunks (bounded memory). Raises CiscCancelled on request."""
    digest = _md5()
    total = os.path.getsize(path)
    done = 0
    with open(path, "rb") as handle:
        while True:
            if is_cancelled is not None and is_cancelled():
                raise CiscCancelled()
            chunk = handle.read(chunk_size)
            if not chunk:
                break
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def _md5():
    """A hashlib md5 object. md5 is an integrity check here (the record publishes md5 checksums to
    compare a download with), not a security measure: said so where Python lets us say it."""
    try:
        return hashlib.md5(usedforsecurity=False)
    except TypeError:  # Python < 3.9 has no usedforsecurity
        return hashlib.md5()  # nosec B324 # integrity check against the record's published md5, not security


def part_path(final_path: str) -> str:
    return final_path + PART_SUFFIX


def mismatch_path(final_path: str) -> str:
    return final_path + MISMATCH_SUFFIX


def finalize_download(
    part: str,
    final_path: str,
    expected_md5: str | None,
    is_cancelled: Callable[[], bool] | None = None,
) -> str:
    """Check a finished .part file's md5 and only then give it its final name.

    On a mismatch the file is renamed <name>.md5-mismatch (never loaded) and CiscError raised.
    Without a known md5 the file is refused too: an unverified file is never used.
    """
    name = os.path.basename(final_path)
    if not expected_md5:
        raise CiscError(f"{name}: no md5 checksum is known for this file, so it cannot be verified.")
    actual = md5_of_file(part, is_cancelled=is_cancelled)
    if actual != expected_md5.lower():
        bad = mismatch_path(final_path)
        os.replace(part, bad)
        raise CiscError(
            f"{name}: md5 mismatch (expected {expected_md5.lower()}, got {actual}); the file was kept "
            f"as {os.path.basename(bad)} and will not be used. Download it again."
        )
    os.replace(part, final_path)
    return final_path


def verify_file(path: str, expected_md5: str | None, is_cancelled=None) -> bool:
    return bool(expected_md5) and md5_of_file(path, is_cancelled=is_cancelled) == expected_md5.lower()


# ---------------------------------------------------------------------------------------
# GDAL options of /vsicurl/ streaming, scoped to the record's URL prefix


@dataclass(frozen=True)
class ProxySettings:
    """QGIS's proxy settings as plain values (read by the QGIS-side caller)."""

    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""
    kind: str = "http"  # http | socks5 | ...

    @property
    def enabled(self) -> bool:
        return bool(self.host)


# Streaming timeouts (seconds; the limit in bytes/s). A stalled transfer ends after
# HTTP_LOW_SPEED_TIME (GDAL does not retry it, though a block read may try a second range
# after the first failed); HTTP_TIMEOUT is a backstop for one request.
HTTP_CONNECT_TIMEOUT = 15
HTTP_TIMEOUT = 120
HTTP_LOW_SPEED_TIME = 10
HTTP_LOW_SPEED_LIMIT = 100

HTTP_OPTION_KEYS = (
    "GDAL_DISABLE_READDIR_ON_OPEN",
    "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES",
    "GDAL_HTTP_MULTIRANGE",
    "GDAL_HTTP_USERAGENT",
    "GDAL_HTTP_MAX_RETRY",
    "GDAL_HTTP_RETRY_DELAY",
    "GDAL_HTTP_CONNECTTIMEOUT",
    "GDAL_HTTP_TIMEOUT",
    "GDAL_HTTP_LOW_SPEED_TIME",
    "GDAL_HTTP_LOW_SPEED_LIMIT",
    "GDAL_HTTP_PROXY",
    "GDAL_HTTP_PROXYUSERPWD",
    "GDAL_PROXY_AUTH",
)


def gdal_http_options(
    user_agent: str,
    proxy: ProxySettings | None = None,
    *,
    max_retry: int = 5,
    retry_delay: float = 2.0,
    multirange: str = "SERIAL",
    connect_timeout: int = HTTP_CONNECT_TIMEOUT,
    timeout: int = HTTP_TIMEOUT,
    low_speed_time: int = HTTP_LOW_SPEED_TIME,
    low_speed_limit: int = HTTP_LOW_SPEED_LIMIT,
) -> Dict[str, str]:
    """The GDAL options for streaming the record's COGs.

    multirange SERIAL: Zenodo answers 429 to bursts of parallel small range reads.
    Timeouts (whole seconds, as curl takes them): connecting, a whole request, and a stalled
    transfer (less than low_speed_limit bytes/s for low_speed_time s): a hung server ends a
    read within them instead of blocking a thread (and QGIS) indefinitely.
    """
    if not user_agent:
        raise ValueError("a User-Agent is required (Zenodo refuses empty ones)")
    options = {
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
        "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
        "GDAL_HTTP_MULTIRANGE": multirange,
        "GDAL_HTTP_USERAGENT": user_agent,
        "GDAL_HTTP_MAX_RETRY": str(int(max_retry)),
        "GDAL_HTTP_RETRY_DELAY": f"{float(retry_delay):g}",
        "GDAL_HTTP_CONNECTTIMEOUT": str(max(1, int(connect_timeout))),
        "GDAL_HTTP_TIMEOUT": str(max(1, int(timeout))),
        "GDAL_HTTP_LOW_SPEED_TIME": str(max(1, int(low_speed_time))),
        "GDAL_HTTP_LOW_SPEED_LIMIT": str(max(1, int(low_speed_limit))),
    }
    if proxy is not None and proxy.enabled:
        scheme = "socks5h" if proxy.kind.lower().startswith("socks") else "http"
        host = proxy.host if "://" in proxy.host else f"{scheme}://{proxy.host}"
        options["GDAL_HTTP_PROXY"] = f"{host}:{int(proxy.port)}" if proxy.port else host
        if proxy.user:
            options["GDAL_HTTP_PROXYUSERPWD"] = f"{proxy.user}:{proxy.password}"
            options["GDAL_PROXY_AUTH"] = "ANY"
    return options


# GDAL options that /vsicurl? accepts inside the file name itself (GDAL >= 2.3). Credentials
# are deliberately absent: a layer's source is saved in project files. The timeouts must be
# here: GDAL 3.6 does not look GDAL_HTTP_*TIMEOUT/LOW_SPEED_* up per path for /vsicurl/.
_URL_OPTION_NAMES = (
    ("GDAL_HTTP_USERAGENT", "useragent"),
    ("GDAL_HTTP_MAX_RETRY", "max_retry"),
    ("GDAL_HTTP_RETRY_DELAY", "retry_delay"),
    ("GDAL_HTTP_CONNECTTIMEOUT", "connecttimeout"),
    ("GDAL_HTTP_TIMEOUT", "timeout"),
    ("GDAL_HTTP_LOW_SPEED_TIME", "low_speed_time"),
    ("GDAL_HTTP_LOW_SPEED_LIMIT", "low_speed_limit"),
    ("GDAL_HTTP_PROXY", "proxy"),
    ("GDAL_PROXY_AUTH", "proxyauth"),
)


def _url_query(options: Mapping[str, str]) -> str:
    parts = []
    if str(options.get("GDAL_DISABLE_READDIR_ON_OPEN", "")).upper() in ("EMPTY_DIR", "TRUE", "YES"):
        parts.append("empty_dir=yes")
    for key, name in _URL_OPTION_NAMES:
        value = options.get(key)
        if value not in (None, ""):
            parts.append(f"{name}={quote(str(value), safe='')}")
    return "&".join(parts)


def streaming_path(
    key: str,
    base_url: str | None = None,
    options: Mapping[str, str] | None = None,
    record_id: int = dataset.RECORD_ID,
) -> str:
    """The GDAL path of a streamed file of the record.

    "/vsicurl?<options>&url=<url-encoded https://zenodo.org/records/<id>/files/<key>>": the
    User-Agent, retries and empty-directory options travel inside the file name, so they apply
    to this URL only, in every thread, with any GDAL >= 2.3 -- and to nothing else.
    """
    url = file_url(key, base_url, record_id)
    query = _url_query(options or {})
    return f"/vsicurl?{query + '&' if query else ''}url={quote(url, safe='')}"


def streaming_prefix(
    base_url: str | None = None,
    options: Mapping[str, str] | None = None,
    record_id: int = dataset.RECORD_ID,
) -> str:
    """The prefix every streamed file of the record starts with (for path-specific options)."""
    return streaming_path("", base_url, options, record_id)


def has_path_specific_options() -> bool:
    from osgeo import gdal

    return hasattr(gdal, "SetPathSpecificOption")


def _prefixes(prefix: str) -> List[str]:
    prefixes = [prefix]
    if prefix.startswith("/vsicurl?") and "url=" in prefix:  # also the plain /vsicurl/<url> form
        prefixes.append("/vsicurl/" + unquote(prefix.split("url=", 1)[1]))
    return prefixes


def set_path_specific_options(prefix: str, options: Mapping[str, str]) -> bool:
    """Scope options to paths starting with prefix; False when this GDAL (< 3.6) cannot.

    gdal.SetPathSpecificOption never touches the global configuration: the user's other layers
    keep GDAL's (and QGIS's) settings. Which keys GDAL looks up path-specifically depends on its
    version (GDAL 3.6 does it for the cloud file systems, later versions for /vsicurl/ HTTP
    options too); the keys that matter most are therefore also carried in the file name by
    streaming_path(), which works everywhere.
    """
    from osgeo import gdal

    if not has_path_specific_options():
        return False
    for each in _prefixes(prefix):
        for key, value in options.items():
            gdal.SetPathSpecificOption(each, key, str(value))
    return True


def clear_path_specific_options(prefix: str) -> None:
    """Remove the options set for prefix (and only those)."""
    from osgeo import gdal

    if not has_path_specific_options():
        return
    for each in _prefixes(prefix):
        if hasattr(gdal, "ClearPathSpecificOptions"):
            gdal.ClearPathSpecificOptions(each)
        else:
            for key in HTTP_OPTION_KEYS:
                gdal.SetPathSpecificOption(each, key, None)


@contextlib.contextmanager
def scoped_http_options(prefix: str, options: Mapping[str, str]):
    """Make options apply to paths under prefix while the body runs (and after, when possible).

    With gdal.SetPathSpecificOption (GDAL >= 3.6) the options stay set for the prefix: QGIS
    reads a streamed layer later from its render threads, which need them too; no other path
    is affected. Without it (older GDAL) the fallback sets them as thread-local config
    options only around the body (the open) and restores the previous values afterwards, so
    the user's other layers are never affected; later reads then rely on the options carried
    in the file name by streaming_path().
    """
    if set_path_specific_options(prefix, options):
        yield "path-specific"
        return
    from osgeo import gdal

    previous = {key: gdal.GetThreadLocalConfigOption(key, None) for key in options}
    try:
        for key, value in options.items():
            gdal.SetThreadLocalConfigOption(key, str(value))
        yield "thread-local"
    finally:
        for key, value in previous.items():
            gdal.SetThreadLocalConfigOption(key, value)


def global_http_options() -> Dict[str, str | None]:
    """The process-wide values of the keys we scope (for checks that nothing leaked)."""
    from osgeo import gdal

    return {key: gdal.GetConfigOption(key) for key in HTTP_OPTION_KEYS}
