"""The console and player pages as the service serves them: their headers, their assets and the
vendored hls.js (what the browser tests in tests/browser then drive)."""

import re

from academy_video.adapters.http.routes.web import WEB_DIR, content_security_policy
from academy_video.app.analytics import RANGES
from academy_video.app.config import Settings
from academy_video.domain.policy import ClientEventType
from academy_video.domain.webhook_catalogue import EVENT_TYPES

from .conftest import Api


def test_pages_are_served_with_a_policy_that_allows_only_our_own_scripts(api: Api) -> None:
    for path in ("/console", "/console/", "/player"):
        page = api.client.get(path)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert page.headers["referrer-policy"] == "no-referrer"  # signed media URLs stay private
        assert page.headers["x-content-type-options"] == "nosniff"
    assert api.client.get("/", follow_redirects=False).headers["location"] == "/console"


def test_assets_and_the_vendored_hls_js_are_served(api: Api) -> None:
    for name in ("api.js", "console.js", "player.js", "style.css", "console.css", "player.css"):
        asset = api.client.get(f"/static/{name}")
        assert asset.status_code == 200, name
        assert "no-cache" in asset.headers["cache-control"]
        assert asset.headers["x-content-type-options"] == "nosniff"
    # The console's and the player's ES modules: a module script is refused unless served as
    # JavaScript (nosniff).
    for folder in ("console", "player"):
        modules = sorted((WEB_DIR / "assets" / folder).glob("*.js"))
        assert modules, folder
        for module in modules:
            asset = api.client.get(f"/static/{folder}/{module.name}")
            assert asset.status_code == 200, module.name
            assert "javascript" in asset.headers["content-type"], module.name
            assert "no-cache" in asset.headers["cache-control"]
            assert asset.headers["x-content-type-options"] == "nosniff"
    hls = api.client.get("/static/vendor/hls.min.js")
    assert hls.status_code == 200, "make install vendors hls.js (web/package-lock.json)"
    assert b"Hls" in hls.content[:200_000]
    # The pages are not reachable as assets (where they would lose their headers), nor anything
    # above the assets' folder (the dots encoded, so no client tidies them away first).
    assert api.client.get("/static/console.html").status_code == 404
    for escape in ("%2e%2e/console.html", "%2e%2e/%2e%2e/routes/web.py", "..%2fconsole.html"):
        assert api.client.get(f"/static/{escape}").status_code == 404, escape


def test_the_policy_lets_the_pages_reach_s3_and_the_cdn_and_nothing_else() -> None:
    csp = content_security_policy(
        Settings(s3_endpoint_url="http://127.0.0.1:9000/", cdn_base_url="https://cdn.example/v")
    )
    assert "connect-src 'self' http://127.0.0.1:9000 https://cdn.example;" in csp
    assert "media-src 'self' blob: data: http://127.0.0.1:9000 https://cdn.example;" in csp
    aws = content_security_policy(Settings(s3_bucket="b"))
    assert "connect-src 'self' https://*.amazonaws.com;" in aws
    assert "connect-src 'self';" in content_security_policy(Settings())


def test_the_console_reads_the_event_filters_from_the_server(api: Api) -> None:
    """The event types and time ranges the console offers: the domain's and the analytics'
    own, in their order (the console keeps no copy)."""
    for role in ("admin", "staff"):
        answer = api.call("GET", "/api/v1/video-playback-events/filters", role=role)
        assert answer.status_code == 200, role
        assert answer.json() == {
            "event_types": [t.value for t in ClientEventType],
            "ranges": [
                {"key": "24h", "seconds": 86_400},
                {"key": "7d", "seconds": 604_800},
                {"key": "all", "seconds": None},
            ],
            "default_ranges": {"summary": "7d", "risk": "24h", "events": "24h"},
        }
        assert [r["key"] for r in answer.json()["ranges"]] == list(RANGES)
    assert (
        api.call("GET", "/api/v1/video-playback-events/filters", role="student").status_code == 403
    )
    assert api.client.get("/api/v1/video-playback-events/filters").status_code == 401


def test_the_console_offers_the_catalogue_s_webhook_event_types() -> None:
    """The Webhooks page's checkboxes (its one constant, console/webhooks.js: EVENT_TYPES) are the
    domain's public event types, in the catalogue's order: a type added to one is in the other."""
    module = (WEB_DIR / "assets" / "console" / "webhooks.js").read_text()
    declared = re.search(r"export const EVENT_TYPES = \[(.*?)\];", module, re.DOTALL)
    assert declared is not None
    assert re.findall(r'"([^"]+)"', declared.group(1)) == list(EVENT_TYPES)
