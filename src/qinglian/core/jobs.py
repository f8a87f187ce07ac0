"""Long work with progress: a Job row the worker updates and the waiting person's page polls.

A job run by `qinglian worker` carries a heartbeat: while its task runs, a thread of the process running it renews
`Job.heartbeat_at` every HEARTBEAT_SECONDS. A worker killed in the middle of a job (SIGKILL, a lost host, the
out-of-memory killer) leaves the job "running" with a heartbeat that no longer moves; every worker, when it starts
and between batches, marks such jobs failed with a message the owner reads on the job's page (`job_reap_abandoned`),
and sends `job_abandoned` so that the module whose record the job was working on can mark it too. The tasks that
write do so in one transaction, so a job that died wrote nothing.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.models import Job

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
# A heartbeat older than this means the process running the job is gone: several missed beats, so that a busy
# machine is not mistaken for a dead one.
STALE_SECONDS = 30.0

# Sent with `job` (marked failed) and `message` for each job a dead worker left behind.
job_abandoned = Signal()

_heartbeats = {"on": False}


def job_heartbeats_on() -> None:
    """Called by the worker command: tasks it runs from now on keep their job's heartbeat."""
    _heartbeats["on"] = True


ACTIVE = (Job.Status.QUEUED, Job.Status.RUNNING)


def _beat(job_id, stop: threading.Event) -> None:
    try:
        while True:
            alive = Job.objects.filter(pk=job_id, status__in=ACTIVE).update(heartbeat_at=timezone.now())
            if not alive or stop.wait(HEARTBEAT_SECONDS):
                return
    except Exception:  # a heartbeat that cannot be written lets the job be reaped later; the job itself goes on
        log.exception("heartbeat of job %s stopped", job_id)
    finally:
        connection.close()


def job_get(job_id: str) -> Job:
    """The job a task was queued with (and its owner, whom most tasks act for); in a worker, it is marked
    running and its heartbeat starts, until the job is finished or failed."""
    job = Job.objects.select_related("owner").get(pk=job_id)
    if _heartbeats["on"] and job.status in ACTIVE:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING, heartbeat_at=timezone.now())
        threading.Thread(target=_beat, args=(job.pk, threading.Event()), daemon=True, name=f"job-{job.pk}").start()
    return job


def abandoned_message() -> str:
    return _("The worker stopped while running this job; nothing was saved. Run it again.")


def job_reap_abandoned(now: datetime | None = None) -> list[Job]:
    """Mark failed every unfinished job whose heartbeat stopped more than STALE_SECONDS ago; returns them.

    Safe with several workers: each job is claimed by one conditional update.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=STALE_SECONDS)
    reaped = []
    for job in Job.objects.filter(status__in=ACTIVE, heartbeat_at__lt=cutoff).select_related("owner"):
        with override(job.params.get("lang") or None):
            message = abandoned_message()
        claimed = Job.objects.filter(pk=job.pk, status__in=ACTIVE, heartbeat_at__lt=cutoff).update(
            status=Job.Status.FAILED, message=message, finished_at=now
        )
        if not claimed:
            continue
        job.status, job.message, job.finished_at = Job.Status.FAILED, message, now
        log.warning("job %s (%s) was abandoned by a worker that stopped; marked failed", job.pk, job.kind)
        for receiver, error in job_abandoned.send_robust(sender=Job, job=job, message=message):
            if error is not None:
                log.error("%s could not mark abandoned job %s: %r", receiver, job.pk, error)
        reaped.append(job)
    return reaped


def job_reporter(job: Job):
    """A progress(done, total) callback for services that report their progress, writing to the job."""

    def report(done: int, total: int) -> None:
        job_progress(job, done=done, total=total)

    return report


def job_create(*, owner, kind: str, title: str, params: dict | None = None) -> Job:
    return Job.objects.create(owner=owner, kind=kind, title=title, params=params or {})


def job_progress(job: Job, *, done: int, total: int | None = None, message: str = "") -> None:
    fields = {"done": done, "status": Job.Status.RUNNING}
    if total is not None:
        fields["total"] = total
    if message:
        fields["message"] = message
    Job.objects.filter(pk=job.pk).update(**fields)


def job_finish(job: Job, *, message: str = "", result_file: str = "", done: int | None = None) -> None:
    """Mark the job done; `done` is the final count (progress is only reported every few thousand)."""
    fields = {"status": Job.Status.DONE, "message": message, "result_file": result_file, "finished_at": timezone.now()}
    if done is not None:
        fields["done"] = done
    Job.objects.filter(pk=job.pk).update(**fields)


def job_fail(job: Job, *, message: str) -> None:
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, message=message, finished_at=timezone.now())


def job_enqueue(task, job: Job) -> Job:
    """Queue `task(job_id)` once the surrounding transaction commits."""
    transaction.on_commit(lambda: task.enqueue(str(job.pk)))
    return job
