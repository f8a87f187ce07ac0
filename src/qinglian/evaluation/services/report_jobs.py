"""The background task that writes a large evaluation report (see services.reports.report_job_start)."""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from qinglian.core.jobs import job_fail, job_finish, job_get, job_progress

log = logging.getLogger(__name__)


@task()
def report_job(job_id: str) -> str:
    """Write the evaluation report to a file in EXPORT_DIR."""
    from qinglian.evaluation.services.reports import report_job_write

    job = job_get(job_id)
    with override(job.params.get("lang") or None):
        try:
            job_progress(job, done=0, total=1)
            name = report_job_write(job)
        except Exception as exc:
            log.exception("evaluation report %s failed", job.pk)
            job_fail(job, message=str(exc))
            raise
        job_finish(job, message=_("The report is ready."), result_file=name, done=1)
    return name
