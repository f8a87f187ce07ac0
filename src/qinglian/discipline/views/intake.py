"""The reports inbox (discipline.intake): portal reports waiting to be registered, with their acknowledgement and
feedback deadlines; a report's page with its text, attachments and thread, and the answers intake gives —
acknowledge, reply, not accept, feedback — and the way on to register it as a clue.

A registered report is answered from its clue's page: its own page leads there.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from qinglian.core.audit import audit_sealed_read
from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.discipline.forms.intake import AcknowledgeForm, FeedbackForm, NotAcceptForm, ReplyForm
from qinglian.discipline.permissions import INTAKE
from qinglian.discipline.services import intake as services
from qinglian.discipline.services.access import require_module
from qinglian.discipline.vocab import ReportStatus
from qinglian.orgs import access
from qinglian.orgs.services import Conflict

PAGE_SIZE = 30
VIEWS = {"waiting": services.WAITING, "not_accepted": (ReportStatus.NOT_ACCEPTED,)}


def _require_intake(user) -> None:
    require_module(user)
    if not access.has_permission(user, INTAKE):
        raise Http404(_("This page is not available to you."))


@login_required
def report_list(request):
    """Reports waiting for intake (new or acknowledged), oldest deadline first; or those not accepted."""
    _require_intake(request.user)
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "waiting"
    reports = services.inbox(request.user).filter(status__in=VIEWS[view]).select_related("organisation")
    order = ("ack_due", "received_at", "pk") if view == "waiting" else ("-received_at", "-pk")
    page = id_page(reports.order_by(*order), per_page=PAGE_SIZE, number=request.GET.get("page"))
    today = timezone.localdate()
    unread = services.unread_counts([r.pk for r in page.object_list])
    rows = [
        {
            "report": r,
            "ack_overdue": services.ack_overdue(r, today),
            "ack_soon": r.acknowledged_at is None and services.due_soon(r.ack_due, today),
            "feedback_overdue": services.feedback_overdue(r, today),
            "feedback_soon": services.feedback_owed(r) and services.due_soon(r.feedback_due, today),
            "unread": unread.get(r.pk, 0),
        }
        for r in page.object_list
    ]
    counts = {key: services.inbox(request.user).filter(status__in=statuses).count() for key, statuses in VIEWS.items()}
    context = {"page": page, "rows": rows, "view": view, "counts": counts, "today": today}
    return render(request, "discipline/report_list.html", context)


ACK_TEXT = gettext_lazy(
    "Your report has been received. It will be dealt with according to the rules; answers will appear here."
)


def _forms(report, failed=None, failed_name: str = "") -> dict:
    forms = {
        "acknowledge": AcknowledgeForm(initial={"version": report.version, "body": ACK_TEXT}),
        "reply": ReplyForm(),
        "not_accept": NotAcceptForm(initial={"version": report.version}),
        "feedback": FeedbackForm(initial={"version": report.version}),
    }
    if failed is not None:
        forms[failed_name] = failed
    return forms


def _detail(request, report, *, status: int = 200, failed=None, failed_name: str = ""):
    today = timezone.localdate()
    waiting, owed = report.status in services.WAITING, services.feedback_owed(report) and not report.feedback_at
    shown = {"acknowledge": report.status == ReportStatus.NEW, "reply": True, "not_accept": waiting, "feedback": owed}
    context = {
        # A refusal whose form the page no longer shows (the report moved on meanwhile) is said above the page.
        "refused": failed.non_field_errors() if failed is not None and not shown.get(failed_name) else [],
        "report": report,
        "thread": services.thread(report),
        "attachments": report.attachments.filter(message__isnull=True),
        "forms": _forms(report, failed, failed_name),
        "failed": failed_name,
        "waiting": waiting,
        "ack_overdue": services.ack_overdue(report, today),
        "feedback_overdue": services.feedback_overdue(report, today),
        "feedback_owed": services.feedback_owed(report),
        "today": today,
    }
    return render(request, "discipline/report_detail.html", context, status=status)


def _report(request, pk: int):
    """The report, or — once it is a clue — a redirect to the clue's thread."""
    require_module(request.user)
    report = services.report_or_404(request.user, pk)
    if report.status in services.ON_A_CLUE:
        clue = services.clue_of(report)
        return report, redirect(reverse("discipline:clue_detail", args=[clue.pk]) + "?tab=thread")
    return report, None


@login_required
def report_detail(request, pk: int):
    report, elsewhere = _report(request, pk)
    if elsewhere is not None:
        return elsewhere
    audit_sealed_read(actor=request.user, obj=report, reason="intake: opened the report")
    services.mark_read(report)
    return _detail(request, report)


@login_required
def report_attachment(request, pk: int):
    """A reporter's file, as an attachment under its checked name, to those who may read the report."""
    require_module(request.user)
    row = services.attachment_or_404(request.user, pk)
    audit_sealed_read(actor=request.user, obj=row.report, reason=f"intake: downloaded attachment {row.pk}")
    try:
        handle = row.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404(_("The file is no longer stored.")) from None
    response = FileResponse(handle, as_attachment=True, filename=row.name, content_type=row.content_type)
    response["Cache-Control"] = "no-store"
    return response


def _act(request, pk: int, name: str, form_class, call, done: str):
    report, elsewhere = _report(request, pk)
    if elsewhere is not None:
        return elsewhere
    form = form_class(request.POST)
    status = 422
    if form.is_valid():
        try:
            call(report, form.cleaned_data)
        except Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("discipline:report_detail", pk=report.pk)
    report.refresh_from_db()
    return _detail(request, report, status=status, failed=form, failed_name=name)


@login_required
@require_POST
def report_acknowledge(request, pk: int):
    def call(report, data):
        services.report_acknowledge(report=report, actor=request.user, body=data["body"], version=data["version"])

    done = _("Receipt is acknowledged; the reporter reads it with their receipt code.")
    return _act(request, pk, "acknowledge", AcknowledgeForm, call, done)


@login_required
@require_POST
def report_reply(request, pk: int):
    def call(report, data):
        services.report_reply(report=report, actor=request.user, body=data["body"])

    return _act(request, pk, "reply", ReplyForm, call, _("The message is sent to the reporter."))


@login_required
@require_POST
def report_not_accept(request, pk: int):
    def call(report, data):
        services.report_not_accept(
            report=report, actor=request.user, reason=data["reason"], message=data["message"], version=data["version"]
        )

    return _act(request, pk, "not_accept", NotAcceptForm, call, _("The report is not accepted; the reporter is told."))


@login_required
@require_POST
def report_feedback(request, pk: int):
    def call(report, data):
        services.report_feedback(report=report, actor=request.user, body=data["body"], version=data["version"])

    return _act(request, pk, "feedback", FeedbackForm, call, _("Feedback is given to the reporter."))


urls = [
    path("reports/", report_list, name="report_list"),
    path("reports/<int:pk>/", report_detail, name="report_detail"),
    path("reports/<int:pk>/acknowledge/", report_acknowledge, name="report_acknowledge"),
    path("reports/<int:pk>/reply/", report_reply, name="report_reply"),
    path("reports/<int:pk>/not-accept/", report_not_accept, name="report_not_accept"),
    path("reports/<int:pk>/feedback/", report_feedback, name="report_feedback"),
    path("reports/attachments/<int:pk>/", report_attachment, name="report_attachment"),
]
