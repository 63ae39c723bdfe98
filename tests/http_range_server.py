"""A small HTTP server on 127.0.0.1 that plays Zenodo for the tests.

- GET/HEAD /records/<id>/files/<key>[?download=1]: a file of the served folder, with Range
  support (206 + Content-Range; several ranges answered as multipart/byteranges);
- GET /api/records/<id>: a record JSON (files[]: key, size, checksum "md5:<hex>", links.self);
- switches: answer 429 (Retry-After) to the next N file requests, drop the connection after
  N bytes of a body, serve wrong bytes for some keys, break the API, override API checksums,
  stall (accept the connection, then answer nothing until released: a hung server);
- every request is logged (method, path, Range, User-Agent, status).

Binds 127.0.0.1 on a random port; nothing else is ever contacted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Set
from urllib.parse import unquote, urlsplit

RECORD_ID = 15004180
_RANGE = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")
STALLED = 0  # the logged status of a request that got no answer


@dataclass
class LoggedRequest:
    method: str
    path: str
    range: str | None
    user_agent: str | None
    status: int = 0


@dataclass
class ServerState:
    folder: str
    record_id: int = RECORD_ID
    answer_429: int = 0  # answer 429 to this many following file requests
    retry_after: int = 0
    drop_after_bytes: int | None = None  # cut the body after this many bytes...
    drop_times: int = 0  # ...for this many following GET file requests
    corrupt_keys: Set[str] = field(default_factory=set)  # serve wrong bytes for these keys
    api_status: int = 200  # e.g. 500 or 404 to break the API
    api_md5_override: Dict[str, str] = field(default_factory=dict)
    hidden_keys: Set[str] = field(default_factory=set)  # not listed by the API and 404
    chunk_delay: float = 0.0  # seconds between 4 kB pieces of a body (slow server, for cancel tests)
    stall_files: bool = False  # file requests get no answer at all...
    stall_api: bool = False  # ...nor do record API requests...
    stall_seconds: float = 60.0  # ...for this long, or until reset()/stop(); then the connection is closed
    release: threading.Event = field(default_factory=threading.Event)
    requests: List[LoggedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def file_requests(self) -> List[LoggedRequest]:
        return [r for r in self.requests if "/files/" in r.path]

    def stalled_requests(self) -> List[LoggedRequest]:
        return [r for r in self.requests if r.status == STALLED]


def md5_of(path: str) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeZenodo/1.0"

    def log_message(self, *args):  # quiet
        pass

    @property
    def state(self) -> ServerState:
        return self.server.state  # type: ignore[attr-defined]

    def _log(self, status: int) -> None:
        with self.state.lock:
            self.state.requests.append(
                LoggedRequest(
                    self.command, self.path, self.headers.get("Range"), self.headers.get("User-Agent"), status
                )
            )

    def _simple(self, status: int, body: bytes = b"", content_type: str = "text/plain", extra=None):
        self._log(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def do_GET(self):  # noqa: N802
        path = unquote(urlsplit(self.path).path)
        state = self.state
        api = f"/api/records/{state.record_id}"
        files_prefix = f"/records/{state.record_id}/files/"
        if path.rstrip("/") == api:
            if state.stall_api:
                return self._stall()
            return self._api()
        if path.startswith(files_prefix):
            if state.stall_files:
                return self._stall()
            key = path[len(files_prefix) :]
            return self._file(key)
        return self._simple(404, b"not found")

    def _stall(self):
        """A hung server: the request was received, no byte of an answer ever comes."""
        release = self.state.release
        self._log(STALLED)
        release.wait(self.state.stall_seconds)
        self.close_connection = True
        try:
            import socket

            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- record API ------------------------------------------------------------
    def _api(self):
        state = self.state
        if state.api_status != 200:
            return self._simple(state.api_status, b'{"status": %d}' % state.api_status, "application/json")
        host = f"http://{self.server.server_address[0]}:{self.server.server_address[1]}"
        files = []
        for name in sorted(os.listdir(state.folder)):
            full = os.path.join(state.folder, name)
            if not os.path.isfile(full) or name in state.hidden_keys:
                continue
            md5 = state.api_md5_override.get(name) or md5_of(full)
            files.append(
                {
                    "id": hashlib.sha1(name.encode()).hexdigest(),
                    "key": name,
                    "size": os.path.getsize(full),
                    "checksum": f"md5:{md5}",
                    "links": {"self": f"{host}/api/records/{state.record_id}/files/{name}/content"},
                }
            )
        body = json.dumps({"id": state.record_id, "metadata": {"title": "fake CISC"}, "files": files}).encode()
        return self._simple(200, body, "application/json")

    # -- files -----------------------------------------------------------------
    def _file(self, key: str):
        state = self.state
        full = os.path.join(state.folder, key)
        if "/" in key or key in state.hidden_keys or not os.path.isfile(full):
            return self._simple(404, b"not found")
        with state.lock:
            throttled = state.answer_429 > 0
            if throttled:
                state.answer_429 -= 1
        if throttled:
            return self._simple(429, b"Too Many Requests", extra={"Retry-After": str(state.retry_after)})
        size = os.path.getsize(full)
        ranges = self._ranges(size)
        if ranges == "invalid":
            return self._simple(416, b"", extra={"Content-Range": f"bytes */{size}"})
        drop_at = None
        if self.command == "GET":
            with state.lock:
                if state.drop_times > 0 and state.drop_after_bytes is not None:
                    state.drop_times -= 1
                    drop_at = state.drop_after_bytes
        with open(full, "rb") as handle:
            data = handle.read()
        if key in state.corrupt_keys:
            data = bytes(b ^ 0x5A for b in data)
        if ranges is None:
            status, headers, body = 200, {"Content-Type": "application/octet-stream"}, data
        elif len(ranges) == 1:
            start, end = ranges[0]
            status = 206
            headers = {"Content-Type": "application/octet-stream", "Content-Range": f"bytes {start}-{end}/{size}"}
            body = data[start : end + 1]
        else:
            status = 206
            boundary = "FAKEZENODOBOUNDARY"
            parts = []
            for start, end in ranges:
                parts.append(
                    f"--{boundary}\r\nContent-Type: application/octet-stream\r\n"
                    f"Content-Range: bytes {start}-{end}/{size}\r\n\r\n".encode()
                    + data[start : end + 1]
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers = {"Content-Type": f"multipart/byteranges; boundary={boundary}"}
        self._log(status)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if drop_at is not None and drop_at < len(body):
            self.wfile.write(body[:drop_at])
            self.wfile.flush()
            self.close_connection = True
            try:
                import socket

                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if state.chunk_delay > 0:
            import time

            for start in range(0, len(body), 4096):
                try:
                    self.wfile.write(body[start : start + 4096])
                    self.wfile.flush()
                except OSError:  # the client went away (cancel)
                    self.close_connection = True
                    return
                time.sleep(state.chunk_delay)
            return
        self.wfile.write(body)

    def _ranges(self, size: int):
        header = self.headers.get("Range")
        if not header or not header.strip().lower().startswith("bytes="):
            return None
        result = []
        for spec in header.split("=", 1)[1].split(","):
            match = _RANGE.match(spec)
            if not match:
                return "invalid"
            first, last = match.groups()
            if first == "" and last == "":
                return "invalid"
            if first == "":  # suffix range
                length = int(last)
                start, end = max(0, size - length), size - 1
            else:
                start = int(first)
                end = int(last) if last else size - 1
                end = min(end, size - 1)
            if start >= size or start > end:
                continue
            result.append((start, end))
        return result or "invalid"


class RangeServer:
    """with RangeServer(folder) as server: server.base_url -> "http://127.0.0.1:<port>"."""

    def __init__(self, folder: str, record_id: int = RECORD_ID):
        self.state = ServerState(folder=os.fspath(folder), record_id=record_id)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> RangeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.state.release.set()  # stalled requests end now
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def reset(self) -> None:
        with self.state.lock:
            self.state.answer_429 = 0
            self.state.drop_after_bytes = None
            self.state.drop_times = 0
            self.state.corrupt_keys = set()
            self.state.api_status = 200
            self.state.api_md5_override = {}
            self.state.hidden_keys = set()
            self.state.chunk_delay = 0.0
            self.state.stall_files = False
            self.state.stall_api = False
            self.state.stall_seconds = 60.0
            self.state.release.set()  # stalled requests end now
            self.state.release = threading.Event()
            self.state.requests.clear()
