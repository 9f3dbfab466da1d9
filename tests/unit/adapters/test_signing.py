import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlparse

from academy_video.adapters.cdn.signing import HmacUrlSigner


def seed_signature(secret: str, path: str, exp: int, kid: str, uid: str) -> str:
    """The seed's CloudflareSignedURL.sign, written out independently."""
    mac = hmac.new(secret.encode(), f"{path}|{exp}|{kid}|{uid}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def test_signed_urls_match_the_seeds_scheme() -> None:
    signer = HmacUrlSigner(base_url="https://cdn.example/", secret="s3cret", key_id="v1")
    url = urlparse(signer.sign("hls/demo/7/master.m3u8", expires_at=1700000000, user_id=42))
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert (
        url.scheme + "://" + url.netloc + url.path == "https://cdn.example/hls/demo/7/master.m3u8"
    )
    assert query == {
        "exp": "1700000000",
        "sig": seed_signature("s3cret", "/hls/demo/7/master.m3u8", 1700000000, "v1", "42"),
        "kid": "v1",
        "uid": "42",
    }
    assert "=" not in query["sig"]


def test_without_a_user_the_uid_is_empty_in_the_message_and_absent_from_the_query() -> None:
    signer = HmacUrlSigner(base_url="", secret="s", key_id="v1")
    query = parse_qs(urlparse(signer.sign("/a", expires_at=10, user_id=None)).query)
    assert "uid" not in query
    assert query["sig"] == [seed_signature("s", "/a", 10, "v1", "")]


def test_without_a_secret_the_url_is_plain() -> None:
    assert HmacUrlSigner(base_url="https://c", secret="").sign("/a", expires_at=1, user_id=1) == (
        "https://c/a"
    )


def test_verify_accepts_the_signature_until_it_expires_and_nothing_tampered() -> None:
    signer = HmacUrlSigner(base_url="", secret="s", key_id="v1")
    sig = seed_signature("s", "/p", 100, "v1", "7")
    good = {"exp": "100", "sig": sig, "kid": "v1", "uid": "7"}
    assert signer.verify("/p", **good, now=99)
    assert not signer.verify("/p", **good, now=100)
    assert not signer.verify("/other", **good, now=99)
    assert not signer.verify("/p", **{**good, "uid": "8"}, now=99)
    assert not signer.verify("/p", **{**good, "exp": "101"}, now=99)
    assert not signer.verify("/p", **{**good, "kid": "v2"}, now=99)
    assert not signer.verify("/p", **{**good, "uid": "x"}, now=99)
    assert not signer.verify("/p", **{**good, "exp": "soon"}, now=99)
    # Digits to str.isdigit but not to int(), and more digits than int() parses: refused, no 500.
    for odd in ("²", "١٢", "9" * 5000):
        assert not signer.verify("/p", **{**good, "exp": odd}, now=99)
        assert not signer.verify("/p", **{**good, "uid": odd}, now=99)


def test_a_non_ascii_signature_is_refused_not_an_error() -> None:
    signer = HmacUrlSigner(base_url="", secret="s")
    assert not signer.verify("/a", exp="9999999999", sig="é", kid="v1", uid="1", now=0)
