"""The tenant's WebhookRoster on SQLite and PostgreSQL after many creates and deletes: another
process loads it from its latest snapshot and the few events after it; snapshots are not events
(the log, the projections, their verification and the audit trail see only events), and with
the snapshots dropped it loads from its events alone, the same."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.postgres import PostgresAggregateRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder

from academy_video.adapters.sql.verify import verify
from academy_video.app.webhooks.application import ROSTER_SNAPSHOT_EVERY, Webhooks
from academy_video.domain.webhook_roster import WebhookRoster
from academy_video.domain.webhook_subscription import (
    MAX_SUBSCRIPTIONS_PER_TENANT,
    TooManySubscriptions,
)
from tests.fakes.roster_reads import NoLimits, counting_reads
from tests.unit.app.test_webhook_cap import create
from tests.unit.app.test_webhook_roster_changes import cycles

from .conftest import Deployment
from .test_read_models import engine_of

CHANGES = 2 * (2 * ROSTER_SNAPSHOT_EVERY + 3) + 1  # one subscription left standing
ROSTER = WebhookRoster.create_id("daechi")


def test_another_process_loads_the_roster_from_its_latest_snapshot(
    deployment: Deployment,
) -> None:
    here, there = deployment.start(), deployment.start()
    service = here.webhook_service
    assert service is not None
    service.limiter = NoLimits()  # years of an academy's changes, at once
    left = cycles(service, CHANGES)
    assert left is not None

    with counting_reads(there.webhooks) as reads:
        roster = there.webhooks.load(ROSTER, WebhookRoster)

    assert roster.version == 1 + CHANGES
    assert list(roster.members) == [str(left)]
    assert reads.snapshots == 1
    assert reads.events < ROSTER_SNAPSHOT_EVERY
    # Snapshots are not events: the audit trail lists the roster's events, each once...
    audited = there.audit.webhook_events("daechi", ROSTER)
    assert [e.version for e in audited] == list(range(1, roster.version + 1))
    assert {e.type for e in audited} == {"Started", "Added", "Removed"}
    # ... the log has no snapshot, and the projections rebuilt from it are the live ones.
    assert not any("Snapshot" in n.topic for n in notifications(there.webhooks))
    assert there.projector is not None
    there.projector.catch_up_all()
    assert verify(engine_of(there), there.applications) == []
    # The cap counts from the snapshot, in the other process too.
    for _ in range(MAX_SUBSCRIPTIONS_PER_TENANT - 1):
        create(service)
    other = there.webhook_service
    assert other is not None
    other.limiter = NoLimits()
    with pytest.raises(TooManySubscriptions):
        create(other)


def test_without_its_snapshots_the_roster_loads_from_its_events(deployment: Deployment) -> None:
    container = deployment.start()
    service = container.webhook_service
    assert service is not None
    service.limiter = NoLimits()
    left = cycles(service, CHANGES)
    drop_snapshots(container.webhooks)  # an operator may: they are only a shortcut

    again = deployment.start()
    with counting_reads(again.webhooks) as reads:
        roster = again.webhooks.load(ROSTER, WebhookRoster)
    assert (reads.snapshots, reads.events) == (0, 1 + CHANGES)
    assert list(roster.members) == [str(left)]
    assert again.webhook_service is not None
    again.webhook_service.limiter = NoLimits()
    cycles(again.webhook_service, 2 * ROSTER_SNAPSHOT_EVERY)  # and snapshots are taken again
    with counting_reads(again.webhooks) as reads:
        again.webhooks.load(ROSTER, WebhookRoster)
    assert reads.snapshots == 1


def notifications(app: Webhooks) -> list[Any]:
    return list(app.recorder.select_notifications(start=1, limit=100_000))


def drop_snapshots(app: Webhooks) -> None:
    assert app.snapshots is not None
    recorder = app.snapshots.recorder
    assert isinstance(recorder, PostgresAggregateRecorder | SQLiteAggregateRecorder)
    statement = f"DELETE FROM {recorder.events_table_name}"
    if isinstance(recorder, PostgresAggregateRecorder):
        statement = f"DELETE FROM {recorder.datastore.schema}.{recorder.events_table_name}"
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(statement)
