"""Background tasks of discipline: deleting records whose retention has ended, and large statistics exports.

Each task takes the id of a core Job (see `core.jobs`), whose params say what to work on and in which language to
write the messages; progress goes to the Job, which the waiting page polls.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from qinglian.core.jobs import job_fail, job_finish, job_get, job_progress, job_reporter

log = logging.getLogger(__name__)


@task()
def retention_job(job_id: str) -> int:
    """Delete the due records a retention job lists, one by one; returns how many were deleted."""
    # The services queue this task: they are imported when it runs, not when the module loads.
    from qinglian.discipline.services.retention import retention_run

    job = job_get(job_id)
    with override(job.params.get("lang") or None):
        try:
            deleted, refused = retention_run(job=job, progress=job_reporter(job))
        except Exception as exc:
            log.exception("retention job %s failed", job.pk)
            job_fail(job, message=_("The deletion broke off: {error}").format(error=exc))
            raise
        message = _("{deleted} records deleted, {refused} not deleted.").format(deleted=deleted, refused=refused)
        job_finish(job, message=message, done=deleted + refused)
    return deleted


@task()
def stats_export_job(job_id: str) -> str:
    """Write the four-forms statistics to a file in EXPORT_DIR."""
    from qinglian.discipline.services.stats import filters_from_params, statistics
    from qinglian.discipline.services.stats_export import stats_job_write

    job = job_get(job_id)
    with override(job.params.get("lang") or None):
        try:
            job_progress(job, done=0, total=2)
            stats = statistics(job.owner, filters_from_params(job.params["filters"]))
            job_progress(job, done=1, total=2)
            name = stats_job_write(job, stats)
        except Exception as exc:
            log.exception("statistics export %s failed", job.pk)
            job_fail(job, message=str(exc))
            raise
        job_finish(job, message=_("{n} person-times counted.").format(n=stats.total.total), result_file=name, done=2)
    return name
