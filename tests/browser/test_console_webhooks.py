"""The console's Webhooks page in Chromium, against a ``serve`` process allowed to deliver to this
module's receiver on 127.0.0.1 (``http`` allowed, the address on the operator's allow-list): a
subscription created and its secret shown once, disabled and enabled, its secret rotated, deleted
after a confirmation; a test ping seen in the delivery log; a deleted video's event replayed; a
description and a response made of markup that stay text; a subscription the deliveries turned
off shown as an alert entry; staff see none of it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.http.conftest import SESSION

from .conftest import Site, Tab, serving

# What a hostile admin could type as a description, and a hostile receiver answer: were either
# inserted as markup, an <img> would appear (and the CSP would report its inline handler).
HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
DELIVERED_TIMEOUT = 30_000  # the embedded deliverer's first attempt, from the ping's queueing


@dataclass
class Receiver:
    url: str
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    """A target on 127.0.0.1 that answers every POST 200 with ``HOSTILE`` as text/html."""
    found = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            found.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            answer = HOSTILE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    found.url = f"http://127.0.0.1:{server.server_port}/hooks"
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """This module's own ``serve``: http targets allowed, 127.0.0.1 on the allow-list."""
    with serving(
        tmp_path_factory.mktemp("webhooks"),
        ACADEMY_VIDEO_WEBHOOK_ALLOW_HTTP="true",
        ACADEMY_VIDEO_WEBHOOK_ALLOW_LIST="127.0.0.1/32",
    ) as site:
        yield site


def _webhooks_page(site: Site, tabs: Any) -> Tab:
    tab: Tab = tabs()
    tab.sign_in(f"{site.url}/console", site.admin_token)
    tab.page.click("#nav-webhooks")
    expect(tab.page.locator("#webhooks-page h2")).to_have_text("Webhooks")
    return tab


def _create(page: Page, url: str, types: list[str], description: str = "") -> dict[str, Any]:
    page.fill("#webhook-url", url)
    page.fill("#webhook-description", description)
    for event_type in types:
        page.check(f'input[name="webhook-type"][value="{event_type}"]')
    with page.expect_response(
        lambda r: r.url.endswith("/api/v1/webhooks") and r.request.method == "POST"
    ) as created:
        page.click("#webhook-submit")
    assert created.value.status == 201, created.value.text()
    answer: dict[str, Any] = created.value.json()
    return answer


def _subscription(site: Site, webhook_id: str) -> dict[str, Any] | None:
    listed = site.api("GET", "/webhooks")
    assert listed.status_code == 200, listed.text
    return next((s for s in listed.json() if s["id"] == webhook_id), None)


def _delivered(site: Site, webhook_id: str, event_type: str, *, count: int) -> None:
    """Until the subscription's log holds ``count`` delivered attempts of ``event_type``."""
    deadline = time.monotonic() + DELIVERED_TIMEOUT / 1000
    while True:
        log = site.api("GET", f"/webhooks/{webhook_id}/deliveries").json()
        done = [a for a in log if a["type"] == event_type and a["outcome"] == "delivered"]
        if len(done) >= count:
            assert len(done) == count, log
            return
        assert time.monotonic() < deadline, log
        time.sleep(0.2)  # the deliverer reports to nobody: its log is what there is to read


def _nothing_ran(page: Page) -> None:
    assert page.locator("#main img").count() == 0
    assert page.title() != "pwned"


def test_a_subscription_is_created_and_its_secret_shown_once(
    site: Site, tabs: Any, receiver: Receiver
) -> None:
    tab = _webhooks_page(site, tabs)
    tab.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = tab.page
    types = ["video.ready", "session.revoked"]
    created = _create(page, receiver.url, types, description=HOSTILE)
    secret = created["secret"]
    assert secret
    expect(page.locator("#webhook-secret-value")).to_have_value(secret)
    expect(page.locator("#webhook-secret")).to_contain_text("it will not be shown again")
    page.click("#webhook-secret-copy")
    expect(page.locator("#webhook-secret-copied")).to_have_text("Copied.")
    assert page.evaluate("() => navigator.clipboard.readText()") == secret

    row = page.locator(f'tr.webhook[data-webhook-id="{created["id"]}"]')
    expect(row.locator(".url")).to_have_text(receiver.url)
    expect(row.locator(".description")).to_have_text(HOSTILE)  # the markup, as text
    expect(row.locator(".chip.type")).to_have_text(types)  # in the catalogue's order
    expect(row.locator("td.status")).to_have_text("Enabled")
    stored = _subscription(site, created["id"])
    assert stored is not None
    assert (stored["url"], sorted(stored["event_types"]), stored["description"]) == (
        receiver.url,
        sorted(types),
        HOSTILE,
    )
    assert "secret" not in stored  # the list never carries it
    _nothing_ran(page)

    page.reload()  # the address keeps the page; the secret is kept nowhere
    expect(page.locator("#webhooks-page")).to_be_visible()
    expect(row.locator(".url")).to_have_text(receiver.url)
    expect(page.locator("#webhook-secret")).to_have_count(0)
    assert secret not in page.content()
    _nothing_ran(page)


def test_a_subscription_is_disabled_enabled_rotated_and_deleted(
    site: Site, tabs: Any, receiver: Receiver
) -> None:
    page = _webhooks_page(site, tabs).page
    created = _create(page, receiver.url, ["video.failed"], description="Grading")
    page.click("#webhook-secret-done")
    expect(page.locator("#webhook-secret")).to_have_count(0)
    row = page.locator(f'tr.webhook[data-webhook-id="{created["id"]}"]')

    row.locator("button.toggle").click()
    expect(row.locator("td.status")).to_contain_text("Disabled")
    expect(row.locator("td.status")).to_contain_text("by an admin")
    expect(row.locator("button.toggle")).to_have_text("Enable")
    stored = _subscription(site, created["id"])
    assert stored is not None
    assert (stored["enabled"], stored["disabled_reason"]) == (False, "admin")
    row.locator("button.toggle").click()
    expect(row.locator("td.status")).to_have_text("Enabled")
    stored = _subscription(site, created["id"])
    assert stored is not None
    assert (stored["enabled"], stored["disabled_reason"]) == (True, "")

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(lambda r: r.url.endswith("/rotate-secret")) as rotated:
        row.locator("button.rotate").click()
    new_secret = rotated.value.json()["secret"]
    assert new_secret and new_secret != created["secret"]
    expect(page.locator("#webhook-secret-value")).to_have_value(new_secret)
    expect(page.locator("#webhook-secret")).to_contain_text("previous secret verifies until")
    expect(row).to_contain_text("secret rotated")
    stored = _subscription(site, created["id"])
    assert stored is not None and stored["secret_rotated_at"]

    page.once("dialog", lambda dialog: dialog.dismiss())  # asked, and refused: nothing happens
    row.locator("button.delete").click()
    expect(row).to_have_count(1)
    assert _subscription(site, created["id"]) is not None
    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button.delete").click()
    expect(row).to_have_count(0)
    assert _subscription(site, created["id"]) is None


def test_a_refused_subscription_is_said_readably(site: Site, tabs: Any) -> None:
    page = _webhooks_page(site, tabs).page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.method) if r.url.endswith("/webhooks") else None)
    page.fill("#webhook-url", "https://lms.example/hooks")
    page.click("#webhook-submit")  # no type picked: said here, nothing sent
    expect(page.locator("#webhook-create-status")).to_have_text("Pick at least one event type.")
    assert "POST" not in asked
    page.fill("#webhook-url", "ftp://lms.example/hooks")
    page.check('input[name="webhook-type"][value="video.ready"]')
    with page.expect_response(lambda r: r.url.endswith("/webhooks") and r.request.method == "POST"):
        page.click("#webhook-submit")
    expect(page.locator("#alert-text")).to_contain_text(
        "The URL is refused: it must start with https://"
    )
    expect(page.locator("#webhook-create-status")).to_have_text("Not created.")
    expect(page.locator("#webhook-secret")).to_have_count(0)


def test_a_test_ping_shows_in_the_delivery_log_as_text_and_a_range_is_replayed(
    site: Site, tabs: Any, receiver: Receiver
) -> None:
    tab = _webhooks_page(site, tabs)
    page = tab.page
    created = _create(page, receiver.url, ["video.ready", "video.deleted"], description="LMS")
    page.click("#webhook-secret-done")
    row = page.locator(f'tr.webhook[data-webhook-id="{created["id"]}"]')
    with page.expect_response(lambda r: r.url.endswith(f"/webhooks/{created['id']}/test")) as ping:
        row.locator("button.ping").click()
    delivery_id = ping.value.json()["delivery_id"]

    attempt = page.locator(f'#deliveries-body tr.delivery[data-delivery-id="{delivery_id}"]')
    expect(attempt).to_have_count(1, timeout=DELIVERED_TIMEOUT)
    expect(attempt.locator("td.type")).to_have_text("webhook.ping")
    expect(attempt.locator("td.status-code")).to_have_text("200")
    expect(attempt.locator("td.outcome")).to_have_text("delivered")
    expect(attempt.locator("td.duration")).to_contain_text(" ms")
    expect(attempt.locator(".response")).to_have_text(HOSTILE)  # the receiver's markup, as text
    _nothing_ran(page)
    pings = [
        (headers, json.loads(body))
        for headers, body in receiver.received
        if json.loads(body)["type"] == "webhook.ping"
        and json.loads(body)["data"].get("webhook_id") == created["id"]
    ]
    assert len(pings) == 1
    headers, body = pings[0]
    assert headers["webhook-id"] == body["id"] and headers["webhook-signature"].startswith("v1,")

    # Replay: a video reserved and deleted is one video.deleted, delivered; the default range
    # (the last 24 hours, to now) sends it again.
    reserved = site.api(
        "POST",
        "/videos/upload/init",
        json={"session": SESSION, "title": "Gone", "filename": "gone.mp4"},
    )
    video_id = reserved.json()["video"]["id"]
    assert site.api("DELETE", f"/videos/{video_id}/").status_code in (200, 204)
    _delivered(site, created["id"], "video.deleted", count=1)
    with page.expect_response(lambda r: "/replay?" in r.url) as replayed:
        page.click("#replay-submit")
    assert replayed.value.status == 202, replayed.value.text()
    assert replayed.value.json()["queued"] == 1
    expect(page.locator("#replay-result")).to_have_text("1 delivery queued.")
    _delivered(site, created["id"], "video.deleted", count=2)
    page.click("#webhook-log-refresh")
    deleted = page.locator("#deliveries-body tr.delivery", has_text="video.deleted")
    expect(deleted).to_have_count(2)
    expect(deleted.locator("td.outcome")).to_have_text(["delivered", "delivered"])
    tab.screenshot("console-webhooks.png")
    asked = parse_qs(urlsplit(replayed.value.request.url).query)
    assert "until" not in asked  # left empty: to now
    since = datetime.fromisoformat(asked["since"][0])
    assert 23.9 * 3600 < (datetime.now(UTC) - since).total_seconds() < 24.1 * 3600


def test_a_subscription_the_deliveries_disabled_is_an_alert_entry(
    site: Site, tabs: Any, receiver: Receiver
) -> None:
    """How ``webhook.disabled`` entries look: a subscription that the deliveries turned off
    (``disabled_reason`` ``failing``; days of retries in real life) is answered by the list as
    such, through Playwright's routing, over the real list."""
    created = site.api(
        "POST", "/webhooks", json={"url": receiver.url, "event_types": ["session.ended"]}
    )
    assert created.status_code == 201, created.text
    webhook_id = created.json()["id"]
    disabled_at = datetime.now(UTC).isoformat()

    def failing(route: Route) -> None:
        answer = route.fetch()
        listed = answer.json()
        for s in listed:
            if s["id"] == webhook_id:
                s.update(enabled=False, disabled_reason="failing", disabled_at=disabled_at)
        route.fulfill(response=answer, json=listed)

    tab: Tab = tabs()
    tab.page.route("**/api/v1/webhooks", failing)
    page = tab.sign_in(f"{site.url}/console", site.admin_token)
    entry = page.locator(
        f'#console-alerts li[data-kind="webhook.disabled"][data-webhook-id="{webhook_id}"]'
    )
    expect(entry).to_contain_text("Webhook disabled")
    expect(entry).to_contain_text(receiver.url)
    expect(entry).to_contain_text("after failing deliveries")
    when = page.evaluate("iso => new Date(iso).toLocaleString()", disabled_at)
    expect(entry).to_contain_text(f"disabled on {when}")
    entry.locator("button.open-webhooks").click()
    expect(page.locator("#webhooks-page")).to_be_visible()
    row = page.locator(f'tr.webhook[data-webhook-id="{webhook_id}"]')
    expect(row.locator("td.status")).to_contain_text("after failing deliveries")
    assert site.api("DELETE", f"/webhooks/{webhook_id}").status_code in (200, 204)


def test_staff_see_no_webhooks(site: Site, tabs: Any) -> None:
    tab: Tab = tabs()
    asked: list[str] = []
    tab.page.on("request", lambda r: asked.append(r.url) if "/api/v1/webhooks" in r.url else None)
    page = tab.sign_in(f"{site.url}/console#webhooks", site.token("staff", 2))
    expect(page.locator("button.session").first).to_be_visible()
    expect(page.locator("#nav-webhooks")).to_have_count(0)
    expect(page.locator("#webhooks-page")).to_have_count(0)
    expect(page.locator("#console-alerts")).to_be_hidden()
    assert asked == []
