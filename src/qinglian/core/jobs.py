"""Long work with progress: a Job row the worker updates and the waiting person's page polls."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from qinglian.core.models import Job


def job_get(job_id: str) -> Job:
    """The job a task was queued with (and its owner, whom most tasks act for)."""
    return Job.objects.select_related("owner").get(pk=job_id)


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
