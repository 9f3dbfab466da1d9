"""The webhook target rule: which URLs are accepted, and which addresses a delivery may reach."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from academy_video.domain.errors import InvalidValue
from academy_video.domain.webhook_targets import (
    MAX_URL_LENGTH,
    AllowList,
    InvalidWebhookTarget,
    Target,
    check_target_url,
    refused_address,
)

NOTHING_ALLOWED = AllowList()


def reason_for(url: str, *, allow_http: bool = False) -> str:
    with pytest.raises(InvalidWebhookTarget) as refused:
        check_target_url(url, allow_http=allow_http)
    return refused.value.reason


def refusal(address: str, host: str = "hooks.example", allow: AllowList = NOTHING_ALLOWED) -> str:
    return refused_address(ipaddress.ip_address(address), host=host, allow=allow)


# --- The URL's shape ------------------------------------------------------------------------


def test_a_plain_https_url_is_split_and_lowercased() -> None:
    target = check_target_url("HTTPS://Hooks.Example.COM/In/Box?a=1&B=2", allow_http=False)
    assert target == Target("https", "hooks.example.com", 443, "/In/Box?a=1&B=2")


def test_ports_and_empty_paths_get_their_defaults() -> None:
    assert check_target_url("https://h.example:8443", allow_http=False).port == 8443
    assert check_target_url("https://h.example", allow_http=False).path_and_query == "/"
    assert check_target_url("http://h.example", allow_http=True).port == 80


def test_http_only_when_the_operator_allows_it() -> None:
    assert reason_for("http://hooks.example/") == "scheme"
    assert check_target_url("http://hooks.example/", allow_http=True).scheme == "http"
    for url in ("ftp://hooks.example/", "file:///etc/passwd", "gopher://x/", "//hooks.example/"):
        assert reason_for(url, allow_http=True) == "scheme"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://user:pass@hooks.example/", "userinfo"),
        ("https://@hooks.example/", "userinfo"),
        ("https://hooks.example@127.0.0.1/", "userinfo"),
        ("https:///path", "no_host"),
        ("https:hooks.example/path", "no_host"),
        ("https://:443/", "no_host"),
        ("https://hooks.example:0/", "port"),
        ("https://hooks.example:65536/", "port"),
        ("https://hooks.example:99999999999/", "port"),
        ("https://hooks.example:-1/", "port"),
        ("https://hooks.example:/", "port"),
        ("https://hooks.example:0x50/", "port"),
        ("https://hooks.example/#frag", "fragment"),
        ("https://hooks.example/#", "fragment"),
        ("https://hooks example/", "whitespace"),
        ("https://hooks.example/a b", "whitespace"),
        (" https://hooks.example/", "whitespace"),
        ("https://hooks.example/\n", "whitespace"),
        ("https://hooks.example/\x00", "whitespace"),
        ("https://hooks.example/\t", "whitespace"),
        ("https://hooks.example/\x7f", "whitespace"),
        ("https://hooks.example/\u00a0", "non_ascii"),
        ("https://hooks.example/caf\u00e9", "non_ascii"),
        ("https://evil.example\\@hooks.example/", "backslash"),
        ("https://hooks..example/", "host"),
        ("https://-hooks.example/", "host"),
        ("https://hooks.example%2f@x/", "userinfo"),
        ("https://hooks%2eexample/", "host"),
        ("https://[::1/", "host"),
        ("https://[fe80::1%25eth0]/", "host"),
        ("https://[127.0.0.1]/", "host"),
        ("https://[::1]x/", "host"),
        ("https://" + "a" * 64 + ".example/", "host"),
        ("https://" + ".".join(["a" * 63] * 4) + "/", "host"),
        ("https://\u2603\u0000.example/", "whitespace"),
    ],
)
def test_malformed_targets_are_refused_with_their_reason(url: str, reason: str) -> None:
    assert reason_for(url, allow_http=True) == reason


def test_urls_longer_than_the_bound_are_refused() -> None:
    base = "https://hooks.example/"
    assert check_target_url(base + "a" * (MAX_URL_LENGTH - len(base)), allow_http=False)
    assert reason_for(base + "a" * (MAX_URL_LENGTH - len(base) + 1)) == "too_long"


def test_unicode_hosts_are_idna_encoded_and_unencodable_ones_refused() -> None:
    assert check_target_url("https://B\u00fccher.example/", allow_http=False).host == (
        "xn--bcher-kva.example"
    )
    assert reason_for("https://" + "\u00fc" * 70 + ".example/") == "host"  # a label too long


def test_the_refusal_is_a_400_with_the_reason_in_the_detail() -> None:
    with pytest.raises(InvalidValue) as refused:  # InvalidValue maps to 400 in adapters/http
        check_target_url("https://u@hooks.example/", allow_http=False)
    assert refused.value.code == "invalid_url"
    assert str(refused.value) == "invalid_url: userinfo"


def test_ip_literals_are_kept_canonical() -> None:
    assert check_target_url("https://[::FFFF:127.0.0.1]/", allow_http=False).host == "::ffff:7f00:1"
    target = check_target_url("https://203.0.113.9:8443/x", allow_http=False)
    assert target.address == ipaddress.ip_address("203.0.113.9")
    assert check_target_url("https://hooks.example/", allow_http=False).address is None


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f.1", "0x7f000001", "0177.0.0.1", "127.1", "127.0.1", "017700000001",
     "0x7f.0.0.1", "127.0.0.01", "10.0.0.011", "0", "1.2.3.0x4", "example.0x10", "example.123"],
)  # fmt: skip
def test_numeric_hosts_other_than_a_dotted_quad_are_refused(host: str) -> None:
    assert reason_for(f"https://{host}/") == "ambiguous_ipv4"


def test_fullwidth_digits_become_the_address_they_spell() -> None:
    # IDNA maps them to ASCII; the address rule then sees 127.0.0.1.
    target = check_target_url(
        "https://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11/", allow_http=False
    )
    assert target.host == "127.0.0.1"
    assert target.address is not None
    assert refused_address(target.address, host=target.host, allow=NOTHING_ALLOWED) == "loopback"


# --- The addresses ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:0.0.0.0", "unspecified"),
        ("169.254.169.254", "metadata"),
        ("169.254.170.2", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("::ffff:169.254.169.254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("::ffff:10.0.0.1", "private"),
        ("100.64.0.1", "shared"),
        ("100.127.255.255", "shared"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo, client 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "metadata"),  # NAT64 of 169.254.169.254
        ("::7f00:1", "loopback"),  # IPv4-compatible (deprecated)
    ],
)
def test_private_addresses_are_refused_with_their_reason(address: str, reason: str) -> None:
    assert refusal(address) == reason


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::6810:84e5", "1.1.1.1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert refusal(address) == ""


def test_the_allow_list_names_networks_or_hosts() -> None:
    allow = AllowList.parse(" 127.0.0.1/32, 10.0.0.0/8 ,Hooks.Internal.,,fd00::/8")
    assert allow == AllowList(
        (
            ipaddress.ip_network("127.0.0.1/32"),
            ipaddress.ip_network("10.0.0.0/8"),
            ipaddress.ip_network("fd00::/8"),
        ),
        frozenset({"hooks.internal"}),
    )
    assert refusal("127.0.0.1", allow=allow) == ""
    assert refusal("::ffff:127.0.0.1", allow=allow) == ""  # the same address, written as IPv6
    assert refusal("127.0.0.2", allow=allow) == "loopback"
    assert refusal("10.200.0.1", allow=allow) == ""
    assert refusal("192.168.0.1", allow=allow) == "private"
    assert refusal("192.168.0.1", host="hooks.internal", allow=allow) == ""
    assert refusal("169.254.169.254", host="hooks.internal.evil", allow=allow) == "metadata"
    assert AllowList.parse("") == NOTHING_ALLOWED


@pytest.mark.parametrize("setting", ["10.0.0.1/8", "10.0.0.0/33", "not a host", "a..b", "x/y"])
def test_an_allow_list_that_does_not_parse_is_refused(setting: str) -> None:
    with pytest.raises(InvalidValue):
        AllowList.parse(setting)


def test_the_allow_list_is_bounded() -> None:
    with pytest.raises(InvalidValue):
        AllowList.parse(",".join(f"10.0.{i // 256}.{i % 256}/32" for i in range(257)))


# --- Sneaking private addresses through -----------------------------------------------------

PRIVATE_V4 = [
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
              "100.64.0.0/10", "0.0.0.0/8")
]  # fmt: skip


@st.composite
def private_v4(draw: st.DrawFn) -> ipaddress.IPv4Address:
    network = draw(st.sampled_from(PRIVATE_V4))
    offset = draw(st.integers(0, network.num_addresses - 1))
    return ipaddress.IPv4Address(int(network.network_address) + offset)


def spellings(address: ipaddress.IPv4Address, form: int, split: int) -> str:
    """One of the ways inet_aton and browsers read an IPv4 address."""
    value = int(address)
    parts = list(address.packed)
    forms: list[Callable[[int], str]] = [str, lambda n: f"0{n:o}", hex]
    number = forms[form % 3]
    if split == 1:
        return number(value)
    if split == 2:
        return f"{number(parts[0])}.{number(value & 0xFFFFFF)}"
    if split == 3:
        return f"{number(parts[0])}.{number(parts[1])}.{number(value & 0xFFFF)}"
    return ".".join(number(p) for p in parts)


@st.composite
def sneaky_urls(draw: st.DrawFn) -> str:
    address = draw(private_v4())
    form = draw(st.sampled_from(["numeric", "mapped", "mapped-hex", "nat64", "6to4"]))
    if form == "numeric":
        host = spellings(address, draw(st.integers(0, 2)), draw(st.integers(1, 4)))
    elif form == "mapped":
        host = f"[::ffff:{address}]"
    elif form == "mapped-hex":
        host = f"[::ffff:{int(address) >> 16:x}:{int(address) & 0xFFFF:x}]"
    elif form == "nat64":
        host = f"[64:ff9b::{address}]"
    else:
        host = f"[2002:{int(address) >> 16:x}:{int(address) & 0xFFFF:x}::1]"
    port = draw(st.sampled_from(["", ":443", ":8080"]))
    return f"https://{host}{port}/hook"


def resolved(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """What the system's resolver makes of a host, without asking DNS (numeric hosts only)."""
    infos = socket.getaddrinfo(host, 443, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


@given(sneaky_urls())
def test_no_spelling_of_a_private_address_gets_through(url: str) -> None:
    try:
        target = check_target_url(url, allow_http=False)
    except InvalidWebhookTarget:
        return  # refused as a URL
    addresses = resolved(target.host)
    assert addresses
    for address in addresses:
        assert refused_address(address, host=target.host, allow=NOTHING_ALLOWED) != ""


@given(private_v4(), st.integers(0, 2), st.integers(1, 4))
def test_the_system_resolver_reads_the_refused_spellings_as_the_private_address(
    address: ipaddress.IPv4Address, form: int, split: int
) -> None:
    # Why refusing them matters: inet_aton would have sent the request to the private address.
    host = spellings(address, form, split)
    try:
        assert resolved(host) == [address]
    except socket.gaierror:
        return  # this spelling is not read as an address here: nothing to sneak
