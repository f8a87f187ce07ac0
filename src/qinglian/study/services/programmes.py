"""Study programmes: setting one with its topics, addressing it to units and members, publishing it, and what
each member has due.

An item is done for a member when they have finished every linked material and passed the linked exam (if
any); it is "due soon" within DUE_SOON_DAYS of its due date. An actor of None is the system (demo data).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core.audit import audit_record
from qinglian.orgs.access import can
from qinglian.orgs.models import Member, Organisation, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.study.models import Attempt, Programme, ProgrammeItem, ReadingRecord
from qinglian.study.vocab import PublishStatus, TopicKind

DUE_SOON_DAYS = 7
MAX_ITEMS = 60


class ItemStatus:
    UPCOMING = "upcoming"
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    DONE = "done"

    labels = {
        UPCOMING: gettext_lazy("Not started yet"),
        OPEN: gettext_lazy("Open"),
        DUE_SOON: gettext_lazy("Due soon"),
        OVERDUE: gettext_lazy("Overdue"),
        DONE: gettext_lazy("Done"),
    }
    badges = {UPCOMING: "secondary", OPEN: "primary", DUE_SOON: "warning", OVERDUE: "danger", DONE: "success"}


_STALE = gettext_lazy(
    "Someone else changed this programme while you were editing, so your changes were not saved. "
    "Reload the page to see their changes, then make yours again."
)


def _may(actor, programme_or_org) -> None:
    if actor is not None and not can(actor, "study.manage", programme_or_org):
        raise PermissionDenied(_("You may not set study programmes for this unit."))


def _lock(programme: Programme, version: int | None) -> Programme:
    fresh = Programme.objects.select_for_update().select_related("organisation").get(pk=programme.pk)
    if version is not None and fresh.version != version:
        raise Conflict(str(_STALE))
    return fresh


def _check_audience(org: Organisation, units, members) -> None:
    for unit in units:
        if not unit.is_within(org):
            raise ValidationError({"units": _("{unit} is not below {org}.").format(unit=unit.name, org=org.name)})
    for member in members:
        if not member.organisation.is_within(org):
            raise ValidationError(
                {"members": _("{name} is not a member of {org}.").format(name=member.name, org=org.name)}
            )


def _check_dates(starts_on, ends_on, field="ends_on") -> None:
    if starts_on is None:
        raise ValidationError({"starts_on": _("Give the first day.")})
    if ends_on is None:
        raise ValidationError({field: _("Give the last day.")})
    if ends_on < starts_on:
        raise ValidationError({field: _("The end is before the start.")})


@transaction.atomic
def programme_create(
    *,
    org: Organisation,
    title: str,
    starts_on: date,
    ends_on: date,
    year: int | None = None,
    description: str = "",
    units=(),
    members=(),
    actor,
) -> Programme:
    """A draft programme set by `org`, addressed to `units` (each with its subtree) and named `members`."""
    _may(actor, org)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the programme a title.")})
    _check_dates(starts_on, ends_on)
    units, members = list(units), list(members)
    _check_audience(org, units, members)
    programme = Programme.objects.create(
        organisation=org,
        year=year or starts_on.year,
        title=title,
        description=description or "",
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    programme.units.set(units)
    programme.members.set(members)
    audit_record(
        actor=actor,
        action="study.programme_create",
        obj=programme,
        changes={"title": title, "units": [u.pk for u in units], "members": [m.pk for m in members]},
    )
    return programme


@transaction.atomic
def programme_update(
    *,
    programme: Programme,
    version: int | None,
    title: str,
    starts_on: date,
    ends_on: date,
    description: str = "",
    units=(),
    members=(),
    actor,
) -> Programme:
    """Change a programme's title, dates and audience; refused (Conflict) when `version` is stale."""
    _may(actor, programme)
    programme = _lock(programme, version)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the programme a title.")})
    _check_dates(starts_on, ends_on)
    units, members = list(units), list(members)
    _check_audience(programme.organisation, units, members)
    programme.title, programme.description = title, description or ""
    programme.starts_on, programme.ends_on, programme.year = starts_on, ends_on, starts_on.year
    programme.version += 1
    programme.save()
    programme.units.set(units)
    programme.members.set(members)
    audit_record(actor=actor, action="study.programme_update", obj=programme, changes={"title": title})
    return programme


@transaction.atomic
def programme_publish(*, programme: Programme, version: int | None, actor) -> Programme:
    """Publish a draft programme: it then shows on its members' pages. It needs at least one topic and an
    audience."""
    _may(actor, programme)
    programme = _lock(programme, version)
    if programme.status == PublishStatus.PUBLISHED:
        raise ValidationError(_("The programme is already published."))
    if not programme.items.exists():
        raise ValidationError(_("Add at least one topic before publishing."))
    if not programme.units.exists() and not programme.members.exists():
        raise ValidationError(_("Say which units or members the programme is for before publishing."))
    programme.status = PublishStatus.PUBLISHED
    programme.version += 1
    programme.save(update_fields=["status", "version"])
    audit_record(actor=actor, action="study.programme_publish", obj=programme, changes={"status": "published"})
    return programme


@transaction.atomic
def programme_withdraw(*, programme: Programme, version: int | None, actor) -> Programme:
    _may(actor, programme)
    programme = _lock(programme, version)
    programme.status = PublishStatus.WITHDRAWN
    programme.version += 1
    programme.save(update_fields=["status", "version"])
    audit_record(actor=actor, action="study.programme_withdraw", obj=programme, changes={"status": "withdrawn"})
    return programme


@transaction.atomic
def item_save(
    *,
    programme: Programme,
    version: int | None,
    item: ProgrammeItem | None = None,
    topic: str,
    title: str,
    starts_on: date,
    due_on: date,
    description: str = "",
    hours: Decimal | int | str = 0,
    materials=(),
    exam=None,
    actor,
) -> ProgrammeItem:
    """Add a topic to a programme (or change `item`); bumps the programme's version."""
    _may(actor, programme)
    programme = _lock(programme, version)
    if topic not in TopicKind.values:
        raise ValidationError({"topic": _("Unknown topic: {topic}.").format(topic=topic)})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the topic a title.")})
    _check_dates(starts_on, due_on, field="due_on")
    try:
        hours = Decimal(str(hours or 0))
    except ArithmeticError:
        raise ValidationError({"hours": _("Give the hours as a number.")}) from None
    if hours < 0 or hours > 999:
        raise ValidationError({"hours": _("Give between 0 and 999 hours.")})
    materials = list(materials)
    for material in materials:
        near = programme.organisation.is_within(material.organisation) or material.organisation.is_within(
            programme.organisation
        )
        if not near:
            raise ValidationError({"materials": _("“{title}” is not in this unit's library.").format(title=material)})
    if item is None:
        if programme.items.count() >= MAX_ITEMS:
            raise ValidationError(_("At most {n} topics can be set.").format(n=MAX_ITEMS))
        item = ProgrammeItem(programme=programme, position=programme.items.count() + 1)
    elif item.programme_id != programme.pk:
        raise ValidationError(_("The topic is not part of this programme."))
    item.topic, item.title, item.description = topic, title, description or ""
    item.starts_on, item.due_on, item.hours, item.exam = starts_on, due_on, hours, exam
    item.save()
    item.materials.set(materials)
    programme.version += 1
    programme.save(update_fields=["version"])
    audit_record(
        actor=actor,
        action="study.programme_item_save",
        obj=programme,
        changes={"item": item.pk, "title": title, "topic": topic, "due_on": due_on.isoformat()},
    )
    return item


@transaction.atomic
def item_remove(*, item: ProgrammeItem, version: int | None, actor) -> None:
    programme = item.programme
    _may(actor, programme)
    programme = _lock(programme, version)
    audit_record(actor=actor, action="study.programme_item_remove", obj=programme, changes={"item": item.pk})
    item.delete()
    programme.version += 1
    programme.save(update_fields=["version"])


# -- what a member has due --------------------------------------------------------------------------


def item_status(item: ProgrammeItem, done: bool, day: date) -> str:
    if done:
        return ItemStatus.DONE
    if day < item.starts_on:
        return ItemStatus.UPCOMING
    if day > item.due_on:
        return ItemStatus.OVERDUE
    if (item.due_on - day).days <= DUE_SOON_DAYS:
        return ItemStatus.DUE_SOON
    return ItemStatus.OPEN


def member_programmes(member: Member, day: date | None = None):
    """The member's published programmes that have not ended."""
    day = day or timezone.localdate()
    return Programme.objects.published().addressed_to(member).filter(ends_on__gte=day)


def items_done(member: Member, items) -> set[int]:
    """The ids of `items` the member has done: every linked material finished, the linked exam passed."""
    items = list(items)
    material_ids = {m.pk for item in items for m in item.materials.all()}
    exam_ids = {item.exam_id for item in items if item.exam_id}
    finished = set(
        ReadingRecord.objects.filter(
            member=member, material_id__in=material_ids, finished_at__isnull=False
        ).values_list("material_id", flat=True)
    ) if material_ids else set()  # fmt: skip
    passed = set(
        Attempt.objects.filter(member=member, exam_id__in=exam_ids, passed=True).values_list("exam_id", flat=True)
    ) if exam_ids else set()  # fmt: skip
    done = set()
    for item in items:
        needs = {m.pk for m in item.materials.all()}
        if not needs and not item.exam_id:
            continue  # nothing to check: the member cannot be told it is done
        if needs <= finished and (not item.exam_id or item.exam_id in passed):
            done.add(item.pk)
    return done


def programmes_due(member: Member, day: date | None = None) -> list[tuple[Programme, ProgrammeItem, str]]:
    """For the member's home: each item of the member's current published programmes with its status
    (ItemStatus), the overdue and soonest due first. A fixed number of queries."""
    day = day or timezone.localdate()
    programmes = {p.pk: p for p in member_programmes(member, day).select_related("organisation")}
    items = list(
        ProgrammeItem.objects.filter(programme_id__in=programmes)
        .select_related("exam")
        .prefetch_related("materials")
        .order_by("due_on", "position", "pk")
    )
    done = items_done(member, items)
    rows = [(programmes[item.programme_id], item, item_status(item, item.pk in done, day)) for item in items]
    order = {ItemStatus.OVERDUE: 0, ItemStatus.DUE_SOON: 1, ItemStatus.OPEN: 2, ItemStatus.UPCOMING: 3}
    rows.sort(key=lambda row: (order.get(row[2], 4), row[1].due_on))
    return rows


def programme_topics(member: Member, day: date | None = None) -> set[str]:
    """The topic codes (TopicKind) of the member's current published programmes: what practice draws on."""
    day = day or timezone.localdate()
    programmes = member_programmes(member, day).filter(starts_on__lte=day)
    return set(ProgrammeItem.objects.filter(programme__in=programmes).values_list("topic", flat=True).distinct())


# -- progress per unit --------------------------------------------------------------------------------


def programme_audience(programme: Programme):
    """The members on the register the programme is addressed to."""
    units = list(programme.units.all())
    q = Q(pk__in=programme.members.values("pk"))
    for unit in units:
        q |= subtree_q(unit.path, "organisation__")
    return Member.objects.filter(q, status__in=ON_REGISTER)


def programme_progress(programme: Programme, items=None, within: Organisation | None = None) -> list[dict]:
    """Per unit of the audience (inside `within` when given): members, and per item how many have done it.
    Queries: one per item at most (materials and exam), plus three."""
    items = list(items if items is not None else programme.items.prefetch_related("materials"))
    audience = programme_audience(programme)
    if within is not None:
        audience = audience.filter(subtree_q(within.path, "organisation__"))
    members = list(audience.select_related("organisation").order_by("organisation__path"))
    by_unit: dict[int, dict] = {}
    for member in members:
        row = by_unit.setdefault(
            member.organisation_id, {"unit": member.organisation, "members": 0, "done": defaultdict(int)}
        )
        row["members"] += 1
    member_ids = [m.pk for m in members]
    unit_of = {m.pk: m.organisation_id for m in members}
    material_ids = {m.pk for item in items for m in item.materials.all()}
    exam_ids = {item.exam_id for item in items if item.exam_id}
    finished = defaultdict(set)
    for member_id, material_id in ReadingRecord.objects.filter(
        member_id__in=member_ids, material_id__in=material_ids, finished_at__isnull=False
    ).values_list("member_id", "material_id"):
        finished[member_id].add(material_id)
    passed = defaultdict(set)
    for member_id, exam_id in (
        Attempt.objects.filter(member_id__in=member_ids, exam_id__in=exam_ids, passed=True)
        .values_list("member_id", "exam_id")
        .distinct()
    ):
        passed[member_id].add(exam_id)
    for item in items:
        needs = {m.pk for m in item.materials.all()}
        if not needs and not item.exam_id:
            continue
        for member_id in member_ids:
            if needs <= finished[member_id] and (not item.exam_id or item.exam_id in passed[member_id]):
                by_unit[unit_of[member_id]]["done"][item.pk] += 1
    rows = sorted(by_unit.values(), key=lambda row: row["unit"].path)
    for row in rows:
        row["cells"] = [row["done"][item.pk] for item in items]
    return rows


def programme_counts(queryset):
    return queryset.annotate(item_count=Count("items", distinct=True))
