"""The console and the player in a real headless Chromium (Debian's, driven by Playwright through
its ``executable_path``; `make test` installs it when missing), against a real ``serve`` process on
the embedded default with AES-128 packaging on, so every video a test plays is encrypted."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.http.conftest import SESSION, STUDENTS, roster
from tests.http.test_serve_process import Server

CHROMIUM = (
    os.environ.get("ACADEMY_VIDEO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
)
# Without the background-networking flags Chromium tries Google's hosts at every start; nothing
# here may leave 127.0.0.1.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 800}
READY_SECONDS = 120
PLAYING = "() => document.getElementById('video').currentTime > 1"  # decrypted, decoded, running


@dataclass
class Site:
    server: Server
    admin_token: str

    @property
    def url(self) -> str:
        return self.server.url

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.admin_token}"}
        return httpx.request(
            method, f"{self.url}/api/v1{path}", headers=headers, timeout=30, **kwargs
        )

    def events(self, video: int, enrollment: int, kind: str) -> list[dict[str, Any]]:
        """The stored player events of one kind, for a student's enrollment, on a video."""
        path = f"/video-playback-events/?video={video}&enrollment={enrollment}&event_type={kind}"
        rows: list[dict[str, Any]] = self.api("GET", path).json()
        return rows

    def token(self, role: str, user: int) -> str:
        return self.server.token("--role", role, "--tenant", "demo", "--user", str(user))

    def ready_video(self, source: Path, title: str, **policy: Any) -> int:
        """Uploaded as a client of the API would (init, PUT, complete), then transcoded by the
        embedded worker; returns once READY."""
        ticket = self.api(
            "POST",
            "/videos/upload/init",
            json={"session": SESSION, "title": title, "filename": source.name, **policy},
        ).json()
        put = httpx.put(ticket["upload_url"], content=source.read_bytes(), timeout=30)
        assert put.status_code == 200, put.text
        video_id = int(ticket["video"]["id"])
        assert self.api("POST", f"/videos/{video_id}/upload/complete").status_code == 200
        deadline = time.monotonic() + READY_SECONDS
        while (status := self.api("GET", f"/videos/{video_id}").json()["status"]) != "READY":
            assert status in ("UPLOADED", "PROCESSING") and time.monotonic() < deadline, status
            time.sleep(0.2)  # the worker reports nothing to wait on; READY is a read-model state
        return video_id


def _roster(site: Site) -> None:
    """The HTTP tests' roster (tests/http/conftest.py), every student attending online."""
    calls = roster() + [
        ("attendance", {"session_id": SESSION, "enrollment_id": e, "status": "ONLINE"}, "demo")
        for e in STUDENTS
    ]
    for path, body, tenant in calls:
        if tenant == "demo":  # the browser tests are one tenant's; the matrix tests the rest
            response = site.api("PUT", f"/directory/{path}", json=body)
            assert response.status_code == 200, response.text


@contextmanager
def serving(tmp_path: Path, **env: str) -> Iterator[Site]:
    """``serve`` on the embedded default (and ``env``), AES-128 on, the roster synced."""
    server = Server(  # output to a file: a pipe read only at the end could fill and block it
        tmp_path,
        env={"ACADEMY_VIDEO_HLS_ENCRYPT": "1", "ACADEMY_VIDEO_LOG_FORMAT": "text", **env},
        log=tmp_path / "serve.log",
    )
    try:
        site = Site(server, server.token("--role", "admin", "--tenant", "demo", "--user", "1"))
        _roster(site)
        yield site
    finally:
        server.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with serving(tmp_path_factory.mktemp("site")) as site:
        yield site


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Tab:
    """A page of its own browser context (own storage), failing the test on any script error."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.page: Page = context.new_page()
        self.session = ""  # the playback session the page started (play)
        self.key_status = 0  # what the AES-128 key request answered (play)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        # The pages run under their real Content-Security-Policy: a violation fails the test.
        self.page.on(
            "console",
            lambda m: self.errors.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def sign_in(self, url: str, token: str) -> Page:
        self.page.goto(url)
        self.page.fill("#token", token)
        self.page.click("#sign-in")
        return self.page

    def wait_until(self, expression: str, arg: Any = None, timeout: float = 15.0) -> None:
        """Until ``expression`` (a JS function of ``arg``) is true in the page. Playwright's own
        ``wait_for_function`` evaluates strings in the page, which the CSP rightly refuses."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression, arg):
            assert time.monotonic() < deadline, f"not true within {timeout} s: {expression}"
            self.page.wait_for_timeout(50)  # the media clock has no event to await across CDP

    def watch_normally(self) -> None:
        """Full screen on and off, twice: four ordinary events. The revocation ratio (violations
        at least half of all events reported) would otherwise end a session whose first report
        is a violation."""
        for _ in range(2):
            self.page.click("#fullscreen")
            self.wait_until("() => document.fullscreenElement?.id === 'frame'")
            self.page.click("#fullscreen")
            self.wait_until("() => document.fullscreenElement === null")

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name))


@pytest.fixture
def tabs(browser: Browser) -> Iterator[Any]:
    opened: list[Tab] = []

    def open_tab() -> Tab:
        tab = Tab(browser.new_context(viewport=VIEWPORT))  # type: ignore[arg-type]
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        tab.context.close()
    for tab in opened:
        assert not tab.errors, tab.errors


def play(
    site: Site, tabs: Any, user: int, title: str, *, url: str = "", tab: Tab | None = None
) -> Tab:
    """A student signs in to the player (at ``url``, default the site's; in ``tab``, default a
    new one), plays ``title`` and the clock runs: decrypted and decoded. Notes the session and
    the key request's answer."""
    tab = tab or tabs()
    page = tab.sign_in(f"{url or site.url}/player", site.token("student", user))
    with page.expect_response(re.compile(r"/api/v1/playback/key/\d+")) as key:
        with page.expect_response("**/playback/start/") as started:
            page.locator(".video-card", has_text=title).locator("button.play").click()
        page.click("#play-pause")
    tab.session = started.value.json()["session_id"]
    tab.key_status = key.value.status
    tab.wait_until(PLAYING)
    return tab
