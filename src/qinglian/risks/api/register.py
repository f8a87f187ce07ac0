"""The risk register over the API: risk points (the list with the page's filters, one point with its measures,
reviews, incidents, history and the moves the caller may make), recording and changing them, the workflow,
periodic reviews, incidents, posts, "my risk points" and the rules that set levels and ratings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from qinglian.core.links import records_resolve
from qinglian.core.paging import IdPageNumberPagination
from qinglian.orgs.access import get_visible_or_404
from qinglian.orgs.models import Department, Member, Organisation, subtree_q
from qinglian.risks.models import Post, RiskPoint, RiskRound
from qinglian.risks.services import follow_up, levels, workflow
from qinglian.risks.services import register as services
from qinglian.risks.services.register import MeasureIn
from qinglian.risks.vocab import IncidentKind, Process

router = Router(tags=["risks: register"])
VIEW = services.VIEW


# --- schemas -----------------------------------------------------------------------------------------------


class MeasureOut(Schema):
    id: int
    text: str
    owner_id: int | None
    owner_name: str
    due_on: date | None

    @staticmethod
    def resolve_owner_name(obj) -> str:
        return obj.owner.name if obj.owner_id else ""


class PointOut(Schema):
    id: int
    round_id: int
    organisation_id: int
    organisation_name: str
    post_id: int | None
    post_name: str
    process: str
    title: str
    description: str
    causes: str
    criteria: list[str]
    level: int
    level_reason: str
    likelihood: int
    impact: int
    review_months: int
    next_review_on: date | None
    needs_review: bool
    needs_review_reason: str
    status: str
    proposed_by: str
    discipline_opinion: str
    return_reason: str
    version: int

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_post_name(obj) -> str:
        return str(obj.post) if obj.post_id else ""

    @staticmethod
    def resolve_proposed_by(obj) -> str:
        return obj.proposed_by.get_username() if obj.proposed_by_id else ""


class RiskRecordOut(Schema):
    kind: str
    id: int
    label: str
    url: str


class ReviewOut(Schema):
    id: int
    reviewed_on: date
    reviewer: str
    measures_effective: bool
    conclusion: str
    level_before: int
    level_after: int
    next_review_on: date

    @staticmethod
    def resolve_reviewer(obj) -> str:
        return obj.reviewer.get_username()


class IncidentOut(Schema):
    id: int
    kind: str
    description: str
    occurred_on: date
    record_kind: str
    record_id: int | None
    record: RiskRecordOut | None = None


class RiskEventOut(Schema):
    kind: str
    comment: str
    actor: str
    at: datetime

    @staticmethod
    def resolve_actor(obj) -> str:
        return obj.actor.get_username() if obj.actor_id else ""


class RatingOut(Schema):
    key: str
    label: str
    colour: str


class PointDetailOut(PointOut):
    rating: RatingOut
    measures: list[MeasureOut]
    reviews: list[ReviewOut]
    incidents: list[IncidentOut]
    events: list[RiskEventOut]
    actions: list[str] = Field(description="the moves the caller may make now (POST them to /transitions)")


class MeasureSchema(Schema):
    id: int | None = Field(None, description="an existing measure of the point (left out: a new one)")
    text: str
    owner_id: int | None = None
    due_on: date | None = None


class PointIn(Schema):
    organisation_id: int
    round_id: int | None = Field(None, description="default: the round open for the unit")
    post_id: int | None = None
    process: Process | Literal[""] = ""
    title: str
    description: str
    causes: str = ""
    criteria: list[str]
    level: int | None = Field(None, description="another level than the criteria give, with level_reason")
    level_reason: str = ""
    likelihood: int
    impact: int
    measures: list[MeasureSchema]


class PointPatch(Schema):
    version: int
    post_id: int | None = Field(None, description="0 clears it")
    process: Process | Literal[""] | None = None
    title: str | None = None
    description: str | None = None
    causes: str | None = None
    criteria: list[str] | None = None
    level: int | None = Field(None, description="0: as the criteria give")
    level_reason: str | None = None
    likelihood: int | None = None
    impact: int | None = None
    measures: list[MeasureSchema] | None = Field(
        None, description="the whole list: those with an id are changed, without an id added, left out removed"
    )


class RiskTransitionIn(Schema):
    action: Literal["propose", "review", "consult", "approve", "return", "withdraw"]
    version: int
    comment: str = Field("", description="a comment, or the reason (return)")
    opinion: str = Field("", description="discipline inspection's opinion (consult)")


class RiskProblemIn(Schema):
    problem: str
    measures: str = ""
    owner_id: int | None = None
    due_on: date | None = None


class ReviewIn(Schema):
    reviewed_on: date
    measures_effective: bool
    conclusion: str
    level_after: int
    problem: RiskProblemIn | None = Field(None, description="a problem found, put on the rectification list")


class ReviewCreatedOut(ReviewOut):
    rectification_item_id: int | None = None

    @staticmethod
    def resolve_rectification_item_id(obj) -> int | None:
        item = getattr(obj, "rectification_item", None)
        return item.pk if item is not None else None


class IncidentIn(Schema):
    kind: IncidentKind
    description: str
    occurred_on: date
    record_kind: str = ""
    record_id: int | None = None


class RiskPostOut(Schema):
    id: int
    organisation_id: int
    organisation_name: str
    department_id: int | None
    name: str
    is_active: bool

    @staticmethod
    def resolve_organisation_name(obj) -> str:
        return obj.organisation.name


class RiskPostIn(Schema):
    organisation_id: int
    name: str
    department_id: int | None = None


class PostPatch(Schema):
    name: str | None = None
    department_id: int | None = Field(None, description="0 clears it")
    is_active: bool | None = None


class SyncIn(Schema):
    organisation_id: int


class RiskSyncOut(Schema):
    added: int


class HeldPostOut(RiskPostOut):
    open_round_id: int | None = None


class RiskMyPointsOut(Schema):
    posts: list[HeldPostOut]
    registered: list[PointOut]
    own: list[PointOut]


class ChoiceOut(Schema):
    value: str | int
    label: str


class ThresholdOut(Schema):
    level: int
    min_criteria: int


class RulesOut(Schema):
    criteria: list[ChoiceOut]
    thresholds: list[ThresholdOut]
    likelihood: list[ChoiceOut]
    impact: list[ChoiceOut]
    grid: list[list[RatingOut]] = Field(description="grid[likelihood - 1][impact - 1]")
    review_months: dict[str, int]


# --- reading -----------------------------------------------------------------------------------------------


def _point(request, point_id: int) -> RiskPoint:
    point = (
        services.points_readable(request.user)
        .select_related("organisation", "round", "post", "post__department", "proposed_by")
        .filter(pk=point_id)
        .first()
    )
    if point is None:
        raise Http404
    return point


def _detail(request, point: RiskPoint) -> RiskPoint:
    grid = levels.matrix(org_path=point.organisation.path)
    point.rating = grid.rating(point.likelihood, point.impact)
    point.measure_rows = list(point.measures.select_related("owner").order_by("order", "pk"))
    point.review_rows = list(point.reviews.select_related("reviewer"))
    incidents = list(point.incidents.all())
    refs = records_resolve(request.user, [(i.record_kind, i.record_id) for i in incidents if i.record_kind])
    for row in incidents:
        row.record = refs.get((row.record_kind, row.record_id)) if row.record_kind else None
    point.incident_rows = incidents
    point.event_rows = list(point.events.select_related("actor"))
    point.action_names = workflow.point_actions(request.user, point)
    return point


class _RiskDetail(PointDetailOut):
    @staticmethod
    def resolve_rating(obj):
        return obj.rating

    @staticmethod
    def resolve_measures(obj):
        return obj.measure_rows

    @staticmethod
    def resolve_reviews(obj):
        return obj.review_rows

    @staticmethod
    def resolve_incidents(obj):
        return obj.incident_rows

    @staticmethod
    def resolve_events(obj):
        return obj.event_rows

    @staticmethod
    def resolve_actions(obj):
        return obj.action_names


@router.get("/points", response=list[PointOut], summary="Risk points the caller may see")
@paginate(IdPageNumberPagination)
def point_list(
    request,
    round_id: int | None = None,
    org_id: int | None = None,
    process: str = "",
    level: int | None = None,
    status: str = "",
    post_id: int | None = None,
):
    """`round_id`: one round (every round when absent); `org_id`: that unit and those below it; `status`: a
    point status, or needs_review / overdue (approved points raised for review / past their review date)."""
    org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id) if org_id else None
    round = RiskRound.objects.filter(pk=round_id).first() if round_id else None
    if round_id and round is None:
        raise Http404
    qs = RiskPoint.objects.visible_to(request.user).select_related(
        "organisation", "post", "post__department", "proposed_by"
    )
    qs = services.point_filter(
        qs,
        round=round,
        org=org,
        process=process if process in Process.values else "",
        level=level,
        status=status if status in services.STATUS_FILTERS else "",
        post_id=post_id,
    )
    return qs.order_by("level", "organisation__path", "pk")


@router.get("/points/{point_id}", response=_RiskDetail, summary="One risk point with its measures, reviews and history")
def point_get(request, point_id: int):
    return _detail(request, _point(request, point_id))


# --- writing -----------------------------------------------------------------------------------------------


def _person(org: Organisation, member_id: int | None, field: str) -> Member | None:
    if not member_id:
        return None
    member = services.unit_people(org).filter(pk=member_id).first()
    if member is None:
        raise ValidationError({field: _("No such member on the register of {org}.").format(org=org.name)})
    return member


def _measures(org: Organisation, rows: list[MeasureSchema]) -> list[MeasureIn]:
    return [MeasureIn(r.text, _person(org, r.owner_id, "measures"), r.due_on, r.id) for r in rows]


def _post(org: Organisation, post_id: int | None) -> Post | None:
    if not post_id:
        return None
    post = Post.objects.filter(pk=post_id, organisation=org).first()
    if post is None:
        raise ValidationError({"post_id": _("No such post at {org}.").format(org=org.name)})
    return post


def _unit_for_create(request, org_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=org_id, is_active=True).first()
    if org is None:
        raise Http404
    held = services.posts_held(services.member_of(request.user)).filter(organisation=org)
    if not (services.may_manage_unit(request.user, org) or held.exists()):
        raise Http404
    return org


@router.post("/points", response={201: _RiskDetail}, summary="Record a draft risk point with its measures")
def point_create(request, payload: PointIn):
    """By a holder of the post (for their own post) or the unit's reviewers and managers. The level comes from
    the criteria; another level needs level_reason. Every measure needs an owner from the unit's register."""
    org = _unit_for_create(request, payload.organisation_id)
    if payload.round_id:
        round = services.rounds_for(org).filter(pk=payload.round_id).first()
        if round is None:
            raise ValidationError({"round_id": _("No such round for {org}.").format(org=org.name)})
    else:
        round = services.open_round(org)
        if round is None:
            raise ValidationError({"round_id": _("No identification round is open for {org}.").format(org=org.name)})
    point = services.point_create(
        round=round,
        organisation=org,
        post=_post(org, payload.post_id),
        process=payload.process,
        title=payload.title,
        description=payload.description,
        causes=payload.causes,
        criteria=payload.criteria,
        level=payload.level,
        level_reason=payload.level_reason,
        likelihood=payload.likelihood,
        impact=payload.impact,
        measures=_measures(org, payload.measures),
        actor=request.user,
    )
    return Status(201, _detail(request, _point(request, point.pk)))


@router.patch("/points/{point_id}", response=_RiskDetail, summary="Change a draft or returned point (send its version)")
def point_update(request, point_id: int, payload: PointPatch):
    point = _point(request, point_id)
    if not (services.may_manage_unit(request.user, point) or services.is_proposer(request.user, point)):
        raise Http404
    org, sent = point.organisation, payload.model_fields_set
    measures = (
        _measures(org, payload.measures)
        if payload.measures is not None
        else [MeasureIn(m.text, m.owner, m.due_on, m.pk) for m in point.measures.select_related("owner")]
    )

    def given(name):
        value = getattr(payload, name)
        return getattr(point, name) if value is None else value

    level = point.level if point.level_reason else None
    if "level" in sent:
        level = payload.level or None
    services.point_update(
        point=point,
        version=payload.version,
        actor=request.user,
        post=_post(org, payload.post_id) if "post_id" in sent else point.post,
        process=given("process"),
        title=given("title"),
        description=given("description"),
        causes=given("causes"),
        criteria=given("criteria"),
        level=level,
        level_reason=given("level_reason"),
        likelihood=given("likelihood"),
        impact=given("impact"),
        measures=measures,
    )
    return _detail(request, _point(request, point_id))


@router.post("/points/{point_id}/transitions", response=_RiskDetail, summary="Propose, review, consult, approve, …")
def point_transition(request, point_id: int, payload: RiskTransitionIn):
    """propose (the proposer, a holder of the post, reviewers and managers), review (risks.review), consult
    (risks.consult, with `opinion`), approve (risks.manage, once the opinion is given), return (reviewers and
    managers, `comment` says why), withdraw. The point's `actions` lists those the caller may make. A stale
    `version` answers 409."""
    point = _point(request, point_id)
    if not workflow.may_act(request.user, payload.action, point):
        raise Http404
    workflow.point_transition(
        point=point,
        action=payload.action,
        actor=request.user,
        version=payload.version,
        comment=payload.comment,
        opinion=payload.opinion,
    )
    return _detail(request, _point(request, point_id))


@router.post("/points/{point_id}/reviews", response={201: ReviewCreatedOut}, summary="Record a periodic review")
def review_create(request, point_id: int, payload: ReviewIn):
    """On an approved point, by its unit's reviewers and managers or discipline inspection. The next review falls
    due the level's review cycle after `reviewed_on`; a `problem` goes on the unit's rectification list."""
    point = _point(request, point_id)
    if not services.may_follow_up(request.user, point):
        raise Http404
    problem = None
    if payload.problem is not None:
        problem = {
            "problem": payload.problem.problem,
            "measures": payload.problem.measures,
            "owner": _person(point.organisation, payload.problem.owner_id, "problem_owner"),
            "due_on": payload.problem.due_on,
        }
    review = follow_up.review_record(
        point=point,
        reviewed_on=payload.reviewed_on,
        measures_effective=payload.measures_effective,
        conclusion=payload.conclusion,
        level_after=payload.level_after,
        problem=problem,
        actor=request.user,
    )
    return Status(201, review)


@router.post("/points/{point_id}/incidents", response={201: IncidentOut}, summary="Link an incident to a point")
def incident_create(request, point_id: int, payload: IncidentIn):
    """A clue, a rectification item, an audit finding, perhaps a record the caller may see (record_kind and
    record_id, as in the record picker). The point is raised for review."""
    point = _point(request, point_id)
    if not services.may_follow_up(request.user, point):
        raise Http404
    incident = follow_up.incident_link(point=point, actor=request.user, **payload.dict())
    if incident.record_kind:
        key = (incident.record_kind, incident.record_id)
        incident.record = records_resolve(request.user, [key]).get(key)
    return Status(201, incident)


# --- posts -------------------------------------------------------------------------------------------------


@router.get("/posts", response=list[RiskPostOut], summary="Posts of the units the caller may see")
@paginate(IdPageNumberPagination)
def post_list(request, org_id: int | None = None, active: bool | None = True):
    """`org_id`: that unit and those below it; `active`: in use (default), not in use (false), all (null)."""
    qs = Post.objects.visible_to(request.user).select_related("organisation")
    if org_id:
        org = get_visible_or_404(Organisation.objects, request.user, VIEW, pk=org_id)
        qs = qs.filter(subtree_q(org.path, "organisation__"))
    if active is not None:
        qs = qs.filter(is_active=active)
    return qs.order_by("organisation__path", "name", "pk")


def _managed_org(request, org_id: int) -> Organisation:
    org = Organisation.objects.filter(pk=org_id).first()
    if org is None or not services.may_manage_unit(request.user, org):
        raise Http404
    return org


def _department(org: Organisation, department_id: int | None) -> Department | None:
    if not department_id:
        return None
    department = services.unit_departments(org).filter(pk=department_id).first()
    if department is None:
        raise ValidationError({"department_id": _("No such active department above {org}.").format(org=org.name)})
    return department


@router.post("/posts", response={201: RiskPostOut}, summary="Add a post to a unit")
def post_create(request, payload: RiskPostIn):
    org = _managed_org(request, payload.organisation_id)
    post = services.post_create(
        organisation=org, name=payload.name, department=_department(org, payload.department_id), actor=request.user
    )
    return Status(201, post)


@router.post("/posts/sync", response=RiskSyncOut, summary="Add the posts the member register shows in a unit")
def posts_sync(request, payload: SyncIn):
    org = _managed_org(request, payload.organisation_id)
    return {"added": services.posts_sync(organisation=org, actor=request.user)}


@router.patch("/posts/{post_id}", response=RiskPostOut, summary="Rename a post, move it, take it out of use")
def post_update(request, post_id: int, payload: PostPatch):
    post = Post.objects.visible_to(request.user).select_related("organisation").filter(pk=post_id).first()
    if post is None or not services.may_manage_unit(request.user, post):
        raise Http404
    sent = payload.model_fields_set
    if "name" in sent or "department_id" in sent:
        department = (
            _department(post.organisation, payload.department_id) if "department_id" in sent else post.department
        )
        post = services.post_update(
            post=post, name=payload.name if payload.name is not None else post.name, department=department,
            actor=request.user,
        )  # fmt: skip
    if payload.is_active is not None:
        post = services.post_set_active(post=post, is_active=payload.is_active, actor=request.user)
    return post


# --- mine and the rules ------------------------------------------------------------------------------------


@router.get(
    "/my-points", response=RiskMyPointsOut, summary="The caller's posts, their approved points and own proposals"
)
def my_points(request):
    found = services.member_points(request.user)
    posts = []
    for post, open_round in found["posts"]:
        post.open_round_id = open_round.pk if open_round else None
        posts.append(post)
    return {"posts": posts, "registered": found["registered"], "own": found["own"]}


@router.get("/register-rules", response=RulesOut, summary="Criteria, level thresholds, matrix and review cycles")
def register_rules(request, org_id: int | None = None):
    """The rules in force for a unit (`org_id`, one the caller may see) or system-wide, labelled in the
    caller's language."""
    org = get_visible_or_404(Organisation.objects, request.user, "org.view", pk=org_id) if org_id else None
    path = org.path if org else ""
    grid = levels.matrix(org_path=path)
    return {
        "criteria": [{"value": k, "label": label} for k, label in levels.criteria_choices(org_path=path)],
        "thresholds": [{"level": lv, "min_criteria": n} for lv, n in levels.level_thresholds(org_path=path)],
        "likelihood": [{"value": n, "label": label} for n, label in grid.likelihood],
        "impact": [{"value": n, "label": label} for n, label in grid.impact],
        "grid": [[grid.rating(r, c) for c, _label in grid.impact] for r, _name in grid.likelihood],
        "review_months": {str(lv): levels.review_months(lv, org_path=path) for lv in (1, 2, 3)},
    }
