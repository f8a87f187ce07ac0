"""Background tasks of risks: the conflict-of-interest check and large supplier imports.

Each task takes the id of a core Job (see `core.jobs`), whose params say what to work on and in which language to
write the messages; progress goes to the Job, which the waiting page polls.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from qinglian.core.jobs import job_fail, job_finish, job_get, job_reporter

log = logging.getLogger(__name__)


@task()
def conflict_check_job(job_id: str) -> int:
    """Run one conflict-of-interest check; returns the number of possible conflicts found."""
    # The services queue this task: they are imported when it runs, not when the module loads.
    from qinglian.risks.models import ConflictCheck
    from qinglian.risks.services.conflicts import check_execute

    job = job_get(job_id)
    with override(job.params.get("lang") or None):
        try:
            check = ConflictCheck.objects.select_related("organisation").get(pk=job.params["check"])
            check = check_execute(check=check, progress=job_reporter(job))
        except Exception as exc:
            log.exception("conflict check %s failed", job.pk)
            job_fail(job, message=_("The check broke off: {error}").format(error=exc))
            raise
        message = _("{declarations} declarations checked against {suppliers} suppliers: {matches} possible "
                    "conflicts to look at.").format(
            declarations=check.declarations, suppliers=check.suppliers, matches=check.matches
        )  # fmt: skip
        job_finish(job, message=message, done=check.declarations)
    return check.matches


@task()
def supplier_import_job(job_id: str) -> str:
    """Save a confirmed large supplier import in one transaction."""
    from qinglian.risks.services.conflicts import supplier_import_fail, supplier_import_run

    job = job_get(job_id)
    with override(job.params.get("lang") or None):
        try:
            job = supplier_import_run(job=job, actor=job.owner, progress=job_reporter(job))
        except Exception as exc:
            log.exception("supplier import %s failed", job.pk)
            message = _("Nothing was saved: {error}").format(error=exc)
            supplier_import_fail(job=job, message=message)
            job_fail(job, message=message)
            raise
        message = _("{created} suppliers added, {updated} updated.").format(
            created=job.params.get("created", 0), updated=job.params.get("updated", 0)
        )
        job_finish(job, message=message, done=job.params.get("total", 0))
    return job.params.get("state", "")
