"""Where a webhook may be sent: the target URL's shape, and the addresses a delivery may reach.

Two rules, applied in turn by the sender: ``check_target_url`` when a URL is accepted (and again
before each attempt), ``refused_address`` on every address the target's host resolves to, at
the moment of sending (a name may resolve elsewhere tomorrow). A private, loopback, link-local
or cloud-metadata address is refused unless the operator's allow-list names its network or the
host: the service must not become a way into the network it runs in.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cached_property
from typing import TypeAlias
from urllib.parse import urlsplit

from .errors import InvalidValue

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URL_LENGTH = 2048
MAX_HOST_LENGTH = 253
MAX_ALLOW_ENTRIES = 256
DEFAULT_PORTS = {"https": 443, "http": 80}

# Cloud instance metadata services (AWS, GCP, Azure, ECS task metadata, Alibaba, AWS over IPv6).
METADATA = tuple(
    ipaddress.ip_network(n)
    for n in ("169.254.169.254/32", "169.254.170.2/32", "100.100.100.200/32", "fd00:ec2::254/128")
)
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: the low 32 bits are IPv4

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# WHATWG URL parsing reads a host whose last label is numeric as an IPv4 address, in decimal,
# octal or hex ("2130706433", "0x7f.1", "0177.0.0.1"); so do inet_aton and many resolvers.
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")


class InvalidWebhookTarget(InvalidValue):
    """A target URL the service will not send to; ``reason`` says which part is wrong."""

    code = "invalid_url"

    def __init__(self, reason: str) -> None:
        super().__init__(message=f"invalid_url: {reason}")
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A checked target: ``host`` lowercased, IDNA-encoded, an IPv6 literal without brackets."""

    scheme: str
    host: str
    port: int
    path_and_query: str

    @cached_property
    def address(self) -> IPAddress | None:
        """The host when it is an IP literal (then nothing is resolved)."""
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None


def check_target_url(url: str, *, allow_http: bool) -> Target:
    if len(url) > MAX_URL_LENGTH:
        raise InvalidWebhookTarget("too_long")
    if not url.isascii() and not _only_host_is_unicode(url):
        raise InvalidWebhookTarget("non_ascii")
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise InvalidWebhookTarget("whitespace")
    if "\\" in url:  # browsers read it as "/", urllib does not: two readings of one URL
        raise InvalidWebhookTarget("backslash")
    if "#" in url:
        raise InvalidWebhookTarget("fragment")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed "[" in the host
        raise InvalidWebhookTarget("host") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise InvalidWebhookTarget("scheme")
    if not url[len(scheme) :].startswith("://"):
        raise InvalidWebhookTarget("no_host")
    if "@" in parts.netloc:
        raise InvalidWebhookTarget("userinfo")
    host_text, port = _split_port(parts.netloc, DEFAULT_PORTS[scheme])
    host = _check_host(host_text)
    path = parts.path or "/"
    return Target(scheme, host, port, path + (f"?{parts.query}" if parts.query else ""))


def _only_host_is_unicode(url: str) -> bool:
    rest = url.split("://", 1)[-1]
    netloc_end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    return rest[netloc_end:].isascii()


def _split_port(netloc: str, default: int) -> tuple[str, int]:
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            raise InvalidWebhookTarget("host")
        host, rest = netloc[: end + 1], netloc[end + 1 :]
        if rest and not rest.startswith(":"):
            raise InvalidWebhookTarget("host")
        port_text = rest[1:] if rest else None
    elif ":" in netloc:
        host, port_text = netloc.rsplit(":", 1)
    else:
        host, port_text = netloc, None
    if port_text is None:
        return host, default
    if (
        not (port_text.isascii() and port_text.isdigit())
        or len(port_text) > 5
        or not 1 <= int(port_text) <= 65535
    ):
        raise InvalidWebhookTarget("port")
    return host, int(port_text)


def _check_host(text: str) -> str:
    if not text:
        raise InvalidWebhookTarget("no_host")
    if text.startswith("["):
        if "%" in text:  # a zone id ("%eth0") names an interface of ours, not a target
            raise InvalidWebhookTarget("host")
        try:
            return str(ipaddress.IPv6Address(text[1:-1]))
        except ValueError:
            raise InvalidWebhookTarget("host") from None
    try:
        host = text.encode("idna").decode("ascii").lower() if not text.isascii() else text.lower()
    except UnicodeError:
        raise InvalidWebhookTarget("host") from None
    host = host.removesuffix(".")
    labels = host.split(".")
    if len(host) > MAX_HOST_LENGTH or not all(_LABEL.fullmatch(label) for label in labels):
        raise InvalidWebhookTarget("host")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        try:
            # Only the canonical dotted quad: ipaddress refuses leading zeros, hex and short forms.
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise InvalidWebhookTarget("ambiguous_ipv4") from None
    return host


@dataclass(frozen=True)
class AllowList:
    """The operator's exceptions to the address rule: networks, and exact host names."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, setting: str) -> AllowList:
        """``"127.0.0.1/32,10.0.0.0/8,hooks.internal"``: networks (a bare address is a /32 or
        /128) and host names, comma separated. Raises InvalidValue for anything else."""
        items = [item.strip() for item in setting.split(",") if item.strip()]
        if len(items) > MAX_ALLOW_ENTRIES:
            raise InvalidValue(message=f"webhook allow-list: more than {MAX_ALLOW_ENTRIES} items")
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        for item in items:
            try:
                networks.append(ipaddress.ip_network(item, strict=True))
                continue
            except ValueError:
                pass
            host = item.lower().removesuffix(".")
            if not all(_LABEL.fullmatch(label) for label in host.split(".")):
                raise InvalidValue(message=f"webhook allow-list: not a network or a host: {item}")
            hosts.add(host)
        return cls(tuple(networks), frozenset(hosts))

    def names(self, address: IPAddress, host: str) -> bool:
        return host in self.hosts or any(address in network for network in self.networks)


def refused_address(address: IPAddress, *, host: str, allow: AllowList) -> str:
    """Why a delivery to ``host`` must not connect to ``address``; "" when it may."""
    # The embedded IPv4 address first: it is where the packets end up, and the truer reason.
    candidates = [*_embedded_ipv4(address), address]
    if any(allow.names(candidate, host) for candidate in candidates):
        return ""
    for candidate in candidates:
        reason = _reason(candidate)
        if reason:
            return reason
    return ""


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (mapped, 6to4, Teredo, NAT64, compatible)."""
    if isinstance(address, ipaddress.IPv4Address):
        return []
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo is not None:
        found.extend(address.teredo)
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in NAT64 or (int(address) >> 32 == 0 and int(address) > 1):  # or ::a.b.c.d
        found.append(low32)
    return found


def _reason(address: IPAddress) -> str:
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if any(address in network for network in METADATA):
        return "metadata"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address in SHARED:
        return "shared"
    if address.is_reserved:
        return "reserved"
    if address.is_private or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local):
        return "private"
    if not address.is_global:
        return "reserved"
    return ""
