"""Minutes pages: the record with its versions, the draft form, the approval steps, attachments,
the Word export of one meeting's record and the unit's yearly meeting ledger."""

from __future__ import annotations

import difflib

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Min
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.models import AuditEvent
from qinglian.core.uploads import IMAGE_TYPES
from qinglian.core.views import permission_required
from qinglian.orglife import exports
from qinglian.orglife.forms.minutes import (
    AttachmentForm,
    CorrectForm,
    MinutesForm,
    ReturnForm,
    VersionForm,
    items_from,
)
from qinglian.orglife.models import Attachment, Attendee, Meeting, Minutes
from qinglian.orglife.people import person_name
from qinglian.orglife.services import minutes as services
from qinglian.orglife.tasks import LEDGER_FORMATS, ledger_job_start
from qinglian.orglife.views.common import int_param, year_param
from qinglian.orglife.vocab import ATTENDING, MinutesStatus, Presence
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation
from qinglian.reports import docx

WORKFLOW_ACTIONS = (
    "orglife.minutes_create",
    "orglife.minutes_submit",
    "orglife.minutes_return",
    "orglife.minutes_approve",
    "orglife.minutes_correct",
)
LEDGER_ORG_OPTIONS = 200


def _meeting(request, pk: int, action: str = "orglife.view") -> Meeting:
    queryset = Meeting.objects.select_related("organisation", "host", "recorder", "lecturer")
    return get_visible_or_404(queryset, request.user, action, pk=pk)


def _minutes(request, pk: int, action: str) -> Minutes:
    queryset = Minutes.objects.select_related("meeting__organisation", "author")
    return get_visible_or_404(queryset, request.user, action, pk=pk)


def _back(minutes_or_meeting) -> HttpResponse:
    meeting_id = getattr(minutes_or_meeting, "meeting_id", None) or minutes_or_meeting.pk
    return redirect("orglife:minutes_detail", pk=meeting_id)


def _refused(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# -- reading ----------------------------------------------------------------------------------------


def _text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Old and new text as (op, text) runs: "" unchanged, "del" removed, "ins" added (character level)."""
    runs: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("", old[i1:i2]))
            continue
        if i2 > i1:
            runs.append(("del", old[i1:i2]))
        if j2 > j1:
            runs.append(("ins", new[j1:j2]))
    return runs


def _votes_text(votes) -> str:
    if not votes:
        return ""
    return _("for {f}, against {a}, abstaining {b}").format(
        f=votes.get("for", 0), a=votes.get("against", 0), b=votes.get("abstain", 0)
    )


def minutes_diff(old: Minutes, new: Minutes) -> list[dict]:
    """What a correction changed against the version before it: one row per changed part."""
    rows = []
    if old.summary != new.summary:
        rows.append({"label": pgettext("minutes", "Summary"), "runs": _text_diff(old.summary, new.summary)})
    labels = {"title": _("title"), "discussion": _("discussion"), "decision": _("decision")}
    for n in range(max(len(old.items), len(new.items))):
        before = old.items[n] if n < len(old.items) else {}
        after = new.items[n] if n < len(new.items) else {}
        item = _("Item {n}").format(n=n + 1)
        for key, label in labels.items():
            a, b = str(before.get(key) or ""), str(after.get(key) or "")
            if a != b:
                rows.append({"label": f"{item} · {label}", "runs": _text_diff(a, b)})
        a, b = _votes_text(before.get("votes")), _votes_text(after.get("votes"))
        if a != b:  # numbers read better replaced whole than digit by digit
            runs = [(op, text) for op, text in (("del", a), ("", " → " if a and b else ""), ("ins", b)) if text]
            rows.append({"label": f"{item} · {_('votes')}", "runs": runs})
    return rows


def _history(versions: list[Minutes]) -> dict[int, list]:
    """Workflow events of each version (submitted, returned with the note, approved), oldest first."""
    ids = {str(v.pk): v.number for v in versions}
    labels = dict(
        zip(
            WORKFLOW_ACTIONS,
            (_("Draft started"), _("Submitted for approval"), _("Returned for changes"), _("Approved"),
             _("Correction opened")),
            strict=True,
        )
    )  # fmt: skip
    events = (
        AuditEvent.objects.filter(
            object_type="orglife.minutes", object_id__in=list(ids), action__in=list(WORKFLOW_ACTIONS)
        )
        .select_related("actor__member")
        .order_by("seq")
    )
    out: dict[int, list] = {}
    for event in events:
        event.who = person_name(event.actor) or event.actor_label
        out.setdefault(ids[event.object_id], []).append((event, labels[event.action]))
    return out


def _detail_context(request, meeting: Meeting, **extra) -> dict:
    user = request.user
    manager = can(user, "orglife.manage", meeting)
    approver = can(user, "orglife.approve", meeting)
    versions = list(services.minutes_readable(user, meeting).select_related("author__member", "approved_by__member"))
    record = next((v for v in versions if v.status == MinutesStatus.APPROVED), None)
    in_making = next((v for v in versions if v.status != MinutesStatus.APPROVED), None)
    wanted = request.GET.get("v", "")
    shown = next((v for v in versions if str(v.number) == wanted), None) or in_making or record
    previous = None
    if shown is not None and shown.number > 1:
        previous = next((v for v in versions if v.number < shown.number and v.status == MinutesStatus.APPROVED), None)
    for v in versions:
        v.author_name, v.approver_name = person_name(v.author), person_name(v.approved_by)
    history = _history(versions)
    for v in versions:
        v.events = history.get(v.number, [])
    returned = None
    if in_making is not None and in_making.status == MinutesStatus.DRAFT and history.get(in_making.number):
        last, _label = history[in_making.number][-1]
        returned = last if last.action == "orglife.minutes_return" else None
    attendees = list(Attendee.objects.filter(meeting=meeting).select_related("member").order_by("pk"))
    locked = record is not None and in_making is None
    return {
        "meeting": meeting,
        "versions": versions,
        "record": record,
        "in_making": in_making,
        "shown": shown,
        "previous": previous,
        "diff": minutes_diff(previous, shown) if previous else [],
        "returned": returned,
        "attachments": list(meeting.attachments.select_related("uploaded_by__member")),
        "absent": [a for a in attendees if a.member_id and a.presence in (Presence.ABSENT, Presence.ON_LEAVE)],
        "guests": [a for a in attendees if a.is_guest],
        "attending": sum(1 for a in attendees if a.member_id and a.presence in ATTENDING),
        "recorded": any(a.member_id and a.presence != Presence.UNKNOWN for a in attendees),
        "manager": manager,
        "approver": approver,
        "locked": locked,
        "happened": meeting.has_happened and meeting.status != "cancelled",
        "version_form": VersionForm(initial={"version": in_making.version if in_making else 0}),
        "return_form": extra.pop("return_form", None)
        or ReturnForm(initial={"version": getattr(in_making, "version", 0)}),
        "attachment_form": AttachmentForm(),
        **extra,
    }


@permission_required("orglife.view")
def minutes_detail(request, pk: int):
    meeting = _meeting(request, pk)
    return render(request, "orglife/minutes_detail.html", _detail_context(request, meeting))


# -- writing ----------------------------------------------------------------------------------------


def _blank_item() -> dict:
    return {"title": "", "discussion": "", "decision": "", "votes": None}


@permission_required("orglife.manage")
def minutes_edit(request, pk: int):
    meeting = _meeting(request, pk, "orglife.manage")
    draft = services.minutes_open(meeting)
    if draft is None and Minutes.objects.filter(meeting=meeting).exists():
        messages.info(request, _("The minutes are approved and locked; start a correction to change them."))
        return _back(meeting)
    if draft is not None and draft.status == MinutesStatus.SUBMITTED:
        messages.info(request, _("These minutes are waiting for approval; the approver can return them to you."))
        return _back(meeting)
    status = 200
    if request.method == "POST":
        form = MinutesForm(request.POST)
        items = items_from(request.POST)
        if "add_item" in request.POST:
            items.append(_blank_item())
        elif form.is_valid():
            try:
                saved = services.minutes_save(
                    meeting=meeting,
                    summary=form.cleaned_data["summary"],
                    items=items,
                    actor=request.user,
                    version=form.cleaned_data["version"],
                )
                if "submit" in request.POST:
                    services.minutes_submit(minutes=saved, actor=request.user, version=saved.version)
            except services.Conflict as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                done = _("The minutes were submitted for approval.") if "submit" in request.POST else None
                messages.success(request, done or _("The draft was saved."))
                return _back(meeting)
            status = 422
    else:
        if draft is not None:
            summary, items, version = draft.summary, draft.items, draft.version
        else:
            summary, version = "", 0
            items = [{**_blank_item(), "title": line} for line in meeting.agenda]
        form = MinutesForm(initial={"summary": summary, "version": version})
    context = {
        "meeting": meeting,
        "draft": draft,
        "form": form,
        "items": items or [_blank_item()],
        "happened": meeting.has_happened and meeting.status != "cancelled",
        "attending": meeting.present_count,
        "recorded": services.attendance_recorded(meeting),
    }
    return render(request, "orglife/minutes_edit.html", context, status=status)


@permission_required("orglife.manage")
@require_POST
def minutes_submit(request, pk: int):
    minutes = _minutes(request, pk, "orglife.manage")
    form = VersionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("The form was incomplete; reload the page and try again."))
        services.minutes_submit(minutes=minutes, actor=request.user, version=form.cleaned_data["version"])
    except services.Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The minutes were submitted for approval."))
    return _back(minutes)


@permission_required("orglife.approve")
@require_POST
def minutes_approve(request, pk: int):
    minutes = _minutes(request, pk, "orglife.approve")
    form = VersionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("The form was incomplete; reload the page and try again."))
        services.minutes_approve(minutes=minutes, actor=request.user, version=form.cleaned_data["version"])
    except services.Conflict as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        _refused(request, exc)
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, _("The minutes were approved: they are now the record and are locked."))
    return _back(minutes)


@permission_required("orglife.approve")
@require_POST
def minutes_return(request, pk: int):
    minutes = _minutes(request, pk, "orglife.approve")
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.minutes_return(
                minutes=minutes,
                note=form.cleaned_data["note"],
                actor=request.user,
                version=form.cleaned_data["version"],
            )
        except services.Conflict as exc:
            messages.error(request, exc.message)
            return _back(minutes)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                _refused(request, exc)
                return _back(minutes)
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("The minutes were returned to the author for changes."))
            return _back(minutes)
    # The note is missing: show the form again, open, with what was typed.
    context = _detail_context(request, minutes.meeting, return_form=form, show_return=True)
    return render(request, "orglife/minutes_detail.html", context, status=422)


@permission_required("orglife.manage")
def minutes_correct(request, pk: int):
    meeting = _meeting(request, pk, "orglife.manage")
    record = services.minutes_record(meeting)
    if record is None or services.minutes_open(meeting) is not None:
        messages.info(request, _("Only approved minutes with no version in the making can be corrected."))
        return _back(meeting)
    form = CorrectForm(request.POST or None, initial={"version": record.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_correct(
                meeting=meeting,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                version=form.cleaned_data["version"],
            )
        except services.Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("A correction was opened as a new version; the approved record stays until it is approved.")
            )
            return redirect("orglife:minutes_edit", pk=meeting.pk)
    status = 422 if form.is_bound else 200
    return render(
        request, "orglife/minutes_correct.html", {"meeting": meeting, "record": record, "form": form}, status=status
    )


# -- attachments ------------------------------------------------------------------------------------


@permission_required("orglife.manage")
@require_POST
def attachment_upload(request, pk: int):
    meeting = _meeting(request, pk, "orglife.manage")
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _back(meeting)
    try:
        added = services.attachment_add(
            meeting=meeting, file=form.cleaned_data["file"], kind=form.cleaned_data["kind"], actor=request.user
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("“{name}” was added.").format(name=added.name))
    return redirect(reverse("orglife:minutes_detail", args=[meeting.pk]) + "#attachments")


def _attachment(request, pk: int, action: str) -> Attachment:
    queryset = Attachment.objects.select_related("meeting__organisation")
    return get_visible_or_404(queryset, request.user, action, pk=pk)


@permission_required("orglife.view")
def attachment_download(request, pk: int):
    """The file, through access control (never a public media address), under the name it was given."""
    attachment = _attachment(request, pk, "orglife.view")
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    inline = request.GET.get("inline") == "1" and attachment.content_type in IMAGE_TYPES
    response = FileResponse(handle, content_type=attachment.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(not inline, attachment.name)
    response["Cache-Control"] = "private, max-age=600"
    return response


@permission_required("orglife.manage")
@require_POST
def attachment_remove(request, pk: int):
    attachment = _attachment(request, pk, "orglife.manage")
    try:
        services.attachment_remove(attachment=attachment, actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("“{name}” was removed.").format(name=attachment.name))
    return redirect(reverse("orglife:minutes_detail", args=[attachment.meeting_id]) + "#attachments")


# -- exports ----------------------------------------------------------------------------------------


@permission_required("orglife.view")
def minutes_docx(request, pk: int):
    """One meeting's record as a Word document (会议记录), sent straight away."""
    meeting = _meeting(request, pk)
    minutes = services.minutes_for_export(request.user, meeting, int_param(request.GET.get("v")))
    if minutes is None and not can(request.user, "orglife.manage", meeting):
        raise Http404
    return docx.docx_response(exports.minutes_document(meeting, minutes), exports.minutes_filename(meeting))


def _ledger_org(request) -> Organisation:
    scope = scope_or_404(request)
    chosen = request.GET.get("org") or request.POST.get("org") or ""
    if chosen.isdigit() and int(chosen) != scope.pk:
        return get_visible_or_404(Organisation.objects, request.user, "orglife.view", pk=int(chosen))
    if not can(request.user, "orglife.view", scope):
        raise Http404
    return scope


@permission_required("orglife.view")
def ledger(request):
    """A unit's meetings of one year, with their minutes, and the ledger's exports."""
    org = _ledger_org(request)
    today = timezone.localdate()
    year = year_param(request.GET.get("year")) or today.year
    meetings = list(exports.ledger_meetings(org, year))
    for m in meetings:
        m.state = exports.minutes_state(m)
        m.rate = round(100 * m.present_count / m.invitee_count) if m.invitee_count else None
    first = Meeting.objects.filter(organisation=org).aggregate(first=Min("starts_on"))["first"]
    years = list(range(today.year, min(first.year if first else today.year, year) - 1, -1))
    scope = scope_or_404(request)
    options = list(
        Organisation.objects.visible_to(request.user, "orglife.view")
        .active()
        .subtree(scope)
        .order_by("path")[:LEDGER_ORG_OPTIONS]
    )
    if org.pk not in {o.pk for o in options}:
        options.insert(0, org)
    context = {
        "org": org,
        "year": year,
        "years": years,
        "meetings": meetings,
        "options": options if len(options) > 1 else [],
        "held": sum(1 for m in meetings if m.status == "held"),
        "counted": sum(1 for m in meetings if m.counted),
        "formats": LEDGER_FORMATS,
    }
    return render(request, "orglife/ledger_list.html", context)


@permission_required("orglife.view")
@require_POST
def ledger_export(request):
    """Start the ledger export as a background job and go to its progress page."""
    org = _ledger_org(request)
    fmt = request.POST.get("format", "")
    if fmt not in LEDGER_FORMATS:
        raise Http404
    year = year_param(request.POST.get("year")) or timezone.localdate().year
    job = ledger_job_start(owner=request.user, org=org, year=year, fmt=fmt, lang=get_language())
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("core:job_detail", args=[job.pk])
        return response
    return redirect("core:job_detail", pk=job.pk)


urls = [
    path("ledger/", ledger, name="ledger"),
    path("ledger/export/", ledger_export, name="ledger_export"),
    path("meetings/<int:pk>/minutes/", minutes_detail, name="minutes_detail"),
    path("meetings/<int:pk>/minutes/edit/", minutes_edit, name="minutes_edit"),
    path("meetings/<int:pk>/minutes/correct/", minutes_correct, name="minutes_correct"),
    path("meetings/<int:pk>/minutes.docx", minutes_docx, name="minutes_docx"),
    path("meetings/<int:pk>/attachments/", attachment_upload, name="attachment_upload"),
    path("minutes/<int:pk>/submit/", minutes_submit, name="minutes_submit"),
    path("minutes/<int:pk>/approve/", minutes_approve, name="minutes_approve"),
    path("minutes/<int:pk>/return/", minutes_return, name="minutes_return"),
    path("attachments/<int:pk>/", attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/remove/", attachment_remove, name="attachment_remove"),
]
