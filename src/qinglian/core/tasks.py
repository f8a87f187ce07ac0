"""Background tasks of the core: daily reminders and the audit trail's export and check."""

from __future__ import annotations

import logging
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from qinglian.core.audit import audit_filter, audit_jsonl_lines, audit_verify
from qinglian.core.jobs import job_fail, job_finish, job_get, job_progress
from qinglian.core.models import AuditEvent, ScheduledRun
from qinglian.core.registry import registry

log = logging.getLogger(__name__)


@task()
def daily_reminders() -> int:
    """Run every reminder function that a module registered; returns the notifications sent."""
    sent = 0
    today = timezone.localdate()
    for fn in registry.reminders:
        try:
            sent += fn(today) or 0
        except Exception:
            # One module's failure must not stop the others' reminders.
            log.exception("reminders from %s failed", fn.__module__)
    return sent


# name -> task queued once a day by the worker
SCHEDULE = {"daily_reminders": daily_reminders}


def schedule_due(today: date | None = None) -> list[str]:
    """Queue each scheduled task not yet queued today; safe with several workers."""
    today = today or timezone.localdate()
    queued = []
    for name, scheduled in SCHEDULE.items():
        with transaction.atomic():
            run, _ = ScheduledRun.objects.select_for_update().get_or_create(name=name)
            if run.last_run_on == today:
                continue
            run.last_run_on = today
            run.save(update_fields=["last_run_on"])
            transaction.on_commit(scheduled.enqueue)
            queued.append(name)
    return queued


@task()
def audit_export(job_id: str) -> str:
    """Write the audit events matching the job's filters to a JSON-lines file."""
    job = job_get(job_id)
    try:
        events = audit_filter(job.params)
        total = events.count()
        job_progress(job, done=0, total=total)
        settings.EXPORT_DIR.mkdir(parents=True, exist_ok=True)
        name = f"audit-{timezone.now():%Y%m%d-%H%M%S}-{str(job.pk)[:8]}.jsonl"
        with open(settings.EXPORT_DIR / name, "w", encoding="utf-8") as out:
            for n, line in enumerate(audit_jsonl_lines(events), start=1):
                out.write(line)
                if n % 2000 == 0:
                    job_progress(job, done=n)
        with override(job.params.get("lang")):
            job_finish(job, message=_("{n} events exported.").format(n=total), result_file=name, done=total)
        return name
    except Exception as exc:
        job_fail(job, message=str(exc))
        raise


@task()
def audit_check(job_id: str) -> bool:
    """Verify the whole chain, reporting progress as it goes."""
    job = job_get(job_id)
    total = AuditEvent.objects.count()
    job_progress(job, done=0, total=total)
    result = audit_verify(progress=lambda n: job_progress(job, done=n))
    with override(job.params.get("lang")):
        if result.ok:
            message = _("The chain is intact: {n} events checked.").format(n=result.checked)
        else:
            message = _("The chain is broken: {problem}").format(problem=result.breaks[0].problem)
        job_finish(job, message=message, done=result.checked)
    return result.ok
