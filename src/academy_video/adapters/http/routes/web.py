"""The instructors' console (``/console``) and the reference student player (``/player``): static
pages and ES modules from ``adapters/http/web/``, no build step; hls.js is vendored into
``web/assets/vendor/`` by ``make install`` (web/package-lock.json).

The pages call the same ``/api/v1`` as every client, with the bearer token the user pasted. The
Content-Security-Policy allows scripts from this origin only (a stored title can never run as
code) and network calls to this origin plus where uploads and media go (S3, the CDN)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from litestar import Response, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.response import Redirect
from litestar.response.base import ASGIResponse
from litestar.static_files import create_static_files_router

from academy_video.app.config import Settings

WEB_DIR = Path(__file__).resolve().parent.parent / "web"


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(settings: Settings) -> str:
    """Where the pages may connect: this origin, the CDN, and S3 for uploads. ``data:`` media:
    hls.js gives each caption track's ``<track>`` element the empty ``data:,WEBVTT`` (its cues
    are added by script), which would otherwise be refused."""
    remote = {o for o in (_origin(settings.cdn_base_url), _origin(settings.s3_endpoint_url)) if o}
    if settings.s3_bucket and not settings.s3_endpoint_url:
        remote.add("https://*.amazonaws.com")
    others = "".join(f" {o}" for o in sorted(remote))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'; "
        f"connect-src 'self'{others}; media-src 'self' blob: data:{others}; "
        f"img-src 'self' data:{others}; worker-src 'self' blob:"
    )


def router(settings: Settings) -> Router:
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        # The player's media URLs carry signatures: never in a Referer.
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }

    pages = {name: (WEB_DIR / name).read_bytes() for name in ("console.html", "player.html")}

    def page(name: str) -> Response[bytes]:
        return Response(pages[name], media_type="text/html", headers=headers)

    def nosniff(response: ASGIResponse) -> ASGIResponse:
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @get("/", include_in_schema=False, sync_to_thread=False)
    def home() -> Redirect:
        return Redirect("/console")

    @get("/console", include_in_schema=False, sync_to_thread=False)
    def console() -> Response[bytes]:
        return page("console.html")

    @get("/player", include_in_schema=False, sync_to_thread=False)
    def player() -> Response[bytes]:
        return page("player.html")

    assets = create_static_files_router(
        path="/static",
        directories=[WEB_DIR / "assets"],
        # Revalidated each load (ETag): a deploy is seen at once, an unchanged file costs a 304.
        cache_control=CacheControlHeader(no_cache=True),
        include_in_schema=False,
        after_request=nosniff,  # type: ignore[arg-type]  # the hook gets the file response
    )
    return Router("/", route_handlers=[home, console, player, assets])
