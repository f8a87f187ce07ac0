"""Intake's entries in the core registry: the reports inbox in the menu, and the to-dos and reminders of the
reporting rules' deadlines — acknowledging receipt and giving feedback — for the unit's intake (or, once a report is
a clue, for the clue's handlers).

To-dos and notices say only that a report received on a day waits for an answer: the home page and the inbox are
outside the sealed compartment, so no content, no person and no category appear there.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from qinglian.core.notify import notification_send
from qinglian.core.registry import TodoItem, registry
from qinglian.discipline.models import Clue, ClueHandler, Report
from qinglian.discipline.permissions import INTAKE
from qinglian.discipline.services import intake
from qinglian.discipline.services.access import in_module
from qinglian.orgs.access import nearest_holders, nearest_q

TODO_MAX = 20


def _week(today: date) -> str:
    return "{}-W{:02d}".format(*today.isocalendar()[:2])


def _url(report: Report) -> str:
    return reverse("discipline:report_detail", args=[report.pk])


def _ack_q(until: date) -> Q:
    return Q(status=intake.ReportStatus.NEW, acknowledged_at__isnull=True, ack_due__lte=until)


def _feedback_q(until: date, statuses) -> Q:
    return Q(status__in=statuses, feedback_at__isnull=True, feedback_due__lte=until)


def intake_todos(user) -> list[TodoItem]:
    """For the unit's nearest intake: every report still to be acknowledged, and feedback falling due within two
    days or overdue on reports not registered yet."""
    if not in_module(user):
        return []
    today = timezone.localdate()
    soon = today + timedelta(days=intake.SOON_DAYS)
    reports = (
        Report.objects.filter(nearest_q(user, INTAKE, model=Report))
        .filter(_ack_q(date.max) | _feedback_q(soon, intake.WAITING))
        .order_by("ack_due", "pk")[:TODO_MAX]
    )
    found = []
    for report in reports:
        day = f"{report.received_at:%Y-%m-%d}"
        if report.status == intake.ReportStatus.NEW:
            title = _("Acknowledge receipt of the report received on {day}").format(day=day)
            due = report.ack_due
        else:
            title = _("Give feedback on the report received on {day}").format(day=day)
            due = report.feedback_due
        found.append(TodoItem(title=title, url=_url(report), due=due, kind=_("Reports inbox"), overdue=due < today))
    return sorted(found, key=lambda t: t.due)


def clue_feedback_todos(user) -> list[TodoItem]:
    """For a clue's handlers: feedback to its portal reporter falling due within two days, or overdue."""
    if not in_module(user):
        return []
    today = timezone.localdate()
    soon = today + timedelta(days=intake.SOON_DAYS)
    clues = (
        Clue.objects.filter(handlers__user=user, report__isnull=False)
        .filter(report__status__in=intake.ON_A_CLUE, report__feedback_at__isnull=True, report__feedback_due__lte=soon)
        .select_related("report")
        .order_by("report__feedback_due", "pk")[:TODO_MAX]
    )
    return [
        TodoItem(
            title=_("Give feedback to the reporter of clue {number}").format(number=clue.number),
            url=reverse("discipline:clue_detail", args=[clue.pk]) + "?tab=thread",
            due=clue.report.feedback_due,
            kind=_("Reports inbox"),
            overdue=clue.report.feedback_due < today,
        )
        for clue in clues
    ]


def _send(users, *, title: str, body: str, url: str, key: str) -> int:
    return len(
        notification_send(users=users, title=title, body=body, url=url, kind="discipline.report_due", dedupe_key=key)
    )


def _stage(day: date, today: date) -> str:
    """Once when it falls due soon; once a week once it is overdue."""
    return f"overdue:{_week(today)}" if day < today else "soon"


def report_reminders(today: date) -> int:
    """Acknowledgement and feedback falling due within two days or overdue: to the unit's nearest intake for a
    report not registered yet, to the clue's handlers for a registered one."""
    soon = today + timedelta(days=intake.SOON_DAYS)
    sent = 0
    ack = Report.objects.filter(_ack_q(soon)).select_related("organisation")
    feedback = Report.objects.filter(_feedback_q(soon, (*intake.WAITING, *intake.ON_A_CLUE))).select_related(
        "organisation"
    )
    holders: dict[int, list] = {}

    def intake_people(report):
        if report.organisation_id not in holders:
            holders[report.organisation_id] = list(nearest_holders(report.organisation, action=INTAKE, on=today))
        return holders[report.organisation_id]

    # Notifications are stored as written: write them in the site's language.
    with override(settings.LANGUAGE_CODE):
        for report in ack:
            day = f"{report.received_at:%Y-%m-%d}"
            sent += _send(
                intake_people(report),
                title=_("Acknowledge the report received on {day} by {due}").format(
                    day=day, due=report.ack_due.isoformat()
                ),
                body=_("The reporting rules ask that receipt be acknowledged by then."),
                url=_url(report),
                key=f"discipline.report_ack:{report.pk}:{_stage(report.ack_due, today)}",
            )
        for report in feedback:
            day = f"{report.received_at:%Y-%m-%d}"
            clue = Clue.objects.filter(report=report).first() if report.status in intake.ON_A_CLUE else None
            if clue is not None:
                users = [row.user for row in ClueHandler.objects.filter(clue=clue).select_related("user")]
                title = _("Give feedback to the reporter of clue {number} by {due}").format(
                    number=clue.number, due=report.feedback_due.isoformat()
                )
                url = reverse("discipline:clue_detail", args=[clue.pk]) + "?tab=thread"
            else:
                users = intake_people(report)
                title = _("Give feedback on the report received on {day} by {due}").format(
                    day=day, due=report.feedback_due.isoformat()
                )
                url = _url(report)
            sent += _send(
                [u for u in users if u.is_active],
                title=title,
                body=_("The reporting rules ask that the reporter be told what was done by then."),
                url=url,
                key=f"discipline.report_feedback:{report.pk}:{_stage(report.feedback_due, today)}",
            )
    return sent


def register(nav) -> None:
    nav("discipline_reports", gettext_lazy("Reports inbox"), "discipline:report_list", "inbox", INTAKE, 90)
    registry.add_todos(intake_todos)
    registry.add_todos(clue_feedback_todos)
    registry.add_reminders(report_reminders)
