"""The clue register's pages: the register with its filters, overdue badges and export; my clues; registering a
clue from any source (or from a portal report), with the repeated reports it may be; a clue's page with its tabs
(summary, reporter, history, the thread with the portal reporter, repeats, handlers) and the blocks other areas add;
and the history of a reported person.

Every page here is inside the sealed compartment (404 for anyone without a discipline role), and a clue opens only
for its handlers and those who lead discipline inspection over its unit; every opening is a sealed read in the
audit trail.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.audit import audit_sealed_read
from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.discipline.forms.clues import (
    ClueEditForm,
    ClueForm,
    HandlerForm,
    ReferralForm,
    RepeatForm,
    VersionForm,
)
from qinglian.discipline.forms.intake import FeedbackForm, ReplyForm
from qinglian.discipline.models import Case, Clue, Outcome
from qinglian.discipline.services import clues as services
from qinglian.discipline.services import intake
from qinglian.discipline.services.access import can_open, clue_or_404, is_leader, require_module
from qinglian.discipline.services.similarity import similar_clues
from qinglian.discipline.vocab import OPEN_CLUE_STATUSES, Category, ClueStatus, Method, Source
from qinglian.orgs.models import Organisation
from qinglian.orgs.services import Conflict
from qinglian.reports.xlsx import xlsx_response

PAGE_SIZE = 30
TABS = ("summary", "reporter", "history", "thread", "repeats", "handlers")


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _page_url(clue: Clue, tab: str = "summary") -> str:
    url = reverse("discipline:clue_detail", args=[clue.pk])
    return url if tab == "summary" else f"{url}?tab={tab}"


# --- the register ------------------------------------------------------------------------------------------


def _filters(request) -> dict:
    get = request.GET
    unit_id = _int(get.get("unit"))
    return {
        "status": get.get("status", "") if get.get("status", "") in services.STATUS_FILTERS else "",
        "source": get.get("source", "") if get.get("source", "") in Source.values else "",
        "category": get.get("category", "") if get.get("category", "") in Category.values else "",
        "method": get.get("method", "") if get.get("method", "") in Method.values else "",
        "unit": Organisation.objects.filter(pk=unit_id).first() if unit_id else None,
        "year": _int(get.get("year")),
        "overdue": get.get("overdue") == "1",
        "text": (get.get("q") or "").strip()[:60],
    }


def _rows(clues, today) -> list[dict]:
    return [
        {
            "clue": c,
            "dispose_overdue": services.disposal_overdue(c, today),
            "referral_overdue": services.referral_overdue(c, today),
            "undisposed": c.status in services.UNDISPOSED,
        }
        for c in clues
    ]


@login_required
def clue_list(request):
    """The clues the user may open, filtered, newest first; repeats are left out (listed on their original)."""
    require_module(request.user)
    filters = _filters(request)
    visible = services.visible(request.user)
    clues = services.clue_filter(visible, **filters).select_related("organisation", "subject_unit", "owner")
    page = id_page(clues.order_by("-received_on", "-seq", "-pk"), per_page=PAGE_SIZE, number=request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "page": page,
        "rows": _rows(page.object_list, today),
        "filters": filters,
        "statuses": [("open", _("Open (being dealt with)")), *ClueStatus.choices],
        "sources": Source.choices,
        "categories": Category.choices,
        "methods": Method.choices,
        "units": Organisation.objects.filter(pk__in=visible.values("subject_unit_id")).order_by("path")[:300],
        "years": sorted(set(visible.values_list("year", flat=True)), reverse=True),
        "may_register": bool(services.intake_units(request.user)),
        "today": today,
    }
    return render(request, "discipline/clue_list.html", context)


@login_required
def clue_export(request):
    """The register as filtered on the page, as a workbook (an audited read)."""
    require_module(request.user)
    filters = _filters(request)
    clues = services.clue_filter(services.visible(request.user), **filters)
    try:
        data = services.clues_workbook(user=request.user, clues=clues, filters=filters)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("discipline:clue_list") + (f"?{request.GET.urlencode()}" if request.GET else ""))
    return xlsx_response(data, f"clue-register-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def clue_mine(request):
    """The clues I handle or own: those still being dealt with first."""
    require_module(request.user)
    clues = services.mine(request.user).select_related("organisation", "subject_unit", "repeat_of")
    show = request.GET.get("show") if request.GET.get("show") in ("open", "all") else "open"
    if show == "open":
        clues = clues.filter(status__in=OPEN_CLUE_STATUSES)
    page = id_page(
        clues.order_by("dispose_due", "-received_on", "-pk"), per_page=PAGE_SIZE, number=request.GET.get("page")
    )
    today = timezone.localdate()
    context = {"page": page, "rows": _rows(page.object_list, today), "show": show, "today": today}
    return render(request, "discipline/clue_mine.html", context)


# --- registering -------------------------------------------------------------------------------------------


def _unit_and_report(request):
    """(the unit that registers, the portal report being registered or None), or 404."""
    user = request.user
    require_module(user)
    report_id = request.POST.get("report") or request.GET.get("report")
    if report_id:
        report = intake.report_or_404(user, report_id)
        if not services.may_register(user, report.organisation):
            raise Http404
        return report.organisation, report
    units = services.intake_units(user)
    if not units:
        raise Http404(_("You register clues at no unit."))
    chosen = _int(request.POST.get("unit") or request.GET.get("unit"))
    return next((u for u in units if u.pk == chosen), units[0]), None


def _initial(request, report) -> dict:
    initial = {"owner": request.user.pk, "received_on": timezone.localdate()}
    if report is not None:
        initial.update(
            category=report.category,
            subject_name=report.subject_name,
            subject_post=report.subject_post,
            summary=report.text,
            report_version=report.version,
        )
    return initial


def _typed(form_class, data, **kwargs):
    """An unbound form holding what was typed (for a search or the repeat question: no errors shown yet)."""
    initial = {key: data.get(key) for key in data if key != "csrfmiddlewaretoken"}
    return form_class(initial=initial, **kwargs)


def _chosen_member(unit, data):
    pk = _int(data.get("subject_member"))
    return services.unit_members(unit).filter(pk=pk).first() if pk else None


def _candidate_rows(user, candidates) -> list[dict]:
    return [{"c": c, "open": can_open(user, c.clue)} for c in candidates]


@login_required
def clue_create(request):
    """Register a clue: from a letter, visit, call, inspection, audit, referral or daily supervision, or from a portal
    report (?report=). When earlier clues look alike, the form asks whether the new one repeats one of them."""
    unit, report = _unit_and_report(request)
    if report is not None and report.status not in intake.WAITING:
        messages.info(request, _("This report is already registered or closed."))
        return redirect("discipline:report_detail", pk=report.pk)
    user, data = request.user, request.POST
    candidates, status = [], 200
    member_q = data.get("member_q", "") if request.method == "POST" else ""
    if request.method == "POST" and "search" in data:
        form = _typed(ClueForm, data, unit=unit, report=report)
    elif request.method == "POST":
        member = _chosen_member(unit, data)
        candidates = similar_clues(
            organisation=unit, summary=data.get("summary", ""), subject_member=member,
            subject_name=data.get("subject_name", ""),
        ) if data.get("summary", "").strip() else []  # fmt: skip
        form = ClueForm(data, unit=unit, report=report, candidates=candidates)
        status = 422
        if form.is_valid():
            chosen = form.cleaned_data.get("repeat_of")
            if candidates and not form.cleaned_data.get("decided"):
                # Ask first: nothing is saved until the person registering says whether it is a repeat.
                suggested = next((c for c in candidates if c.suggested), None)
                form = _typed(ClueForm, data, unit=unit, report=report, candidates=candidates)
                form.initial.update(decided=True, repeat_of=str(suggested.clue.pk) if suggested else "")
                status = 200
            else:
                repeat_of = next((c.clue for c in candidates if str(c.clue.pk) == chosen), None) if chosen else None
                try:
                    clue = services.clue_register(
                        organisation=unit, actor=user, repeat_of=repeat_of, **form.service_fields()
                    )
                except Conflict as exc:
                    form.add_error(None, exc.message)
                    status = 409
                except ValidationError as exc:
                    add_service_errors(form, exc)
                except PermissionDenied:
                    raise Http404 from None
                else:
                    if repeat_of is not None:
                        messages.success(
                            request,
                            _("Registered as {number}, a repeat of {original}: it is not counted again.").format(
                                number=clue.number, original=repeat_of.number
                            ),
                        )
                    else:
                        messages.success(request, _("The clue is registered as {number}.").format(number=clue.number))
                    return redirect("discipline:clue_detail", pk=clue.pk)
    else:
        form = ClueForm(initial=_initial(request, report), unit=unit, report=report)
    chosen_member = _chosen_member(unit, data) if request.method == "POST" else None
    context = {
        "form": form,
        "unit": unit,
        "units": services.intake_units(user) if report is None else [],
        "report": report,
        "candidates": _candidate_rows(user, candidates) if form.initial.get("decided") or form.is_bound else [],
        "asking": bool(candidates) and bool(form.initial.get("decided")),
        "members": services.member_search(unit, member_q) if member_q else [],
        "member_q": member_q,
        "chosen_member": chosen_member,
    }
    return render(request, "discipline/clue_form.html", context, status=status)


@login_required
def clue_member_search(request):
    """Members of the unit's register matching what was typed (htmx, beside the clue form)."""
    require_module(request.user)
    units = services.intake_units(request.user)
    unit = next((u for u in units if u.pk == _int(request.GET.get("unit"))), units[0] if units else None)
    report_id = request.GET.get("report")
    if report_id:
        report = intake.report_or_404(request.user, report_id)
        unit = report.organisation if services.may_register(request.user, report.organisation) else None
    if unit is None:
        raise Http404
    text = request.GET.get("member_q", "")
    context = {"members": services.member_search(unit, text), "member_q": text, "chosen_member": None}
    return render(request, "discipline/partials/clue_member_results.html", context)


# --- a clue's page -----------------------------------------------------------------------------------------


def _reveal_url(clue: Clue) -> str:
    """The sealed area's page to ask for the reporter's identity (empty until that area is installed)."""
    try:
        return reverse("discipline:reveal_request_new", kwargs={"pk": clue.pk})
    except NoReverseMatch:
        return ""


def _tab_context(request, clue: Clue, tab: str, failed: dict) -> dict:
    user = request.user
    context: dict = {}
    if tab == "summary":
        context["panels"] = services.clue_panels(request, clue)
        context["refer_form"] = failed.get("refer") or ReferralForm(
            initial={"version": clue.version, "to": clue.referred_to, "direction": clue.referral_direction}
        )
    elif tab == "history":
        context["events"] = services.event_rows(clue)
    elif tab == "thread" and clue.report_id:
        report = clue.report
        intake.mark_read(report)
        context.update(
            thread=intake.thread(report),
            attachments=report.attachments.filter(message__isnull=True),
            reply_form=failed.get("reply") or ReplyForm(),
            feedback_form=failed.get("feedback") or FeedbackForm(initial={"version": report.version}),
            feedback_overdue=intake.feedback_overdue(report),
        )
    elif tab == "repeats":
        repeats = list(clue.repeats.select_related("organisation").order_by("received_on", "pk"))
        context["repeats"] = [{"clue": r, "open": can_open(user, r)} for r in repeats]
        if clue.status == ClueStatus.REGISTERED and services.may_work(user, clue):
            context["candidates"] = _candidate_rows(user, services.repeat_candidates(clue))
        context["repeat_failed"] = failed.get("repeat")
    elif tab == "handlers":
        context["handlers"] = clue.handlers.select_related("user", "added_by").order_by("role", "added_at")
        if is_leader(user, clue):
            context["handler_form"] = failed.get("handler") or HandlerForm(clue=clue, initial={"version": clue.version})
        context["handler_failed"] = failed.get("handler_remove")
    return context


def _form_shown(name: str, clue: Clue, user) -> bool:
    """Whether the page still shows the form that failed (the clue may have moved on meanwhile)."""
    registered = clue.status == ClueStatus.REGISTERED and services.may_work(user, clue)
    return {
        "refer": registered,
        "repeat": registered,
        "reply": True,
        "feedback": bool(clue.report_id) and not clue.report.feedback_at,
        "handler": is_leader(user, clue),
        "handler_remove": True,
    }.get(name, False)


def _refused(failed: dict, clue: Clue, user) -> list[str]:
    """The refusals of forms the page no longer shows, said above it."""
    found: list[str] = []
    for name, form in failed.items():
        if not _form_shown(name, clue, user):
            found += [str(e) for errors in form.errors.values() for e in errors]
    return found


def _clue_page(request, clue: Clue, tab: str = "summary", *, status: int = 200, failed: dict | None = None):
    user, today = request.user, timezone.localdate()
    tab = tab if tab in TABS and (tab != "thread" or clue.report_id) else "summary"
    audit_sealed_read(actor=user, obj=clue, reason=f"clues: opened the clue page ({tab})")
    context = {
        "clue": clue,
        "tab": tab,
        "tabs": [t for t in TABS if t != "thread" or clue.report_id],
        "may_work": services.may_work(user, clue),
        "leader": is_leader(user, clue),
        "dispose_overdue": services.disposal_overdue(clue, today),
        "referral_overdue": services.referral_overdue(clue, today),
        "repeat_count": clue.repeats.count(),
        "reveal_url": _reveal_url(clue),
        "unread": intake.unread_counts([clue.report_id]).get(clue.report_id, 0) if clue.report_id else 0,
        "today": today,
        "refused": _refused(failed or {}, clue, user),
        **_tab_context(request, clue, tab, failed or {}),
    }
    return render(request, "discipline/clue_detail.html", context, status=status)


def _clue(request, pk: int) -> Clue:
    require_module(request.user)
    return clue_or_404(
        request.user,
        pk,
        queryset=Clue.objects.select_related(
            "organisation", "subject_member", "subject_unit", "owner", "repeat_of", "report", "registered_by"
        ),
    )


@login_required
def clue_detail(request, pk: int):
    return _clue_page(request, _clue(request, pk), request.GET.get("tab", "summary"))


def _act(request, clue: Clue, *, tab: str, name: str, form, call, done: str):
    """Run one action of a clue's page: `call(data)` with the valid form's data; back to the tab, or the page again
    with the form's errors."""
    status = 422
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, done)
            return redirect(_page_url(clue, tab))
    clue.refresh_from_db()
    return _clue_page(request, clue, tab, status=status, failed={name: form})


@login_required
def clue_edit(request, pk: int):
    """Correct the summary or category, or hand the clue to another of its handlers."""
    clue = _clue(request, pk)
    if not services.may_work(request.user, clue):
        messages.info(request, _("A clue that is no longer being dealt with is kept as it was."))
        return redirect("discipline:clue_detail", pk=clue.pk)
    initial = {"summary": clue.summary, "category": clue.category, "owner": clue.owner_id, "version": clue.version}
    form = ClueEditForm(request.POST or None, initial=initial, clue=clue)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.clue_update(
                    clue=clue, actor=request.user, version=data["version"], summary=data["summary"],
                    category=data["category"], owner=data["owner"],
                )  # fmt: skip
            except Conflict as exc:
                form.add_error(None, exc.message)
                status = 409
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The clue is saved."))
                return redirect("discipline:clue_detail", pk=clue.pk)
    audit_sealed_read(actor=request.user, obj=clue, reason="clues: opened the clue to change it")
    return render(request, "discipline/clue_edit.html", {"clue": clue, "form": form}, status=status)


@login_required
@require_POST
def clue_handler_add(request, pk: int):
    clue = _clue(request, pk)
    if not is_leader(request.user, clue):
        raise Http404
    form = HandlerForm(request.POST, clue=clue)

    def call(data):
        services.clue_handler_add(
            clue=clue, user=data["user"], role=data["role"], actor=request.user, version=data["version"]
        )

    return _act(request, clue, tab="handlers", name="handler", form=form, call=call, done=_("Added to the clue."))


@login_required
@require_POST
def clue_handler_remove(request, pk: int):
    clue = _clue(request, pk)
    if not is_leader(request.user, clue):
        raise Http404
    form = VersionForm(request.POST)

    def call(data):
        user = get_user_model().objects.filter(pk=data["user"]).first()
        if user is None:
            raise ValidationError(_("No such person on the clue."))
        services.clue_handler_remove(clue=clue, user=user, actor=request.user, version=data["version"])

    done = _("Taken off the clue.")
    return _act(request, clue, tab="handlers", name="handler_remove", form=form, call=call, done=done)


@login_required
@require_POST
def clue_repeat(request, pk: int):
    """Link a registered clue as a repeat of an earlier one."""
    clue = _clue(request, pk)
    form = RepeatForm(request.POST)

    def call(data):
        original = Clue.objects.filter(pk=data["original"], organisation=clue.organisation).first()
        if original is None:
            raise ValidationError(_("No such clue among those this one may repeat."))
        services.clue_link_repeat(clue=clue, original=original, actor=request.user, version=data["version"])

    done = _("Linked as a repeat: the clue is no longer counted on its own.")
    return _act(request, clue, tab="repeats", name="repeat", form=form, call=call, done=done)


@login_required
@require_POST
def clue_refer(request, pk: int):
    """Refer a registered clue to a higher or lower body: decided (due by the rule's working days) or sent."""
    clue = _clue(request, pk)
    form = ReferralForm(request.POST)

    def call(data):
        services.clue_refer(
            clue=clue, actor=request.user, version=data["version"], to=data["to"], direction=data["direction"],
            referred_on=data["referred_on"], note=data["note"],
        )  # fmt: skip

    sent = request.POST.get("referred_on")
    done = _("The referral is recorded.") if sent else _("The referral is decided: send it before it falls due.")
    return _act(request, clue, tab="summary", name="refer", form=form, call=call, done=done)


def _thread_report(request, pk: int):
    clue = _clue(request, pk)
    if not clue.report_id:
        raise Http404
    return clue, clue.report


@login_required
@require_POST
def clue_reply(request, pk: int):
    """A message to the portal reporter, from the clue's thread."""
    clue, report = _thread_report(request, pk)
    form = ReplyForm(request.POST)

    def call(data):
        intake.report_reply(report=report, actor=request.user, body=data["body"])

    done = _("The message is sent to the reporter.")
    return _act(request, clue, tab="thread", name="reply", form=form, call=call, done=done)


@login_required
@require_POST
def clue_feedback(request, pk: int):
    clue, report = _thread_report(request, pk)
    form = FeedbackForm(request.POST)

    def call(data):
        intake.report_feedback(report=report, actor=request.user, body=data["body"], version=data["version"])

    done = _("Feedback is given to the reporter.")
    return _act(request, clue, tab="thread", name="feedback", form=form, call=call, done=done)


# --- the reported person's history -------------------------------------------------------------------------


@login_required
def subject_history(request, pk: int):
    """What discipline inspection holds about a member that the viewer may open: their clues (repeats under the
    first report), cases and outcomes. Nothing is said about what the viewer may not open."""
    require_module(request.user)
    member = services.subject_or_404(request.user, pk)
    clues = list(
        services.visible(request.user)
        .filter(subject_member=member)
        .select_related("organisation", "repeat_of")
        .order_by("-received_on", "-pk")
    )
    firsts = [c for c in clues if c.status != ClueStatus.REPEATED]
    repeats: dict[int, list] = {}
    for c in clues:
        if c.status == ClueStatus.REPEATED and c.repeat_of_id:
            repeats.setdefault(c.repeat_of_id, []).append(c)
    shown = {c.pk for c in clues}
    orphans = [c for c in clues if c.status == ClueStatus.REPEATED and c.repeat_of_id not in shown]
    audit_sealed_read(actor=request.user, obj=member, reason="clues: opened the reported person's history")
    context = {
        "member": member,
        "rows": [(c, repeats.get(c.pk, [])) for c in firsts] + [(c, []) for c in orphans],
        "cases": Case.objects.filter(clue__in=[c.pk for c in clues]).select_related("clue"),
        "outcomes": Outcome.objects.filter(clue__in=[c.pk for c in clues]).select_related("clue", "case"),
        "today": timezone.localdate(),
    }
    return render(request, "discipline/subject_history.html", context)


urls = [
    path("clues/", clue_list, name="clue_list"),
    path("clues/export/", clue_export, name="clue_export"),
    path("clues/mine/", clue_mine, name="clue_mine"),
    path("clues/new/", clue_create, name="clue_create"),
    path("clues/new/members/", clue_member_search, name="clue_member_search"),
    path("clues/<int:pk>/", clue_detail, name="clue_detail"),
    path("clues/<int:pk>/edit/", clue_edit, name="clue_edit"),
    path("clues/<int:pk>/handlers/add/", clue_handler_add, name="clue_handler_add"),
    path("clues/<int:pk>/handlers/remove/", clue_handler_remove, name="clue_handler_remove"),
    path("clues/<int:pk>/repeat/", clue_repeat, name="clue_repeat"),
    path("clues/<int:pk>/refer/", clue_refer, name="clue_refer"),
    path("clues/<int:pk>/reply/", clue_reply, name="clue_reply"),
    path("clues/<int:pk>/feedback/", clue_feedback, name="clue_feedback"),
    path("people/<int:pk>/", subject_history, name="subject_history"),
]
