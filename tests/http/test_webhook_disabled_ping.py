"""A disabled subscription is sent nothing, so its test ping is refused (409, the contract's
``detail``) instead of waiting in the outbox until pruned; enabled again, it is pinged."""

from __future__ import annotations

from .conftest import Api
from .test_webhook_pings import queued
from .test_webhooks import HOOKS, create


def test_a_ping_to_a_disabled_subscription_is_409(api: Api) -> None:
    hook = create(api, enabled=False).json()["id"]
    refused = api.call("POST", f"{HOOKS}/{hook}/test")
    assert refused.status_code == 409
    assert refused.json() == {"detail": "subscription_disabled"}
    assert queued(api) == 0  # nothing waits in the outbox for it
    assert api.call("PATCH", f"{HOOKS}/{hook}", json={"enabled": True}).status_code == 200
    assert api.call("POST", f"{HOOKS}/{hook}/test").status_code == 202
    assert queued(api) == 1


def test_the_openapi_document_names_the_409(api: Api) -> None:
    schema = api.client.get("/schema/openapi.json").json()
    answers = schema["paths"]["/api/v1/webhooks/{webhook_id}/test"]["post"]["responses"]
    assert "subscription_disabled" in answers["409"]["description"]
