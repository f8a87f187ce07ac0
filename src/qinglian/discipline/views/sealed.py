"""The sealed compartment's pages: asking to read a reporter's identity, the requests (mine, awaiting my approval,
all on the clues I may open), one request with the second person's decision, the identity itself for the one who
asked; and retention: what is due for deletion, the confirmation that says what the deletion changes, its progress.

Everyone outside discipline inspection gets 404, and so does anyone who may not open the clue a request is about.
Pages that may show an identity are never stored by the browser (Cache-Control: no-store).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.views import permission_required
from qinglian.discipline.forms.sealed import RevealAskForm, RevealDecideForm
from qinglian.discipline.models import Clue, RevealRequest
from qinglian.discipline.permissions import LEAD, RETENTION
from qinglian.discipline.services import retention
from qinglian.discipline.services import sealed as services
from qinglian.discipline.services.access import clue_or_404, require_module
from qinglian.discipline.services.sealing import IDENTITY_FIELDS
from qinglian.discipline.vocab import RevealStatus
from qinglian.orgs import access

PER_PAGE = 20
DUE_PER_PAGE = 30
BOXES = ("mine", "to_approve", "all")


def module_required(view):
    """Logged in, and inside discipline inspection; 404 for everyone else."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        require_module(request.user)
        return view(request, *args, **kwargs)

    return wrapped


# --- identity requests ---------------------------------------------------------------------------------------------


@module_required
def reveal_request_new(request, pk: int):
    clue = clue_or_404(request.user, pk, queryset=Clue.objects.select_related("organisation", "report"))
    form = RevealAskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = services.reveal_ask(clue=clue, actor=request.user, reason=form.cleaned_data["reason"])
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Your request is sent. A second person who leads discipline inspection decides.")
            )
            return redirect("discipline:reveal_detail", pk=req.pk)
    context = {
        "clue": clue,
        "form": form,
        "anonymous": not services.has_identity(clue),
        "clue_url": services.clue_url(clue),
        "mine": RevealRequest.objects.filter(clue=clue, requested_by=request.user)[:5],
    }
    return render(request, "discipline/reveal_form.html", context, status=422 if form.errors else 200)


@module_required
def reveal_list(request):
    user = request.user
    to_approve = services.requests_to_approve(user)
    box = request.GET.get("box")
    if box not in BOXES:
        box = "to_approve" if to_approve.exists() else "mine"
    requests = {
        "mine": services.requests_visible(user).filter(requested_by=user),
        "to_approve": to_approve,
        "all": services.requests_visible(user),
    }[box]
    status = request.GET.get("status", "")
    if status in RevealStatus.values:
        requests = requests.filter(status=status)
    requests = requests.select_related("clue", "requested_by", "decided_by").order_by("-created_at", "-pk")
    context = {
        "page": Paginator(requests, PER_PAGE).get_page(request.GET.get("page")),
        "box": box,
        "status": status,
        "statuses": RevealStatus.choices,
        "waiting": to_approve.count(),
        "is_leader": access.has_permission(user, LEAD),
    }
    return render(request, "discipline/reveal_list.html", context)


@module_required
def reveal_detail(request, pk: int):
    req = services.request_or_404(request.user, pk)
    decide = RevealDecideForm() if services.may_decide(request.user, req) else None
    return _detail(request, req, decide)


def _detail(request, req, decide, status: int = 200):
    mine = req.requested_by_id == request.user.pk
    context = {
        "req": req,
        "clue_url": services.clue_url(req.clue),
        "decide": decide,
        "mine": mine,
        "window": services.viewing_window(req),
        "reads": services.reads_of(req).select_related("actor") if mine or req.decided_by_id == request.user.pk
        or services.is_leader(request.user, req.clue) else None,
    }  # fmt: skip
    return render(request, "discipline/reveal_detail.html", context, status=status)


@module_required
@require_POST
def reveal_decide(request, pk: int):
    req = services.request_or_404(request.user, pk)
    form = RevealDecideForm(request.POST)
    if form.is_valid():
        decide = (
            services.reveal_approve if form.cleaned_data["decision"] == RevealDecideForm.APPROVE
            else services.reveal_refuse
        )  # fmt: skip
        try:
            req = decide(req=req, actor=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            if not services.may_decide(request.user, req):  # decided meanwhile, or never theirs to decide
                messages.error(request, " ".join(exc.messages))
                return redirect("discipline:reveal_detail", pk=req.pk)
            add_service_errors(form, exc)
        else:
            if req.status == RevealStatus.APPROVED:
                messages.success(
                    request,
                    _("Approved. Only the one who asked may read the identity, until {time}.").format(
                        time=timezone.localtime(req.valid_until).strftime("%Y-%m-%d %H:%M")
                    ),
                )
            else:
                messages.success(request, _("Refused. The one who asked is told, with your note."))
            return redirect("discipline:reveal_detail", pk=req.pk)
    if not services.may_decide(request.user, req):
        messages.error(request, _("You cannot decide on this request."))
        return redirect("discipline:reveal_detail", pk=req.pk)
    return _detail(request, req, form, status=422)


@never_cache
@module_required
def reveal_identity(request, pk: int):
    """GET: what viewing means (nothing shown); POST: the identity, read and audited."""
    req = services.request_or_404(request.user, pk)
    identity = None
    if request.method == "POST":
        try:
            identity = services.reveal_open(req=req, actor=request.user)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("discipline:reveal_detail", pk=req.pk)
    elif req.requested_by_id != request.user.pk:
        messages.error(request, _("Only the person who asked may read the identity. Approving shows nothing."))
        return redirect("discipline:reveal_detail", pk=req.pk)
    labels = dict(IDENTITY_LABELS)
    rows = [(labels[name], identity[name]) for name in IDENTITY_FIELDS if identity and identity.get(name)]
    context = {"req": req, "rows": rows, "shown": identity is not None, "window": services.viewing_window(req),
               "clue_url": services.clue_url(req.clue)}  # fmt: skip
    return render(request, "discipline/reveal_identity.html", context)


IDENTITY_LABELS = [
    ("name", pgettext_lazy("person's name", "Name")),
    ("phone", gettext_lazy("Telephone")),
    ("email", gettext_lazy("Email")),
    ("id_number", gettext_lazy("ID number")),
    ("address", gettext_lazy("Address")),
    ("unit", gettext_lazy("Work unit")),
]


# --- retention -------------------------------------------------------------------------------------------------------


def _keys(request):
    """The records picked on the list ("clue-12", "report-3"), or None for all that are due."""
    data = request.POST if request.method == "POST" else request.GET
    if data.get("all") == "1":
        return None
    return retention.parse_keys(data.getlist("item"))


@permission_required(RETENTION)
def retention_list(request):
    require_module(request.user)
    kind = request.GET.get("kind") if request.GET.get("kind") in ("clues", "reports") else "clues"
    clues, reports = retention.clues_due(request.user), retention.reports_due(request.user)
    page = Paginator(clues if kind == "clues" else reports, DUE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "kind": kind,
        "page": page,
        "rows": retention.describe_due(page.object_list),
        "counts": {"clues": clues.count(), "reports": reports.count()},
        "rule": retention.rule_for(request.user),
    }
    return render(request, "discipline/retention_list.html", context)


@permission_required(RETENTION)
def retention_confirm(request):
    require_module(request.user)
    keys = _keys(request)
    if keys == []:
        messages.error(request, _("Pick the records to delete, or choose “Delete all that are due”."))
        return redirect("discipline:retention_list")
    impact = retention.impact_of(request.user, keys)
    context = {"impact": impact, "keys": keys, "all": keys is None}
    return render(request, "discipline/retention_confirm.html", context)


@permission_required(RETENTION)
@require_POST
def retention_run(request):
    require_module(request.user)
    keys = _keys(request)
    try:
        job = retention.retention_start(actor=request.user, keys=keys, lang=get_language())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("discipline:retention_list")
    return redirect("discipline:retention_job", pk=job.pk)


@permission_required(RETENTION)
def retention_job(request, pk):
    require_module(request.user)
    job = retention.retention_job_or_none(request.user, pk)
    if job is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    if request.htmx:
        if not job.finished:
            return render(request, "discipline/partials/retention_progress.html", {"job": job})
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "discipline/retention_job.html", {"job": job, "params": job.params})


urls = [
    path("clues/<int:pk>/identity-request/", reveal_request_new, name="reveal_request_new"),
    path("identity-requests/", reveal_list, name="reveal_list"),
    path("identity-requests/<int:pk>/", reveal_detail, name="reveal_detail"),
    path("identity-requests/<int:pk>/decide/", reveal_decide, name="reveal_decide"),
    path("identity-requests/<int:pk>/identity/", reveal_identity, name="reveal_identity"),
    path("retention/", retention_list, name="retention_list"),
    path("retention/confirm/", retention_confirm, name="retention_confirm"),
    path("retention/run/", retention_run, name="retention_run"),
    path("retention/jobs/<uuid:pk>/", retention_job, name="retention_job"),
]
