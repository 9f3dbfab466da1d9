"""Two tenants pushing the same directory id at the same moment, on SQLite and PostgreSQL: the
owner is checked by the statement that writes, so exactly one of them owns the id afterwards,
the other is told ``not_found`` and the winner's row is intact."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from academy_video.adapters.sql.directory import SqlDirectory
from academy_video.app.directory import DirectorySync
from academy_video.app.errors import NotFound
from academy_video.app.ports import Student

from .conftest import Deployment
from .test_read_models import engine_of

ROUNDS = 40
TENANTS = ("alpha", "beta")
# Each tenant's own lecture and student, so that only the contested id can refuse a write.
OWN = {"alpha": (1, 501), "beta": (2, 502)}

Put = Callable[[DirectorySync, str, int], object]


def put_lecture(sync: DirectorySync, tenant: str, id_: int) -> object:
    return sync.put_lecture(tenant=tenant, lecture_id=id_, title=f"by {tenant}")


def put_session(sync: DirectorySync, tenant: str, id_: int) -> object:
    return sync.put_session(
        tenant=tenant, session_id=id_, lecture_id=OWN[tenant][0], title=f"by {tenant}"
    )


def put_student(sync: DirectorySync, tenant: str, id_: int) -> object:
    return sync.put_student(Student(id_, tenant, 7, f"by {tenant}"))


def put_enrollment(sync: DirectorySync, tenant: str, id_: int) -> object:
    lecture, student = OWN[tenant]
    return sync.put_enrollment(
        tenant=tenant, enrollment_id=id_, student_id=student, lecture_id=lecture, status="ACTIVE"
    )


def owner(directory: SqlDirectory, put: Put, id_: int) -> tuple[str, str] | None:
    """(tenant, the text its push wrote) of the contested row."""
    if put is put_lecture:
        found = directory.lecture(id_)
        return None if found is None else (found.tenant, found.title)
    if put is put_session:
        session = directory.session(id_)
        return None if session is None else (session.tenant, session.title)
    if put is put_student:
        student = directory.student(id_)
        return None if student is None else (student.tenant, student.name)
    enrollment = directory.enrollment(id_)
    return None if enrollment is None else (enrollment.tenant, enrollment.student_name)


def race(sync: DirectorySync, put: Put, id_: int) -> dict[str, str]:
    """Each tenant pushes ``id_`` from a thread of its own, released together: tenant → outcome."""
    barrier = threading.Barrier(len(TENANTS))
    outcomes: dict[str, str] = {}

    def push(tenant: str) -> None:
        barrier.wait()
        try:
            put(sync, tenant, id_)
            outcomes[tenant] = "ok"
        except NotFound:
            outcomes[tenant] = "not_found"

    threads = [threading.Thread(target=push, args=(tenant,)) for tenant in TENANTS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.parametrize("put", [put_lecture, put_session, put_student, put_enrollment])
def test_two_tenants_racing_for_one_id_leave_exactly_one_owner(
    deployment: Deployment, put: Put
) -> None:
    directory = SqlDirectory(engine_of(deployment.start()))
    sync = DirectorySync(directory)
    for tenant, (lecture, student) in OWN.items():
        sync.put_lecture(tenant=tenant, lecture_id=lecture, title=f"by {tenant}")
        sync.put_student(Student(student, tenant, 7, f"by {tenant}"))

    for round_ in range(ROUNDS):
        contested = 1000 + round_
        outcomes = race(sync, put, contested)

        # Exactly one tenant won; the other was refused, and the row is the winner's push.
        assert sorted(outcomes.values()) == ["not_found", "ok"], (round_, outcomes)
        winner = next(t for t, outcome in outcomes.items() if outcome == "ok")
        assert owner(directory, put, contested) == (winner, f"by {winner}")
        # The loser pushing again is still refused; the winner may update its own row.
        loser = next(t for t in TENANTS if t != winner)
        with pytest.raises(NotFound):
            put(sync, loser, contested)
        put(sync, winner, contested)
        assert owner(directory, put, contested) == (winner, f"by {winner}")
