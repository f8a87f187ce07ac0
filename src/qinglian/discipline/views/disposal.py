"""Disposal's pages: a clue's disposal (its forms, talks and letters, and what may be done next), a new approval form
of a kind, a form with its opinion chain and the opinion due, withdrawal, the Word 呈批表, talks and letters and their
replies, and the lists "awaiting my opinion", "talks and letters" and "shelved clues for review".

Only discipline roles reach any of them (404 for everyone else); a clue's pages open only to those who may open the
clue (its handlers and leaders), with the same 404 otherwise. Every page that shows a clue is a sealed read.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.discipline.forms.disposal import FormCreateForm, InquiryForm, OpinionForm, ReplyForm, WithdrawForm
from qinglian.discipline.models import Clue
from qinglian.discipline.services import disposal as services
from qinglian.discipline.services.access import clue_or_404, require_module
from qinglian.discipline.services.forms_docx import form_export as docx_export
from qinglian.discipline.services.forms_docx import form_filename
from qinglian.discipline.vocab import FormKind, FormStatus, InquiryMode
from qinglian.orgs.services import Conflict
from qinglian.reports import docx

PAGE_SIZE = 30
INQUIRY_FILTERS = ("overdue", "awaiting", "all")


def _clue(request, pk) -> Clue:
    require_module(request.user)
    return clue_or_404(request.user, pk, queryset=Clue.objects.select_related("organisation", "subject_unit"))


def clue_url(clue: Clue) -> str:
    """The clue's own page (the clues area's), or its disposal page where that page does not exist."""
    try:
        return reverse("discipline:clue_detail", args=[clue.pk])
    except NoReverseMatch:
        return reverse("discipline:disposal_clue", args=[clue.pk])


def _context_tabs(active: str) -> dict:
    """The three lists of disposal, as tabs above each of them."""
    tabs = [
        ("awaiting", _("Awaiting my opinion"), "discipline:disposal_awaiting"),
        ("inquiries", _("Talks and letters"), "discipline:disposal_inquiries"),
        ("shelved", _("Shelved clues for review"), "discipline:disposal_shelved"),
    ]
    return {"tabs": [{"key": k, "label": label, "url": reverse(name)} for k, label, name in tabs], "active_tab": active}


# --- the clue's disposal ------------------------------------------------------------------------------------


def panel_context(clue: Clue, user) -> dict:
    forms = list(clue.forms.filter(kind__in=services.KINDS).select_related("created_by").order_by("-created_at", "-pk"))
    today = timezone.localdate()
    inquiries = list(clue.inquiries.order_by("-held_on", "-pk"))
    for inquiry in inquiries:
        inquiry.state = services.inquiry_state(inquiry, today)
    for form in forms:
        form.proposal = services.proposal_label(form)
    pending = next((f for f in forms if f.status == FormStatus.PENDING), None)
    if pending is not None:
        pending.due = services.due_level(pending)
    kinds = [(kind, FormKind(kind).label) for kind in services.kinds_open(clue)]
    refusals = [
        services.start_refusal(clue, kind)
        for kind in services.KINDS
        if clue.status in services.KIND_STATUSES[kind] and kind not in dict(kinds)
    ]
    return {
        "clue": clue,
        "forms": forms,
        "pending": pending,
        "inquiries": inquiries,
        "kinds": kinds,
        "refusal": next((r for r in refusals if r), ""),
        "may_inquire": clue.status == "talk_inquiry",
        "user": user,
    }


def clue_panel(request, clue: Clue):
    """The disposal panel of a clue's page (services.clues.CLUE_PANELS): (title, html)."""
    html = render_to_string("discipline/partials/clue_disposal.html", panel_context(clue, request.user), request)
    return _("Disposal"), html


@login_required
def disposal_clue(request, pk: int):
    """The clue's disposal on its own page: what it is, its forms, its talks and letters, what may come next."""
    clue = _clue(request, pk)
    services.clue_view_record(clue=clue, actor=request.user)
    context = panel_context(clue, request.user) | {"clue_url": clue_url(clue)}
    return render(request, "discipline/disposal_clue.html", context)


# --- a new form ---------------------------------------------------------------------------------------------


def _kind(request, clue: Clue) -> str:
    kind = request.POST.get("kind") or request.GET.get("kind") or ""
    if kind in services.KINDS:
        return kind
    open_kinds = services.kinds_open(clue)
    if open_kinds:
        return open_kinds[0]
    statuses = [k for k in services.KINDS if clue.status in services.KIND_STATUSES[k]]
    return statuses[0] if statuses else FormKind.DISPOSAL


def _saved(form, call, *, rename=None):
    """Call a service with a bound form's data: (its result, 200), or (None, 409 or 422) with the refusal put on
    the form; a user the service refuses gets 404."""
    if not form.is_valid():
        return None, 422
    try:
        return call(form.cleaned_data), 200
    except Conflict as exc:
        form.add_error(None, exc.message)
        return None, 409
    except PermissionDenied as exc:
        raise Http404 from exc
    except ValidationError as exc:
        add_service_errors(form, exc, rename=rename)
        return None, 422


@login_required
def form_create(request, pk: int):
    """A new approval form of a kind on the clue, with the fields that kind needs; refused forms say why."""
    clue = _clue(request, pk)
    kind = _kind(request, clue)
    refusal = services.start_refusal(clue, kind)
    form = FormCreateForm(request.POST or None, kind=kind, clue=clue, initial={"version": clue.version})
    status = 200
    if request.method == "POST":
        made, status = _saved(
            form,
            lambda d: services.form_submit(
                clue=clue, kind=kind, actor=request.user, version=d["version"], **form.service_kwargs()
            ),
            rename={"measure": "proposal"} if "proposal" in form.fields else None,
        )
        if made is not None:
            messages.success(request, _("The form is submitted: it now awaits the opinion of each level."))
            return redirect("discipline:form_detail", pk=made.pk)
    else:
        services.clue_view_record(clue=clue, actor=request.user)
    siblings = [(k, FormKind(k).label) for k in services.KINDS if clue.status in services.KIND_STATUSES[k]]
    context = {
        "clue": clue,
        "clue_url": clue_url(clue),
        "kind": kind,
        "kind_label": FormKind(kind).label,
        "kinds": siblings,
        "form": form,
        "refusal": refusal if request.method == "GET" else "",
        "levels": services.levels_of(clue),
    }
    return render(request, "discipline/form_create.html", context, status=status)


# --- a form -------------------------------------------------------------------------------------------------


def _form(request, pk):
    require_module(request.user)
    return services.form_or_404(request.user, pk)


def _detail(request, form, *, status: int = 200, opinion_form=None, withdraw_form=None):
    levels = services.form_levels(form)
    refusal = services.opinion_refusal(request.user, form, levels) if form.status == FormStatus.PENDING else ""
    may_opine = form.status == FormStatus.PENDING and not refusal
    may_withdraw = form.status == FormStatus.PENDING and form.created_by_id == request.user.pk
    due = services.due_level(form, levels)
    version = {"version": form.version}
    context = {
        "f": form,
        "clue": form.clue,
        "clue_url": clue_url(form.clue),
        "proposal": services.proposal_label(form),
        "body": services.body_text(form),
        "checkers": services.checkers_of(form),
        "chain": services.opinion_chain(form),
        "due": due,
        "is_last": due is not None and due.index == len(levels) - 1,
        "refusal": refusal,
        "opinion_form": opinion_form or (OpinionForm(initial=version) if may_opine else None),
        "withdraw_form": withdraw_form or (WithdrawForm(initial=version) if may_withdraw else None),
        "author": services.person(form.created_by),
    }
    return render(request, "discipline/form_detail.html", context, status=status)


@login_required
def form_detail(request, pk: int):
    form = _form(request, pk)
    services.form_view_record(form=form, actor=request.user)
    return _detail(request, form)


@login_required
@require_POST
def form_opinion(request, pk: int):
    form = _form(request, pk)
    bound = OpinionForm(request.POST)
    if bound.is_valid():
        data = bound.cleaned_data
        try:
            done = services.form_opinion(
                form=form, actor=request.user, agree=data["agree"] == "yes", text=data["text"], version=data["version"]
            )
        except Conflict as exc:
            bound.add_error(None, exc.message)
            return _detail(request, services.form_or_404(request.user, pk), status=409, opinion_form=bound)
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            add_service_errors(bound, exc)
        else:
            if done.status == FormStatus.APPROVED:
                messages.success(request, _("The form is approved and applied to the clue."))
            elif done.status == FormStatus.RETURNED:
                messages.success(request, _("The form is returned to its author; the clue is back where it was."))
            else:
                messages.success(request, _("Your opinion is recorded: the form goes on to the next level."))
            return redirect("discipline:form_detail", pk=pk)
    return _detail(request, services.form_or_404(request.user, pk), status=422, opinion_form=bound)


@login_required
@require_POST
def form_withdraw(request, pk: int):
    form = _form(request, pk)
    bound = WithdrawForm(request.POST)
    try:
        if not bound.is_valid():
            raise ValidationError(_("The form was incomplete; reload the page and try again."))
        services.form_withdraw(form=form, actor=request.user, version=bound.cleaned_data["version"])
    except PermissionDenied as exc:
        raise Http404 from exc
    except (Conflict, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, Conflict) else " ".join(exc.messages))
    else:
        messages.success(request, _("The form is withdrawn; the clue is back where it was."))
    return redirect("discipline:form_detail", pk=pk)


@login_required
def form_export(request, pk: int):
    """The 呈批表 as a Word document (a sealed read in the audit trail)."""
    form = _form(request, pk)
    return docx.docx_response(docx_export(form=form, actor=request.user), form_filename(form))


# --- talks and letters --------------------------------------------------------------------------------------


@login_required
def inquiry_create(request, pk: int):
    """Record a talk or a letter on a clue under talk or inquiry."""
    clue = _clue(request, pk)
    form = InquiryForm(
        request.POST or None,
        initial={"version": clue.version, "mode": InquiryMode.TALK, "held_on": timezone.localdate()},
    )
    status = 200
    if request.method == "POST":
        done, status = _saved(form, lambda d: services.inquiry_record(clue=clue, actor=request.user, **d))
        if done is not None:
            messages.success(request, _("The talk or letter is recorded."))
            return redirect("discipline:disposal_clue", pk=clue.pk)
    else:
        services.clue_view_record(clue=clue, actor=request.user)
    context = {
        "clue": clue,
        "clue_url": clue_url(clue),
        "form": form,
        "reply_days": services.reply_workdays(clue),
        "refusal": ""
        if clue.status == "talk_inquiry"
        else _(
            "Talks and letters are recorded while the clue is under talk or inquiry; this one is “{status}”."
        ).format(status=clue.get_status_display()),
    }
    return render(request, "discipline/inquiry_create.html", context, status=status)


@login_required
def inquiry_reply(request, pk: int):
    """Record the written reply to a letter."""
    require_module(request.user)
    inquiry = services.inquiry_or_404(request.user, pk)
    clue = inquiry.clue
    form = ReplyForm(request.POST or None, initial={"version": clue.version, "reply_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        done, status = _saved(form, lambda d: services.inquiry_reply(inquiry=inquiry, actor=request.user, **d))
        if done is not None:
            messages.success(request, _("The reply is recorded."))
            return redirect("discipline:disposal_clue", pk=clue.pk)
    else:
        services.clue_view_record(clue=clue, actor=request.user)
    inquiry.state = services.inquiry_state(inquiry)
    context = {"clue": clue, "clue_url": clue_url(clue), "inquiry": inquiry, "form": form}
    return render(request, "discipline/inquiry_reply.html", context, status=status)


# --- the lists ----------------------------------------------------------------------------------------------


@login_required
def disposal_awaiting(request):
    """The approval forms whose due opinion is the user's to give, oldest first."""
    require_module(request.user)
    forms = services.forms_awaiting(request.user)
    for form in forms:
        form.proposal = services.proposal_label(form)
    page = Paginator(forms, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "discipline/disposal_awaiting.html", {"page": page, **_context_tabs("awaiting")})


@login_required
def disposal_inquiries(request):
    """Talks and letters on the clues the user may open; letters whose reply is overdue first."""
    require_module(request.user)
    state = request.GET.get("state", "")
    state = state if state in INQUIRY_FILTERS else "all"
    today = timezone.localdate()
    base = services.inquiries_visible(request.user)
    if state == "overdue":
        qs = services.replies_overdue(base, today=today).order_by("reply_due", "pk")
    elif state == "awaiting":
        qs = base.filter(mode=InquiryMode.LETTER, reply_on__isnull=True).order_by("reply_due", "pk")
    else:
        qs = base.order_by("-held_on", "-pk")
    page = id_page(qs.select_related("clue"), per_page=PAGE_SIZE, number=request.GET.get("page"))
    for inquiry in page:
        inquiry.state = services.inquiry_state(inquiry, today)
    context = {
        "page": page,
        "state": state,
        "states": [("all", _("All")), ("awaiting", _("Replies to come")), ("overdue", _("Replies overdue"))],
        "overdue": services.replies_overdue(base, today=today).count(),
        **_context_tabs("inquiries"),
    }
    return render(request, "discipline/disposal_inquiries.html", context)


@login_required
def disposal_shelved(request):
    """Shelved clues untouched for longer than their unit's review period: review each, and reopen by a new form."""
    require_module(request.user)
    now = timezone.now()
    qs = services.shelved_for_review(request.user, now=now).select_related("organisation", "subject_unit")
    page = id_page(qs, per_page=PAGE_SIZE, number=request.GET.get("page"))
    for clue in page:
        clue.idle_days = (now - clue.touched_at).days
    return render(request, "discipline/disposal_shelved.html", {"page": page, **_context_tabs("shelved")})


urls = [
    path("disposal/awaiting/", disposal_awaiting, name="disposal_awaiting"),
    path("disposal/inquiries/", disposal_inquiries, name="disposal_inquiries"),
    path("disposal/shelved/", disposal_shelved, name="disposal_shelved"),
    path("disposal/clues/<int:pk>/", disposal_clue, name="disposal_clue"),
    path("disposal/clues/<int:pk>/forms/new/", form_create, name="form_create"),
    path("disposal/clues/<int:pk>/inquiries/new/", inquiry_create, name="inquiry_create"),
    path("disposal/forms/<int:pk>/", form_detail, name="form_detail"),
    path("disposal/forms/<int:pk>/opinion/", form_opinion, name="form_opinion"),
    path("disposal/forms/<int:pk>/withdraw/", form_withdraw, name="form_withdraw"),
    path("disposal/forms/<int:pk>/form.docx", form_export, name="form_export"),
    path("disposal/inquiries/<int:pk>/reply/", inquiry_reply, name="inquiry_reply"),
]
