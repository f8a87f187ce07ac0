"""The integrity-risk register: posts, risk points with their measures, periodic reviews and linked incidents.

Who may do what:
- a holder of a post (a member on the register whose administrative post matches, see Post.holders) records
  draft risk points for their own post in the open round, changes them while they are drafts or returned,
  and proposes them (services.workflow);
- the unit's reviewers (risks.review, the branch) and managers (risks.manage, the committee) record and
  change points of any post or process of the unit, keep its posts, and review them;
- periodic reviews and incidents are recorded on approved points by reviewers, managers and discipline
  inspection (risks.consult).

An actor of None is the system (demo data, copies of last year's round), whose writes are not checked against
roles. Every write is one transaction with its PointEvent and audit event: a refusal leaves nothing behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.orgs.access import can, scope_q
from qinglian.orgs.models import Department, Member, Organisation, ancestor_paths, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.risks.models import PointEvent, Post, RiskMeasure, RiskPoint, RiskRound
from qinglian.risks.services import levels
from qinglian.risks.vocab import Level, PointEventKind, PointStatus, Process, RoundStatus

VIEW, REVIEW, MANAGE, CONSULT = "risks.view", "risks.review", "risks.manage", "risks.consult"
EDITABLE = (PointStatus.DRAFT, PointStatus.RETURNED)
REVIEW_RECORD_KIND = "risks.review"


# --- who may do what ---------------------------------------------------------------------------------------


def member_of(user) -> Member | None:
    """The member record behind a login; None for a login that is no member's and for the system."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return Member.objects.select_related("organisation").get(user=user)
    except Member.DoesNotExist:
        return None


def posts_held(member: Member | None):
    """The active posts the member holds now: their administrative post, at their unit or a unit above it,
    in their department (or in no particular department)."""
    if member is None or not member.post or member.status not in ON_REGISTER:
        return Post.objects.none()
    return Post.objects.filter(
        Q(department__isnull=True) | Q(department_id=member.department_id),
        is_active=True,
        name=member.post,
        organisation__path__in=ancestor_paths(member.organisation.path),
    )


def holds_post(user, post: Post | None) -> bool:
    if post is None:
        return False
    return posts_held(member_of(user)).filter(pk=post.pk).exists()


def may_manage_unit(user, obj) -> bool:
    """Reviewers and managers of the unit: record and change any of its points, keep its posts."""
    return can(user, REVIEW, obj) or can(user, MANAGE, obj)


def may_create(user, org: Organisation, post: Post | None) -> bool:
    return may_manage_unit(user, org) or holds_post(user, post)


def is_proposer(user, point: RiskPoint) -> bool:
    """The person who recorded or proposed the point, or a holder of its post now."""
    if not getattr(user, "is_authenticated", False):
        return False
    return point.proposed_by_id == user.pk or holds_post(user, point.post)


def may_edit(user, point: RiskPoint) -> bool:
    if point.status not in EDITABLE or point.round.status != RoundStatus.OPEN:
        return False
    return may_manage_unit(user, point) or is_proposer(user, point)


def may_follow_up(user, point_or_org) -> bool:
    """Periodic reviews and incidents: the unit's reviewers and managers, and discipline inspection."""
    return may_manage_unit(user, point_or_org) or can(user, CONSULT, point_or_org)


def points_readable(user):
    """The points the user may open: those at units where they hold risks.view, those they recorded or
    proposed, and those of the posts they hold."""
    if not getattr(user, "is_authenticated", False):
        return RiskPoint.objects.none()
    q = scope_q(user, VIEW, model=RiskPoint) | Q(proposed_by=user)
    held = posts_held(member_of(user))
    if held.exists():
        q |= Q(post__in=held.values("pk"))
    return RiskPoint.objects.filter(q)


# --- checks ------------------------------------------------------------------------------------------------


class _Errors:
    """Gathers the refusals of several checks, so that a form shows them all at once."""

    def __init__(self):
        self.found: dict[str, list[str]] = {}

    def check(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
            for name, errors in messages.items():
                self.found.setdefault(name, []).extend(errors)
            return None

    def add(self, name: str, message: str) -> None:
        self.found.setdefault(name, []).append(message)

    def raise_any(self) -> None:
        if self.found:
            raise ValidationError(self.found)


def _text(value, field: str, message: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if limit and len(value) > limit:
        raise ValidationError({field: _("At most {n} characters.").format(n=limit)})
    return value


def _check_round(round: RiskRound, org: Organisation) -> None:
    if round is None:
        raise ValidationError({"round": _("Choose the identification round.")})
    if round.status != RoundStatus.OPEN:
        raise ValidationError(
            {"round": _("The round “{round}” is closed: its register no longer changes.").format(round=round.title)}
        )
    if org is None:
        raise ValidationError({"organisation": _("Choose the unit.")})
    if not org.is_within(round.organisation):
        raise ValidationError(
            {
                "organisation": _("{org} is not among the units of the round “{round}”.").format(
                    org=org.name, round=round.title
                )
            }
        )
    if not org.is_active:
        raise ValidationError({"organisation": _("“{name}” is dissolved.").format(name=org.name)})


def _check_post(org: Organisation, post: Post | None, process: str) -> None:
    errors = {}
    if post is not None:
        if post.organisation_id != org.pk:
            errors["post"] = _("“{post}” is not a post of {org}.").format(post=post, org=org.name)
        elif not post.is_active:
            errors["post"] = _("The post “{post}” is no longer in use.").format(post=post)
    if process and process not in Process.values:
        errors["process"] = _("Unknown business process “{process}”.").format(process=process)
    elif post is None and not process:
        errors["process"] = _("Name the post or the business process the risk lies in.")
    if errors:
        raise ValidationError(errors)


def _check_level(computed: int | None, level, reason: str) -> tuple[int | None, str]:
    """The level set (the criteria's unless another is given with a reason) and the reason recorded."""
    reason = (reason or "").strip()
    if level is None or level == "":
        return computed, reason
    level = levels.level_check(level)
    if computed is not None and level != computed and not reason:
        raise ValidationError(
            {
                "level_reason": _(
                    "The criteria give level {computed}; say why the point is set at level {level} instead."
                ).format(computed=computed, level=level)
            }
        )
    return level, reason


def _point_fields(
    org: Organisation,
    *,
    post,
    process,
    title,
    description,
    causes,
    criteria,
    level,
    level_reason,
    likelihood,
    impact,
) -> dict:
    """The checked values of a point's own fields; every refusal at once."""
    errors = _Errors()
    process = (process or "").strip()
    errors.check(_check_post, org, post, process)
    title = errors.check(_text, title, "title", _("Name the risk point."), 200)
    description = errors.check(_text, description, "description", _("Describe the risk."))
    path = org.path
    criteria = errors.check(levels.criteria_clean, criteria, org_path=path)
    computed = errors.check(levels.level_for, criteria, org_path=path) if criteria else None
    chosen = errors.check(_check_level, computed, level, level_reason)
    errors.check(levels.rating, likelihood, impact, org_path=path)
    errors.raise_any()
    level, reason = chosen
    return {
        "post": post,
        "process": process,
        "title": title,
        "description": description,
        "causes": (causes or "").strip(),
        "criteria": criteria,
        "level": level,
        "level_reason": reason,
        "likelihood": int(likelihood),
        "impact": int(impact),
        "review_months": levels.review_months(level, org_path=path),
    }


@dataclass
class MeasureIn:
    """One prevention and control measure as given to point_create / point_update (id: an existing one)."""

    text: str
    owner: Member | None
    due_on: date | None = None
    id: int | None = None


def _measures_in(measures) -> list[MeasureIn]:
    rows = []
    for row in measures or []:
        if isinstance(row, MeasureIn):
            rows.append(row)
        elif isinstance(row, dict):
            rows.append(MeasureIn(row.get("text", ""), row.get("owner"), row.get("due_on"), row.get("id")))
        else:
            rows.append(MeasureIn(*row))
    return rows


def unit_people(org: Organisation):
    """The register of the unit and the units below it: whom its measures may name as owner."""
    return (
        Member.objects.filter(subtree_q(org.path, "organisation__"), status__in=ON_REGISTER)
        .select_related("organisation")
        .order_by("name_pinyin", "pk")
    )


def owner_in_place(owner: Member | None, org: Organisation) -> bool:
    """Whether a measure's owner is still on the register of the point's unit (or a unit below it)."""
    return owner is not None and owner.status in ON_REGISTER and owner.organisation.path.startswith(org.path)


def _check_measures(org: Organisation, measures, point: RiskPoint | None = None) -> list[MeasureIn]:
    rows = _measures_in(measures)
    if not rows:
        raise ValidationError(
            {"measures": _("Add at least one prevention and control measure, with the member responsible for it.")}
        )
    known = set(point.measures.values_list("pk", flat=True)) if point is not None else set()
    errors = []
    for n, row in enumerate(rows, start=1):
        row.text = (row.text or "").strip()
        if row.id is not None and row.id not in known:
            errors.append(_("Measure {n} is not one of this risk point's.").format(n=n))
        if not row.text:
            errors.append(_("Measure {n}: say what is done.").format(n=n))
        if row.owner is None:
            errors.append(_("Measure {n} has no owner: name the member responsible for it.").format(n=n))
        elif not owner_in_place(row.owner, org):
            errors.append(
                _("Measure {n}: {name} is not a member on the register of {org}.").format(
                    n=n, name=row.owner.name, org=org.name
                )
            )
    if errors:
        raise ValidationError({"measures": errors})
    return rows


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def point_event(point: RiskPoint, kind: str, actor, comment: str = "", on: date | None = None) -> PointEvent:
    at = timezone.make_aware(datetime.combine(on, time(12))) if on is not None else timezone.now()
    return PointEvent.objects.create(point=point, kind=kind, actor=_user(actor), comment=comment, at=at)


def lock(point: RiskPoint, version: int | None) -> RiskPoint:
    """The point locked for change; refuses a stale version (someone else changed it since it was read)."""
    fresh = (
        RiskPoint.objects.select_for_update(of=("self",))
        .select_related("organisation", "round", "post", "proposed_by")
        .get(pk=point.pk)
    )
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this risk point while you were looking at it, so your action was not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    return fresh


def point_url(point: RiskPoint, anchor: str = "") -> str:
    return reverse("risks:point_detail", args=[point.pk]) + (f"#{anchor}" if anchor else "")


# --- recording and changing points -------------------------------------------------------------------------


@transaction.atomic
def point_create(
    *,
    round: RiskRound,
    organisation: Organisation,
    post: Post | None,
    process: str,
    title: str,
    description: str,
    causes: str = "",
    criteria,
    level=None,
    level_reason: str = "",
    likelihood,
    impact,
    measures,
    actor,
) -> RiskPoint:
    """Record a draft risk point in an open round, with its measures and their owners.

    The level comes from the criteria met (rule risks.level_criteria); another level may be set with a reason,
    which is recorded. A holder of the post records points for their own post; the unit's reviewers and
    managers for any post or process of the unit.
    """
    _check_round(round, organisation)
    if actor is not None and not may_create(actor, organisation, post):
        raise PermissionDenied(_("Only holders of the post, and the unit's reviewers and managers, record its risks."))
    errors = _Errors()
    fields = errors.check(
        _point_fields,
        organisation,
        post=post,
        process=process,
        title=title,
        description=description,
        causes=causes,
        criteria=criteria,
        level=level,
        level_reason=level_reason,
        likelihood=likelihood,
        impact=impact,
    )
    rows = errors.check(_check_measures, organisation, measures)
    errors.raise_any()
    point = RiskPoint.objects.create(
        round=round,
        organisation=organisation,
        status=PointStatus.DRAFT,
        proposed_by=_user(actor),
        created_by=_user(actor),
        **fields,
    )
    _measures_save(point, rows)
    point_event(point, PointEventKind.CREATED, actor, fields["level_reason"])
    audit_record(
        actor=actor,
        action="risks.point_create",
        obj=point,
        changes={
            "round": round.pk,
            "post": post.pk if post else None,
            "process": fields["process"],
            "criteria": fields["criteria"],
            "level": fields["level"],
            "level_reason": fields["level_reason"],
            "measures": len(rows),
        },
        reason=fields["level_reason"],
    )
    return point


def _measures_save(point: RiskPoint, rows: list[MeasureIn]) -> dict:
    """Write the measures as given: change those with an id, add the others, remove those left out."""
    existing = {m.pk: m for m in point.measures.all()}
    kept, added, changed = set(), 0, 0
    for order, row in enumerate(rows):
        if row.id is not None:
            measure = existing[row.id]
            kept.add(row.id)
            new = (row.text, row.owner.pk, row.due_on, order)
            if (measure.text, measure.owner_id, measure.due_on, measure.order) != new:
                measure.text, measure.owner, measure.due_on, measure.order = row.text, row.owner, row.due_on, order
                measure.save()
                changed += 1
        else:
            RiskMeasure.objects.create(point=point, text=row.text, owner=row.owner, due_on=row.due_on, order=order)
            added += 1
    removed = [pk for pk in existing if pk not in kept]
    if removed:
        RiskMeasure.objects.filter(pk__in=removed).delete()
    return {"added": added, "changed": changed, "removed": len(removed)}


@transaction.atomic
def point_update(
    *,
    point: RiskPoint,
    version: int | None,
    actor,
    post: Post | None,
    process: str,
    title: str,
    description: str,
    causes: str = "",
    criteria,
    level=None,
    level_reason: str = "",
    likelihood,
    impact,
    measures,
) -> RiskPoint:
    """Change a draft or returned point and its measures in one go (those with an id are changed, those without
    added, those left out removed). By whoever recorded or proposed it, a holder of its post, or the unit's
    reviewers and managers."""
    point = lock(point, version)
    if actor is not None and not (may_manage_unit(actor, point) or is_proposer(actor, point)):
        raise PermissionDenied(_("Only the proposer and the unit's reviewers and managers may change this point."))
    if point.status not in EDITABLE:
        raise ValidationError(
            _("This risk point is “{status}”: it can be changed only while it is a draft or returned.").format(
                status=point.get_status_display()
            )
        )
    _check_round(point.round, point.organisation)
    errors = _Errors()
    fields = errors.check(
        _point_fields,
        point.organisation,
        post=post,
        process=process,
        title=title,
        description=description,
        causes=causes,
        criteria=criteria,
        level=level,
        level_reason=level_reason,
        likelihood=likelihood,
        impact=impact,
    )
    rows = errors.check(_check_measures, point.organisation, measures, point)
    errors.raise_any()
    fields["post_id"] = fields.pop("post").pk if post is not None else None
    changes = {key: [getattr(point, key), value] for key, value in fields.items() if getattr(point, key) != value}
    for key, value in fields.items():
        setattr(point, key, value)
    measure_changes = _measures_save(point, rows)
    if any(measure_changes.values()):
        changes["measures"] = measure_changes
    if not changes:
        return point
    point.version += 1
    point.save()
    labels = [
        str(RiskPoint._meta.get_field(key.removesuffix("_id")).verbose_name) if key != "measures" else _("measures")
        for key in changes
    ]
    point_event(point, PointEventKind.CHANGED, actor, ", ".join(labels))
    audit_record(actor=actor, action="risks.point_update", obj=point, changes=changes, reason=point.level_reason)
    return point


# --- posts -------------------------------------------------------------------------------------------------


def unit_departments(org: Organisation):
    """The active departments of the unit and of the committees above it (departments sit on the committee)."""
    return Department.objects.filter(is_active=True, organisation__path__in=ancestor_paths(org.path)).order_by(
        "order", "name"
    )


def _check_post_fields(org: Organisation, name: str, department: Department | None, post: Post | None = None) -> str:
    name = _text(name, "name", _("Name the post."), 80)
    if department is not None and not (department.is_active and org.is_within(department.organisation)):
        raise ValidationError(
            {"department": _("“{name}” is not an active department above {org}.").format(name=department, org=org.name)}
        )
    twins = Post.objects.filter(organisation=org, department=department, name=name)
    if post is not None:
        twins = twins.exclude(pk=post.pk)
    if twins.exists():
        raise ValidationError({"name": _("{org} has the post “{name}” already.").format(org=org.name, name=name)})
    return name


@transaction.atomic
def post_create(*, organisation: Organisation, name: str, department: Department | None = None, actor) -> Post:
    """Add a post to a unit (by its reviewers or managers)."""
    if organisation is None:
        raise ValidationError({"organisation": _("Choose the unit.")})
    if actor is not None and not may_manage_unit(actor, organisation):
        raise PermissionDenied(_("Only the unit's reviewers and managers keep its posts."))
    name = _check_post_fields(organisation, name, department)
    post = Post.objects.create(organisation=organisation, department=department, name=name)
    audit_record(
        actor=actor,
        action="risks.post_create",
        obj=post,
        changes={"name": name, "department": department.pk if department else None},
    )
    return post


@transaction.atomic
def post_update(*, post: Post, name: str, department: Department | None, actor) -> Post:
    """Rename a post or move it to another department (its holders follow the new name)."""
    post = Post.objects.select_for_update().select_related("organisation").get(pk=post.pk)
    if actor is not None and not may_manage_unit(actor, post):
        raise PermissionDenied(_("Only the unit's reviewers and managers keep its posts."))
    name = _check_post_fields(post.organisation, name, department, post)
    changes = {}
    if post.name != name:
        changes["name"] = [post.name, name]
    if post.department_id != (department.pk if department else None):
        changes["department"] = [post.department_id, department.pk if department else None]
    if changes:
        post.name, post.department = name, department
        post.save()
        audit_record(actor=actor, action="risks.post_update", obj=post, changes=changes)
    return post


@transaction.atomic
def post_set_active(*, post: Post, is_active: bool, actor) -> Post:
    """Take a post out of use (its points stay on the register) or back into use."""
    post = Post.objects.select_for_update().select_related("organisation").get(pk=post.pk)
    if actor is not None and not may_manage_unit(actor, post):
        raise PermissionDenied(_("Only the unit's reviewers and managers keep its posts."))
    if post.is_active != is_active:
        post.is_active = is_active
        post.save(update_fields=["is_active"])
        audit_record(
            actor=actor, action="risks.post_activate" if is_active else "risks.post_deactivate", obj=post, changes={}
        )
    return post


@transaction.atomic
def posts_sync(*, organisation: Organisation, actor) -> int:
    """Add the posts the register shows in the unit's subtree: one for each distinct (member's unit, department,
    administrative post) of a member on the register. Posts that exist (in use or not) are left as they are.
    Returns how many were added."""
    if actor is not None and not may_manage_unit(actor, organisation):
        raise PermissionDenied(_("Only the unit's reviewers and managers keep its posts."))
    seen = (
        Member.objects.filter(subtree_q(organisation.path, "organisation__"), status__in=ON_REGISTER)
        .exclude(post="")
        .values_list("organisation_id", "department_id", "post")
        .distinct()
    )
    existing = set(
        Post.objects.filter(subtree_q(organisation.path, "organisation__")).values_list(
            "organisation_id", "department_id", "name"
        )
    )
    wanted = {(org_id, dept_id, name.strip()) for org_id, dept_id, name in seen if name.strip()}
    new = sorted(wanted - existing, key=lambda key: (key[0], key[1] or 0, key[2]))
    Post.objects.bulk_create(
        [Post(organisation_id=org_id, department_id=dept_id, name=name) for org_id, dept_id, name in new]
    )
    audit_record(actor=actor, action="risks.posts_sync", obj=organisation, changes={"added": len(new)})
    return len(new)


# --- reads -------------------------------------------------------------------------------------------------


STATUS_FILTERS = (*PointStatus.values, "needs_review", "overdue")


def rounds_for(org: Organisation):
    """The rounds that cover a unit (run by it or a committee above it) or run within its subtree."""
    return RiskRound.objects.filter(
        Q(organisation__path__in=ancestor_paths(org.path)) | subtree_q(org.path, "organisation__")
    ).select_related("organisation")


def round_default(rounds) -> RiskRound | None:
    """The open round (the latest when several), else the latest."""
    rounds = list(rounds) if not isinstance(rounds, list) else rounds
    opened = [r for r in rounds if r.status == RoundStatus.OPEN]
    pool = opened or rounds
    return max(pool, key=lambda r: (r.year, r.organisation.path), default=None)


def open_round(org: Organisation) -> RiskRound | None:
    """The open round whose committee is nearest above the unit (or the unit itself)."""
    return (
        RiskRound.objects.open()
        .filter(organisation__path__in=ancestor_paths(org.path))
        .select_related("organisation")
        .order_by("-organisation__path", "-year")
        .first()
    )


def point_filter(
    qs,
    *,
    round: RiskRound | None = None,
    org: Organisation | None = None,
    process: str = "",
    level: int | None = None,
    status: str = "",
    post_id: int | None = None,
    today: date | None = None,
):
    """The register's filters: a round, a unit's subtree, a process, a level, a status (or "needs_review",
    "overdue" for approved points whose review is due), a post."""
    if round is not None:
        qs = qs.filter(round=round)
    if org is not None:
        qs = qs.filter(subtree_q(org.path, "organisation__"))
    if process:
        qs = qs.filter(process=process)
    if level:
        qs = qs.filter(level=level)
    if status == "needs_review":
        qs = qs.registered().filter(needs_review=True)
    elif status == "overdue":
        qs = qs.review_overdue(today)
    elif status:
        qs = qs.filter(status=status)
    if post_id:
        qs = qs.filter(post_id=post_id)
    return qs


def level_counts(qs) -> dict[int, int]:
    found = dict(qs.order_by().values_list("level").annotate(n=Count("pk")))
    return {level: found.get(level, 0) for level in Level.values}


def member_points(user) -> dict:
    """What "My risk points" shows: the posts the user holds, the approved points of those posts in the current
    round of each, the points the user recorded or proposed, and the open round to propose in."""
    member = member_of(user)
    held = list(posts_held(member).select_related("organisation", "department"))
    registered = (
        RiskPoint.objects.registered()
        .filter(post__in=[p.pk for p in held], round__status=RoundStatus.OPEN)
        .select_related("organisation", "post", "round")
    )
    if not registered.exists() and held:
        latest = RiskPoint.objects.registered().filter(post__in=[p.pk for p in held]).order_by("-round__year")
        year = latest.values_list("round__year", flat=True).first()
        registered = latest.filter(round__year=year).select_related("organisation", "post", "round")
    own = (
        RiskPoint.objects.filter(proposed_by=user)
        .exclude(status=PointStatus.WITHDRAWN)
        .select_related("organisation", "post", "round")
        .order_by("-round__year", "status", "-pk")
        if getattr(user, "is_authenticated", False)
        else RiskPoint.objects.none()
    )
    return {
        "member": member,
        "posts": [(post, open_round(post.organisation)) for post in held],
        "registered": list(registered.order_by("level", "pk")),
        "own": list(own[:100]),
    }
