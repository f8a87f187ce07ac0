"""Identification rounds (排查): the yearly campaign in which post holders propose risk points for their posts,
branches review them, discipline inspection gives its opinion and the committee approves them.

Definitions (the rest of the app and other areas rely on them):

- A **round** is run by a Party committee for the units below it, at most one a year. While a round is open
  no other round of the same committee may be opened, so a committee has at most one **open round**: the
  register being identified (`open_round`).
- The register **in force** for a committee is the approved points of its latest *closed* round
  (`round_in_force`, `register_in_force`). A unit below the committee is governed by the nearest committee
  at or above it that has closed a round; a committee further down that runs rounds of its own governs its
  own subtree, so the register in force over a subtree (`points_in_force`) is the union of those registers.
- A new round normally starts from the register in force: every approved point of the round copied from is
  copied into the new round as a draft (`copied_from`), with its measures, for the post holders to confirm
  or change. Points nobody proposed by the close are withdrawn, so that this year's register can be compared
  with last year's (`round_diff`): points added, changed, left out.

Who may do what: holders of risks.manage at the committee open and close its rounds. An actor of None is the
system (demo data, imports), whose writes are not checked against roles.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override, pgettext

from qinglian.core.audit import audit_record
from qinglian.orgs.access import can, grants
from qinglian.orgs.models import PATH_END, Organisation, ancestor_paths, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.risks.models import PointEvent, Post, RiskMeasure, RiskPoint, RiskRound
from qinglian.risks.services.register import owner_in_place
from qinglian.risks.vocab import WORKING_STATUSES, Level, PointEventKind, PointStatus, RoundStatus

VIEW, REVIEW, MANAGE, CONSULT = "risks.view", "risks.review", "risks.manage", "risks.consult"
FIRST_YEAR = 2000
# Points that count in a round: being worked on or approved (withdrawn ones do not).
LIVE_STATUSES = (*WORKING_STATUSES, PointStatus.APPROVED)
# Points on which someone still has to decide: the branch's review, discipline's opinion, the approval.
AWAITING_STATUSES = (PointStatus.PROPOSED, PointStatus.REVIEWED)
# Points withdrawn when their round closes: never proposed, or returned and not proposed again.
UNFINISHED_STATUSES = (PointStatus.DRAFT, PointStatus.RETURNED)
WAITING_LISTED = 10


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _at(day: date | None):
    return timezone.make_aware(datetime.combine(day, time(12))) if day else timezone.now()


# --- the rounds in force and the open round ----------------------------------------------------------------


def _closed(year: int | None, on: date | None):
    rounds = RiskRound.objects.filter(status=RoundStatus.CLOSED)
    if year is not None:
        rounds = rounds.filter(year__lte=year)
    if on is not None:
        rounds = rounds.filter(closed_on__lte=on)
    return rounds


def round_in_force(org: Organisation, *, year: int | None = None, on: date | None = None) -> RiskRound | None:
    """The round whose approved points are the register in force for `org`: the latest closed round of `org`
    or of the nearest unit above it that has closed one (of `year` or before, closed by `on`, when given)."""
    return (
        _closed(year, on)
        .filter(organisation__path__in=ancestor_paths(org.path))
        .select_related("organisation")
        .order_by("-organisation__path", "-year")
        .first()
    )


def _latest_per_organiser(rounds, root: Organisation | None) -> list[RiskRound]:
    """Of `rounds` (ordered by organiser path, then latest year first): each organiser's first, keeping above
    `root` only the nearest organiser (it governs the whole of root's subtree)."""
    found: dict[int, RiskRound] = {}
    for one in rounds:
        found.setdefault(one.organisation_id, one)
    chosen = list(found.values())
    if root is None:
        return chosen
    above = [r for r in chosen if len(r.organisation.path) < len(root.path) or r.organisation_id == root.pk]
    below = [r for r in chosen if r not in above]
    nearest = max(above, key=lambda r: len(r.organisation.path), default=None)
    return ([nearest] if nearest else []) + below


def near_q(root: Organisation | None) -> Q:
    """Rounds that cover root (run at root or above it) or run within its subtree."""
    if root is None:
        return Q()
    return Q(organisation__path__in=ancestor_paths(root.path)) | Q(
        organisation__path__gt=root.path, organisation__path__lt=root.path + PATH_END
    )


def rounds_in_force(
    root: Organisation | None = None, *, year: int | None = None, on: date | None = None
) -> list[RiskRound]:
    """The rounds whose approved points make up the register in force over root's subtree (everywhere when
    root is None): the nearest organiser's at or above root, and those of organisers below it."""
    rounds = _closed(year, on).filter(near_q(root)).select_related("organisation")
    return _latest_per_organiser(rounds.order_by("organisation__path", "-year"), root)


def points_in_force(root: Organisation | None = None, *, year: int | None = None, on: date | None = None):
    """The register in force over root's subtree: the approved points of `rounds_in_force(root)`."""
    points = RiskPoint.objects.filter(
        round__in=[r.pk for r in rounds_in_force(root, year=year, on=on)], status=PointStatus.APPROVED
    )
    return points.in_subtree(root) if root is not None else points


def register_in_force(org: Organisation, *, on: date | None = None):
    """The register in force for a committee (or any unit): the approved points of its latest closed round,
    at `org` and below (with those of committees below it that run rounds of their own)."""
    return points_in_force(org, on=on)


def open_rounds(root: Organisation | None = None) -> list[RiskRound]:
    """The rounds being identified over root's subtree: the nearest open round at or above root and the open
    rounds of committees below it."""
    rounds = RiskRound.objects.open().filter(near_q(root)).select_related("organisation")
    return _latest_per_organiser(rounds.order_by("organisation__path", "-year"), root)


def points_in_open_rounds(root: Organisation | None = None):
    """The points of the open rounds over root's subtree that are being worked on or approved."""
    points = RiskPoint.objects.filter(round__in=[r.pk for r in open_rounds(root)], status__in=LIVE_STATUSES)
    return points.in_subtree(root) if root is not None else points


# --- who sees a round --------------------------------------------------------------------------------------


def rounds_seen_by(user, action: str = VIEW):
    """Rounds run for units where the user holds `action`: those organised at such a unit, above it or (for a
    grant over a subtree) below it. What a round shows is narrowed further to the units the user may see."""
    q = Q(pk__in=[])
    for grant in grants(user):
        if action not in grant.permissions:
            continue
        q |= Q(organisation__path__in=ancestor_paths(grant.path))
        if grant.subtree:
            q |= subtree_q(grant.path, "organisation__")
    return RiskRound.objects.filter(q)


def may_manage(user, risk_round: RiskRound) -> bool:
    return can(user, MANAGE, risk_round)


def committees_managed(user, *, near: Organisation | None = None):
    """The active committees where the user may run rounds (those covering `near` or within its subtree, when
    given)."""
    found = Organisation.objects.visible_to(user, MANAGE).active().filter(kind=Organisation.Kind.COMMITTEE)
    if near is not None:
        found = found.filter(Q(path__in=ancestor_paths(near.path)) | subtree_q(near.path))
    return found.order_by("path")


# --- opening a round ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyPlan:
    """What opening a round copied from `source` will copy: the approved points per unit, their measures, and
    what needs attention (owners who have left the register, points that cannot be copied)."""

    source: RiskRound | None
    points: list = field(default_factory=list)  # the points that will be copied
    skipped: list = field(default_factory=list)  # (point, reason) not copied
    measures: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def by_unit(self) -> list[tuple[Organisation, int]]:
        counts: dict[int, list] = {}
        for point in self.points:
            counts.setdefault(point.organisation_id, [point.organisation, 0])[1] += 1
        return sorted(((org, n) for org, n in counts.values()), key=lambda pair: pair[0].path)


def latest_closed_round(organisation: Organisation, *, before_year: int | None = None) -> RiskRound | None:
    rounds = RiskRound.objects.filter(organisation=organisation, status=RoundStatus.CLOSED)
    if before_year is not None:
        rounds = rounds.filter(year__lt=before_year)
    return rounds.order_by("-year").first()


def _owner_gone(measure: RiskMeasure, point: RiskPoint) -> bool:
    """Whether the measure's owner has left the register of the point's unit (or never had one)."""
    return not owner_in_place(measure.owner, point.organisation)


def copy_plan(source: RiskRound | None) -> CopyPlan:
    """What copying `source` into a new round copies, read in three queries (the page shows it before opening)."""
    if source is None:
        return CopyPlan(None)
    points = (
        source.points.filter(status=PointStatus.APPROVED)
        .select_related("organisation", "post")
        .prefetch_related(
            Prefetch(
                "measures", queryset=RiskMeasure.objects.select_related("owner__organisation").order_by("order", "pk")
            )
        )
        .order_by("organisation__path", "level", "pk")
    )
    copied, skipped, warnings, measures = [], [], [], 0
    for point in points:
        where = f"{point.organisation.display_name} · {point.title}"
        if not point.organisation.is_active:
            reason = _("{unit} is dissolved.").format(unit=point.organisation.name)
        elif point.post_id and not point.post.is_active:
            reason = _("The post “{post}” is no longer in use.").format(post=point.post)
        else:
            reason = ""
        if reason:
            skipped.append((point, reason))
            warnings.append(_("{where}: not copied. {reason}").format(where=where, reason=reason))
            continue
        copied.append(point)
        for measure in point.measures.all():
            measures += 1
            if _owner_gone(measure, point):
                warnings.append(_owner_warning(where, measure))
    return CopyPlan(source, copied, skipped, measures, warnings)


def _owner_warning(where: str, measure: RiskMeasure) -> str:
    text = measure.text if len(measure.text) <= 40 else measure.text[:40] + "…"
    if measure.owner_id is None:
        return _("{where}: the measure “{measure}” has no owner; name one.").format(where=where, measure=text)
    return _(
        "{where}: the owner of the measure “{measure}”, {name}, is no longer on the unit's register; name a new owner."
    ).format(where=where, measure=text, name=measure.owner.name)


COPIED_FIELDS = (
    "organisation_id",
    "post_id",
    "process",
    "title",
    "description",
    "causes",
    "criteria",
    "level",
    "level_reason",
    "likelihood",
    "impact",
    "review_months",
    "next_review_on",
    "needs_review",
    "needs_review_reason",
)


def _copy(plan: CopyPlan, into: RiskRound, actor, at) -> int:
    """Copy the plan's points into the round as drafts, with their measures and a COPIED event each."""
    user = _user(actor)
    copies = RiskPoint.objects.bulk_create(
        [
            RiskPoint(
                round=into,
                status=PointStatus.DRAFT,
                copied_from=point,
                created_by=user,
                created_at=at,
                **{name: getattr(point, name) for name in COPIED_FIELDS},
            )
            for point in plan.points
        ]
    )
    measures, events = [], []
    for point, copy in zip(plan.points, copies, strict=True):
        # The note is kept with the point's history: written in the site's language, for every reader.
        with override(settings.LANGUAGE_CODE):
            notes = [
                _("Copied from “{round}” for the post holders to confirm or change.").format(round=plan.source.title)
            ]
        for measure in point.measures.all():
            gone = _owner_gone(measure, point)
            if gone and measure.owner_id is not None:
                with override(settings.LANGUAGE_CODE):
                    notes.append(
                        _("The owner of the measure “{measure}”, {name}, is no longer on the unit's register.").format(
                            measure=measure.text[:60], name=measure.owner.name
                        )
                    )
            measures.append(
                RiskMeasure(
                    point=copy,
                    text=measure.text,
                    owner=None if gone else measure.owner,
                    due_on=measure.due_on,
                    order=measure.order,
                    created_at=at,
                )
            )
        events.append(PointEvent(point=copy, kind=PointEventKind.COPIED, actor=user, at=at, comment="\n".join(notes)))
    RiskMeasure.objects.bulk_create(measures)
    PointEvent.objects.bulk_create(events)
    return len(copies)


def _check_year(year) -> int:
    today = timezone.localdate()
    if not isinstance(year, int) or not FIRST_YEAR <= year <= today.year + 1:
        raise ValidationError(
            {"year": _("Give a year from {first} to {last}.").format(first=FIRST_YEAR, last=today.year + 1)}
        )
    return year


@transaction.atomic
def round_open(
    *,
    organisation: Organisation,
    year: int,
    title: str,
    due_on: date | None,
    copy_from: RiskRound | None = None,
    copy: bool = True,
    actor,
    opened_on: date | None = None,
) -> RiskRound:
    """Open a committee's identification round for `year`.

    With `copy` (the default), every approved point of `copy_from` -- by default the committee's latest closed
    round -- is copied into the new round as a draft with `copied_from`, its measures and next review date, and
    a COPIED event, for the post holders to confirm or change. A measure whose owner is no longer on the
    register is copied without an owner; points at dissolved units or on posts no longer in use are not
    copied. What needs attention is returned on the round as `copy_warnings` (and recorded in the audit event
    and the copies' events); `copied` says how many points were copied.

    Refused: a unit that is not an active committee, an actor without risks.manage there, a second round of the
    same year, a round while another is still open, proposals due before the round opens, and copying a round
    that is not an earlier closed round of the same committee.
    """
    if organisation is None:
        raise ValidationError({"organisation": _("Choose the committee that runs the round.")})
    if actor is not None and not can(actor, MANAGE, organisation):
        raise PermissionDenied(_("Only the committee's managers may open an identification round."))
    if not organisation.is_active:
        raise ValidationError({"organisation": _("“{name}” is dissolved.").format(name=organisation.name)})
    if organisation.kind != Organisation.Kind.COMMITTEE:
        raise ValidationError(
            {
                "organisation": _("An identification round is run by a Party committee; {name} is a {kind}.").format(
                    name=organisation.name, kind=organisation.get_kind_display()
                )
            }
        )
    year = _check_year(year)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": pgettext("risk round", "Give the round a title.")})
    opened_on = opened_on or timezone.localdate()
    if due_on is None:
        raise ValidationError({"due_on": _("Say by when the post holders propose their risk points.")})
    if due_on < opened_on:
        raise ValidationError({"due_on": _("Proposals cannot be due before the round opens.")})
    # One round opening at a time per committee: the check below must see the other's.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    same_year = RiskRound.objects.filter(organisation=organisation, year=year).first()
    if same_year is not None:
        raise ValidationError(
            {
                "year": _("{org} already has a round for {year}: “{title}”.").format(
                    org=organisation.name, year=year, title=same_year.title
                )
            }
        )
    still_open = RiskRound.objects.open().filter(organisation=organisation).first()
    if still_open is not None:
        raise ValidationError(
            _("“{title}” is still open: close it before opening another round.").format(title=still_open.title)
        )
    source = None
    if copy:
        source = copy_from or latest_closed_round(organisation, before_year=year)
        if source is not None and (
            source.organisation_id != organisation.pk or source.status != RoundStatus.CLOSED or source.year >= year
        ):
            raise ValidationError(
                {"copy_from": _("Only an earlier, closed round of the same committee can be copied.")}
            )
    plan = copy_plan(source)
    at = _at(opened_on) if opened_on != timezone.localdate() else timezone.now()
    risk_round = RiskRound.objects.create(
        organisation=organisation,
        year=year,
        title=title,
        opened_on=opened_on,
        due_on=due_on,
        previous=source,
        created_by=_user(actor),
        created_at=at,
    )
    copied = _copy(plan, risk_round, actor, at) if source is not None else 0
    audit_record(
        actor=actor,
        action="risks.round_open",
        obj=risk_round,
        changes={
            "year": year,
            "title": title,
            "due_on": due_on.isoformat(),
            "copied_from": source.pk if source else None,
            "copied": copied,
            "warnings": plan.warnings,
        },
    )
    risk_round.copied = copied
    risk_round.copy_warnings = plan.warnings
    return risk_round


# --- closing a round ---------------------------------------------------------------------------------------


def round_waiting(risk_round: RiskRound):
    """The round's points still awaiting the branch's review, discipline's opinion or the approval."""
    return (
        risk_round.points.filter(status__in=AWAITING_STATUSES)
        .select_related("organisation")
        .order_by("organisation__path", "pk")
    )


def _lock(risk_round: RiskRound, version: int | None) -> RiskRound:
    fresh = RiskRound.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=risk_round.pk)
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this round while you were looking at it, so your action was not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    return fresh


@transaction.atomic
def round_close(*, round: RiskRound, actor, version: int | None, on: date | None = None) -> RiskRound:
    """Close an open round: its approved points become the register in force.

    Refused while points still await the branch's review, discipline's opinion or the approval (the refusal
    lists them). Drafts nobody proposed and returned points not proposed again are withdrawn, each with an
    event. `on` backdates the closing (demo data); it defaults to today.
    """
    if actor is not None and not can(actor, MANAGE, round):
        raise PermissionDenied(_("Only the committee's managers may close the round."))
    risk_round = _lock(round, version)
    if risk_round.status != RoundStatus.OPEN:
        raise ValidationError(_("“{title}” is already closed.").format(title=risk_round.title))
    closed_on = on or timezone.localdate()
    if closed_on < risk_round.opened_on:
        raise ValidationError(_("A round cannot close before the day it opened."))
    waiting = list(round_waiting(risk_round)[: WAITING_LISTED + 1])
    if waiting:
        total = round_waiting(risk_round).count()
        names = "; ".join(
            f"{p.organisation.display_name} · {p.title} ({p.get_status_display()})" for p in waiting[:WAITING_LISTED]
        )
        more = _(" and {n} more").format(n=total - WAITING_LISTED) if total > WAITING_LISTED else ""
        raise ValidationError(
            _(
                "{n} risk points still await review or approval: {names}{more}. Decide them before closing the round."
            ).format(n=total, names=names, more=more)
        )
    at = _at(on) if on else timezone.now()
    user = _user(actor)
    unfinished = list(risk_round.points.filter(status__in=UNFINISHED_STATUSES).values_list("pk", "status"))
    comments = {
        PointStatus.DRAFT: _("Withdrawn when the round closed: it was never proposed."),
        PointStatus.RETURNED: _("Withdrawn when the round closed: it was returned and not proposed again."),
    }
    PointEvent.objects.bulk_create(
        [
            PointEvent(point_id=pk, kind=PointEventKind.WITHDRAWN, actor=user, at=at, comment=comments[status])
            for pk, status in unfinished
        ]
    )
    RiskPoint.objects.filter(pk__in=[pk for pk, _status in unfinished]).update(
        status=PointStatus.WITHDRAWN, version=F("version") + 1, updated_at=timezone.now()
    )
    risk_round.status = RoundStatus.CLOSED
    risk_round.closed_on = closed_on
    risk_round.version += 1
    risk_round.save(update_fields=["status", "closed_on", "version"])
    audit_record(
        actor=actor,
        action="risks.round_close",
        obj=risk_round,
        changes={
            "closed_on": closed_on.isoformat(),
            "approved": risk_round.points.filter(status=PointStatus.APPROVED).count(),
            "withdrawn": len(unfinished),
        },
    )
    return risk_round


# --- progress by unit --------------------------------------------------------------------------------------


@dataclass
class ProgressRow:
    """One unit's progress in a round: its active posts, those with a point, and its points by status."""

    organisation: Organisation | None
    posts: int = 0
    posts_covered: int = 0
    draft: int = 0
    proposed: int = 0
    reviewed: int = 0
    approved: int = 0
    returned: int = 0
    withdrawn: int = 0

    @property
    def points(self) -> int:
        """The points being worked on or approved (withdrawn ones left out)."""
        return self.draft + self.proposed + self.reviewed + self.approved + self.returned

    @property
    def completion(self) -> float | None:
        """The share of the unit's points approved; None when it has none."""
        return self.approved / self.points if self.points else None

    @property
    def completion_percent(self) -> int | None:
        return None if self.completion is None else round(self.completion * 100)

    @property
    def posts_uncovered(self) -> int:
        return max(self.posts - self.posts_covered, 0)

    def share(self, status: str) -> float:
        """The width of a status's part of the unit's bar, in percent of its points."""
        return round(getattr(self, status) * 100 / self.points, 1) if self.points else 0

    @property
    def shares(self) -> list[tuple[str, float]]:
        """(status, percent of the unit's points) for the parts of its bar, in BAR_STATUSES order."""
        return [(status, self.share(status)) for status in BAR_STATUSES]

    def add(self, other: ProgressRow) -> None:
        for name in ("posts", "posts_covered", "draft", "proposed", "reviewed", "approved", "returned", "withdrawn"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


BAR_STATUSES = ("approved", "reviewed", "proposed", "draft", "returned")


def round_progress(risk_round: RiskRound) -> tuple[list[ProgressRow], ProgressRow]:
    """Each unit's progress in the round (the units with active posts or points, in tree order) and the total.

    Three queries whatever the number of units: the posts per unit, the points per unit and status, the units.
    Each unit counts its own posts and points (not those of the units below it)."""
    root = risk_round.organisation
    live = Q(points__round=risk_round, points__status__in=LIVE_STATUSES)
    posts = (
        Post.objects.active()
        .filter(subtree_q(root.path, "organisation__"))
        .values("organisation_id")
        .annotate(posts=Count("pk", distinct=True), covered=Count("pk", filter=live, distinct=True))
    )
    by_status = {
        status: Count("pk", filter=Q(status=status))
        for status in ("draft", "proposed", "reviewed", "approved", "returned", "withdrawn")
    }
    points = RiskPoint.objects.filter(round=risk_round).values("organisation_id").annotate(**by_status)
    rows: dict[int, ProgressRow] = defaultdict(lambda: ProgressRow(None))
    for line in posts:
        row = rows[line["organisation_id"]]
        row.posts, row.posts_covered = line["posts"], line["covered"]
    for line in points:
        row = rows[line.pop("organisation_id")]
        for name, value in line.items():
            setattr(row, name, value)
    units = Organisation.objects.filter(pk__in=list(rows)).order_by("path")
    ordered = []
    total = ProgressRow(None)
    for unit in units:
        row = rows[unit.pk]
        row.organisation = unit
        ordered.append(row)
        total.add(row)
    return ordered, total


# --- comparison with the round before ----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class PointChange:
    point: RiskPoint
    old: RiskPoint
    fields: list[FieldChange]


@dataclass
class RoundDiff:
    """This round's register against the round before: points added (not copied), copies changed (with the
    fields that differ), the round before's approved points left out (never copied, or their copy withdrawn),
    and the copies unchanged."""

    previous: RiskRound | None
    added: list[RiskPoint] = field(default_factory=list)
    changed: list[PointChange] = field(default_factory=list)
    left_out: list[RiskPoint] = field(default_factory=list)
    same: list[RiskPoint] = field(default_factory=list)

    @property
    def unchanged(self) -> int:
        return len(self.same)

    def only(self, keep) -> RoundDiff:
        """The same comparison narrowed to the points `keep(point)` accepts (the units a reader may see)."""
        return RoundDiff(
            self.previous,
            [p for p in self.added if keep(p)],
            [c for c in self.changed if keep(c.point)],
            [p for p in self.left_out if keep(p)],
            [p for p in self.same if keep(p)],
        )


COMPARED_FIELDS = (
    ("title", gettext_lazy("risk point")),
    ("description", gettext_lazy("description")),
    ("causes", gettext_lazy("causes")),
    ("level", gettext_lazy("level")),
    ("likelihood", gettext_lazy("likelihood")),
    ("impact", gettext_lazy("impact")),
)


def previous_round(risk_round: RiskRound) -> RiskRound | None:
    """The round this one is compared with: the one it was copied from, else the committee's latest closed
    round of an earlier year."""
    if risk_round.previous_id:
        return risk_round.previous
    return latest_closed_round(risk_round.organisation, before_year=risk_round.year)


def _measure_lines(point: RiskPoint) -> list[tuple[str, int | None]]:
    return [(m.text.strip(), m.owner_id) for m in point.measures.all()]


def _measure_text(point: RiskPoint) -> str:
    lines = []
    for m in point.measures.all():
        owner = m.owner.name if m.owner_id else _("no owner")
        lines.append(f"{m.text.strip()}（{owner}）")
    return "\n".join(lines) or "—"


def _shown(point: RiskPoint, name: str) -> str:
    value = getattr(point, name)
    if name == "level":
        return str(Level(value).label)
    return str(value) if value not in (None, "") else "—"


def point_changes(point: RiskPoint, old: RiskPoint) -> list[FieldChange]:
    """The fields of a copy that differ from the point it was copied from (measures by text and owner)."""
    found = [
        FieldChange(name, str(label), _shown(old, name), _shown(point, name))
        for name, label in COMPARED_FIELDS
        if (getattr(point, name) or "") != (getattr(old, name) or "")
    ]
    if _measure_lines(point) != _measure_lines(old):
        found.append(
            FieldChange("measures", _("prevention and control measures"), _measure_text(old), _measure_text(point))
        )
    return found


def _measures(lookup: str = "measures") -> Prefetch:
    return Prefetch(lookup, queryset=RiskMeasure.objects.select_related("owner").order_by("order", "pk"))


def round_diff(risk_round: RiskRound) -> RoundDiff:
    """Compare the round's register with the round before (see RoundDiff); a handful of queries."""
    previous = previous_round(risk_round)
    diff = RoundDiff(previous)
    current = (
        risk_round.points.filter(status__in=LIVE_STATUSES)
        .select_related("organisation", "post", "copied_from", "copied_from__organisation")
        .prefetch_related(
            _measures(),
            Prefetch(
                "copied_from__measures", queryset=RiskMeasure.objects.select_related("owner").order_by("order", "pk")
            ),
        )
        .order_by("organisation__path", "level", "pk")
    )
    for point in current:
        if point.copied_from_id is None:
            diff.added.append(point)
            continue
        changes = point_changes(point, point.copied_from)
        if changes:
            diff.changed.append(PointChange(point, point.copied_from, changes))
        else:
            diff.same.append(point)
    if previous is not None:
        copied = RiskPoint.objects.filter(round=risk_round, copied_from=OuterRef("pk"), status__in=LIVE_STATUSES)
        diff.left_out = list(
            previous.points.filter(status=PointStatus.APPROVED)
            .filter(~Exists(copied))
            .select_related("organisation", "post")
            .order_by("organisation__path", "level", "pk")
        )
    return diff
