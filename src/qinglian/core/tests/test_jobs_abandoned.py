"""Jobs a dead worker left behind: the heartbeat a worker keeps, and the reaping that marks them failed."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from qinglian.core import jobs
from qinglian.core.jobs import job_abandoned, job_create, job_finish, job_get, job_reap_abandoned
from qinglian.core.models import Job

pytestmark = pytest.mark.usefixtures("in_english")

MESSAGE = "The worker stopped while running this job; nothing was saved. Run it again."


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user("owner")


def _job(owner, *, status=Job.Status.RUNNING, beat_ago: float | None, kind="test.kind") -> Job:
    job = job_create(owner=owner, kind=kind, title=kind, params={"lang": "en"})
    beat = None if beat_ago is None else timezone.now() - timedelta(seconds=beat_ago)
    Job.objects.filter(pk=job.pk).update(status=status, heartbeat_at=beat)
    return Job.objects.get(pk=job.pk)


def test_a_job_whose_heartbeat_stopped_is_marked_failed_with_a_message_for_its_owner(owner, login):
    job = _job(owner, beat_ago=jobs.STALE_SECONDS + 5)
    reaped = job_reap_abandoned()
    assert [j.pk for j in reaped] == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.message, job.finished) == ("failed", MESSAGE, True)
    assert job.finished_at is not None
    page = login(owner).get(f"/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert MESSAGE in page.content.decode()


@pytest.mark.parametrize(
    ("status", "beat_ago"),
    [
        (Job.Status.RUNNING, 1.0),  # beating: a worker is on it
        (Job.Status.QUEUED, None),  # not picked up yet
        (Job.Status.RUNNING, None),  # run by a process that keeps no heartbeat (tasks run immediately)
        (Job.Status.DONE, 3600.0),  # finished long ago
        (Job.Status.FAILED, 3600.0),
    ],
    ids=["beating", "queued", "no-heartbeat", "done", "failed"],
)
def test_jobs_still_beating_not_started_or_finished_are_left_alone(owner, status, beat_ago):
    job = _job(owner, status=status, beat_ago=beat_ago)
    assert job_reap_abandoned() == []
    after = Job.objects.get(pk=job.pk)
    assert (after.status, after.message) == (job.status, job.message)


def test_each_abandoned_job_is_reaped_once_and_announced(owner):
    job = _job(owner, beat_ago=jobs.STALE_SECONDS * 2)
    heard = []

    def receiver(sender, *, job, message, **kwargs):
        heard.append((job.pk, job.status, message))

    job_abandoned.connect(receiver)
    try:
        assert len(job_reap_abandoned()) == 1
        assert job_reap_abandoned() == []  # a second worker reaping finds nothing left
    finally:
        job_abandoned.disconnect(receiver)
    assert heard == [(job.pk, "failed", MESSAGE)]


def test_a_failing_receiver_does_not_stop_the_reaping(owner):
    first = _job(owner, beat_ago=jobs.STALE_SECONDS * 2)
    second = _job(owner, beat_ago=jobs.STALE_SECONDS * 2)

    def broken(sender, **kwargs):
        raise RuntimeError("boom")

    job_abandoned.connect(broken)
    try:
        reaped = job_reap_abandoned()
    finally:
        job_abandoned.disconnect(broken)
    assert {j.pk for j in reaped} == {first.pk, second.pk}
    assert set(Job.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"failed"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the heartbeat thread writes through its own connection, which SQLite's in-memory test database locks",
)
def test_in_a_worker_a_running_job_keeps_its_heartbeat_until_it_finishes(owner, monkeypatch):
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setitem(jobs._heartbeats, "on", True)
    job = job_create(owner=owner, kind="test.kind", title="t")
    started = timezone.now()
    job = job_get(str(job.pk))
    beating = next(t for t in threading.enumerate() if t.name == f"job-{job.pk}")
    first = Job.objects.get(pk=job.pk)
    assert first.status == "running" and first.heartbeat_at >= started
    deadline = time.monotonic() + 5
    while Job.objects.get(pk=job.pk).heartbeat_at == first.heartbeat_at and time.monotonic() < deadline:
        time.sleep(0.02)
    assert Job.objects.get(pk=job.pk).heartbeat_at > first.heartbeat_at  # renewed while it runs
    assert job_reap_abandoned(now=timezone.now()) == []
    job_finish(job, message="ok")
    beating.join(5)
    assert not beating.is_alive()  # the heartbeat stops with the job
    last = Job.objects.get(pk=job.pk).heartbeat_at
    assert job_reap_abandoned(now=timezone.now() + timedelta(hours=1)) == []  # a finished job is never reaped
    assert Job.objects.get(pk=job.pk).heartbeat_at == last


def test_outside_a_worker_no_heartbeat_is_kept(owner):
    job = job_create(owner=owner, kind="test.kind", title="t")
    job_get(str(job.pk))
    assert Job.objects.get(pk=job.pk).heartbeat_at is None
    assert not any(t.name == f"job-{job.pk}" for t in threading.enumerate())
