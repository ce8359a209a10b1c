"""Leases on the work of running jobs (SQLite, a clock the test moves, a Celery app that only
records what it is asked to send): tasks taken, renewed and done; work whose lease expired sent
again, counted in the job's progress and note and in the metrics; a job given up when its work
keeps losing its workers."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY

from service.config import Settings
from service.jobs import job_to_dict
from service.jobs.dispatch import CeleryDispatcher
from service.jobs.leases import lease_seconds, renew_seconds, unanswered_seconds
from service.observability.jobs import JobMetrics
from service.store import DONE, FAILED, QUEUED, RUNNING, Store
from service.store.records import SENT, TAKEN
from tests.unit.test_store import Clock

OWNER = "celery:start-1"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path, clock):  # type: ignore[no-untyped-def]
    store = Store(f"sqlite:///{tmp_path}/leases.sqlite3", clock=clock)
    store.create_all()
    yield store
    store.dispose()


@pytest.fixture
def job(store: Store):  # type: ignore[no-untyped-def]
    job = store.create_job({"max_words": 50}, ["a", "b", "c"])
    assert store.claim_job(job.id, OWNER)
    return job


class RecordingCelery:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Any]]] = []

    def send_task(self, name: str, args: list[Any], **_options: Any) -> None:
        self.sent.append((name, args))


def dispatcher(store: Store, **settings: Any) -> tuple[CeleryDispatcher, RecordingCelery]:
    values = {"job_backend": "celery", "celery_broker_url": "memory://", **settings}
    worker = CeleryDispatcher(store, None, Settings.from_env(values, environ={}), JobMetrics())  # type: ignore[arg-type]
    celery = RecordingCelery()
    worker._celery = celery  # type: ignore[assignment]
    return worker, celery


def counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_lease_is_half_a_minute_unless_the_stale_time_is_shorter() -> None:
    settings = Settings.from_env({}, environ={})
    assert (lease_seconds(settings), renew_seconds(settings)) == (30, 5)
    assert unanswered_seconds(settings) == 60
    short = Settings.from_env({"job_stale_seconds": 6}, environ={})
    assert (lease_seconds(short), renew_seconds(short)) == (6, 1)


def test_the_lease_is_a_setting_and_its_old_name_still_shortens_it() -> None:
    longer = Settings.from_env(environ={"SUMMARY_JOB_LEASE_SECONDS": "120"})
    assert (lease_seconds(longer), renew_seconds(longer), unanswered_seconds(longer)) == (
        120,
        20,
        240,
    )
    both = Settings.from_env(
        environ={"SUMMARY_JOB_LEASE_SECONDS": "12", "SUMMARY_JOB_STALE_SECONDS": "60"}
    )
    assert lease_seconds(both) == 12
    old_name = Settings.from_env(environ={"SUMMARY_JOB_STALE_SECONDS": "6"})
    assert lease_seconds(old_name) == 6
    with pytest.raises(ValueError, match="SUMMARY_JOB_LEASE_SECONDS must be 1 or more"):
        Settings.from_env(environ={"SUMMARY_JOB_LEASE_SECONDS": "0"})


def test_a_lost_task_is_sent_again_after_the_lease_setting(store: Store, job, clock: Clock) -> None:
    store.add_tasks(job.id, OWNER, [("map-0000", ["a"])])
    assert store.take_task(job.id, "map-0000", "celery:t1", "host:11")
    clock.advance(45)
    worker, _celery = dispatcher(store, job_lease_seconds=60)
    assert worker.recover() == 0  # 45 s unrenewed: within a 60 s lease
    clock.advance(20)
    worker._last_lease_check = float("-inf")
    assert worker.recover() == 1
    shown = job_to_dict(store.get_job(job.id))["progress"]
    assert shown["retries"] == 1 and "not renewed for 60 s" in shown["note"]


def test_tasks_are_added_once_and_only_by_the_jobs_owner(store: Store, job) -> None:
    batches = [("map-0000", ["a", "b"]), ("map-0001", ["c"])]
    assert store.add_tasks(job.id, OWNER, batches) == ["map-0000", "map-0001"]
    assert store.add_tasks(job.id, OWNER, [*batches, ("merge", None)]) == ["merge"]
    assert store.add_tasks(job.id, "celery:someone-else", [("map-0002", ["a"])]) == []
    tasks = {t.name: t for t in store.job_tasks(job.id)}
    assert sorted(tasks) == ["map-0000", "map-0001", "merge"]
    assert tasks["map-0000"].document_ids == ["a", "b"] and tasks["map-0000"].state == SENT
    assert tasks["map-0000"].owner == OWNER and tasks["map-0000"].sends == 1


def test_a_lease_is_held_by_one_delivery_and_renewed_until_done(store: Store, job) -> None:
    store.add_tasks(job.id, OWNER, [("map-0000", ["a"])])
    assert store.take_task(job.id, "map-0000", "celery:t1", "host:11")
    assert not store.take_task(job.id, "map-0000", "celery:t2", "host:12")  # a duplicate
    assert store.take_task(job.id, "map-0000", "celery:t1", "host:13")  # a retry of t1
    assert store.renew_task(job.id, "map-0000", "celery:t1")
    assert not store.renew_task(job.id, "map-0000", "celery:t2")
    assert store.finish_task(job.id, "map-0000", "celery:t1")
    assert not store.take_task(job.id, "map-0000", "celery:t1", "host:11")  # done: nothing to do
    assert store.job_tasks(job.id)[0].state == DONE


def test_work_whose_lease_expired_is_sent_again_and_the_job_says_so(
    store: Store, job, clock: Clock
) -> None:
    store.add_tasks(job.id, OWNER, [("map-0000", ["a", "b"]), ("map-0001", ["c"])])
    assert store.take_task(job.id, "map-0000", "celery:t1", "host:11")
    assert store.take_task(job.id, "map-0001", "celery:t2", "host:12")
    clock.advance(20)
    assert store.renew_task(job.id, "map-0001", "celery:t2")  # its worker lives
    clock.advance(15)  # map-0000 unrenewed for 35 s, map-0001 for 15 s
    worker, celery = dispatcher(store)
    lost_before = counted("summary_job_work_lost_total", step="map")
    resent_before = counted("summary_job_work_resent_total", reason="lost_worker")
    assert worker.recover() == 1
    assert celery.sent == [("briefs.summarise", [job.id, OWNER, ["a", "b"], "map-0000"])]
    tasks = {t.name: t for t in store.job_tasks(job.id)}
    assert (tasks["map-0000"].state, tasks["map-0000"].holder, tasks["map-0000"].sends) == (
        SENT,
        None,
        2,
    )
    assert tasks["map-0001"].state == TAKEN
    assert counted("summary_job_work_lost_total", step="map") == lost_before + 1
    assert counted("summary_job_work_resent_total", reason="lost_worker") == resent_before + 1
    shown = job_to_dict(store.get_job(job.id))["progress"]
    assert shown["retries"] == 1 and "2 documents (map-0000)" in shown["note"]
    assert "vanished" in shown["note"]
    assert worker.recover() == 0  # not again before the next check
    # The old delivery lost its lease; the new one takes it.
    assert not store.renew_task(job.id, "map-0000", "celery:t1")
    assert store.take_task(job.id, "map-0000", "celery:t3", "host:13")


def test_a_resend_is_made_by_one_process_only(store: Store, job, clock: Clock) -> None:
    store.add_tasks(job.id, OWNER, [("merge", None)])
    assert store.take_task(job.id, "merge", "celery:t1", "host:11")
    clock.advance(31)
    [task] = store.overdue_tasks(30, 60)
    assert store.resend_task(task, "lost")
    assert not store.resend_task(task, "lost")  # another process was first
    assert store.get_job(job.id).retries == 1


def test_a_task_never_taken_is_sent_again_later_and_later(store: Store, job, clock: Clock) -> None:
    store.add_tasks(job.id, OWNER, [("merge", None)])
    clock.advance(59)
    assert store.overdue_tasks(30, 60) == []  # waiting in the queue, perhaps
    clock.advance(2)
    [task] = store.overdue_tasks(30, 60)
    assert store.resend_task(task)  # not counted as redone work
    assert store.get_job(job.id).retries == 0
    clock.advance(61)
    assert store.overdue_tasks(30, 60) == []  # the second time it waits twice as long
    clock.advance(60)
    assert [t.name for t in store.overdue_tasks(30, 60)] == ["merge"]


def test_a_job_whose_work_keeps_losing_its_workers_fails(store: Store, job, clock: Clock) -> None:
    worker, celery = dispatcher(store, job_max_attempts=2)
    store.add_tasks(job.id, OWNER, [("map-0000", ["a"])])
    for holder in ("celery:t1", "celery:t2"):
        assert store.take_task(job.id, "map-0000", holder, "host:1")
        clock.advance(31)
        worker._last_lease_check = float("-inf")
        worker.recover()
    failed = store.get_job(job.id)
    assert failed.status == FAILED and len(celery.sent) == 1
    assert "gave up after 2 attempts" in failed.error and "1 document (map-0000)" in failed.error
    assert store.job_tasks(job.id) == []


def test_tasks_go_when_the_job_ends_or_starts_over(store: Store, job) -> None:
    store.add_tasks(job.id, OWNER, [("map-0000", ["a"])])
    assert store.finish_job(job.id, OWNER, {"sentences": []})
    assert store.job_tasks(job.id) == []
    again = store.create_job({"max_words": 50}, ["a"])
    assert store.claim_job(again.id, "w1")
    store.add_tasks(again.id, "w1", [("start", None)])
    assert store.release_job(again.id, "w1")
    assert store.claim_job(again.id, "w2")
    assert store.job_tasks(again.id) == []


def test_a_stale_embedded_job_is_requeued_with_a_note(store: Store, clock: Clock) -> None:
    job = store.create_job({"max_words": 50}, ["a"])
    assert job_to_dict(job)["progress"] == {"done": 0, "total": 1, "stage": None}
    assert store.claim_job(job.id, "host:1:tag")
    clock.advance(31)
    assert store.requeue_stale(30, max_attempts=3) == [job.id]
    requeued = store.get_job(job.id)
    assert requeued.status == QUEUED and requeued.retries == 1
    progress = job_to_dict(requeued)["progress"]
    assert progress["retries"] == 1 and "stopped reporting for over 30 s" in progress["note"]
    assert store.claim_job(job.id, "host:2:tag")
    assert store.get_job(job.id).status == RUNNING
    assert store.get_job(job.id).retries == 1  # kept for the user to see


def test_a_broker_other_than_redis_is_never_taken_for_restarted(store: Store) -> None:
    worker, _celery = dispatcher(store)
    assert not worker.broker_restarted()


def test_sending_a_waiting_task_again_is_no_attempt_lost(store: Store, job, clock: Clock) -> None:
    worker, celery = dispatcher(store, job_max_attempts=2)
    store.add_tasks(job.id, OWNER, [("map-0000", ["a"])])
    clock.advance(61)
    assert worker.recover() == 1  # waited long: perhaps its message was lost
    assert store.job_tasks(job.id)[0].sends == 1 and store.get_job(job.id).retries == 0
    assert store.take_task(job.id, "map-0000", "celery:t1", "host:1")
    clock.advance(31)
    worker._last_lease_check = float("-inf")
    assert worker.recover() == 1  # its first worker lost: sent again, not given up
    assert store.get_job(job.id).status == RUNNING and store.get_job(job.id).retries == 1
    assert [name for name, _args in celery.sent] == ["briefs.summarise", "briefs.summarise"]


def test_a_job_whose_start_died_before_its_first_lease_is_queued_again(
    store: Store, job, clock: Clock
) -> None:
    worker, _celery = dispatcher(store)
    busy = store.create_job({"max_words": 50}, ["a"])
    assert store.claim_job(busy.id, "celery:start-2")
    store.add_tasks(busy.id, "celery:start-2", [("start", None)])
    clock.advance(31)  # neither job heard of since: `job` has no task, `busy` has its start's
    assert worker.recover() == 0
    requeued = store.get_job(job.id)
    assert requeued.status == QUEUED and requeued.retries == 1
    assert "its start was lost" in requeued.note
    assert store.get_job(busy.id).status == RUNNING  # its start's lease speaks for it
