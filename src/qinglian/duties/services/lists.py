"""Duty lists (责任清单): making a unit's list for a year, its duties, publishing it, and who holds each duty.

A list is made empty, from the shipped model text (`fixtures/duty_template.json`), from the published
template list of the nearest unit above, or from the unit's own list of the year before. Copied duties
remember the duty they were copied from (`template_duty`), so that the list shows where it departs from the
list it was based on: duties added, changed or removed.

Publishing needs at least one duty; it does not need one of each kind of holder, because a small branch has
no committee members or discipline commissioner to give duties to. A published list stays editable (posts
change hands and tasks are added during the year); every change is in the audit trail, and changes made after
publication say so there. An actor of None is the system (the demo, tests).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx.enum.section import WD_ORIENT
from docx.shared import Cm

from qinglian.core.audit import audit_record
from qinglian.core.rules import rule_value
from qinglian.duties.models import Duty, DutyList
from qinglian.duties.vocab import Frequency, Holder, ListStatus
from qinglian.orgs.access import can, grants
from qinglian.orgs.models import CommitteePost, Member, Organisation, ancestor_paths, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER, PartyPost
from qinglian.reports import docx

TEMPLATE_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "duty_template.json"
MAX_DUTIES = 200
LIMITS = {"content": 2000, "basis": 4000, "evidence": 2000, "area": 100, "title": 200}
DUTY_FIELDS = ("holder", "post", "person", "area", "content", "basis", "frequency", "evidence")
# What a copy is compared on with the duty it was copied from.
COMPARED = ("holder", "post", "person_id", "area", "content", "basis", "frequency", "evidence")


class Source:
    """Where a new list's duties come from."""

    EMPTY = "empty"
    DEFAULT = "default"
    TEMPLATE = "template"
    LAST_YEAR = "last_year"

    choices = [
        (TEMPLATE, gettext_lazy("The template of the unit above")),
        (LAST_YEAR, gettext_lazy("Our own list of last year")),
        (DEFAULT, gettext_lazy("The model list shipped with the system")),
        (EMPTY, gettext_lazy("Empty")),
    ]
    values = [value for value, _label in choices]


_STALE = gettext_lazy(
    "Someone else changed this duty list while you were editing, so your changes were not saved. "
    "Reload the page to see their changes, then make yours again."
)


def _may(actor, obj) -> None:
    if actor is not None and not can(actor, "duties.manage", obj):
        raise PermissionDenied(_("You may not edit the duty lists of this unit."))


def _lock(duty_list: DutyList, version: int | None) -> DutyList:
    fresh = DutyList.objects.select_for_update().select_related("organisation").get(pk=duty_list.pk)
    if version is not None and fresh.version != version:
        raise Conflict(str(_STALE))
    return fresh


def _touch(duty_list: DutyList) -> None:
    duty_list.version += 1
    duty_list.save(update_fields=["version"])


def _audit(actor, action: str, duty_list: DutyList, changes: dict) -> None:
    if duty_list.status == ListStatus.PUBLISHED:
        changes = {**changes, "after_publication": True}
    audit_record(actor=actor, action=f"duties.{action}", obj=duty_list, changes=changes)


def year_range(org: Organisation) -> tuple[int, int]:
    """The first and last year a list may be made for now (rule duties.list_years)."""
    years = rule_value("duties.list_years", org_path=org.path)
    this_year = timezone.localdate().year
    return this_year - int(years["back"]), this_year + int(years["ahead"])


def _check_year(org: Organisation, year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Give the year as a number, such as 2026.")}) from None
    first, last = year_range(org)
    if not first <= year <= last:
        raise ValidationError(
            {"year": _("A duty list can be made for the years {first} to {last}.").format(first=first, last=last)}
        )
    return year


def _text(name: str, value, *, required: bool = False, label=None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({name: label or _("This cannot be empty.")})
    if len(value) > LIMITS[name]:
        raise ValidationError({name: _("Keep it within {n} characters.").format(n=LIMITS[name])})
    return value


def default_title(org: Organisation, year: int) -> str:
    return _("{unit} duty list {year}").format(unit=org.name, year=year)


# -- where a new list comes from ------------------------------------------------------------------------


def template_above(org: Organisation, year: int) -> DutyList | None:
    """The published template list for `year` of the nearest unit above `org`, or None."""
    paths = ancestor_paths(org.path, include_self=False)
    if not paths:
        return None
    return (
        DutyList.objects.templates()
        .filter(year=year, organisation__path__in=paths, organisation__is_active=True)
        .select_related("organisation")
        .order_by("-organisation__path")
        .first()
    )


@cache
def shipped_template() -> dict:
    """The model list shipped as data: its title, sources and duties (holder, post, area, content, basis,
    frequency, evidence)."""
    data = json.loads(TEMPLATE_FILE.read_text(encoding="utf-8"))
    for row in data["duties"]:
        if row["holder"] not in Holder.values or row["frequency"] not in Frequency.values:
            raise ValueError(f"{TEMPLATE_FILE.name}: unknown holder or frequency in {row['content'][:20]}")
        if row.get("post") and row["post"] not in PartyPost.values:
            raise ValueError(f"{TEMPLATE_FILE.name}: unknown post {row['post']}")
    return data


def _copies(duty_list: DutyList, source: DutyList) -> list[Duty]:
    return [
        Duty(
            duty_list=duty_list,
            holder=duty.holder,
            post=duty.post,
            # A named person is carried over only within the same unit (last year's list); a template above
            # names no one of ours.
            person_id=duty.person_id if source.organisation_id == duty_list.organisation_id else None,
            area=duty.area,
            content=duty.content,
            basis=duty.basis,
            frequency=duty.frequency,
            evidence=duty.evidence,
            template_duty=duty,
            order=(i + 1) * 10,
        )
        for i, duty in enumerate(source.duties.order_by("order", "pk"))
    ]


def _shipped(duty_list: DutyList) -> list[Duty]:
    return [
        Duty(
            duty_list=duty_list,
            holder=row["holder"],
            post=row.get("post", ""),
            area=row.get("area", ""),
            content=row["content"],
            basis=row.get("basis", ""),
            frequency=row["frequency"],
            evidence=row.get("evidence", ""),
            order=(i + 1) * 10,
        )
        for i, row in enumerate(shipped_template()["duties"])
    ]


# -- lists ------------------------------------------------------------------------------------------------


@transaction.atomic
def list_create(
    *,
    org: Organisation,
    year: int,
    source: str = Source.EMPTY,
    title: str = "",
    is_template: bool = False,
    actor,
) -> DutyList:
    """The unit's duty list for `year`: empty, from the shipped model list, from the template above, or from
    its own list of the year before. Refused for a unit outside the actor's reach, a year out of range, and
    a unit that has a list for the year already."""
    _may(actor, org)
    if not org.is_active:
        raise ValidationError(_("“{name}” is dissolved.").format(name=org.name))
    year = _check_year(org, year)
    if source not in Source.values:
        raise ValidationError({"source": _("Choose where the duties come from.")})
    if DutyList.objects.filter(organisation=org, year=year).exists():
        raise ValidationError(
            {"year": _("{unit} already has a duty list for {year}.").format(unit=org.name, year=year)}
        )
    based_on = None
    if source == Source.TEMPLATE:
        based_on = template_above(org, year)
        if based_on is None:
            raise ValidationError(
                {"source": _("No unit above has published a template list for {year}.").format(year=year)}
            )
    elif source == Source.LAST_YEAR:
        based_on = DutyList.objects.filter(organisation=org, year=year - 1).select_related("organisation").first()
        if based_on is None:
            raise ValidationError(
                {"source": _("{unit} has no duty list for {year}.").format(unit=org.name, year=year - 1)}
            )
    title = _text("title", title) or default_title(org, year)
    try:
        with transaction.atomic():
            duty_list = DutyList.objects.create(
                organisation=org,
                year=year,
                title=title,
                based_on=based_on,
                is_template=bool(is_template),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:  # another request made the unit's list for the year a moment ago
        raise ValidationError(
            {"year": _("{unit} already has a duty list for {year}.").format(unit=org.name, year=year)}
        ) from None
    if source == Source.DEFAULT:
        duties = _shipped(duty_list)
    elif based_on is not None:
        duties = _copies(duty_list, based_on)
    else:
        duties = []
    Duty.objects.bulk_create(duties)
    audit_record(
        actor=actor,
        action="duties.list_create",
        obj=duty_list,
        changes={
            "year": year,
            "title": title,
            "source": source,
            "based_on": based_on.pk if based_on else None,
            "duties": len(duties),
        },
    )
    return duty_list


@transaction.atomic
def list_update(*, duty_list: DutyList, version: int | None, title: str, is_template: bool, actor) -> DutyList:
    """Change a list's title and whether units below may inherit it."""
    _may(actor, duty_list)
    duty_list = _lock(duty_list, version)
    title = _text("title", title, required=True, label=_("Give the list a title."))
    changes = {}
    if title != duty_list.title:
        changes["title"] = [duty_list.title, title]
    if bool(is_template) != duty_list.is_template:
        changes["is_template"] = bool(is_template)
    duty_list.title, duty_list.is_template = title, bool(is_template)
    duty_list.version += 1
    duty_list.save(update_fields=["title", "is_template", "version"])
    _audit(actor, "list_update", duty_list, changes)
    return duty_list


@transaction.atomic
def list_publish(*, duty_list: DutyList, version: int | None, actor) -> DutyList:
    """Publish a draft list: its duties then show on their holders' "My duties", and a template list becomes
    available to the units below. It needs at least one duty."""
    _may(actor, duty_list)
    duty_list = _lock(duty_list, version)
    if duty_list.status == ListStatus.PUBLISHED:
        raise ValidationError(_("The duty list is already published."))
    if not duty_list.duties.exists():
        raise ValidationError(_("Add at least one duty before publishing."))
    duty_list.status, duty_list.published_at = ListStatus.PUBLISHED, timezone.now()
    duty_list.version += 1
    duty_list.save(update_fields=["status", "published_at", "version"])
    audit_record(actor=actor, action="duties.list_publish", obj=duty_list, changes={"status": ListStatus.PUBLISHED})
    return duty_list


def list_copy_year(*, duty_list: DutyList, actor) -> DutyList:
    """Next year's list of the same unit, copied from this one (a draft)."""
    return list_create(org=duty_list.organisation, year=duty_list.year + 1, source=Source.LAST_YEAR, actor=actor)


@transaction.atomic
def list_delete(*, duty_list: DutyList, version: int | None, actor) -> None:
    """Delete a draft list made by mistake. A published list, or one another list was copied from, stays."""
    _may(actor, duty_list)
    duty_list = _lock(duty_list, version)
    if duty_list.status == ListStatus.PUBLISHED:
        raise ValidationError(_("A published duty list cannot be deleted."))
    if DutyList.objects.filter(based_on=duty_list).exists():
        raise ValidationError(_("Another duty list was copied from this one; it cannot be deleted."))
    audit_record(
        actor=actor,
        action="duties.list_delete",
        obj=duty_list,
        changes={"year": duty_list.year, "title": duty_list.title, "duties": duty_list.duties.count()},
    )
    duty_list.delete()


# -- duties -----------------------------------------------------------------------------------------------


def duty_people(org: Organisation):
    """Who a duty of `org`'s list may name: the members on the register of the unit and the units below
    (committee posts are held by them)."""
    return (
        Member.objects.filter(subtree_q(org.path, "organisation__"), status__in=ON_REGISTER)
        .select_related("organisation")
        .order_by("name_pinyin", "pk")
    )


def _clean_duty(duty_list: DutyList, data: dict) -> dict:
    holder = data.get("holder")
    if holder not in Holder.values:
        raise ValidationError({"holder": _("Choose whose duty it is.")})
    frequency = data.get("frequency") or Frequency.ONCE
    if frequency not in Frequency.values:
        raise ValidationError({"frequency": _("Choose how often it is done.")})
    post = data.get("post") or ""
    if post:
        if holder != Holder.MEMBER:
            raise ValidationError({"post": _("Only a committee member's duty names a committee post.")})
        if post not in PartyPost.values:
            raise ValidationError({"post": _("Unknown committee post: {post}.").format(post=post)})
        if post == PartyPost.SECRETARY:
            raise ValidationError({"post": _("The secretary's duties are listed as the secretary's.")})
    person = data.get("person")
    if person is not None:
        if holder == Holder.COMMITTEE:
            raise ValidationError({"person": _("The committee's duties are collective and name no one.")})
        if not duty_people(duty_list.organisation).filter(pk=person.pk).exists():
            raise ValidationError(
                {
                    "person": _("{name} is not a member of {unit}.").format(
                        name=person.name, unit=duty_list.organisation.name
                    )
                }
            )
    return {
        "holder": holder,
        "post": post,
        "person": person,
        "area": _text("area", data.get("area")),
        "content": _text("content", data.get("content"), required=True, label=_("Say what the duty is.")),
        "basis": _text("basis", data.get("basis")),
        "frequency": frequency,
        "evidence": _text("evidence", data.get("evidence")),
    }


@transaction.atomic
def duty_add(
    *,
    duty_list: DutyList,
    version: int | None,
    holder: str,
    content: str,
    post: str = "",
    person: Member | None = None,
    area: str = "",
    basis: str = "",
    frequency: str = Frequency.ONCE,
    evidence: str = "",
    actor,
) -> Duty:
    """Add a duty at the end of its holder's duties; bumps the list's version."""
    _may(actor, duty_list)
    duty_list = _lock(duty_list, version)
    values = _clean_duty(
        duty_list,
        {"holder": holder, "post": post, "person": person, "area": area, "content": content, "basis": basis,
         "frequency": frequency, "evidence": evidence},
    )  # fmt: skip
    if duty_list.duties.count() >= MAX_DUTIES:
        raise ValidationError(_("A duty list holds at most {n} duties.").format(n=MAX_DUTIES))
    last = duty_list.duties.aggregate(last=Max("order"))["last"] or 0
    duty = Duty.objects.create(duty_list=duty_list, order=min(last + 10, 32000), **values)
    _touch(duty_list)
    _audit(actor, "duty_add", duty_list, {"duty": duty.pk, "holder": holder, "content": values["content"][:200]})
    return duty


@transaction.atomic
def duty_update(*, duty: Duty, version: int | None, actor, **fields) -> Duty:
    """Change a duty's fields (any of holder, post, person, area, content, basis, frequency, evidence; those
    left out keep their value); bumps the list's version."""
    unknown = set(fields) - set(DUTY_FIELDS)
    if unknown:
        raise TypeError(f"duty_update got unknown fields {sorted(unknown)}")
    duty_list = duty.duty_list
    _may(actor, duty_list)
    duty_list = _lock(duty_list, version)
    duty = Duty.objects.select_related("person").get(pk=duty.pk, duty_list=duty_list)
    current = {name: getattr(duty, name) for name in DUTY_FIELDS}
    values = _clean_duty(duty_list, {**current, **fields})
    changes = {}
    for name, value in values.items():
        if value != current[name]:
            changes[name] = value.pk if isinstance(value, Member) else value
        setattr(duty, name, value)
    duty.save()
    _touch(duty_list)
    _audit(actor, "duty_update", duty_list, {"duty": duty.pk, **changes})
    return duty


@transaction.atomic
def duty_remove(*, duty: Duty, version: int | None, actor) -> None:
    duty_list = duty.duty_list
    _may(actor, duty_list)
    duty_list = _lock(duty_list, version)
    if duty.duty_list_id != duty_list.pk:
        raise ValidationError(_("The duty is not on this list."))
    _audit(actor, "duty_remove", duty_list, {"duty": duty.pk, "holder": duty.holder, "content": duty.content[:200]})
    duty.delete()
    _touch(duty_list)


@transaction.atomic
def duty_move(*, duty: Duty, direction: str, actor) -> Duty:
    """Move a duty one place up or down among its holder's duties (they are shown in groups by holder).

    Moving takes no version and leaves the list's version as it is: two people reordering at once cannot lose
    each other's words, and a page with many buttons stays usable after a move made in place."""
    if direction not in ("up", "down"):
        raise ValidationError({"direction": _("Move a duty up or down.")})
    duty_list = duty.duty_list
    _may(actor, duty_list)
    duty_list = _lock(duty_list, None)
    group = list(duty_list.duties.filter(holder=duty.holder).order_by("order", "pk"))
    at = next((i for i, d in enumerate(group) if d.pk == duty.pk), None)
    if at is None:
        raise ValidationError(_("The duty is not on this list."))
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(group):
        return group[at]
    group[at], group[to] = group[to], group[at]
    # The group takes the order numbers it already had, in its new order: other groups keep theirs.
    slots = sorted(d.order for d in group)
    if len(set(slots)) < len(slots):  # equal numbers cannot express the swap: number the group afresh
        base = slots[0]
        slots = [base + 10 * i for i in range(len(group))]
    for d, order in zip(group, slots, strict=True):
        d.order = order
    Duty.objects.bulk_update(group, ["order"])
    _audit(actor, "duty_move", duty_list, {"duty": duty.pk, "direction": direction})
    return group[to]


# -- reading a list ---------------------------------------------------------------------------------------


def may_read(user, duty_list: DutyList) -> bool:
    """Whether `user` may read the list: those who see duties at its unit; once it is published, also those
    whose duties are on it (a seat on the unit's committee, or named), and, for a template, the people of the
    units below it, who inherit it."""
    if can(user, "duties.view", duty_list):
        return True
    if duty_list.status != ListStatus.PUBLISHED:
        return False
    path = duty_list.organisation.path
    if duty_list.is_template and any("duties.view" in g.permissions and g.path.startswith(path) for g in grants(user)):
        return True
    member = getattr(user, "member", None) if getattr(user, "is_authenticated", False) else None
    if member is None:
        return False
    return (
        duty_list.duties.filter(person=member).exists()
        or CommitteePost.objects.holding()
        .filter(member=member, term__organisation_id=duty_list.organisation_id, term__closed_on__isnull=True)
        .exists()
    )


@dataclass
class HolderGroup:
    """The duties of one kind of holder on a list, with who holds them now and what was removed from the list
    it was based on."""

    holder: str
    label: str
    duties: list = field(default_factory=list)
    removed: list = field(default_factory=list)


def post_holders(org: Organisation) -> dict[str, list[Member]]:
    """Who holds each post on the unit's current committee now: {post: [members]} (one query)."""
    held: dict[str, list[Member]] = {}
    posts = (
        CommitteePost.objects.holding()
        .filter(term__organisation=org, term__closed_on__isnull=True)
        .select_related("member")
        .order_by("post", "starts_on", "pk")
    )
    for post in posts:
        held.setdefault(post.post, []).append(post.member)
    return held


# The post whose holder carries the duties of a kind of holder; a committee member's duty names its own post.
HOLDER_POST = {Holder.SECRETARY: PartyPost.SECRETARY, Holder.DISCIPLINE: PartyPost.DISCIPLINE}


def duty_holders(duty: Duty, held: dict[str, list[Member]]) -> list[Member]:
    """Who carries the duty now: the person named, else the holder(s) of its post; for a committee member's
    duty naming neither, every committee member but the secretary; none for the committee's collective
    duties."""
    if duty.person_id:
        return [duty.person]
    if duty.holder == Holder.COMMITTEE:
        return []
    post = duty.post or HOLDER_POST.get(duty.holder)
    if post:
        return held.get(post, [])
    seen, members = set(), []
    for post, people in held.items():
        if post in (PartyPost.SECRETARY, PartyPost.GROUP_LEADER):
            continue
        for member in people:
            if member.pk not in seen:
                seen.add(member.pk)
                members.append(member)
    return members


def differences(duty_list: DutyList, duties: list[Duty]) -> tuple[dict[int, str], list[Duty]]:
    """How the list departs from the list it was based on: {duty id: "added" | "changed"} for its duties, and
    the duties of that list it has no copy of (removed). Nothing for a list based on none (one query)."""
    if duty_list.based_on_id is None:
        return {}, []
    originals = {
        d.pk: d for d in Duty.objects.filter(duty_list_id=duty_list.based_on_id).select_related("person", "duty_list")
    }
    marks, copied = {}, set()
    for duty in duties:
        original = originals.get(duty.template_duty_id)
        if original is None:
            marks[duty.pk] = "added"
            continue
        copied.add(original.pk)
        if any(getattr(duty, name) != getattr(original, name) for name in COMPARED if name != "person_id") or (
            # naming one of our own people for a duty of the template above is filling it in, not changing it
            duty.person_id != original.person_id and original.duty_list.organisation_id == duty_list.organisation_id
        ):
            marks[duty.pk] = "changed"
    removed = sorted((d for pk, d in originals.items() if pk not in copied), key=lambda d: (d.order, d.pk))
    return marks, removed


def list_groups(duty_list: DutyList, *, duties: list[Duty] | None = None) -> tuple[list[HolderGroup], dict]:
    """The list's duties in groups by holder (in the order of Holder), each duty with `holders_now` and `mark`
    (added / changed / None), and the counts of differences. A fixed number of queries."""
    if duties is None:
        duties = list(duty_list.duties.select_related("person").order_by("order", "pk"))
    held = post_holders(duty_list.organisation)
    marks, removed = differences(duty_list, duties)
    groups = {value: HolderGroup(value, str(label)) for value, label in Holder.choices}
    for duty in duties:
        duty.holders_now = duty_holders(duty, held)
        duty.mark = marks.get(duty.pk)
        groups[duty.holder].duties.append(duty)
    for duty in removed:
        groups[duty.holder].removed.append(duty)
    counts = {
        "added": sum(1 for m in marks.values() if m == "added"),
        "changed": sum(1 for m in marks.values() if m == "changed"),
        "removed": len(removed),
    }
    return list(groups.values()), counts


# -- the duties of one member -----------------------------------------------------------------------------


@dataclass
class MyDuty:
    duty: Duty
    duty_list: DutyList
    why: str  # "person", "post" or "committee"
    post: str = ""

    @property
    def post_label(self) -> str:
        return str(PartyPost(self.post).label) if self.post else ""


def member_duties(member: Member, year: int | None = None) -> list[MyDuty]:
    """The duties on the published lists of `year` (this year by default) that fall to the member: those naming
    them, those of a post they hold now on a unit's committee (the secretary's, the discipline commissioner's,
    a committee member's for their post or for every member), and the committee's collective duties of the
    units on whose committee they sit. Three queries."""
    year = year or timezone.localdate().year
    posts = list(
        CommitteePost.objects.holding()
        .filter(member=member, term__closed_on__isnull=True, term__organisation__is_active=True)
        .values_list("term__organisation_id", "post")
    )
    held: dict[int, set[str]] = {}
    for org_id, post in posts:
        held.setdefault(org_id, set()).add(post)
    duties = (
        Duty.objects.filter(duty_list__year=year, duty_list__status=ListStatus.PUBLISHED)
        .filter(Q(person=member) | Q(duty_list__organisation_id__in=list(held)))
        .select_related("duty_list__organisation", "person")
        .order_by("duty_list__organisation__path", "order", "pk")
    )
    mine: list[MyDuty] = []
    for duty in duties:
        duty_list = duty.duty_list
        if duty.person_id:
            if duty.person_id == member.pk:
                mine.append(MyDuty(duty, duty_list, "person"))
            continue
        posts_here = held.get(duty_list.organisation_id, set())
        if duty.holder == Holder.COMMITTEE:
            if posts_here - {PartyPost.GROUP_LEADER}:
                mine.append(MyDuty(duty, duty_list, "committee"))
            continue
        post = duty.post or HOLDER_POST.get(duty.holder)
        if post:
            if post in posts_here:
                mine.append(MyDuty(duty, duty_list, "post", post))
            continue
        others = posts_here - {PartyPost.SECRETARY, PartyPost.GROUP_LEADER}
        if others:  # a committee member's duty for every member
            mine.append(MyDuty(duty, duty_list, "post", sorted(others)[0]))
    order = {value: i for i, value in enumerate(Holder.values)}
    mine.sort(key=lambda d: (d.duty_list.organisation.path, order[d.duty.holder], d.duty.order, d.duty.pk))
    return mine


# -- the Word document ------------------------------------------------------------------------------------

# The document is an official paper in Chinese whatever the reader's language, as the unit files and prints it.
HOLDER_HEADINGS = {
    Holder.COMMITTEE: "党委（党组）集体领导责任（主体责任）",
    Holder.SECRETARY: "书记第一责任人责任",
    Holder.MEMBER: "班子成员“一岗双责”",
    Holder.DISCIPLINE: "纪检监督责任",
}
FREQUENCY_ZH = {
    Frequency.ONCE: "每年",
    Frequency.HALF_YEAR: "每半年",
    Frequency.QUARTERLY: "每季度",
    Frequency.MONTHLY: "每月",
    Frequency.ONGOING: "经常性",
    Frequency.AS_NEEDED: "适时",
}
NUMERALS = "一二三四五六七八九十"
DOCUMENT_HEADERS = ["序号", "工作领域", "职责内容", "依据", "频次", "佐证材料", "责任人"]
DOCUMENT_WIDTHS = [1.2, 2.3, 7.0, 6.2, 1.6, 4.2, 2.2]


def _holder_cell(duty: Duty) -> str:
    if duty.holder == Holder.COMMITTEE:
        return "党委（党组）集体"
    post = duty.post or HOLDER_POST.get(duty.holder) or "班子成员"
    names = "、".join(m.name for m in duty.holders_now)
    return f"{post}\n{names}" if names and not duty.person_id else (names or post)


def list_document(duty_list: DutyList):
    """The list as a Word document (A4 landscape): a title, then a table for each holder with duties."""
    groups, _counts = list_groups(duty_list)
    doc = docx.document_new(margins_cm=2.0)
    for section in doc.sections:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    docx.add_title(doc, duty_list.title, size=20)
    status = "" if duty_list.status == ListStatus.PUBLISHED else "（草稿）"
    docx.add_paragraph(doc, f"{duty_list.organisation.name}　{duty_list.year}年度{status}", align="center", size=14)
    number = 0
    for group in (g for g in groups if g.duties):
        docx.add_paragraph(doc, f"{NUMERALS[number]}、{HOLDER_HEADINGS[group.holder]}", size=14, bold=True)
        number += 1
        rows = [
            [
                str(i),
                duty.area,
                duty.content,
                duty.basis,
                FREQUENCY_ZH.get(duty.frequency, duty.frequency),
                duty.evidence,
                _holder_cell(duty).split("\n"),
            ]
            for i, duty in enumerate(group.duties, start=1)
        ]
        docx.add_table(doc, DOCUMENT_HEADERS, rows, widths_cm=DOCUMENT_WIDTHS, size=10.5)
    if number == 0:
        docx.add_paragraph(doc, "本清单尚无职责。", align="center")
    docx.add_page_numbers(doc, before="第 ", after=" 页")
    return doc


def list_filename(duty_list: DutyList) -> str:
    return f"{duty_list.organisation.name}{duty_list.year}年度责任清单.docx".replace("/", "_")
