"""The background save of a large question import, with progress on its Job (see `core.jobs`)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from qinglian.core.jobs import job_fail, job_finish, job_progress
from qinglian.core.models import Job

log = logging.getLogger(__name__)


@task()
def bank_import_job(job_id: str) -> str:
    """Save a confirmed question import in one transaction."""
    from qinglian.study.services.bank import bank_import_fail, bank_import_run

    job = Job.objects.select_related("owner").get(pk=job_id)

    def progress(done: int, total: int) -> None:
        job_progress(job, done=done, total=total)

    with override(job.params.get("lang") or None):
        try:
            job = bank_import_run(job=job, actor=job.owner, progress=progress)
        except Exception as exc:
            log.exception("question import %s failed", job.pk)
            message = _("Nothing was saved: {error}").format(error=exc)
            bank_import_fail(job=job, message=message)
            job_fail(job, message=message)
            raise
        message = _("{created} questions added, {updated} updated.").format(
            created=job.params.get("created", 0), updated=job.params.get("updated", 0)
        )
        job_finish(job, message=message, done=job.params.get("total", 0))
    return job.params.get("state", "")
