"""Integrity opinion replies: the list of a scope with its filters, compiling a reply on a cadre in one step,
a reply's page (the facts gathered as a checklist, the draft to edit, the signature, the letter, the history),
and the .docx letter.

Every page needs risks.opinion (discipline inspection) at the cadre's unit; anybody else gets 404. Opening a
reply and exporting it are audit events.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import subtree_q
from qinglian.orgs.services import Conflict
from qinglian.reports import docx
from qinglian.risks.exports_opinion import reply_export, reply_filename
from qinglian.risks.forms.opinion import CompileForm, ReplyDeleteForm, ReplyEditForm, ReplySignForm
from qinglian.risks.models import OpinionReply
from qinglian.risks.services import opinion as services
from qinglian.risks.services.opinion_draft import row_text
from qinglian.risks.vocab import ReplyPurpose, ReplyStatus, SectionKind, SectionStatus

OPINION = services.OPINION
PAGE_SIZE = 30
CADRES_SHOWN = 30
FIRST_YEAR = 2000


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


# --- the list ----------------------------------------------------------------------------------------------


@permission_required(OPINION)
def opinion_list(request):
    """The replies on cadres of the scope, newest first, by status, purpose, year and cadre."""
    root = scope_or_404(request)
    base = services.replies_visible_to(request.user).filter(subtree_q(root.path, "member__organisation__"))
    status = request.GET.get("status", "")
    status = status if status in ReplyStatus.values else ""
    purpose = request.GET.get("purpose", "")
    purpose = purpose if purpose in ReplyPurpose.values else ""
    year = _int(request.GET.get("year"))
    q = request.GET.get("q", "").strip()[:60]
    narrowed = base.filter(purpose=purpose) if purpose else base
    narrowed = narrowed.filter(created_at__year=year) if year else narrowed
    if q:
        narrowed = narrowed.filter(Q(member__name__icontains=q) | Q(member__name_pinyin__icontains=q.lower()))
    replies = narrowed.filter(status=status) if status else narrowed
    replies = replies.select_related("member__organisation").order_by("-created_at", "-pk")
    counts = narrowed.aggregate(
        draft=Count("pk", filter=Q(status=ReplyStatus.DRAFT)), signed=Count("pk", filter=Q(status=ReplyStatus.SIGNED))
    )
    today = timezone.localdate()
    context = {
        "root": root,
        "page": id_page(replies, per_page=PAGE_SIZE, number=request.GET.get("page")),
        "counts": counts,
        "statuses": [("", _("All")), *ReplyStatus.choices],
        "purposes": ReplyPurpose.choices,
        "years": range(today.year, today.year - 6, -1),
        "status": status,
        "purpose": purpose,
        "year": year,
        "q": q,
    }
    return render(request, "risks/opinion_list.html", context)


# --- compiling ---------------------------------------------------------------------------------------------


@permission_required(OPINION)
def opinion_compile(request):
    """Choose a cadre of the scope (searched by name or pinyin), say what for and who asked, and compile."""
    root = scope_or_404(request)
    cadres = services.cadres_for(request.user, root)
    q = (request.POST.get("q") or request.GET.get("q") or "").strip()[:60]
    options = list(services.cadre_search(cadres, q).order_by("name_pinyin", "pk")[:CADRES_SHOWN])
    picked = _int(request.POST.get("member") or request.GET.get("member"))
    if picked and picked not in {m.pk for m in options}:
        options = list(cadres.filter(pk=picked)) + options
    if request.htmx and request.method == "GET":
        return render(request, "risks/partials/opinion_cadres.html", {"options": options, "q": q, "checked": picked})
    form = CompileForm(request.POST or None, cadres=cadres, initial={"years": 3, "member": picked})
    if request.method == "POST" and form.is_valid():
        try:
            reply = services.reply_compile(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The facts are gathered and the opinion drafted: read it, edit it, then sign."))
            return redirect("risks:opinion_detail", pk=reply.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "root": root, "options": options, "q": q, "checked": picked, "any": cadres.exists()}
    return render(request, "risks/opinion_compile.html", context, status=status)


# --- a reply -----------------------------------------------------------------------------------------------


def _reply_or_404(user, pk: int) -> OpinionReply:
    reply = (
        services.replies_visible_to(user)
        .select_related("member__organisation", "member__user", "created_by", "signed_by")
        .filter(pk=pk)
        .first()
    )
    if reply is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return reply


def _file_url(file_id) -> str:
    """A link to a year's integrity file, when that page exists (it is the files area's)."""
    if not file_id:
        return ""
    try:
        return reverse("risks:file_detail", args=[file_id])
    except NoReverseMatch:
        return ""


def _checklist(reply: OpinionReply, user) -> dict:
    """The facts gathered, as the reply page lists them, with links to the files for those who may open them."""
    facts = reply.facts or {}
    links = services.may_read_file(user, reply.member)
    english = (get_language() or "").startswith("en")
    kinds = dict(SectionKind.choices)
    statuses = dict(SectionStatus.choices) | {services.MISSING: _("Not started")}
    files = {file["year"]: file for file in facts.get("files", [])}
    urls = {year: _file_url(file["id"]) if links else "" for year, file in files.items()}
    years = [
        {
            "year": year,
            "file": files.get(year),
            "url": urls.get(year, ""),
            "sections": [
                {
                    "label": kinds.get(s["kind"], s["kind"]),
                    "status": s["status"],
                    "status_label": statuses.get(s["status"]),
                }
                for s in files.get(year, {}).get("sections", [])
            ],
        }
        for year in facts.get("years", [])
    ]
    declared = [
        {
            "key": key,
            "label": label,
            "rows": [
                {
                    "text": row_text(key, row, english=english),
                    "year": row.get("year"),
                    "url": urls.get(row.get("year"), ""),
                }
                for row in facts.get("declared", {}).get(key, [])
            ],
        }
        for key, label in services.DECLARED_LABELS
    ]
    topics = [
        {"topic": topic, "label": label, **facts.get("topics", {}).get(topic, {"held": False, "items": []})}
        for topic, label in services.TOPIC_LABELS
    ]
    handed_in = any(
        s["status"] not in (services.MISSING, SectionStatus.DRAFT) for file in files.values() for s in file["sections"]
    )
    return {
        "years": years,
        "declared": declared,
        "handed_in": handed_in,
        "topics": topics,
        "conflicts": facts.get("conflicts", []),
        "links": links,
    }


def _detail(request, reply: OpinionReply, *, status: int = 200, **forms):
    draft = reply.status == ReplyStatus.DRAFT
    version = {"version": reply.version}
    edit = {"requested_by": reply.requested_by, "number": reply.number, "body": reply.body}
    context = {
        "reply": reply,
        "facts": reply.facts or {},
        "checklist": _checklist(reply, request.user),
        "history": services.reply_history(reply).select_related("actor"),
        "edit_form": forms.get("edit_form") or (ReplyEditForm(initial={**version, **edit}) if draft else None),
        "sign_form": forms.get("sign_form")
        or (
            ReplySignForm(initial={**version, "number": reply.number or services.reply_number_suggest(reply.member)})
            if draft
            else None
        ),
        "delete_form": ReplyDeleteForm(initial=version) if draft else None,
        "open_form": next(iter(forms), ""),
    }
    return render(request, "risks/opinion_detail.html", context, status=status)


@permission_required(OPINION)
def opinion_detail(request, pk: int):
    reply = _reply_or_404(request.user, pk)
    services.reply_view_record(reply=reply, actor=request.user)
    return _detail(request, reply)


def _write(request, pk: int, *, name: str, form_class, call, success: str):
    reply = _reply_or_404(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(reply, form.cleaned_data)
        except Conflict as exc:
            form.add_error(None, exc.message)
            return _detail(request, _reply_or_404(request.user, pk), status=409, **{name: form})
        except PermissionDenied as exc:
            raise Http404 from exc
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("risks:opinion_detail", pk=reply.pk)
    return _detail(request, reply, status=422, **{name: form})


@permission_required(OPINION)
@require_POST
def opinion_update(request, pk: int):
    return _write(
        request,
        pk,
        name="edit_form",
        form_class=ReplyEditForm,
        call=lambda reply, data: services.reply_update(reply=reply, actor=request.user, **data),
        success=_("The draft is saved."),
    )


@permission_required(OPINION)
@require_POST
def opinion_sign(request, pk: int):
    return _write(
        request,
        pk,
        name="sign_form",
        form_class=ReplySignForm,
        call=lambda reply, data: services.reply_sign(reply=reply, actor=request.user, **data),
        success=_("The reply is signed: it no longer changes. Export the letter to print and seal it."),
    )


@permission_required(OPINION)
@require_POST
def opinion_delete(request, pk: int):
    reply = _reply_or_404(request.user, pk)
    form = ReplyDeleteForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("The form was incomplete; reload the page and try again."))
        services.reply_delete(reply=reply, actor=request.user, version=form.cleaned_data["version"])
    except (Conflict, ValidationError) as exc:
        messages.error(request, exc.message if isinstance(exc, Conflict) else " ".join(exc.messages))
        return redirect("risks:opinion_detail", pk=reply.pk)
    messages.success(request, _("The draft reply is deleted."))
    return redirect("risks:opinion_list")


@permission_required(OPINION)
def opinion_export(request, pk: int):
    """The letter as a Word document (audited)."""
    reply = _reply_or_404(request.user, pk)
    return docx.docx_response(reply_export(reply=reply, actor=request.user), reply_filename(reply))


urls = [
    path("opinions/", opinion_list, name="opinion_list"),
    path("opinions/new/", opinion_compile, name="opinion_compile"),
    path("opinions/<int:pk>/", opinion_detail, name="opinion_detail"),
    path("opinions/<int:pk>/edit/", opinion_update, name="opinion_update"),
    path("opinions/<int:pk>/sign/", opinion_sign, name="opinion_sign"),
    path("opinions/<int:pk>/delete/", opinion_delete, name="opinion_delete"),
    path("opinions/<int:pk>/letter.docx", opinion_export, name="opinion_export"),
]
