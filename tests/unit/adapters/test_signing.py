import base64
import hashlib
import hmac
from urllib.parse import parse_qs, urlparse

import pytest

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


# Scoped signatures: one query for every path under a video's prefix ---------------------------

SCOPE = "/hls/demo/videos/7/"


def scoped(signer: HmacUrlSigner, acl: str = SCOPE, exp: int = 100, uid: int = 7) -> dict[str, str]:
    query = parse_qs(signer.scope(acl, expires_at=exp, user_id=uid, session_id="s1"))
    return {k: v[0] for k, v in query.items()}


def test_a_scoped_signature_is_the_hmac_of_its_acl_written_out() -> None:
    signer = HmacUrlSigner(base_url="", secret="s", key_id="v1")
    query = scoped(signer)
    assert query == {
        "exp": "100",
        "acl": SCOPE,
        "sig": seed_signature("s", f"acl={SCOPE}", 100, "v1", "7"),
        "kid": "v1",
        "uid": "7",
        "sid": "s1",
    }
    assert HmacUrlSigner(base_url="", secret="").scope(SCOPE, expires_at=1, user_id=1) == ""


def test_a_scoped_signature_reaches_every_path_under_its_acl_until_it_expires() -> None:
    signer = HmacUrlSigner(base_url="", secret="s", key_id="v1")
    query = scoped(signer)
    for path in ("master.m3u8", "240p/index.m3u8", "240p/seg_00003.ts", "thumbnail.jpg"):
        assert signer.accepts(SCOPE + path, query, now=99)
    assert not signer.accepts(SCOPE + "master.m3u8", query, now=100)  # expired


@pytest.mark.parametrize(
    "path",
    [
        "/hls/demo/videos/8/master.m3u8",  # another video
        "/hls/demo/videos/70/master.m3u8",  # another video sharing the prefix's digits
        "/hls/demo/videos/7",  # the prefix without its slash
        SCOPE,  # the prefix itself
        "/keys/demo/videos/7/aes.key",
        "/api/v1/playback/key/7",  # the key endpoint takes the scope itself, not by path
        SCOPE + "../8/master.m3u8",
        SCOPE + "240p/../../8/master.m3u8",
        SCOPE + "./master.m3u8",
        SCOPE + "240p//seg_00000.ts",
        SCOPE + "%2e%2e/8/master.m3u8",  # still encoded: refused, never decoded here
        SCOPE + "%252e%252e/8/master.m3u8",
        SCOPE + "..%2f8/master.m3u8",
        SCOPE + "..\\8\\master.m3u8",
        SCOPE + "master.m3u8?x=1",
        SCOPE + "master.m3u8\x00",
        SCOPE + "é.ts",
    ],
)
def test_a_scoped_signature_reaches_nothing_outside_or_around_its_acl(path: str) -> None:
    signer = HmacUrlSigner(base_url="", secret="s", key_id="v1")
    assert not signer.accepts(path, scoped(signer), now=99)


def test_a_scoped_signature_refuses_any_change_to_what_it_signs() -> None:
    signer = HmacUrlSigner(base_url="", secret="s", key_id="v1")
    good = scoped(signer)
    path = SCOPE + "master.m3u8"
    assert signer.accepts(path, good, now=99)
    for name, value in [
        ("acl", "/hls/demo/videos/"),  # widened to the tenant's every video
        ("acl", "/hls/demo/videos/8/"),
        ("uid", "8"),  # another user
        ("uid", ""),
        ("exp", "1000"),
        ("kid", "v2"),
        ("sig", good["sig"][:-1] + ("A" if good["sig"][-1] != "A" else "B")),
        ("sig", "é"),
        ("acl", ""),
    ]:
        assert not signer.accepts(path, {**good, name: value}, now=99), (name, value)
    assert signer.valid_scope(good, now=99) == SCOPE
    assert signer.valid_scope({**good, "uid": "8"}, now=99) is None


def test_the_two_kinds_of_signature_never_stand_for_each_other() -> None:
    """Per-path signatures (thumbnails are signed for anyone, a day long) are no scopes, and a
    scope is no per-path signature: the HMAC messages differ (``acl=`` in front)."""
    signer = HmacUrlSigner(base_url="", secret="s", key_id="v1")
    per_path = signer.query(SCOPE, expires_at=100, user_id=7)
    assert not signer.accepts(SCOPE + "master.m3u8", {**per_path, "acl": SCOPE}, now=99)
    scope = scoped(signer)
    del scope["acl"]
    assert not signer.accepts(SCOPE, scope, now=99)


def test_only_a_prefix_can_be_a_scope() -> None:
    signer = HmacUrlSigner(base_url="", secret="s", key_id="v1")
    for acl in ("/", "", "/hls/demo/videos/7", "hls/demo/", "/hls/../keys/", "/hls//x/", "/a%2f/"):
        with pytest.raises(ValueError, match="not a scope"):
            signer.scope(acl, expires_at=100, user_id=7)
