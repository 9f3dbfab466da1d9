"""A subscription's test ping over HTTP is rate-limited: past the bound, 429 with the contract's
``detail`` and ``Retry-After``, as playback's limits answer."""

from __future__ import annotations

from sqlalchemy import func, select

from academy_video.adapters.sql.webhook_tables import webhook_deliveries
from academy_video.domain.webhook_pings import PINGS_PER_SUBSCRIPTION_PER_MINUTE

from .conftest import Api
from .test_webhooks import HOOKS, create


def test_pings_past_the_limit_are_429_with_retry_after(api: Api) -> None:
    hook = create(api).json()["id"]
    other = create(api).json()["id"]
    for _ in range(PINGS_PER_SUBSCRIPTION_PER_MINUTE):
        sent = api.call("POST", f"{HOOKS}/{hook}/test")
        assert sent.status_code == 202, sent.text
    refused = api.call("POST", f"{HOOKS}/{hook}/test")
    assert refused.status_code == 429
    assert refused.json() == {"detail": "rate_limited"}
    assert 0 < int(refused.headers["Retry-After"]) <= 121
    assert api.call("POST", f"{HOOKS}/{other}/test").status_code == 202
    assert queued(api) == PINGS_PER_SUBSCRIPTION_PER_MINUTE + 1


def test_the_openapi_document_names_the_429(api: Api) -> None:
    schema = api.client.get("/schema/openapi.json").json()
    answers = schema["paths"]["/api/v1/webhooks/{webhook_id}/test"]["post"]["responses"]
    assert "rate_limited" in answers["429"]["description"]


def queued(api: Api) -> int:
    """The deliveries queued (the refused ping queued none)."""
    assert api.app.engine is not None
    with api.app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(webhook_deliveries)).scalar_one())
