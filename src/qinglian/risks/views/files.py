"""Integrity files: My integrity file (the cadre's years, opening this year's, filling in and submitting sections),
the review list of discipline inspection (the cadres of a scope by year, opening every file at once), a file's page
(sections, facts from other modules, history, review, named reviewers, the access log), and print views.

A file opens only for the cadre, discipline inspection at the cadre's unit and current named reviewers; everyone
else gets 404. Every page that shows a file's content writes an audit event (services.file_view_record).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.services import Conflict
from qinglian.risks.forms.files import OpenForm, ReturnForm, ReviewerForm, SectionForm, VersionForm, new_row
from qinglian.risks.models import FileReviewer, IntegrityFile, SectionEvent
from qinglian.risks.sections import SECTIONS
from qinglian.risks.services import files as services
from qinglian.risks.services import section_data
from qinglian.risks.services.files import FILE_REVIEW, S
from qinglian.risks.services.register import member_of

PAGE_SIZE = 30
LOG_SIZE = 50
UNITS_MAX = 300
STATUS_FILTERS = ("awaiting", "returned", "unopened", "complete")


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() and len(str(value)) < 10 else None


def _year(value) -> int:
    year = _int(value)
    today = timezone.localdate()
    return year if year is not None and services.FIRST_YEAR <= year <= today.year + 1 else today.year


# --- My integrity file -------------------------------------------------------------------------------------


@login_required
def my_files(request):
    """The cadre's files by year with where each section stands, and this year's to open."""
    me = member_of(request.user)
    year = timezone.localdate().year
    files = []
    if me is not None:
        files = list(IntegrityFile.objects.filter(member=me).prefetch_related("sections").order_by("-year"))
    for file in files:
        file.counts = services.file_status(file.sections.all())
    context = {
        "me": me,
        "year": year,
        "files": files,
        "may_open": me is not None and me.is_cadre and all(f.year != year for f in files),
    }
    return render(request, "risks/file_mine.html", context)


@login_required
@require_POST
def my_file_open(request):
    me = member_of(request.user)
    if me is None:
        raise Http404
    try:
        file = services.file_open(member=me, year=timezone.localdate().year, actor=request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("risks:file_mine")
    messages.success(request, _("Your integrity file for {year} is open: fill in each section and submit it.").format(
        year=file.year))  # fmt: skip
    return redirect("risks:file_detail", pk=file.pk)


# --- the review list ---------------------------------------------------------------------------------------


def _list_filters(request, root: Organisation) -> dict:
    unit = None
    unit_id = _int(request.GET.get("unit"))
    if unit_id:
        unit = Organisation.objects.filter(pk=unit_id).subtree(root).first()
    status = request.GET.get("status", "")
    return {
        "year": _year(request.GET.get("year")),
        "unit": unit,
        "status": status if status in STATUS_FILTERS else "",
        "q": request.GET.get("q", "").strip()[:60],
    }


@permission_required(FILE_REVIEW)
def file_list(request):
    """The cadres of the scope whose files the user reviews, with where their file of the year stands."""
    root = scope_or_404(request)
    filters = _list_filters(request, root)
    year = filters["year"]
    cadres = services.cadres_for_review(request.user, root)
    members = services.cadres_filter(cadres, **filters).order_by("organisation__path", "name_pinyin", "pk")
    page = id_page(members.select_related("organisation"), per_page=PAGE_SIZE, number=request.GET.get("page"))
    files = {
        f.member_id: f
        for f in IntegrityFile.objects.filter(year=year, member__in=[m.pk for m in page.object_list])
        .prefetch_related("sections")
    }  # fmt: skip
    for member in page.object_list:
        member.file = files.get(member.pk)
        member.counts = services.file_status(member.file.sections.all()) if member.file else None
    this_year = IntegrityFile.objects.filter(year=year, member__in=cadres)
    context = {
        "root": root,
        "page": page,
        "counts": {
            "cadres": cadres.count(),
            "unopened": cadres.exclude(integrity_files__year=year).count(),
            "awaiting": this_year.filter(sections__status=S.SUBMITTED).distinct().count(),
            "complete": this_year.annotate(left=Count("sections", filter=Q(sections__status__in=services.EDITABLE)))
            .filter(left=0)
            .count(),
        },
        "statuses": [
            ("", _("All")),
            ("awaiting", _("Awaiting review")),
            ("returned", _("Returned")),
            ("unopened", _("Not opened")),
            ("complete", _("All submitted")),
        ],
        "units": Organisation.objects.filter(pk__in=cadres.values("organisation_id")).order_by("path")[:UNITS_MAX],
        "years": range(timezone.localdate().year + 1, timezone.localdate().year - 6, -1),
        "open_form": OpenForm(initial={"year": timezone.localdate().year}),
        **filters,
    }
    return render(request, "risks/file_list.html", context)


@permission_required(FILE_REVIEW)
@require_POST
def file_open_all(request):
    """Open the year's file of every cadre of the scope who has none yet."""
    root = scope_or_404(request)
    form = OpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a year."))
        return redirect("risks:file_list")
    try:
        opened = services.files_open_for_cadres(org=root, year=form.cleaned_data["year"], actor=request.user)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("{n} files opened for {year}; the cadres who had one keep it.").format(
            n=opened, year=form.cleaned_data["year"]))  # fmt: skip
    return redirect(reverse("risks:file_list") + f"?year={form.cleaned_data['year']}")


@permission_required(FILE_REVIEW)
@require_POST
def file_open_for(request, pk: int):
    """Open one cadre's file for a year (discipline inspection)."""
    member = Member.objects.select_related("organisation").filter(pk=pk).first()
    if member is None or not services.may_review(request.user, member):
        raise Http404(_("No such record, or it is not within your organisations."))
    form = OpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a year."))
        return redirect("risks:file_list")
    year = form.cleaned_data["year"]
    try:
        file = services.file_open(member=member, year=year, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("risks:file_list") + f"?year={year}")
    return redirect("risks:file_detail", pk=file.pk)


# --- a file's page -----------------------------------------------------------------------------------------


def _section_cards(request, file: IntegrityFile, sections: list, forms: dict) -> list:
    user, member = request.user, file.member
    mine = services.is_cadre_self(user, member)
    reviews = services.may_review(user, member) and not mine
    cards = []
    for section in sections:
        version = {"version": section.version}
        posted = forms.get(section.pk, {})
        card = {
            "section": section,
            "content": section_data.section_display(section),
            "may_edit": mine and section.status in services.EDITABLE,
            "submit_form": None,
            "return_form": None,
            "accept_form": None,
            "archive_form": None,
            "errors": posted.get("errors", []),
        }
        if mine and section.status in services.EDITABLE:
            card["submit_form"] = posted.get("submit_form") or VersionForm(initial=version)
        if reviews and section.status == S.SUBMITTED:
            card["return_form"] = posted.get("return_form") or ReturnForm(initial=version, auto_id=_card_id(section))
            card["accept_form"] = VersionForm(initial=version)
        if reviews and section.status == S.ACCEPTED:
            card["archive_form"] = VersionForm(initial=version)
        cards.append(card)
    return cards


def _detail(request, file: IntegrityFile, *, status: int = 200, forms: dict | None = None):
    user, member = request.user, file.member
    services.file_view_record(user=user, file=file, what="file")
    sections = services.sections_of(file)
    may_review = services.may_review(user, member) and not services.is_cadre_self(user, member)
    see_log = services.may_see_log(user, member)
    context = {
        "file": file,
        "member": member,
        "cards": _section_cards(request, file, sections, forms or {}),
        "counts": services.file_status(sections),
        "facts": services.file_facts(member, file.year),
        "events": SectionEvent.objects.filter(section__file=file).select_related("actor", "section")
        .order_by("-at", "-pk")[:30],
        "is_cadre": services.is_cadre_self(user, member),
        "may_review": may_review,
        "named": FileReviewer.objects.current().filter(member=member, user=user).first()
        if not (may_review or services.is_cadre_self(user, member))
        else None,
        "reviewers": services.reviewers_of(member) if may_review else None,
        "reviewer_form": (forms or {}).get("reviewer_form") or ReviewerForm() if may_review else None,
        "log": list(services.access_log(file)[:10]) if see_log else None,
        "other_years": IntegrityFile.objects.filter(member=member).exclude(pk=file.pk).order_by("-year"),
    }  # fmt: skip
    by_pk = {str(s.pk): s for s in sections}
    for event in context["log"] or []:
        event.line = services.log_line(event)
        event.section = by_pk.get(event.object_id) if event.object_type == "risks.filesection" else None
    if context["reviewers"] is not None:
        today = timezone.localdate()
        context["reviewers"] = list(context["reviewers"])
        for reviewer in context["reviewers"]:
            reviewer.current = reviewer.revoked_at is None and (
                reviewer.expires_on is None or reviewer.expires_on >= today
            )
    return render(request, "risks/file_detail.html", context, status=status)


@login_required
def file_detail(request, pk: int):
    return _detail(request, services.file_get_or_404(request.user, pk=pk))


@login_required
def file_print(request, pk: int):
    """The whole file on paper: every section's content, identity numbers masked."""
    file = services.file_get_or_404(request.user, pk=pk)
    services.file_view_record(user=request.user, file=file, what="print")
    sections = [(s, section_data.section_display(s)) for s in services.sections_of(file)]
    return render(request, "risks/file_print.html", {"file": file, "member": file.member, "sections": sections})


@login_required
def file_log(request, pk: int):
    """Every audit event about the file, its sections and the cadre's named reviewers: who did or saw what, when."""
    file = services.file_get_or_404(request.user, pk=pk)
    if not services.may_see_log(request.user, file.member):
        raise Http404
    services.file_view_record(user=request.user, file=file, what="log")
    page = Paginator(services.access_log(file), LOG_SIZE).get_page(request.GET.get("page"))
    sections = {str(s.pk): s for s in file.sections.all()}
    for event in page.object_list:
        event.line = services.log_line(event)
        event.section = sections.get(event.object_id) if event.object_type == "risks.filesection" else None
    return render(request, "risks/file_log.html", {"file": file, "member": file.member, "page": page})


# --- sections ----------------------------------------------------------------------------------------------


def _cadre_section_or_404(user, pk: int):
    section = services.section_get_or_404(user, pk=pk)
    if not services.is_cadre_self(user, section.file.member):
        raise Http404
    return section


def _edit_page(request, section, form: SectionForm, *, status: int = 200):
    context = {
        "section": section,
        "file": section.file,
        "shape": form.shape,
        "form": form,
        "help": SECTIONS[section.kind].help,
        "editable": section.status in services.EDITABLE,
        "content": None if section.status in services.EDITABLE else section_data.section_display(section),
    }
    return render(request, "risks/section_edit.html", context, status=status)


@login_required
def section_edit(request, pk: int):
    """The cadre fills in a section: its fields and its lists of rows; save as a draft, or save and submit."""
    section = _cadre_section_or_404(request.user, pk)
    shape = section_data.shape_of(section)
    if request.method != "POST":
        services.file_view_record(user=request.user, file=section.file, what="section", section=section)
        return _edit_page(request, section, SectionForm(shape, stored=section.data, version=section.version))
    form = SectionForm(shape, data=request.POST, version=_int(request.POST.get("version")))
    if request.POST.get("add_row"):  # no scripts: the page comes back with one more blank row, nothing saved
        form.add_row(request.POST["add_row"])
        return _edit_page(request, section, form)
    try:
        saved = services.section_save(section=section, data=form.service_data(), actor=request.user,
                                      version=form.version)  # fmt: skip
        if request.POST.get("submit"):
            services.section_submit(section=saved, version=saved.version, actor=request.user)
    except Conflict as exc:
        form.non_field_errors.append(exc.message)
        return _edit_page(request, services.section_get_or_404(request.user, pk=pk), form, status=409)
    except ValidationError as exc:
        form.add_service_errors(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
        return _edit_page(request, services.section_get_or_404(request.user, pk=pk), form, status=422)
    if request.POST.get("submit"):
        messages.success(request, _("“{section}” is submitted to discipline inspection.").format(
            section=section.get_kind_display()))  # fmt: skip
    else:
        messages.success(request, _("“{section}” is saved as a draft.").format(section=section.get_kind_display()))
    return redirect(reverse("risks:file_detail", args=[section.file_id]) + f"#section-{section.kind}")


@login_required
def section_row(request, pk: int):
    """One more blank row of a list (htmx)."""
    section = _cadre_section_or_404(request.user, pk)
    shape = section_data.shape_of(section)
    rows_of = next((rows for rows in shape.lists if rows.key == request.GET.get("list")), None)
    if rows_of is None or section.status not in services.EDITABLE:
        raise Http404
    return render(request, "risks/partials/section_row.html", {"row": new_row(rows_of), "rows_of": rows_of})


@login_required
def section_print(request, pk: int):
    """One section on paper, identity numbers masked."""
    section = services.section_get_or_404(request.user, pk=pk)
    services.file_view_record(user=request.user, file=section.file, what="print", section=section)
    context = {"file": section.file, "member": section.file.member,
               "sections": [(section, section_data.section_display(section))]}  # fmt: skip
    return render(request, "risks/file_print.html", context)


def _card_id(section) -> str:
    """Field ids of one section card's forms: several cards on a page must not share a label's target."""
    return f"s{section.pk}-%s"


def _step(request, pk: int, *, name: str, form_class, allowed, call, success):
    section = services.section_get_or_404(request.user, pk=pk)
    file = section.file
    if not allowed(request.user, file.member):
        raise Http404
    form = form_class(request.POST, auto_id=_card_id(section))
    anchor = reverse("risks:file_detail", args=[file.pk]) + f"#section-{section.kind}"
    status = 422
    if form.is_valid():
        try:
            call(section, form.cleaned_data)
        except Conflict as exc:
            form.add_error(None, exc.message)
            status = 409
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied):
                form.add_error(None, str(exc))
            else:
                add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(anchor)
    file = services.file_get_or_404(request.user, pk=file.pk)
    errors = [e for errors in form.errors.values() for e in errors]
    return _detail(request, file, status=status, forms={section.pk: {name: form, "errors": errors}})


@login_required
@require_POST
def section_submit(request, pk: int):
    return _step(
        request,
        pk,
        name="submit_form",
        form_class=VersionForm,
        allowed=services.is_cadre_self,
        call=lambda section, data: services.section_submit(section=section, actor=request.user, **data),
        success=_("The section is submitted to discipline inspection."),
    )


@login_required
@require_POST
def section_return(request, pk: int):
    return _step(
        request,
        pk,
        name="return_form",
        form_class=ReturnForm,
        allowed=services.may_review,
        call=lambda section, data: services.section_return(section=section, actor=request.user, **data),
        success=_("The section is returned to the cadre with your reason."),
    )


@login_required
@require_POST
def section_accept(request, pk: int):
    return _step(
        request,
        pk,
        name="accept_form",
        form_class=VersionForm,
        allowed=services.may_review,
        call=lambda section, data: services.section_accept(section=section, actor=request.user, **data),
        success=_("The section is accepted."),
    )


@login_required
@require_POST
def section_archive(request, pk: int):
    return _step(
        request,
        pk,
        name="archive_form",
        form_class=VersionForm,
        allowed=services.may_review,
        call=lambda section, data: services.section_archive(section=section, actor=request.user, **data),
        success=_("The section is archived; it no longer changes."),
    )


# --- named reviewers ---------------------------------------------------------------------------------------


@login_required
@require_POST
def reviewer_grant(request, pk: int):
    file = services.file_get_or_404(request.user, pk=pk)
    if not services.may_review(request.user, file.member):
        raise Http404
    form = ReviewerForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.reviewer_grant(member=file.member, user=data["username"], reason=data["reason"],
                                    expires_on=data["expires_on"], actor=request.user)  # fmt: skip
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"user": "username"})
        else:
            messages.success(request, _("{user} may now read {name}'s integrity files.").format(
                user=data["username"].get_username(), name=file.member.name))  # fmt: skip
            return redirect(reverse("risks:file_detail", args=[file.pk]) + "#reviewers")
    return _detail(request, file, status=422, forms={"reviewer_form": form})


@login_required
@require_POST
def reviewer_revoke(request, pk: int):
    reviewer = FileReviewer.objects.select_related("member__organisation", "user").filter(pk=pk).first()
    if reviewer is None or not services.may_review(request.user, reviewer.member):
        raise Http404(_("No such record, or it is not within your organisations."))
    try:
        services.reviewer_revoke(reviewer=reviewer, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("{user} can no longer read {name}'s integrity files.").format(
            user=reviewer.user.get_username(), name=reviewer.member.name))  # fmt: skip
    back = _int(request.POST.get("file"))
    file = IntegrityFile.objects.filter(pk=back, member=reviewer.member).first() if back else None
    if file is None:
        file = IntegrityFile.objects.filter(member=reviewer.member).order_by("-year").first()
    return (
        redirect(reverse("risks:file_detail", args=[file.pk]) + "#reviewers") if file else redirect("risks:file_list")
    )


urls = [
    path("files/mine/", my_files, name="file_mine"),
    path("files/mine/open/", my_file_open, name="file_open_mine"),
    path("files/", file_list, name="file_list"),
    path("files/open-all/", file_open_all, name="file_open_all"),
    path("files/cadres/<int:pk>/open/", file_open_for, name="file_open_for"),
    path("files/<int:pk>/", file_detail, name="file_detail"),
    path("files/<int:pk>/print/", file_print, name="file_print"),
    path("files/<int:pk>/log/", file_log, name="file_log"),
    path("files/<int:pk>/reviewers/", reviewer_grant, name="reviewer_grant"),
    path("files/reviewers/<int:pk>/revoke/", reviewer_revoke, name="reviewer_revoke"),
    path("files/sections/<int:pk>/", section_edit, name="section_edit"),
    path("files/sections/<int:pk>/row/", section_row, name="section_row"),
    path("files/sections/<int:pk>/print/", section_print, name="section_print"),
    path("files/sections/<int:pk>/submit/", section_submit, name="section_submit"),
    path("files/sections/<int:pk>/return/", section_return, name="section_return"),
    path("files/sections/<int:pk>/accept/", section_accept, name="section_accept"),
    path("files/sections/<int:pk>/archive/", section_archive, name="section_archive"),
]
