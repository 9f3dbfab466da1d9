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
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from functools import lru_cache

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

from .deadline import DeadlineTransport, until
from .lookups import LookupFailed, Lookups, Resolver

MEMO = 4096  # URLs, and addresses of a host, whose check is kept

log = logging.getLogger(__name__)

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
        # The rules are pure and the same URLs and addresses come back attempt after attempt:
        # each is checked once (a bounded memo per sender, its allow-list fixed).
        self._target = lru_cache(maxsize=MEMO)(self._target_or_refusal)
        self._refused = lru_cache(maxsize=MEMO)(self._refusal)
        self._lookups = Lookups(resolver)
        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections // 4 or 1,
            keepalive_expiry=30.0,
        )
        self._client = httpx.Client(
            transport=DeadlineTransport(verify=verify, limits=limits),
            timeout=httpx.Timeout(timeouts.total, connect=timeouts.connect),
            follow_redirects=False,
            # No proxy from the environment: a proxy would resolve the name again, elsewhere.
            trust_env=False,
            # A target's cookies are never kept for the next attempt (nor another target).
            cookies=http.cookiejar.CookieJar(
                http.cookiejar.DefaultCookiePolicy(allowed_domains=[])
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

        target = self._target(request.url)
        if isinstance(target, str):
            return result(error=target)
        try:
            address = self._checked_address(target, request.tenant)
        except _Refused as refused:
            if str(refused) == "dns":  # how long it took would tell an internal name from none
                return DeliveryResult(None, 0, "", "dns")
            return result(error=str(refused))
        # The whole attempt, to the answer's last byte read, ends by one deadline (deadline.py).
        try:
            with (
                until(started + self._timeouts.total),
                self._client.stream(
                    "POST",
                    _url_of(target, address),
                    content=request.body,
                    headers={
                        **request.headers,
                        **_connection_headers(target),
                        # A compressed answer could inflate far past what we read of it.
                        "accept-encoding": "identity",
                    },
                    extensions=_tls_name(target, address),
                ) as response,
            ):
                text, error = _read_bounded(response)
                return result(response.status_code, text, error)
        except httpx.TimeoutException:
            return result(error="timeout")
        except httpx.ConnectError as failed:
            return result(error="tls" if _caused_by_tls(failed) else "connect")
        except httpx.ProtocolError:
            return result(error="protocol")
        except (httpx.TransportError, OSError):
            return result(error="network")

    def _target_or_refusal(self, url: str) -> Target | str:
        try:
            return check_target_url(url, allow_http=self._allow_http)
        except InvalidWebhookTarget as refused:
            return f"invalid_url: {refused.reason}"

    def _refusal(self, address: IPAddress, host: str) -> str:
        return refused_address(address, host=host, allow=self._allow)

    def _checked_address(self, target: Target, tenant: str) -> IPAddress:
        """The address to connect to: every address the host has must be allowed, or a
        resolver answering a public and a private address could pick the private one later.
        A name that does not resolve and one that resolves to a refused address fail alike
        (``dns``): otherwise a subscriber could learn which internal names exist."""
        if target.address is not None:
            reason = self._refused(target.address, target.host)
            if reason:
                raise _Refused(f"refused_address: {reason}")
            return target.address
        try:
            addresses = self._lookups.addresses(
                target.host, target.port, key=tenant, timeout=self._timeouts.connect
            )
        except LookupFailed:
            raise _Refused("dns") from None
        refused = [
            reason for address in addresses if (reason := self._refused(address, target.host))
        ]
        if refused:
            log.info("webhooks: %s resolves to a refused address (%s)", target.host, refused[0])
        if not addresses or refused:
            raise _Refused("dns")
        return addresses[0]


class _Refused(Exception):
    pass


@lru_cache(maxsize=MEMO)
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


def _read_bounded(response: httpx.Response) -> tuple[str, str]:
    """The answer's first MAX_RESPONSE_CHARS characters, and "timeout" if the attempt's
    deadline passed first; the rest is never read (closing the response drops the
    connection)."""
    chunks: list[bytes] = []
    size = 0
    error = ""
    try:
        for chunk in response.iter_raw(chunk_size=8192):
            chunks.append(chunk)
            size += len(chunk)
            if size >= MAX_RESPONSE_BYTES:
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
