from __future__ import annotations

import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core import tasks
from qinglian.core.audit import audit_filter, audit_record
from qinglian.core.forms import AuditFilterForm, RuleReviseForm
from qinglian.core.jobs import job_create, job_enqueue
from qinglian.core.middleware_db import database_unavailable, unavailable_response
from qinglian.core.models import Job, Notification, Rule
from qinglian.core.notify import notification_mark_read
from qinglian.core.registry import registry
from qinglian.core.rules import rule_revise


def permission_required(action: str):
    """Refuse (404) users who hold `action` nowhere: such pages do not exist for them."""

    def decorator(view):
        @login_required
        def wrapped(request, *args, **kwargs):
            if not registry.has_permission(request.user, action):
                raise Http404(_("This page is not available to you."))
            return view(request, *args, **kwargs)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorator


@login_required
def home(request):
    todos = []
    for source in registry.todos:
        todos.extend(source(request.user))
    todos.sort(key=lambda item: (not item.overdue, item.due is None, item.due or 0))
    notifications = Notification.objects.for_user(request.user).unread()[:5]
    member = getattr(request.user, "member", None)
    return render(request, "core/home.html", {"todos": todos, "notifications": notifications, "member": member})


@login_required
def inbox(request):
    page = Paginator(Notification.objects.for_user(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request):
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()] or None
    notification_mark_read(user=request.user, ids=ids)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "core:inbox"
    return redirect(target)


@login_required
def notification_open(request, pk: int):
    note = get_object_or_404(Notification, pk=pk, user=request.user)
    notification_mark_read(user=request.user, ids=[note.pk])
    return redirect(note.url or "core:inbox")


@permission_required("rule.view")
def rule_list(request):
    rules = Rule.objects.order_by("key", "org_path", "-version")
    return render(
        request,
        "core/rule_list.html",
        {"rules": rules, "can_change": registry.has_permission(request.user, "rule.change")},
    )


@permission_required("rule.view")
def rule_detail(request, pk: int):
    rule = get_object_or_404(Rule, pk=pk)
    versions = Rule.objects.filter(key=rule.key).order_by("org_path", "-version")
    form = None
    if registry.has_permission(request.user, "rule.change"):
        form = RuleReviseForm(request.POST or None, initial={"value": rule.value, "source": rule.source})
        if request.method == "POST" and form.is_valid():
            try:
                new = rule_revise(rule=rule, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Version {v} of the rule is saved.").format(v=new.version))
                return redirect("core:rule_detail", pk=new.pk)
    return render(request, "core/rule_detail.html", {"rule": rule, "versions": versions, "form": form})


@permission_required("audit.view")
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    events = audit_filter(form.params()) if form.is_valid() or not request.GET else audit_filter({})
    page = Paginator(events.order_by("-seq"), 50).get_page(request.GET.get("page"))
    template = "core/partials/audit_rows.html" if request.htmx else "core/audit_list.html"
    return render(request, template, {"form": form, "page": page, "querystring": request.GET.urlencode()})


@permission_required("audit.view")
@require_POST
def audit_job(request, kind: str):
    form = AuditFilterForm(request.POST)
    params = {**form.params(), "lang": get_language()}
    if kind == "export":
        job = job_create(owner=request.user, kind="audit.export", title=_("Audit trail export"), params=params)
        job_enqueue(tasks.audit_export, job)
    elif kind == "verify":
        job = job_create(owner=request.user, kind="audit.verify", title=_("Audit chain check"), params=params)
        job_enqueue(tasks.audit_check, job)
    else:
        raise Http404
    audit_record(actor=request.user, action=f"audit.{kind}_requested", obj=job, changes=form.params())
    return redirect("core:job_detail", pk=job.pk)


@login_required
def job_detail(request, pk):
    job = get_object_or_404(Job, pk=pk, owner=request.user)
    template = "core/partials/job_progress.html" if request.htmx else "core/job_detail.html"
    return render(request, template, {"job": job})


@login_required
def job_download(request, pk):
    job = get_object_or_404(Job, pk=pk, owner=request.user, status=Job.Status.DONE)
    if not job.result_file:
        raise Http404
    path = (settings.EXPORT_DIR / job.result_file).resolve()
    if path.parent != settings.EXPORT_DIR.resolve() or not path.exists():
        raise Http404
    audit_record(actor=request.user, action="export.download", obj=job)
    return FileResponse(open(path, "rb"), as_attachment=True, filename=job.result_file)


def csrf_failure(request, reason=""):
    return render(
        request,
        "core/error.html",
        {
            "status": 403,
            "title": _("The form has expired"),
            "message": _(
                "The page was open too long or was opened in another window. Go back, reload the page "
                "and submit again; what you typed may still be in the form."
            ),
        },
        status=403,
    )


def page_not_found(request, exception=None):
    return render(
        request,
        "core/error.html",
        {
            "status": 404,
            "title": _("Not found"),
            "message": _("No such page, or it is not within your organisations."),
        },
        status=404,
    )


def server_error(request):
    if database_unavailable(sys.exc_info()[1]):  # raised before the view (session, user, scope): a 503 too
        return unavailable_response(request, sys.exc_info()[1])
    return render(
        request,
        "core/error.html",
        {
            "status": 500,
            "title": _("Something went wrong"),
            "message": _("The error has been logged. Try again in a moment; nothing you saved is lost."),
        },
        status=500,
    )


def permission_denied(request, exception=None):
    return render(
        request,
        "core/error.html",
        {
            "status": 403,
            "title": _("Not allowed"),
            "message": _("Your roles do not allow this."),
        },
        status=403,
    )
