"""Background tasks of the register: checking and saving roster imports, exporting member lists.

Each task takes the id of a core Job (see `core.jobs`), whose params say what to work on and in
which language to write the messages; progress goes to the Job, which the waiting page polls.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from qinglian.core.jobs import job_fail, job_finish, job_get, job_reporter
from qinglian.orgs.models import Organisation, RosterImport
from qinglian.orgs.services.exports import member_export
from qinglian.orgs.services.imports import roster_check, roster_fail, roster_import

log = logging.getLogger(__name__)


@task()
def roster_check_job(job_id: str) -> str:
    """Check every row of an uploaded roster; the import ends `ready` or `invalid`."""
    job = job_get(job_id)
    upload = RosterImport.objects.select_related("organisation", "owner").get(pk=job.params["import"])
    with override(job.params.get("lang") or None):
        try:
            roster_check(upload=upload, progress=job_reporter(job))
        except Exception as exc:
            log.exception("roster check %s failed", upload.pk)
            roster_fail(upload=upload, message=_("The check broke off: {error}").format(error=exc))
            job_fail(job, message=str(exc))
            raise
        if upload.status == RosterImport.Status.READY:
            message = _("{n} rows checked: no errors.").format(n=upload.total_rows)
        else:
            message = _("{n} errors found.").format(n=upload.error_count)
        job_finish(job, message=message, done=upload.total_rows)
    return upload.status


@task()
def roster_import_job(job_id: str) -> str:
    """Save a confirmed roster import in one transaction."""
    job = job_get(job_id)
    upload = RosterImport.objects.select_related("organisation", "owner").get(pk=job.params["import"])
    with override(job.params.get("lang") or None):
        try:
            roster_import(upload=upload, actor=job.owner, progress=job_reporter(job))
        except Exception as exc:
            log.exception("roster import %s failed", upload.pk)
            message = _("Nothing was saved: {error}").format(error=exc)
            roster_fail(upload=upload, message=message)
            job_fail(job, message=message)
            raise
        if upload.status == RosterImport.Status.DONE:
            message = _("{created} members added, {updated} updated.").format(
                created=upload.created_count, updated=upload.updated_count
            )
        else:
            message = _("Nothing was saved: the register changed since the check.")
        job_finish(job, message=message, done=upload.created_count + upload.updated_count)
    return upload.status


@task()
def member_export_job(job_id: str) -> str:
    """Write a filtered member list to an .xlsx file in EXPORT_DIR."""
    job = job_get(job_id)
    with override(job.params.get("lang") or None):
        try:
            root = Organisation.objects.get(pk=job.params["root"])
            settings.EXPORT_DIR.mkdir(parents=True, exist_ok=True)
            name = f"members-{timezone.now():%Y%m%d-%H%M%S}-{str(job.pk)[:8]}.xlsx"
            with open(settings.EXPORT_DIR / name, "wb") as out:
                written = member_export(
                    user=job.owner, root=root, params=job.params.get("filters", {}), out=out, progress=job_reporter(job)
                )
            job_finish(job, message=_("{n} members exported.").format(n=written), result_file=name, done=written)
        except Exception as exc:
            log.exception("member export %s failed", job.pk)
            job_fail(job, message=str(exc))
            raise
    return name


def roster_abandoned(sender, *, job, message, **kwargs) -> None:
    """A worker died checking or saving a roster (core.jobs.job_abandoned): the import is failed with the job's
    message, so that its page stops waiting. The save is one transaction, so the register is as it was."""
    if job.kind not in ("roster.check", "roster.import"):
        return
    upload = RosterImport.objects.filter(
        job=job, status__in=(RosterImport.Status.CHECKING, RosterImport.Status.IMPORTING)
    )
    for each in upload:
        roster_fail(upload=each, message=message)
