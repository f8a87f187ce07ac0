"""Study sessions and study hours: sessions of a unit (linked to the meeting they were held in, or with
their attendees picked), self-study and training elsewhere, each member's hours towards the year's norm,
the table of who is behind, and the indicators evaluation reads.

Hours follow the rules as data: `study.hours_norm` (members 32, branch secretaries and committee members
56 a year) and `study.hour_conversion` (meeting time rounded to the half hour, a training day, the hours
of a meeting with no recorded end, and the self-study counted at most in a year). A member is on a
committee when they hold a post on a unit's current committee term. The table reads the rules in force
at the scope it is drawn for (a unit that tightened a rule sees its own numbers).

An actor of None is the system (demo data, imports), whose writes are not checked against roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.models import Rule
from qinglian.core.rules import rule_value
from qinglian.orglife.models import Attendee, Meeting
from qinglian.orglife.vocab import ATTENDING, MeetingKind, MeetingStatus
from qinglian.orgs.access import can, scope_q
from qinglian.orgs.models import CommitteePost, Member, Organisation
from qinglian.orgs.models.tree import STEP, ancestor_paths, subtree_q
from qinglian.study.models import StudyRecord, StudySession
from qinglian.study.vocab import RecordSource, SessionKind, TopicKind

VIEW, MANAGE = "study.view", "study.manage"
HALF = Decimal("0.5")
MAX_HOURS = Decimal("999.5")
# Words in a meeting's title or theme that tell which strand of study it was.
TOPIC_WORDS = (
    ("警示", TopicKind.WARNING),
    ("以案", TopicKind.WARNING),
    ("讲话", TopicKind.SPEECHES),
    ("党性", TopicKind.PARTY_SPIRIT),
    ("党章", TopicKind.CHARTER),
    ("党规", TopicKind.CHARTER),
)


# --- rules -----------------------------------------------------------------------------------------------


def conversion(org: Organisation, on: date | None = None) -> dict:
    return rule_value("study.hour_conversion", org_path=org.path, on=on)


def norms(org: Organisation, on: date | None = None) -> dict:
    return rule_value("study.hours_norm", org_path=org.path, on=on)


def half_hours(value) -> Decimal:
    """Hours rounded to the nearest half hour."""
    return (Decimal(value) * 2).quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2


def meeting_hours(meeting: Meeting) -> Decimal:
    """The study hours of a meeting: its length rounded to the half hour (at least half an hour), or the
    rule's default when no end was recorded."""
    rule = conversion(meeting.organisation, meeting.starts_on)
    if meeting.ends_at is None:
        return Decimal(str(rule["meeting_default_hours"]))
    length = Decimal((meeting.ends_at - meeting.starts_at).total_seconds()) / 3600
    return max(HALF, half_hours(length * Decimal(str(rule["per_hour"]))))


def training_hours(org: Organisation, first: date, last: date) -> Decimal:
    """A training course's hours: its days (first and last included) times the rule's training day."""
    days = (last - first).days + 1
    return Decimal(days) * Decimal(str(conversion(org, first)["training_day"]))


def session_kind_of(meeting: Meeting) -> str:
    """A Party lecture is a lecture; any other meeting held for study is collective study."""
    return SessionKind.LECTURE if meeting.kind == MeetingKind.PARTY_LECTURE else SessionKind.COLLECTIVE


def topic_guess(*texts: str) -> str:
    text = " ".join(texts)
    return next((topic for word, topic in TOPIC_WORDS if word in text), TopicKind.CHARTER)


# --- who may -----------------------------------------------------------------------------------------------


def _check(actor, action: str, obj) -> None:
    if actor is not None and not can(actor, action, obj):
        raise PermissionDenied(_("You may not record study for this unit."))


def meetings_linkable(user):
    """Held meetings of the units where the user records study, not yet made a study session."""
    return (
        Meeting.objects.filter(scope_q(user, MANAGE, model=Meeting), status=MeetingStatus.HELD)
        .filter(study_session__isnull=True)
        .select_related("organisation")
        .order_by("-starts_at", "-pk")
    )


def session_people(org: Organisation):
    """Whom a session of `org` may record as attending: the register of the unit and the units below it."""
    return Member.objects.on_register().in_subtree(org).select_related("organisation").order_by("name_pinyin", "pk")


# --- sessions ------------------------------------------------------------------------------------------------


def _check_hours(hours) -> Decimal:
    hours = Decimal(hours)
    if hours <= 0 or hours > MAX_HOURS:
        raise ValidationError({"hours": _("Hours must be above zero and below 1000.")})
    if hours * 2 != int(hours * 2):
        raise ValidationError({"hours": _("Hours are counted in half hours.")})
    return hours


def _record_for(session: StudySession, member: Member, actor) -> StudyRecord:
    return StudyRecord(
        member=member,
        organisation_id=member.organisation_id,
        source=RecordSource.SESSION,
        session=session,
        title=session.title,
        studied_on=session.held_on,
        year=session.held_on.year,
        hours=session.hours,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _set_attendees(session: StudySession, member_ids: set[int], actor) -> tuple[int, int]:
    """Make the session's records exactly those of `member_ids`; returns (added, removed)."""
    have = set(session.records.values_list("member_id", flat=True))
    gone = have - member_ids
    removed = session.records.filter(member_id__in=gone).delete()[0] if gone else 0
    new = Member.objects.filter(pk__in=member_ids - have)
    StudyRecord.objects.bulk_create([_record_for(session, m, actor) for m in new])
    return len(member_ids - have), removed


def _members_of(org: Organisation, members: Iterable[Member]) -> set[int]:
    ids = {m.pk for m in members}
    allowed = set(session_people(org).filter(pk__in=ids).values_list("pk", flat=True))
    if ids - allowed:
        raise ValidationError({"members": _("Only members on the register of the unit can attend its session.")})
    return ids


@transaction.atomic
def session_create(
    *,
    org: Organisation,
    title: str,
    held_on: date,
    actor,
    kind: str = SessionKind.COLLECTIVE,
    topic: str = TopicKind.CHARTER,
    hours=None,
    ends_on: date | None = None,
    members: Iterable[Member] = (),
    provider: str = "",
    description: str = "",
    programme_item=None,
) -> StudySession:
    """Record a session not held in a meeting, with the members who attended.

    A training course over several days (`ends_on`) without hours given counts days × the training day.
    """
    _check(actor, MANAGE, org)
    if not org.is_active:
        raise ValidationError(_("This unit is dissolved."))
    if not title.strip():
        raise ValidationError({"title": _("Give the session a title.")})
    if ends_on is not None and ends_on < held_on:
        raise ValidationError({"ends_on": _("The last day is before the first.")})
    if hours in (None, ""):
        if kind != SessionKind.TRAINING:
            raise ValidationError({"hours": _("Say how many hours the session counts.")})
        hours = training_hours(org, held_on, ends_on or held_on)
    hours = _check_hours(hours)
    ids = _members_of(org, members)
    session = StudySession.objects.create(
        organisation=org,
        kind=kind,
        title=title.strip(),
        topic=topic,
        held_on=held_on,
        ends_on=ends_on,
        hours=hours,
        provider=provider,
        description=description,
        programme_item=programme_item,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _set_attendees(session, ids, actor)
    audit_record(
        actor=actor,
        action="study.session_create",
        obj=session,
        changes={"title": session.title, "hours": str(hours), "attendees": len(ids)},
    )
    return session


def _present_ids(meeting: Meeting) -> set[int]:
    rows = Attendee.objects.members().filter(meeting=meeting, presence__in=ATTENDING)
    return set(rows.values_list("member_id", flat=True))


@transaction.atomic
def session_from_meeting(
    *,
    meeting: Meeting,
    actor,
    title: str = "",
    topic: str = "",
    kind: str = "",
    hours=None,
) -> StudySession:
    """Make a held meeting a study session: its title, day and theme, hours from its length, and a record for
    each member who was there (present or late)."""
    meeting = Meeting.objects.select_for_update().select_related("organisation").get(pk=meeting.pk)
    _check(actor, MANAGE, meeting)
    if meeting.status != MeetingStatus.HELD:
        raise ValidationError(_("Only a meeting that was held can count as study."))
    if StudySession.objects.filter(meeting=meeting).exists():
        raise ValidationError(_("This meeting is already a study session."))
    hours = meeting_hours(meeting) if hours in (None, "") else _check_hours(hours)
    session = StudySession.objects.create(
        organisation=meeting.organisation,
        kind=kind or session_kind_of(meeting),
        title=(title or meeting.title).strip(),
        topic=topic or topic_guess(meeting.title, meeting.topic),
        held_on=meeting.starts_on,
        hours=hours,
        meeting=meeting,
        description=meeting.topic,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    added, _removed = _set_attendees(session, _present_ids(meeting), actor)
    audit_record(
        actor=actor,
        action="study.session_from_meeting",
        obj=session,
        changes={"meeting": meeting.pk, "hours": str(hours), "attendees": added},
    )
    return session


@transaction.atomic
def session_sync(*, session: StudySession, actor) -> tuple[int, int]:
    """Read the meeting's attendance again: records for members now marked present or late, none for the
    others. Returns (added, removed)."""
    session = StudySession.objects.select_for_update().select_related("organisation").get(pk=session.pk)
    _check(actor, MANAGE, session)
    if session.meeting_id is None:
        raise ValidationError(_("This session was not held in a meeting: pick its attendees instead."))
    added, removed = _set_attendees(session, _present_ids(session.meeting), actor)
    if added or removed:
        audit_record(
            actor=actor, action="study.session_sync", obj=session, changes={"added": added, "removed": removed}
        )
    return added, removed


@transaction.atomic
def session_attendees_set(*, session: StudySession, members: Iterable[Member], actor) -> tuple[int, int]:
    """Set who attended a session not held in a meeting. Returns (added, removed)."""
    session = StudySession.objects.select_for_update().select_related("organisation").get(pk=session.pk)
    _check(actor, MANAGE, session)
    if session.meeting_id is not None:
        raise ValidationError(_("The attendance of this session comes from its meeting: sync it instead."))
    added, removed = _set_attendees(session, _members_of(session.organisation, members), actor)
    audit_record(
        actor=actor, action="study.session_attendees", obj=session, changes={"added": added, "removed": removed}
    )
    return added, removed


@transaction.atomic
def session_delete(*, session: StudySession, actor) -> None:
    """Remove a session and the hours it gave."""
    _check(actor, MANAGE, session)
    audit_record(
        actor=actor,
        action="study.session_delete",
        obj=session,
        changes={"title": session.title, "records": session.records.count()},
    )
    session.delete()


# --- records ----------------------------------------------------------------------------------------------


def _check_day(day: date) -> None:
    if day > timezone.localdate():
        raise ValidationError({"studied_on": _("The date is in the future.")})


@transaction.atomic
def record_self_study(
    *, member: Member, title: str, studied_on: date, hours, actor, material=None, note: str = ""
) -> StudyRecord:
    """A member records their own self-study (counted up to the year's cap)."""
    if actor is not None and getattr(actor, "member", None) != member:
        raise PermissionDenied(_("Members record only their own self-study."))
    if not title.strip():
        raise ValidationError({"title": _("Say what you studied.")})
    _check_day(studied_on)
    record = StudyRecord.objects.create(
        member=member,
        organisation_id=member.organisation_id,
        source=RecordSource.SELF,
        material=material,
        title=title.strip(),
        studied_on=studied_on,
        year=studied_on.year,
        hours=_check_hours(hours),
        note=note,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="study.self_study", obj=record, changes={"hours": str(record.hours)})
    return record


@transaction.atomic
def record_external(*, member: Member, title: str, studied_on: date, hours, note: str, actor) -> StudyRecord:
    """Staff record training a member took elsewhere (a Party school, a course of another body)."""
    _check(actor, MANAGE, member)
    if not title.strip():
        raise ValidationError({"title": _("Say what the training was.")})
    if not note.strip():
        raise ValidationError({"note": _("Say where the training was and what shows it was taken.")})
    _check_day(studied_on)
    record = StudyRecord.objects.create(
        member=member,
        organisation_id=member.organisation_id,
        source=RecordSource.EXTERNAL,
        title=title.strip(),
        studied_on=studied_on,
        year=studied_on.year,
        hours=_check_hours(hours),
        note=note.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="study.external_training", obj=record, changes={"hours": str(record.hours)})
    return record


def record_may_delete(user, record: StudyRecord) -> bool:
    if record.source == RecordSource.SESSION:
        return False
    if record.source == RecordSource.SELF and getattr(user, "member", None) == record.member:
        return True
    return can(user, MANAGE, record)


@transaction.atomic
def record_delete(*, record: StudyRecord, actor) -> None:
    """Remove a self-study or external record (a session's records follow its attendance)."""
    if record.source == RecordSource.SESSION:
        raise ValidationError(_("Hours from a session follow its attendance: change the session instead."))
    if actor is not None and not record_may_delete(actor, record):
        raise PermissionDenied(_("You may not remove this record."))
    audit_record(
        actor=actor,
        action="study.record_delete",
        obj=record,
        changes={"member": record.member_id, "title": record.title, "hours": str(record.hours)},
    )
    record.delete()


# --- hours ---------------------------------------------------------------------------------------------------


def is_committee_member(member: Member) -> bool:
    """Whether the member holds a post on a unit's current committee term (secretary, deputy, member)."""
    return CommitteePost.objects.holding().filter(member=member, term__closed_on__isnull=True).exists()


def member_hours(member: Member, year: int) -> dict:
    """A member's hours in `year`: counted (self-study capped), the norm that applies, records and sources.

    {"hours", "norm", "committee", "percent", "records", "by_source", "self_study", "self_cap",
    "self_counted"}
    """
    cap = Decimal(str(conversion(member.organisation)["self_study_cap"]))
    committee = is_committee_member(member)
    rule = norms(member.organisation)
    norm = int(rule["committee"] if committee else rule["member"])
    records = StudyRecord.objects.filter(member=member, year=year).select_related("session", "material")
    sums = dict(records.order_by().values_list("source").annotate(total=Sum("hours")))
    by_source = {source: sums.get(source) or Decimal(0) for source in RecordSource.values}
    self_study = by_source[RecordSource.SELF]
    self_counted = min(self_study, cap)
    hours = by_source[RecordSource.SESSION] + by_source[RecordSource.EXTERNAL] + self_counted
    return {
        "hours": hours,
        "norm": norm,
        "committee": committee,
        "percent": int(hours * 100 / norm) if norm else None,
        "records": records,
        "by_source": by_source,
        "self_study": self_study,
        "self_cap": cap,
        "self_counted": self_counted,
    }


def year_fraction(year: int, on: date | None = None) -> float:
    """How much of `year` has passed on `on` (0 before it, 1 after it)."""
    on = on or timezone.localdate()
    if on.year < year:
        return 0.0
    if on.year > year:
        return 1.0
    days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
    return (on - date(year, 1, 1)).days / days


def _hours_of(year: int, sources, cap=None, on: date | None = None):
    records = StudyRecord.objects.filter(member=OuterRef("pk"), year=year, source__in=sources)
    if on is not None:  # the year as seen on `on`: hours earned after it are not counted yet
        records = records.filter(studied_on__lte=on)
    rows = records.order_by().values("member").annotate(total=Sum("hours")).values("total")
    return Coalesce(Subquery(rows, output_field=DecimalField()), Value(Decimal(0)), output_field=DecimalField())


@dataclass(frozen=True)
class HoursRules:
    """What counts a member's hours: the self-study counted at most in a year and the two norms."""

    self_cap: Decimal
    member_norm: int
    committee_norm: int


def hours_rules(org: Organisation, on: date | None = None) -> HoursRules:
    """The rules `study.hour_conversion` and `study.hours_norm` in force at `org` on `on` (today if None)."""
    rule = norms(org, on)
    return HoursRules(
        self_cap=Decimal(str(conversion(org, on)["self_study_cap"])),
        member_norm=int(rule["member"]),
        committee_norm=int(rule["committee"]),
    )


def members_with_hours(members, *, year: int, scope: Organisation, on: date | None = None):
    """`members` annotated in one query with their hours in `year` (earned by `on`, when given): session and
    external (`other_hours`), self-study (`self_hours`), `counted`, `committee`, `norm`, `expected` by `on`,
    `ratio` and `behind`, by the rules in force at `scope`."""
    return _with_hours(members, year=year, on=on, rules=hours_rules(scope, on))


def _with_hours(members, *, year: int, on: date | None, rules: HoursRules):
    fraction = year_fraction(year, on)
    committee = Exists(CommitteePost.objects.holding().filter(member=OuterRef("pk"), term__closed_on__isnull=True))
    return (
        members.annotate(
            other_hours=_hours_of(year, (RecordSource.SESSION, RecordSource.EXTERNAL), on=on),
            self_hours=_hours_of(year, (RecordSource.SELF,), on=on),
            committee=committee,
        )
        .annotate(
            counted=Cast(
                F("other_hours") + Least(F("self_hours"), Value(rules.self_cap), output_field=DecimalField()),
                FloatField(),
            ),
            norm=Case(
                When(committee=True, then=Value(rules.committee_norm)),
                default=Value(rules.member_norm),
                output_field=IntegerField(),
            ),
        )
        .annotate(
            expected=Cast(F("norm"), FloatField()) * Value(fraction),
            ratio=F("counted") / Cast(F("norm"), FloatField()),
        )
        .annotate(
            behind=Case(When(counted__lt=F("expected"), then=Value(True)), default=Value(False)),
            met=Case(When(counted__gte=F("norm"), then=Value(True)), default=Value(False)),
        )
    )


@dataclass
class HoursRow:
    """One member's line of the table, with the numbers the page and the export show."""

    member: Member
    hours: float
    norm: int
    expected: float
    committee: bool
    self_hours: Decimal
    behind: bool

    @property
    def percent(self) -> int:
        return int(self.hours * 100 / self.norm) if self.norm else 0


def hours_row(member) -> HoursRow:
    return HoursRow(
        member=member,
        hours=round(member.counted, 1),
        norm=member.norm,
        expected=round(member.expected, 1),
        committee=member.committee,
        self_hours=member.self_hours,
        behind=bool(member.behind),
    )


SORTS = {
    "name": ("name_pinyin", "pk"),
    "unit": ("organisation__path", "name_pinyin", "pk"),
    "hours": ("counted", "name_pinyin", "pk"),
    "-hours": ("-counted", "name_pinyin", "pk"),
    "percent": ("ratio", "name_pinyin", "pk"),
    "-percent": ("-ratio", "name_pinyin", "pk"),
}


def hours_table(*, scope: Organisation, year: int, on: date | None = None, behind_only=False, sort: str = "unit"):
    """The members on the register of `scope`'s subtree with their hours in `year` (one query)."""
    members = members_with_hours(Member.objects.on_register().in_subtree(scope), year=year, scope=scope, on=on)
    if behind_only:
        members = members.filter(behind=True)
    return members.select_related("organisation").order_by(*SORTS.get(sort, SORTS["unit"]))


def unit_totals(*, scope: Organisation, year: int, on: date | None = None) -> list[dict]:
    """Per unit of the subtree (each unit's own members): members, hours, average, norms met, behind."""
    members = members_with_hours(Member.objects.on_register().in_subtree(scope), year=year, scope=scope, on=on)
    rows = (
        members.order_by()
        .values("organisation", "organisation__name", "organisation__path")
        .annotate(
            members=Count("pk"),
            total=Sum("counted"),
            met_count=Sum(Case(When(met=True, then=1), default=0)),
            behind_count=Sum(Case(When(behind=True, then=1), default=0)),
        )
        .order_by("organisation__path")
    )
    out = []
    for row in rows:
        total = row["total"] or 0
        out.append(
            {
                "org_id": row["organisation"],
                "name": row["organisation__name"],
                "depth": len(row["organisation__path"]) // 4 - len(scope.path) // 4,
                "members": row["members"],
                "hours": round(total, 1),
                "average": round(total / row["members"], 1) if row["members"] else None,
                "met": row["met_count"],
                "behind": row["behind_count"],
            }
        )
    return out


# --- indicators ------------------------------------------------------------------------------------------


def _summary_of(members) -> dict:
    """n, total (counted hours) and met_count of members annotated by `_with_hours`."""
    return {"n": Count("pk"), "total": Sum("counted"), "met_count": Sum(Case(When(met=True, then=1), default=0))}


def _subtree_summary(org: Organisation, year: int, on: date | None) -> dict:
    """One unit's summary in one query (the bulk `subtree_summaries` answers the same for many units)."""
    members = members_with_hours(Member.objects.on_register().in_subtree(org), year=year, scope=org, on=on)
    return members.order_by().aggregate(**_summary_of(members))


def _by_rules(orgs: list[Organisation], on: date | None) -> dict[HoursRules, list[Organisation]]:
    """`orgs` grouped by the hours rules in force at each, reading each rule once per subtree that has its own
    version (not once per unit): units under the same versions' paths share what `rule_get` picks for them."""
    keys = ("study.hours_norm", "study.hour_conversion")
    paths = set(
        Rule.objects.effective_on(on or timezone.localdate()).filter(key__in=keys).values_list("org_path", flat=True)
    )
    by_versions: dict[frozenset, list[Organisation]] = {}
    for org in orgs:
        by_versions.setdefault(frozenset(p for p in paths if org.path.startswith(p)), []).append(org)
    groups: dict[HoursRules, list[Organisation]] = {}
    for group in by_versions.values():
        groups.setdefault(hours_rules(group[0], on), []).extend(group)
    return groups


def subtree_rows(*, top: str, year: int, on: date | None, rules: HoursRules):
    """Per unit of the subtree at path `top` (each unit's own members on the register): (path, n, total,
    met_count) with the hours counted by `rules`: one grouped query, whatever the number of units."""
    members = _with_hours(
        Member.objects.on_register().filter(subtree_q(top, "organisation__")), year=year, on=on, rules=rules
    )
    return members.order_by().values_list("organisation__path").annotate(**_summary_of(members))


def roll_up(rows, asked: dict[str, int]) -> dict[int, dict]:
    """Add each unit's (path, n, total, met_count) row to every unit of `asked` ({path: id}) above it or at it."""
    out = {pk: {"n": 0, "total": None, "met_count": None} for pk in asked.values()}
    for path, n, total, met in rows:
        for prefix in ancestor_paths(path):
            pk = asked.get(prefix)
            if pk is not None:
                summary = out[pk]
                summary["n"] += n
                summary["total"] = (summary["total"] or 0) + (total or 0)
                summary["met_count"] = (summary["met_count"] or 0) + (met or 0)
    return out


def _common_path(paths: list[str]) -> str:
    """The path of the lowest unit above or at all of `paths` ("" when they have no common root)."""
    first = min(paths)
    last = max(paths)
    end = 0
    while end + STEP <= min(len(first), len(last)) and first[: end + STEP] == last[: end + STEP]:
        end += STEP
    return first[:end]


def subtree_summaries(orgs: Iterable[Organisation], *, year: int, on: date | None = None) -> dict[int, dict]:
    """{unit id: {"n", "total", "met_count"}} as `_subtree_summary` gives each unit, for all of `orgs` at once:
    one query per distinct set of hours rules in force at them (usually one), plus the rule look-ups."""
    orgs = list(orgs)
    out: dict[int, dict] = {}
    if not orgs:
        return out
    for rules, group in _by_rules(orgs, on).items():
        asked = {org.path: org.pk for org in group}
        out.update(roll_up(subtree_rows(top=_common_path(list(asked)), year=year, on=on, rules=rules), asked))
    return out


def hours_per_member(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
    """Average counted study hours of the members on the register of each unit's subtree in `year`."""
    return {
        pk: round((s["total"] or 0) / s["n"], 1) if s["n"] else None
        for pk, s in subtree_summaries(orgs, year=year, on=on).items()
    }


def hours_norm_met_rate(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
    """Share of the members on the register of each unit's subtree who met their year's norm in `year`."""
    return {
        pk: (s["met_count"] or 0) / s["n"] if s["n"] else None
        for pk, s in subtree_summaries(orgs, year=year, on=on).items()
    }
