"""The ``WebhookSender`` over HTTP (httpx): one POST per attempt, to an address the target rule
allows, within the timeouts, never following a redirect, reading a bounded part of the answer.

The host is resolved here, every resolved address checked (``refused_address``), and the request
sent to the checked address itself with the name in ``Host`` and, for https, as the TLS server
name (httpcore's ``sni_hostname`` extension), so the certificate is still checked against the
name: a resolver that answers differently the second time (DNS rebinding) never gets asked.
Nothing here logs a body, a header or a secret.
"""

from __future__ import annotations

import http.cookiejar
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from academy_video.app.ports.webhooks import MAX_RESPONSE_CHARS, DeliveryResult, WebhookRequest
from academy_video.domain.webhook_targets import (
    DEFAULT_PORTS,
    AllowList,
    InvalidWebhookTarget,
    IPAddress,
    Target,
    check_target_url,
    refused_address,
)

Resolver = Callable[[str, int], list[IPAddress]]

# UTF-8 spends at most 4 bytes on a character: this many bytes hold MAX_RESPONSE_CHARS of them.
MAX_RESPONSE_BYTES = MAX_RESPONSE_CHARS * 4


def system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    total: float = 15.0  # the whole attempt: connect, send, and reading the answer


class HttpWebhookSender:
    def __init__(
        self,
        *,
        allow: AllowList,
        allow_http: bool,
        timeouts: Timeouts = Timeouts(),
        resolver: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
        max_connections: int = 64,
    ) -> None:
        self._allow = allow
        self._allow_http = allow_http
        self._timeouts = timeouts
        self._resolve = resolver
        self._client = httpx.Client(
            verify=verify,
            follow_redirects=False,
            # No proxy from the environment: a proxy would resolve the name again, elsewhere.
            trust_env=False,
            # A target's cookies are never kept for the next attempt (nor another target).
            cookies=http.cookiejar.CookieJar(
                http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
            ),
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections // 4 or 1,
                keepalive_expiry=30.0,
            ),
        )

    def close(self) -> None:
        self._client.close()

    def send(self, request: WebhookRequest) -> DeliveryResult:
        started = time.monotonic()

        def result(
            status: int | None = None, response: str = "", error: str = ""
        ) -> DeliveryResult:
            duration_ms = int((time.monotonic() - started) * 1000)
            return DeliveryResult(status, duration_ms, response, error)

        try:
            target = check_target_url(request.url, allow_http=self._allow_http)
        except InvalidWebhookTarget as refused:
            return result(error=f"invalid_url: {refused.reason}")
        try:
            address = self._checked_address(target)
        except _Refused as refused:
            return result(error=str(refused))
        deadline = started + self._timeouts.total
        try:
            with self._client.stream(
                "POST",
                _url_of(target, address),
                content=request.body,
                headers={
                    **request.headers,
                    **_connection_headers(target),
                    # A compressed answer could inflate far past what we read of it.
                    "accept-encoding": "identity",
                },
                timeout=self._timeout_until(deadline),
                extensions=_tls_name(target, address),
            ) as response:
                text, error = _read_bounded(response, deadline)
                return result(response.status_code, text, error)
        except httpx.TimeoutException:
            return result(error="timeout")
        except httpx.ConnectError as failed:
            return result(error="tls" if _caused_by_tls(failed) else "connect")
        except httpx.ProtocolError:
            return result(error="protocol")
        except (httpx.TransportError, OSError):
            return result(error="network")

    def _checked_address(self, target: Target) -> IPAddress:
        """The address to connect to: every address the host has must be allowed, or a
        resolver answering a public and a private address could pick the private one later."""
        if target.address is not None:
            addresses = [target.address]
        else:
            try:
                addresses = self._resolve(target.host, target.port)
            except (OSError, UnicodeError, ValueError):
                raise _Refused("dns") from None
            if not addresses:
                raise _Refused("dns")
        for address in addresses:
            reason = refused_address(address, host=target.host, allow=self._allow)
            if reason:
                raise _Refused(f"refused_address: {reason}")
        return addresses[0]

    def _timeout_until(self, deadline: float) -> httpx.Timeout:
        # httpx's timeouts are per phase (and per read); each gets what is left of the total,
        # and the answer's body is read against the deadline itself.
        left = max(deadline - time.monotonic(), 0.001)
        return httpx.Timeout(left, connect=min(self._timeouts.connect, left))


class _Refused(Exception):
    pass


def _url_of(target: Target, address: IPAddress) -> httpx.URL:
    return httpx.URL(
        scheme=target.scheme,
        host=str(address),
        port=target.port,
        raw_path=target.path_and_query.encode("ascii"),
    )


def _connection_headers(target: Target) -> dict[str, str]:
    host = f"[{target.host}]" if ":" in target.host else target.host
    headers = {
        "host": host if target.port == DEFAULT_PORTS[target.scheme] else f"{host}:{target.port}"
    }
    if target.scheme == "https":
        # The pool keys connections by address alone: one kept alive after a TLS handshake for
        # one name would carry the next request for any other name at that address, its
        # certificate never checked against that name. So no https connection is kept.
        headers["connection"] = "close"
    return headers


def _tls_name(target: Target, address: IPAddress) -> dict[str, str]:
    # The certificate must name the host the subscriber gave, not the address we connect to.
    if target.scheme != "https" or target.address is not None:
        return {}
    return {"sni_hostname": target.host}


def _read_bounded(response: httpx.Response, deadline: float) -> tuple[str, str]:
    """The answer's first MAX_RESPONSE_CHARS characters, and "timeout" if the deadline passed
    first; the rest is never read (closing the response drops the connection)."""
    chunks: list[bytes] = []
    size = 0
    error = ""
    try:
        for chunk in response.iter_raw(chunk_size=8192):
            chunks.append(chunk)
            size += len(chunk)
            if size >= MAX_RESPONSE_BYTES:
                break
            if time.monotonic() > deadline:
                error = "timeout"
                break
    except httpx.TimeoutException:
        error = "timeout"
    except httpx.TransportError:
        error = "network"
    text = b"".join(chunks)[:MAX_RESPONSE_BYTES].decode("utf-8", errors="replace")
    return text[:MAX_RESPONSE_CHARS], error


def _caused_by_tls(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False
