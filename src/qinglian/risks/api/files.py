"""Integrity files over the API: the caller's own files, discipline inspection's list of cadres by year, a file with
its sections and the facts other modules hold, one section, saving and the review steps, opening files, named
reviewers and the access log.

The same rules as the pages: a file answers only the cadre, discipline inspection at the cadre's unit and current
named reviewers (404 for everyone else), and every read of a file's content is an audit event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from qinglian.core.paging import IdPageNumberPagination
from qinglian.core.registry import PersonFact
from qinglian.orgs.access import get_visible_or_404, has_permission
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.risks.models import FileReviewer, IntegrityFile
from qinglian.risks.services import files as services
from qinglian.risks.services import section_data
from qinglian.risks.services.files import FILE_REVIEW

router = Router(tags=["risks: integrity files"])


class SectionSummaryOut(Schema):
    id: int
    kind: str
    label: str
    status: str
    submitted_at: datetime | None
    reviewed_at: datetime | None
    return_reason: str
    archived_at: datetime | None
    version: int

    @staticmethod
    def resolve_label(obj) -> str:
        return str(obj.get_kind_display())


class SectionOut(SectionSummaryOut):
    file_id: int
    data: dict[str, Any] = Field(description="the content as section save takes it; identity numbers masked")

    @staticmethod
    def resolve_data(obj) -> dict:
        return section_data.section_plain(obj)


class FileOut(Schema):
    id: int
    member_id: int
    member_name: str
    organisation_name: str
    year: int
    created_at: datetime
    sections: list[SectionSummaryOut]

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.member.organisation.name

    @staticmethod
    def resolve_sections(obj) -> list:
        return services.sections_of(obj)


class FactOut(Schema):
    day: date | None
    title: str
    detail: str
    url: str


class FactGroupOut(Schema):
    topic: str
    label: str
    recorded: bool = Field(description="false: no module of this installation keeps this topic")
    facts: list[FactOut]


class FileDetailOut(FileOut):
    section_data: list[SectionOut]
    facts: list[FactGroupOut]


class CadreOut(Schema):
    member_id: int
    name: str
    organisation_id: int
    organisation_name: str
    post: str
    file: FileOut | None = Field(None, description="the cadre's file of the year asked for, null when not opened")

    @staticmethod
    def resolve_member_id(obj) -> int:
        return obj.pk

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_file(obj):
        return obj.files_of_year[0] if obj.files_of_year else None


class SaveIn(Schema):
    version: int
    data: dict[str, Any] = Field(
        description="every field and list of the section (it replaces the content); an identity number sent back "
        "masked as it was read keeps the stored number"
    )


class StepIn(Schema):
    action: Literal["submit", "return", "accept", "archive"]
    version: int
    reason: str = Field("", description="why the section is returned (return)")


class FileOpenIn(Schema):
    member_id: int
    year: int


class OpenAllIn(Schema):
    org_id: int
    year: int


class OpenAllOut(Schema):
    opened: int


class ReviewerIn(Schema):
    username: str
    reason: str
    expires_on: date | None = None


class ReviewerOut(Schema):
    id: int
    member_id: int
    username: str
    reason: str
    expires_on: date | None
    granted_by: str
    granted_at: datetime
    revoked_at: datetime | None
    current: bool

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.get_username()

    @staticmethod
    def resolve_granted_by(obj) -> str:
        return obj.granted_by.get_username()

    @staticmethod
    def resolve_current(obj) -> bool:
        today = timezone.localdate()
        return obj.revoked_at is None and (obj.expires_on is None or obj.expires_on >= today)


class LogOut(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    what: str
    object_type: str
    object_id: str
    object: str
    via: str = Field(description="page or api")
    reason: str

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor_label

    @staticmethod
    def resolve_what(obj) -> str:
        return services.log_line(obj)

    @staticmethod
    def resolve_object(obj) -> str:
        return obj.object_repr

    @staticmethod
    def resolve_via(obj) -> str:
        return (obj.changes or {}).get("via", "")


# --- reading -----------------------------------------------------------------------------------------------


def _file(request, file_id: int) -> IntegrityFile:
    return services.file_get_or_404(request.user, pk=file_id)


def _facts(groups) -> list[dict]:
    def fact(f: PersonFact) -> dict:
        day = f.day if isinstance(f.day, date) else None
        return {"day": day, "title": str(f.title), "detail": str(f.detail), "url": f.url}

    return [
        {"topic": g.topic, "label": g.label, "recorded": g.recorded, "facts": [fact(f) for f in g.facts]}
        for g in groups
    ]


def _detail(request, file: IntegrityFile) -> IntegrityFile:
    services.file_view_record(user=request.user, file=file, what="file", via="api")
    file.section_data = services.sections_of(file)
    file.facts = _facts(services.file_facts(file.member, file.year))
    return file


@router.get("/files/mine", response=list[FileOut], summary="The caller's own integrity files, newest first")
def my_files(request):
    return (
        IntegrityFile.objects.filter(member__user=request.user)
        .select_related("member__organisation")
        .prefetch_related("sections")
        .order_by("-year")
    )


@router.get("/files", response=list[CadreOut], summary="Cadres in the caller's review and their file of a year")
@paginate(PageNumberPagination)
def file_list(request, year: int | None = None, org_id: int | None = None, status: str = "", q: str = ""):
    """Discipline inspection's list (risks.file_review): every cadre of the units the caller reviews (`org_id`: that
    unit's subtree), with the file of `year` (this year by default) or null. `status`: awaiting (a section awaits
    review), returned, unopened, complete (every section submitted or beyond); `q`: a name or its pinyin."""
    if not has_permission(request.user, FILE_REVIEW):
        raise Http404
    year = year or timezone.localdate().year
    unit = get_visible_or_404(Organisation.objects, request.user, FILE_REVIEW, pk=org_id) if org_id else None
    qs = Member.objects.visible_to(request.user, FILE_REVIEW).filter(is_cadre=True, status__in=ON_REGISTER)
    status = status if status in ("awaiting", "returned", "unopened", "complete") else ""
    qs = services.cadres_filter(qs, year=year, unit=unit, status=status, q=q)
    of_year = Prefetch(
        "integrity_files",
        queryset=IntegrityFile.objects.filter(year=year)
        .select_related("member__organisation")
        .prefetch_related("sections"),
        to_attr="files_of_year",
    )
    return (
        qs.select_related("organisation").prefetch_related(of_year).order_by("organisation__path", "name_pinyin", "pk")
    )


@router.get("/files/{int:file_id}", response=FileDetailOut, summary="One file with its sections' content and the facts")
def file_get(request, file_id: int):
    """Identity numbers are masked. Reading it is recorded in the file's access log."""
    return _detail(request, _file(request, file_id))


@router.get(
    "/files/{int:file_id}/facts", response=list[FactGroupOut], summary="What other modules hold about the cadre"
)
def file_facts(request, file_id: int):
    file = _file(request, file_id)
    services.file_view_record(user=request.user, file=file, what="facts", via="api")
    return _facts(services.file_facts(file.member, file.year))


@router.get("/files/{int:file_id}/log", response=list[LogOut], summary="The file's access log, newest first")
@paginate(IdPageNumberPagination)
def file_log(request, file_id: int):
    """For the cadre and discipline inspection (not named reviewers)."""
    file = _file(request, file_id)
    if not services.may_see_log(request.user, file.member):
        raise Http404
    services.file_view_record(user=request.user, file=file, what="log", via="api")
    return services.access_log(file)


@router.get("/sections/{section_id}", response=SectionOut, summary="One section with its content")
def section_get(request, section_id: int):
    section = services.section_get_or_404(request.user, pk=section_id)
    services.file_view_record(user=request.user, file=section.file, what="section", section=section, via="api")
    return section


# --- writing -----------------------------------------------------------------------------------------------


@router.post("/files", response={201: FileDetailOut}, summary="Open a cadre's file for a year")
def file_open(request, payload: FileOpenIn):
    """The cadre opens their own; discipline inspection any cadre's at the units it reviews."""
    member = Member.objects.select_related("organisation").filter(pk=payload.member_id).first()
    if member is None or not (
        services.is_cadre_self(request.user, member) or services.may_review(request.user, member)
    ):
        raise Http404
    file = services.file_open(member=member, year=payload.year, actor=request.user)
    return Status(201, _detail(request, _file(request, file.pk)))


@router.post("/files/open-all", response=OpenAllOut, summary="Open the year's file of every cadre of a unit's subtree")
def file_open_all(request, payload: OpenAllIn):
    org = get_visible_or_404(Organisation.objects, request.user, FILE_REVIEW, pk=payload.org_id)
    return {"opened": services.files_open_for_cadres(org=org, year=payload.year, actor=request.user)}


@router.put("/sections/{section_id}", response=SectionOut, summary="Save a section's content (the cadre)")
def section_save(request, section_id: int, payload: SaveIn):
    """Replaces the content; refused (422, each message naming the row and field) with nothing saved when any of it
    is wrong; 409 when `version` is stale."""
    section = services.section_get_or_404(request.user, pk=section_id)
    if not services.is_cadre_self(request.user, section.file.member):
        raise Http404
    return services.section_save(section=section, data=payload.data, actor=request.user, version=payload.version)


@router.post("/sections/{section_id}/steps", response=SectionOut, summary="Submit, return, accept or archive")
def section_step(request, section_id: int, payload: StepIn):
    """submit (the cadre; draft or returned), return (with `reason`), accept, archive (discipline inspection at the
    cadre's unit). A section submitted twice is refused (422); a stale `version` answers 409."""
    section = services.section_get_or_404(request.user, pk=section_id)
    member = section.file.member
    common = {"section": section, "version": payload.version, "actor": request.user}
    if payload.action == "submit":
        if not services.is_cadre_self(request.user, member):
            raise Http404
        return services.section_submit(**common)
    if not services.may_review(request.user, member):
        raise Http404
    if payload.action == "return":
        return services.section_return(reason=payload.reason, **common)
    if payload.action == "accept":
        return services.section_accept(**common)
    return services.section_archive(**common)


# --- named reviewers ---------------------------------------------------------------------------------------


def _reviewing(request, file_id: int) -> IntegrityFile:
    file = _file(request, file_id)
    if not services.may_review(request.user, file.member):
        raise Http404
    return file


@router.get("/files/{int:file_id}/reviewers", response=list[ReviewerOut], summary="The cadre's named reviewers")
def reviewer_list(request, file_id: int):
    return list(services.reviewers_of(_reviewing(request, file_id).member))


@router.post(
    "/files/{int:file_id}/reviewers", response={201: ReviewerOut}, summary="Name a reviewer of the cadre's files"
)
def reviewer_grant(request, file_id: int, payload: ReviewerIn):
    file = _reviewing(request, file_id)
    user = get_user_model().objects.filter(username=payload.username.strip(), is_active=True).first()
    if user is None:
        raise ValidationError({"username": _("No active login is called “{name}”.").format(name=payload.username)})
    granted = services.reviewer_grant(
        member=file.member, user=user, reason=payload.reason, expires_on=payload.expires_on, actor=request.user
    )
    return Status(201, granted)


@router.post("/reviewers/{reviewer_id}/revoke", response=ReviewerOut, summary="End a named reviewer's access")
def reviewer_revoke(request, reviewer_id: int):
    reviewer = (
        FileReviewer.objects.select_related("member__organisation", "user", "granted_by").filter(pk=reviewer_id).first()
    )
    if reviewer is None or not services.may_review(request.user, reviewer.member):
        raise Http404
    return services.reviewer_revoke(reviewer=reviewer, actor=request.user)
