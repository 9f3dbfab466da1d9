"""Webhooks end to end on the embedded default's stores: a real receiver on 127.0.0.1 (allowed
through the operator's allow-list) verifying every delivery with the Standard Webhooks library
from PyPI; the deliverer run a round at a time on a clock the tests move."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from academy_video.adapters.http.app import create_app
from academy_video.app.config import Settings
from academy_video.app.webhooks.delivery import Deliverer
from academy_video.bootstrap import Adapters, build
from academy_video.bootstrap.webhooks import deliverer
from academy_video.domain.webhook_retry import MAX_ATTEMPTS
from tests.fakes.clock_and_ids import FakeClock
from tests.fakes.media import FakeMediaProbe, InMemoryObjectStorage
from tests.webhooks.receivers import (
    Answer,
    failing,
    hanging,
    receiving,
    redirecting,
    verifying,
)

from .conftest import OTHER_SESSION, SECRET, WORKER_TOKEN, Api, sync_roster

HOOKS = "/api/v1/webhooks"


@contextmanager
def serving_hooks(tmp_path: Path, **settings: Any) -> Iterator[tuple[Api, Deliverer, FakeClock]]:
    storage, clock = InMemoryObjectStorage(), FakeClock()
    container = build(
        Settings(
            data_dir=tmp_path,
            jwt_secret=SECRET,
            playback_token_secret="p",
            worker_token=WORKER_TOKEN,
            progress_flush_seconds=0,
            webhook_allow_http=True,
            webhook_total_seconds=2,
            webhook_connect_seconds=2,
            **({"webhook_allow_list": "127.0.0.1/32"} | settings),
        ),
        Adapters(storage=storage, probe=FakeMediaProbe(storage), clock=clock),
    )
    assert container.engine is not None
    sender = deliverer(
        container.settings, container.webhooks, container.engine, clock, "test-deliverer"
    )
    with TestClient(create_app(container)) as client:
        api = Api(client, container, storage)
        sync_roster(api)
        yield api, sender, clock
    sender.close()
    container.close()


def subscribe(api: Api, url: str, types: list[str]) -> dict[str, Any]:
    created = api.call("POST", HOOKS, json={"url": url, "event_types": types})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def drain(sender: Deliverer, rounds: int = 10) -> int:
    """Rounds until nothing is due now; how many attempts were made."""
    made = 0
    for _ in range(rounds):
        sent = sender.run_once()
        if not sent:
            return made
        made += sent
    return made


def test_a_ready_video_is_delivered_signed_and_verified_by_the_library(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, _):
        # The receiver needs the secret, which exists once the subscription does.
        created = subscribe(api, "http://127.0.0.1:9/x", ["video.ready"])
        with verifying(created["secret"]) as receiver:
            api.call("PATCH", f"{HOOKS}/{created['id']}", json={"url": receiver.url()})
            video_id = api.ready_video()
            assert drain(sender) == 1
        assert receiver.state.get("refused") is None
        [got] = receiver.requests
        assert got.headers["content-type"] == "application/json"
        events = api.call("GET", "/api/v1/feed").json()["events"]
        assert [e["type"] for e in events] == ["video.uploaded", "video.ready"]
        assert events[-1]["data"]["video_id"] == video_id
        assert receiver.state["verified"] == [events[-1]["id"]]
        log = api.call("GET", f"{HOOKS}/{created['id']}/deliveries").json()
        assert [(a["type"], a["status_code"], a["outcome"]) for a in log] == [
            ("video.ready", 204, "delivered")
        ]


def hook_with(api: Api, receiver_url: str, types: list[str]) -> dict[str, Any]:
    return subscribe(api, receiver_url, types)


def test_one_subjects_events_arrive_in_order(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, _), failing(0) as receiver:
        hook_with(api, receiver.url(), ["video.uploaded", "video.ready", "video.deleted"])
        video_id = api.ready_video()
        assert api.call("DELETE", f"/api/v1/videos/{video_id}").status_code in (200, 204)
        assert drain(sender) == 3
        types = [got.body for got in receiver.requests]
        assert [b'"video.uploaded"' in b for b in types] == [True, False, False]
        assert [b'"video.deleted"' in b for b in types] == [False, False, True]


def test_a_failing_receiver_is_retried_on_schedule_with_the_same_id(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, clock), failing(2) as receiver:
        hook = hook_with(api, receiver.url(), ["video.ready"])
        api.ready_video()
        assert drain(sender) == 1  # 500
        assert drain(sender) == 0  # not due before its delay
        clock.advance(5 * 1.2 + 1)
        assert drain(sender) == 1  # 500 again
        clock.advance(5 * 60 * 1.2 + 1)
        assert drain(sender) == 1  # 200
        clock.advance(24 * 3600)
        assert drain(sender) == 0  # delivered: never again
        ids = {got.headers["webhook-id"] for got in receiver.requests}
        assert len(receiver.requests) == 3 and len(ids) == 1
        log = api.call("GET", f"{HOOKS}/{hook['id']}/deliveries").json()
        assert [(a["status_code"], a["outcome"]) for a in log] == [
            (200, "delivered"),
            (500, "retrying"),
            (500, "retrying"),
        ]
        assert log[-1]["response"] == "not now"


def test_a_subscription_failing_for_the_whole_schedule_is_disabled(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, clock), failing(10_000) as receiver:
        hook = hook_with(api, receiver.url(), ["video.ready"])
        api.ready_video()
        for _ in range(MAX_ATTEMPTS):
            assert drain(sender) == 1
            clock.advance(12 * 3600)
        assert drain(sender) == 0
        assert len(receiver.requests) == MAX_ATTEMPTS
        state = api.call("GET", f"{HOOKS}/{hook['id']}").json()
        assert (state["enabled"], state["disabled_reason"]) == (False, "failing")
        api.ready_video(title="Another")
        assert drain(sender) == 0  # a disabled subscription is sent nothing
        enabled = api.call("PATCH", f"{HOOKS}/{hook['id']}", json={"enabled": True}).json()
        assert (enabled["enabled"], enabled["disabled_reason"]) == (True, "")


def test_a_rotated_secret_still_verifies_with_the_old_one_for_a_day(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, clock):
        hook = subscribe(api, "http://127.0.0.1:9/x", ["video.ready"])
        rotated = api.call("POST", f"{HOOKS}/{hook['id']}/rotate-secret").json()
        for secret in (hook["secret"], rotated["secret"]):
            with verifying(secret) as receiver:
                api.call("PATCH", f"{HOOKS}/{hook['id']}", json={"url": receiver.url()})
                api.call("POST", f"{HOOKS}/{hook['id']}/test")
                assert drain(sender) == 1
                assert len(receiver.state["verified"]) == 1, receiver.state
        clock.advance(25 * 3600)
        with verifying(hook["secret"]) as receiver:
            api.call("PATCH", f"{HOOKS}/{hook['id']}", json={"url": receiver.url()})
            api.call("POST", f"{HOOKS}/{hook['id']}/test")
            assert drain(sender) == 1
            assert "verified" not in receiver.state  # the old secret has lapsed


def test_replay_sends_a_range_again_with_the_original_ids(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, clock), failing(0) as receiver:
        hook = hook_with(api, receiver.url(), ["video.ready", "video.uploaded"])
        api.ready_video()
        assert drain(sender) == 2
        first = [got.headers["webhook-id"] for got in receiver.requests]
        clock.advance(3600)
        # Events keep the time they were stored (the wall clock's), whatever the test's clock.
        now = datetime.now(UTC)
        since, until = (
            (now - timedelta(hours=1)).isoformat(),
            (now + timedelta(hours=1)).isoformat(),
        )
        replayed = api.call(
            "POST", f"{HOOKS}/{hook['id']}/replay", params={"since": since, "until": until}
        )
        assert replayed.status_code == 202, replayed.text
        assert replayed.json() == {"queued": 2}
        assert drain(sender) == 2
        again = [got.headers["webhook-id"] for got in receiver.requests[2:]]
        assert again == first


def test_a_ping_reaches_only_its_subscription_and_not_the_feed(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, _), failing(0) as one, failing(0) as two:
        hook = hook_with(api, one.url(), ["video.ready"])
        hook_with(api, two.url(), ["video.ready"])
        pinged = api.call("POST", f"{HOOKS}/{hook['id']}/test")
        assert pinged.status_code == 202, pinged.text
        assert drain(sender) == 1
        assert b'"webhook.ping"' in one.requests[0].body
        assert two.requests == []
        assert api.call("GET", "/api/v1/feed").json()["events"] == []


def test_a_redirect_to_a_private_address_is_a_failed_attempt_never_followed(
    tmp_path: Path,
) -> None:
    with (
        serving_hooks(tmp_path) as (api, sender, _),
        failing(0) as inside,
        redirecting(inside.url()) as receiver,
    ):
        hook = hook_with(api, receiver.url(), ["video.ready"])
        api.ready_video()
        assert drain(sender) == 1
        assert inside.requests == []
        [attempt] = api.call("GET", f"{HOOKS}/{hook['id']}/deliveries").json()
        assert (attempt["status_code"], attempt["outcome"]) == (302, "retrying")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest",
        "http://10.0.0.5/",
    ],
)
def test_a_private_address_is_refused_without_the_allow_list(tmp_path: Path, url: str) -> None:
    with serving_hooks(tmp_path, webhook_allow_list="") as (api, _, _):
        refused = api.call("POST", HOOKS, json={"url": url, "event_types": ["video.ready"]})
        assert refused.status_code == 400, refused.text
        assert refused.json()["detail"].startswith("invalid_url: address ")


def test_a_loopback_name_is_refused_at_delivery_without_the_allow_list(tmp_path: Path) -> None:
    with serving_hooks(tmp_path, webhook_allow_list="") as (api, sender, _), failing(0) as receiver:
        hook = hook_with(api, receiver.url(host="localhost"), ["video.ready"])
        api.ready_video()
        assert drain(sender) == 1
        assert receiver.requests == []
        [attempt] = api.call("GET", f"{HOOKS}/{hook['id']}/deliveries").json()
        # As a name that does not resolve: the log tells a subscriber nothing about which
        # internal names exist.
        assert attempt["error"] == "dns"
        assert attempt["status_code"] is None


def test_a_queued_delivery_wakes_the_deliverer_of_this_process(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, _), failing(0) as receiver:
        projector = api.app.projector
        assert projector is not None
        woken: list[int] = []
        projector.on_queued.append(lambda: woken.append(1))
        api.ready_video()
        assert woken == []  # nobody subscribed: nothing queued, nobody woken
        hook_with(api, receiver.url(), ["video.ready"])
        api.ready_video(title="Second")
        assert len(woken) == 1
        assert drain(sender) == 1
        receiver.arrived.clear()
        stop = threading.Event()
        projector.on_queued.append(sender.wake)
        runner = threading.Thread(target=sender.run, args=(stop,), kwargs={"idle_seconds": 3600})
        runner.start()
        try:
            api.ready_video(title="Third")  # an hour's poll away, unless woken
            assert receiver.arrived.wait(30)
            assert len(receiver.requests) == 2
        finally:
            stop.set()
            sender.wake()
            runner.join()


def test_a_rebuild_enqueues_what_the_projection_had_not_reached(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, _), failing(0) as receiver:
        hook_with(api, receiver.url(), ["video.deleted"])
        projector = api.app.projector
        assert projector is not None
        video_id = api.ready_video()

        def fail(app: str, _position: int) -> None:
            if app == "Videos":
                raise RuntimeError("projection lagging")

        projector.before_tracking = fail
        deleted = api.call("DELETE", f"/api/v1/videos/{video_id}")
        assert deleted.status_code in (200, 204)  # stored; its projection and outbox lag
        projector.before_tracking = None
        types = [e["type"] for e in api.call("GET", "/api/v1/feed").json()["events"]]
        assert types == ["video.uploaded", "video.ready"]
        projector.rebuild()
        types = [e["type"] for e in api.call("GET", "/api/v1/feed").json()["events"]]
        assert types == ["video.uploaded", "video.ready", "video.deleted"]
        assert drain(sender) == 1
        projector.rebuild()  # what was projected is never sent again
        assert drain(sender) == 0
        assert len(receiver.requests) == 1


def test_a_type_no_longer_wanted_is_not_sent_though_queued(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, _), failing(0) as receiver:
        hook = hook_with(api, receiver.url(), ["video.ready", "video.uploaded"])
        api.ready_video()
        changed = api.call("PATCH", f"{HOOKS}/{hook['id']}", json={"event_types": ["video.ready"]})
        assert changed.status_code == 200
        assert drain(sender) == 1
        assert [b'"video.ready"' in got.body for got in receiver.requests] == [True]


def test_a_replay_is_bounded_and_a_time_without_offset_is_utc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from academy_video.app.webhooks import subscriptions

    with serving_hooks(tmp_path) as (api, _, _):
        hook = subscribe(api, "http://127.0.0.1:9/x", ["video.ready", "video.uploaded"])
        api.ready_video()
        now = datetime.now(UTC).replace(tzinfo=None)
        since, until = (
            (now - timedelta(hours=1)).isoformat(),
            (now + timedelta(hours=1)).isoformat(),
        )
        path = f"{HOOKS}/{hook['id']}/replay"
        naive = api.call("POST", path, params={"since": since, "until": until})
        assert naive.status_code == 202, naive.text
        assert naive.json() == {"queued": 2}
        monkeypatch.setattr(subscriptions, "MAX_REPLAY_MESSAGES", 1)
        refused = api.call("POST", path, params={"since": since, "until": until})
        assert refused.status_code == 413, refused.text
        assert "narrow" in refused.json()["detail"]


@pytest.mark.parametrize("port", ["²", "٤٤٣", "0x1bb", "-1", "65536"])
def test_a_port_of_other_digits_is_a_400(tmp_path: Path, port: str) -> None:
    with serving_hooks(tmp_path) as (api, _, _):
        body = {"url": f"https://hooks.example.org:{port}/x", "event_types": ["video.ready"]}
        refused = api.call("POST", HOOKS, json=body)
        assert refused.status_code == 400, refused.text
        assert refused.json()["detail"] == "invalid_url: port"


def test_rotating_again_keeps_only_the_current_secret_beside_the_new(tmp_path: Path) -> None:
    with serving_hooks(tmp_path) as (api, sender, _), failing(0) as receiver:
        hook = hook_with(api, receiver.url(), ["video.ready"])
        for _ in range(5):
            assert api.call("POST", f"{HOOKS}/{hook['id']}/rotate-secret").status_code == 201
        api.call("POST", f"{HOOKS}/{hook['id']}/test")
        assert drain(sender) == 1
        assert len(receiver.requests[0].headers["webhook-signature"].split(" ")) == 2


def test_a_hanging_receiver_holds_only_its_own_slots(tmp_path: Path) -> None:
    from tests.webhooks.receivers import hanging

    with (
        serving_hooks(tmp_path, webhook_concurrency=2, webhook_per_host=1) as (api, sender, _),
        hanging() as slow,
        failing(0) as fast,
    ):
        hook_with(api, slow.url(host="localhost"), ["video.ready"])
        api.call(
            "POST",
            HOOKS,
            tenant="other",
            json={"url": fast.url(), "event_types": ["video.ready"]},
        )
        for n in range(3):
            api.ready_video(title=f"slow {n}")
        api.ready_video(tenant="other", session=20)
        stop = threading.Event()
        runner = threading.Thread(target=sender.run, args=(stop,), kwargs={"idle_seconds": 0.05})
        runner.start()
        try:
            assert slow.arrived.wait(30)
            assert fast.arrived.wait(30)  # not behind the slow host's three
            assert len(slow.requests) == 1
        finally:
            stop.set()
            slow.release.set()
            sender.wake()
            runner.join()


def test_the_delivery_process_prunes_the_history_past_the_kept_days(tmp_path: Path) -> None:
    with (
        serving_hooks(tmp_path, webhook_keep_days=40) as (api, sender, clock),
        failing(0) as receiver,
    ):
        hook = hook_with(api, receiver.url(), ["video.ready"])
        api.ready_video()
        assert drain(sender) == 1
        log = f"{HOOKS}/{hook['id']}/deliveries"
        assert len(api.call("GET", log).json()) == 1
        pruned = threading.Event()
        prune = sender.rounds.prune

        def prune_and_tell() -> int:
            rows = prune()
            pruned.set()
            return rows

        sender.rounds.prune = prune_and_tell  # type: ignore[method-assign]
        sender.prune_every = 0.0  # at once, then at every round
        stop = threading.Event()
        runner = threading.Thread(target=sender.run, args=(stop,))
        runner.start()
        try:
            assert pruned.wait(30)
            assert len(api.call("GET", log).json()) == 1  # 40 days are kept
            clock.advance(41 * 24 * 3600)
            for _ in range(2):  # the second began after the clock moved
                pruned.clear()
                assert pruned.wait(30)
        finally:
            stop.set()
            runner.join()
        assert api.call("GET", log).json() == []


def test_a_stopping_deliverer_gives_back_what_it_leased_and_did_not_send(tmp_path: Path) -> None:
    with (
        serving_hooks(tmp_path, webhook_concurrency=1, webhook_per_host=1) as (api, sender, _),
        hanging() as receiver,
    ):
        hook = hook_with(api, receiver.url(), ["video.uploaded"])
        for n in range(3):
            api.ready_video(title=f"Lecture {n}")
        stop = threading.Event()
        runner = threading.Thread(target=sender.run, args=(stop,))
        runner.start()
        try:
            assert receiver.arrived.wait(30)  # one is in flight, two wait behind it
        finally:
            stop.set()
            receiver.release.set()
            runner.join()
        queue = sender.rounds.queue
        now = sender.clock.now()
        due = queue.lease(owner="next", now=now, until=now + timedelta(seconds=60), limit=10)
        assert len(due) == 2  # at once, not when the stopped one's lease runs out
        assert len(api.call("GET", f"{HOOKS}/{hook['id']}/deliveries").json()) == 1


def test_one_tenants_backlog_on_a_slow_receiver_never_holds_back_another_tenant(
    tmp_path: Path,
) -> None:
    with (
        serving_hooks(
            tmp_path,
            webhook_concurrency=2,
            webhook_per_host=1,
            webhook_allow_list="127.0.0.0/8",
        ) as (api, sender, _),
        hanging() as slow,
        receiving(lambda receiver, got: Answer(204), host="127.0.0.2") as quick,
    ):
        hook_with(api, slow.url(), ["video.ready"])
        for n in range(40):  # far more than one lease takes, all before the other tenant's
            api.ready_video(title=f"Lecture {n}")
        other = api.call(
            "POST", HOOKS, tenant="other", json={"url": quick.url(), "event_types": ["video.ready"]}
        )
        assert other.status_code == 201, other.text
        api.ready_video(session=OTHER_SESSION, tenant="other")
        stop = threading.Event()
        runner = threading.Thread(target=sender.run, args=(stop,))
        runner.start()
        try:
            # Within its own first lease, not once the slow tenant's leases have run out.
            assert quick.arrived.wait(10)
            assert slow.arrived.wait(10)  # the slow one is being tried meanwhile
        finally:
            stop.set()
            slow.release.set()
            runner.join()
