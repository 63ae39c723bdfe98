"""Blocking HTTP(S) GETs for worker threads, without a Qt event loop.

A QgsTask's run() must not spin an event loop (a Python exception raised in a slot while a
QEventLoop runs in a pool thread aborts the process). So the download reads its sockets with
Python's http.client: connect and read timeouts bound every wait, and abort() - callable from
any thread, e.g. from QgsTask.cancel() on the main thread - shuts the socket down so that a
blocked read returns at once.

QGIS's proxy settings are honoured: proxy_from_qgis() reads them on the main thread (where
QgsNetworkAccessManager lives) and the session tunnels HTTPS through an HTTP proxy.
"""

from __future__ import annotations

import base64
import http.client
import socket
import ssl
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Dict, Optional

CONNECT_TIMEOUT = 15.0
READ_TIMEOUT = 30.0
MAX_REDIRECTS = 5


class HttpError(Exception):
    """A connection-level failure (refused, timed out, reset, TLS): the text names the URL."""


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int
    user: str = ""
    password: str = ""

    def authorization(self) -> Optional[str]:
        if not self.user:
            return None
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
        return f"Basic {token}"


def proxy_from_qgis() -> Optional[Proxy]:
    """The HTTP proxy QGIS is set to use (Settings > Options > Network), else the environment's.

    Call on the main thread. A SOCKS proxy is not supported by http.client: None (direct)."""
    try:
        from qgis.core import QgsNetworkAccessManager
        from qgis.PyQt.QtNetwork import QNetworkProxy

        proxy = QgsNetworkAccessManager.instance().fallbackProxy()
        kind = proxy.type()
        if kind in (QNetworkProxy.ProxyType.HttpProxy, QNetworkProxy.ProxyType.HttpCachingProxy) and proxy.hostName():
            return Proxy(proxy.hostName(), int(proxy.port() or 8080), proxy.user() or "", proxy.password() or "")
    except Exception:  # noqa: BLE001  # nosec B110 # no QGIS (core tests) or no network manager yet: no proxy
        pass
    return None


def _environment_proxy(scheme: str, host: str) -> Optional[Proxy]:
    if urllib.request.proxy_bypass(host):
        return None
    url = urllib.request.getproxies().get(scheme)
    if not url:
        return None
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme not in ("http", "") or not parts.hostname:
        return None
    return Proxy(parts.hostname, parts.port or 8080, urllib.parse.unquote(parts.username or ""),
                 urllib.parse.unquote(parts.password or ""))


class HttpSession:
    """One GET at a time; abort() from any thread ends it within the socket's shutdown."""

    def __init__(self, user_agent: str, proxy: Optional[Proxy] = None, *, use_environment_proxy: bool = True,
                 connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT):
        if not user_agent:
            raise ValueError("a User-Agent is required (Zenodo refuses empty ones)")
        self.user_agent = user_agent
        self.proxy = proxy
        self.use_environment_proxy = use_environment_proxy
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._lock = threading.Lock()
        self._connection: Optional[http.client.HTTPConnection] = None
        self._aborted = False

    # -- any thread ------------------------------------------------------------------
    def abort(self) -> None:
        """Shut the current connection down: a read blocked in the worker thread returns now."""
        with self._lock:
            self._aborted = True
            connection = self._connection
        if connection is not None and connection.sock is not None:
            try:
                connection.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    @property
    def aborted(self) -> bool:
        return self._aborted

    # -- worker thread ---------------------------------------------------------------
    def get(self, url: str, headers: Optional[Dict[str, str]] = None) -> http.client.HTTPResponse:
        """GET url, following redirects (never from https to http). The response is open:
        read it with read_chunk(), then close()."""
        for _ in range(MAX_REDIRECTS + 1):
            response = self._get_once(url, headers or {})
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                response.read()
                self.close()
                if not location:
                    raise HttpError(f"{url}: HTTP {response.status} without a Location")
                target = urllib.parse.urljoin(url, location)
                if url.startswith("https:") and not target.startswith("https:"):
                    raise HttpError(f"{url}: refused a redirect from HTTPS to {target}")
                url = target
                continue
            return response
        raise HttpError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def read_chunk(self, response: http.client.HTTPResponse, size: int = 1 << 16) -> bytes:
        try:
            return response.read1(size) if hasattr(response, "read1") else response.read(size)
        except (OSError, http.client.HTTPException) as exc:
            raise HttpError(self._describe(exc)) from None

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _get_once(self, url: str, headers: Dict[str, str]) -> http.client.HTTPResponse:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise HttpError(f"{url}: not an http(s) URL")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        proxy = self.proxy
        if proxy is None and self.use_environment_proxy:
            proxy = _environment_proxy(parts.scheme, parts.hostname)
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        request_headers = {"User-Agent": self.user_agent, "Accept-Encoding": "identity", **headers}
        if parts.scheme == "https":
            context = ssl.create_default_context()
            if proxy is None:
                connection = http.client.HTTPSConnection(parts.hostname, port, timeout=self.connect_timeout,
                                                         context=context)
            else:
                connection = http.client.HTTPSConnection(proxy.host, proxy.port, timeout=self.connect_timeout,
                                                         context=context)
                tunnel_headers = {"Proxy-Authorization": proxy.authorization()} if proxy.user else None
                connection.set_tunnel(parts.hostname, port, headers=tunnel_headers)
        elif proxy is None:
            connection = http.client.HTTPConnection(parts.hostname, port, timeout=self.connect_timeout)
        else:
            connection = http.client.HTTPConnection(proxy.host, proxy.port, timeout=self.connect_timeout)
            path = url  # an HTTP proxy takes the absolute URL
            if proxy.user:
                request_headers["Proxy-Authorization"] = proxy.authorization()
        with self._lock:
            if self._aborted:
                raise HttpError(f"{url}: cancelled")
            self._connection = connection
        try:
            connection.connect()
            with self._lock:
                aborted = self._aborted
            if aborted:
                # abort() came while connecting, before there was a socket to shut down: the
                # request is never sent (a stalled server would hold it for the read timeout)
                self.close()
                raise HttpError(f"{url}: cancelled")
            connection.sock.settimeout(self.read_timeout)
            connection.request("GET", path, headers=request_headers)
            return connection.getresponse()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise HttpError(f"{url}: {self._describe(exc)}") from None

    def _describe(self, exc: BaseException) -> str:
        if self._aborted:
            return "cancelled"
        if isinstance(exc, socket.timeout):
            return f"no data for {self.read_timeout:g} s (timed out)"
        return str(exc) or type(exc).__name__
