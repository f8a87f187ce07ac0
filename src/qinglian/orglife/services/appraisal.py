"""Democratic appraisal of members (民主评议党员): one round per branch and year, taken step by step.

self-assessment → peer and masses evaluation → committee proposal → general meeting decision → results
told → reported upward. The round's `status` is the step it is at; `ALLOWED` says where it may go next and
`appraisal_transition` is the one way to move it. Each step's own service refuses work at another step, so
once a round is reported nothing in it changes any more but the after-care of members graded 基本合格 or
不合格 (follow-up) and members' acknowledgements.

Peer votes are an anonymous tally: a ballot adds one to the counts and records that the member voted, in
one transaction, and nothing — no row, no audit event — links the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.notify import notification_send
from qinglian.core.rules import rule_value
from qinglian.orglife.models import AppraisalEntry, AppraisalRound, AppraisalTally, AppraisalVoter, Meeting
from qinglian.orglife.services.meetings import Conflict, check_version
from qinglian.orglife.vocab import (
    FOLLOW_UP_GRADES,
    AppraisalStatus,
    FollowUpStatus,
    Grade,
    MeetingKind,
    MeetingStatus,
    VoteSource,
)
from qinglian.orgs.access import can
from qinglian.orgs.models import Member, Organisation

__all__ = [
    "ALLOWED",
    "PERMISSION",
    "Conflict",
    "appraisal_open",
    "appraisal_transition",
    "excellent_cap",
    "follow_up_done",
    "follow_up_set",
    "grades_decide",
    "grades_propose",
    "masses_tally_enter",
    "peer_vote",
    "report_upward",
    "result_acknowledge",
    "results_tell",
    "self_assessment_submit",
]

PERMISSION = "orglife.appraise"
CAP_RULE = "orglife.appraisal_excellent_cap"
FOLLOW_UP_RULE = "orglife.appraisal_follow_up_days"
FIRST_YEAR = 2000
MAX_TEXT = 10_000
MAX_COUNT = 100_000

S = AppraisalStatus

# The steps, in order: a round moves one step forward at a time, and never back.
ALLOWED: dict[str, set[str]] = {
    S.SELF: {S.PEER},
    S.PEER: {S.PROPOSAL},
    S.PROPOSAL: {S.DECISION},
    S.DECISION: {S.NOTIFIED},
    S.NOTIFIED: {S.REPORTED},
    S.REPORTED: set(),
}

# Steps after which a member's grade is settled and may be shown to everyone who reads the round.
SETTLED = (S.NOTIFIED, S.REPORTED)


def _step(status: str) -> str:
    return str(AppraisalStatus(status).label)


def _grade(value: str) -> str:
    return str(Grade(value).label) if value in Grade.values else value


def _names(entries: Iterable[AppraisalEntry], limit: int = 12) -> str:
    names = [entry.member.name for entry in entries]
    sep = "、" if (get_language() or "").startswith("zh") else ", "
    if len(names) > limit:
        return sep.join(names[:limit]) + " " + _("and {n} more").format(n=len(names) - limit)
    return sep.join(names)


def _unofficial(values: Iterable[str]) -> ValidationError:
    return ValidationError(
        _("“{value}” is not an official grade; the grades are {grades}.").format(
            value="”, “".join(values), grades="、".join(Grade.values)
        )
    )


def _refuse_unofficial(values: Iterable[str]) -> None:
    """Refuse grades that are not among the official ones (a blank is no grade)."""
    unknown = sorted({value for value in values if value and value not in Grade.values})
    if unknown:
        raise _unofficial(unknown)


def _refuse_probationary(entries: list[AppraisalEntry]) -> None:
    """Refuse grading these probationary members."""
    if entries:
        raise ValidationError(
            _("Probationary members take part but receive no grade: {names}.").format(names=_names(entries))
        )


def _refuse_strangers(ids: Iterable[int]) -> None:
    """Refuse entry ids that are not the round's."""
    strangers = sorted(ids)
    if strangers:
        raise ValidationError(
            _("Not members of this appraisal: entries {ids}.").format(ids=", ".join(str(pk) for pk in strangers))
        )


def _may(actor, obj) -> None:
    """Refuse an actor who does not run appraisal at the unit (None is the system: the demo, commands)."""
    if actor is not None and not can(actor, PERMISSION, obj):
        raise PermissionDenied


def _lock(round: AppraisalRound, version: int | None) -> AppraisalRound:
    """The round's row, locked; refused when `version` (if given) is not the one saved."""
    fresh = AppraisalRound.objects.select_for_update().select_related("organisation").get(pk=round.pk)
    check_version(
        fresh,
        version,
        _(
            "Someone else changed this appraisal while you were working on it (it is now at “{step}”), so "
            "nothing was saved. Reload the page to see their changes, then make yours again."
        ).format(step=_step(fresh.status)),
    )
    return fresh


def _locked(round: AppraisalRound) -> ValidationError:
    day = timezone.localtime(round.reported_at).date().isoformat() if round.reported_at else ""
    return ValidationError(
        _("This appraisal was reported upward on {day} and is locked: nothing in it changes any more.").format(day=day)
    )


def _require_step(round: AppraisalRound, step: str, what: str) -> None:
    if round.status == step:
        return
    if round.status == S.REPORTED:
        raise _locked(round)
    raise ValidationError(
        _("This appraisal is at the step “{now}”; {what} is done at the step “{step}”.").format(
            now=_step(round.status), what=what, step=_step(step)
        )
    )


def excellent_cap(round: AppraisalRound, *, graded: int | None = None) -> tuple[int, int, int, int]:
    """(largest number of 优秀, members graded, numerator, denominator) under the rule for the round's unit."""
    rule = rule_value(CAP_RULE, org_path=round.organisation.path, on=date(round.year, 12, 31))
    num, den = int(rule["num"]), int(rule["den"])
    if graded is None:
        graded = round.entries.filter(probationary=False).count()
    return graded * num // den, graded, num, den


def _check_cap(round: AppraisalRound, grades: Iterable[str], graded: int) -> None:
    excellent = sum(1 for grade in grades if grade == Grade.EXCELLENT)
    cap, graded, num, den = excellent_cap(round, graded=graded)
    if excellent > cap:
        raise ValidationError(
            _(
                "Too many members graded 优秀 (excellent): {count} are, but at most {cap} of the {graded} members "
                "graded may be ({num}/{den} of them, rounded down)."
            ).format(count=excellent, cap=cap, graded=graded, num=num, den=den)
        )


def _entries_of(round: AppraisalRound, ids: Iterable[int]) -> dict[int, AppraisalEntry]:
    """The round's entries with these ids, locked; refused when any id is not an entry of this round."""
    wanted = {int(pk) for pk in ids}
    rows = {
        entry.pk: entry
        for entry in AppraisalEntry.objects.select_for_update(of=("self",))
        .select_related("member")
        .filter(round=round, pk__in=wanted)
    }
    _refuse_strangers(wanted - set(rows))
    return rows


def _set_grades(round: AppraisalRound, grades: Mapping[int, str], field: str) -> dict:
    """Check a batch of grades against the official set, probation and the cap; save all or none."""
    cleaned = {int(pk): (value or "").strip() for pk, value in grades.items()}
    rows = _entries_of(round, cleaned)
    _refuse_unofficial(cleaned.values())
    _refuse_probationary([rows[pk] for pk, value in cleaned.items() if value and rows[pk].probationary])
    picture = dict(AppraisalEntry.objects.filter(round=round, probationary=False).values_list("pk", field))
    picture.update({pk: value for pk, value in cleaned.items() if pk in picture})
    _check_cap(round, picture.values(), graded=len(picture))
    changes = {}
    changed = []
    for pk, value in cleaned.items():
        entry = rows[pk]
        if getattr(entry, field) != value:
            changes[entry.member.name] = [getattr(entry, field), value]
            setattr(entry, field, value)
            entry.version += 1
            changed.append(entry)
    AppraisalEntry.objects.bulk_update(changed, [field, "version"])
    return changes


def _missing(round: AppraisalRound, **empty) -> list[AppraisalEntry]:
    return list(
        AppraisalEntry.objects.filter(round=round, probationary=False, **empty)
        .select_related("member")
        .order_by("member__name_pinyin", "pk")
    )


def _graded(round: AppraisalRound, field: str) -> list[str]:
    return list(AppraisalEntry.objects.filter(round=round, probationary=False).values_list(field, flat=True))


def _check_complete(round: AppraisalRound, to_status: str) -> None:
    """What must be done before the round moves on to `to_status`."""
    if to_status == S.DECISION:
        missing = _missing(round, proposed_grade="")
        if missing:
            raise ValidationError(
                _("The committee has not proposed a grade for: {names}.").format(names=_names(missing))
            )
        proposed = AppraisalEntry.objects.filter(round=round, probationary=False).values_list(
            "proposed_grade", flat=True
        )
        proposed = list(proposed)
        _check_cap(round, proposed, graded=len(proposed))
    elif to_status == S.NOTIFIED:
        missing = _missing(round, final_grade="")
        if missing:
            raise ValidationError(
                _("The general meeting has not decided a grade for: {names}.").format(names=_names(missing))
            )
        final = list(
            AppraisalEntry.objects.filter(round=round, probationary=False).values_list("final_grade", flat=True)
        )
        _check_cap(round, final, graded=len(final))
    elif to_status == S.REPORTED:
        untold = list(
            AppraisalEntry.objects.filter(round=round, told_at__isnull=True)
            .select_related("member")
            .order_by("member__name_pinyin", "pk")
        )
        if untold:
            raise ValidationError(
                _("Tell every member their result before reporting upward; not told yet: {names}.").format(
                    names=_names(untold)
                )
            )


# --- opening and moving a round -------------------------------------------------------------------------


@transaction.atomic
def appraisal_open(*, org: Organisation, year: int, actor) -> AppraisalRound:
    """Open a branch's appraisal for a year, with an entry for each member on the register of its subtree."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    _may(actor, org)
    if not org.is_branch:
        raise ValidationError(
            {
                "organisation": _(
                    "Democratic appraisal of members is held by a Party branch; “{name}” is a {kind}."
                ).format(name=org.name, kind=org.get_kind_display())
            }
        )
    if not org.is_active:
        raise ValidationError({"organisation": _("“{name}” is dissolved.").format(name=org.name)})
    last = timezone.localdate().year
    if not FIRST_YEAR <= int(year) <= last:
        raise ValidationError({"year": _("Choose a year from {first} to {last}.").format(first=FIRST_YEAR, last=last)})
    year = int(year)
    existing = AppraisalRound.objects.filter(organisation=org, year=year).first()
    if existing is not None:
        raise ValidationError(
            {
                "year": _(
                    "{org} already has its democratic appraisal for {year} (now at the step “{step}”): a unit "
                    "appraises its members once a year."
                ).format(org=org.name, year=year, step=_step(existing.status))
            }
        )
    members = list(Member.objects.on_register().in_subtree(org).order_by("name_pinyin", "pk"))
    if not members:
        raise ValidationError(_("{org} has no members on its register to appraise.").format(org=org.name))
    round = AppraisalRound(
        organisation=org, year=year, created_by=actor if getattr(actor, "is_authenticated", False) else None
    )
    try:
        with transaction.atomic():
            round.save()
    except IntegrityError:  # opened by someone else a moment ago
        raise ValidationError(
            {"year": _("{org} already has its democratic appraisal for {year}.").format(org=org.name, year=year)}
        ) from None
    entries = [
        AppraisalEntry(round=round, member=m, probationary=m.category == Member.Category.PROBATIONARY) for m in members
    ]
    AppraisalEntry.objects.bulk_create(entries)
    probationary = sum(1 for e in entries if e.probationary)
    audit_record(
        actor=actor,
        action="orglife.appraisal_open",
        obj=round,
        changes={"year": year, "members": len(entries), "probationary": probationary},
    )
    return round


@transaction.atomic
def appraisal_transition(*, round: AppraisalRound, to_status: str, version: int, actor) -> AppraisalRound:
    """Move the round one step forward, once what that step needs is done."""
    fresh = _lock(round, version)
    _may(actor, fresh)
    if to_status not in S.values:
        raise ValidationError(_("Unknown appraisal step: {step}.").format(step=to_status))
    if to_status not in ALLOWED[fresh.status]:
        if fresh.status == S.REPORTED:
            raise _locked(fresh)
        nxt = next(iter(ALLOWED[fresh.status]))
        raise ValidationError(
            _(
                "The appraisal is at the step “{now}”; it moves on to “{next}”, not to “{to}”: the steps are taken "
                "in order."
            ).format(now=_step(fresh.status), next=_step(nxt), to=_step(to_status))
        )
    _check_complete(fresh, to_status)
    before = fresh.status
    fresh.status = to_status
    if to_status == S.REPORTED:
        fresh.reported_at = timezone.now()
    fresh.version += 1
    fresh.save(update_fields=["status", "reported_at", "version"])
    audit_record(actor=actor, action="orglife.appraisal_transition", obj=fresh, changes={"status": [before, to_status]})
    return fresh


def report_upward(*, round: AppraisalRound, version: int, actor) -> AppraisalRound:
    """Report the results to the organisation above: the last step, after which the round is locked."""
    return appraisal_transition(round=round, to_status=S.REPORTED, version=version, actor=actor)


# --- the member's own steps ------------------------------------------------------------------------------


def _own_entry(entry: AppraisalEntry, actor) -> AppraisalEntry:
    fresh = AppraisalEntry.objects.select_for_update(of=("self",)).select_related("member").get(pk=entry.pk)
    if not getattr(actor, "is_authenticated", False) or fresh.member.user_id != actor.pk:
        raise PermissionDenied
    return fresh


@transaction.atomic
def self_assessment_submit(
    *, entry: AppraisalEntry, text: str, actor, submit: bool = True, version: int | None = None
) -> AppraisalEntry:
    """The member writes their self-assessment (saved as a draft, or submitted) while the round is at that step."""
    round = _lock(entry.round, None)
    entry = _own_entry(entry, actor)
    check_version(
        entry, version, _("Your self-assessment was changed in another window; reload the page and try again.")
    )
    _require_step(round, S.SELF, _("the self-assessment"))
    text = (text or "").strip()
    if submit and not text:
        raise ValidationError({"text": _("Write your self-assessment before submitting it.")})
    if len(text) > MAX_TEXT:
        raise ValidationError(
            {
                "text": _("A self-assessment is at most {n} characters; this one has {m}.").format(
                    n=MAX_TEXT, m=len(text)
                )
            }
        )
    entry.self_assessment = text
    if submit:
        entry.self_submitted_at = timezone.now()
    entry.version += 1
    entry.save(update_fields=["self_assessment", "self_submitted_at", "version"])
    audit_record(
        actor=actor,
        action="orglife.appraisal_self_assessment",
        obj=entry,
        changes={"submitted": bool(submit), "characters": len(text)},
    )
    return entry


@transaction.atomic
def peer_vote(*, round: AppraisalRound, grades: Mapping[int, str], actor) -> AppraisalVoter:
    """The acting member's peer ballot: one grade for each colleague of the round, cast once.

    The counts go up and the voter is recorded in the same transaction; what they chose is kept nowhere else.
    Probationary members are on nobody's ballot (they receive no grade), and nobody grades themself.
    """
    fresh = _lock(round, None)
    voter = None
    if getattr(actor, "is_authenticated", False):
        voter = AppraisalEntry.objects.filter(round=fresh, member__user=actor).select_related("member").first()
    if voter is None:
        raise PermissionDenied
    _require_step(fresh, S.PEER, _("peer evaluation"))
    if AppraisalVoter.objects.filter(round=fresh, member=voter.member).exists():
        raise ValidationError(_("You have already voted in this appraisal; a ballot is cast once."))
    entries = {e.pk: e for e in AppraisalEntry.objects.filter(round=fresh).select_related("member")}
    ballot = {pk for pk, e in entries.items() if pk != voter.pk and not e.probationary}
    grades = {int(pk): (value or "").strip() for pk, value in grades.items()}
    if voter.pk in grades:
        raise ValidationError(_("Your ballot grades your colleagues, not yourself."))
    _refuse_strangers(pk for pk in grades if pk not in entries)
    _refuse_probationary([entries[pk] for pk in grades if pk not in ballot])
    _refuse_unofficial(grades.values())
    missing = [entries[pk] for pk in sorted(ballot, key=lambda pk: (entries[pk].member.name_pinyin, pk))]
    missing = [e for e in missing if not grades.get(e.pk)]
    if missing:
        raise ValidationError(
            _("Choose a grade for every colleague; not graded yet: {names}.").format(names=_names(missing))
        )
    graded = len(ballot)
    try:
        with transaction.atomic():
            cast = AppraisalVoter.objects.create(round=fresh, member=voter.member)
    except IntegrityError:
        raise ValidationError(_("You have already voted in this appraisal; a ballot is cast once.")) from None
    for pk, grade in grades.items():
        tally = AppraisalTally.objects.filter(entry_id=pk, source=VoteSource.PEER, grade=grade)
        if not tally.update(count=F("count") + 1):
            AppraisalTally.objects.create(entry_id=pk, source=VoteSource.PEER, grade=grade, count=1)
    # Who voted is recorded (the voter row says as much); what they chose is not.
    audit_record(actor=actor, action="orglife.appraisal_vote", obj=fresh, changes={"colleagues": graded})
    return cast


# --- the committee's and the general meeting's steps --------------------------------------------------------


@transaction.atomic
def masses_tally_enter(
    *, round: AppraisalRound, counts: Mapping[int, Mapping[str, int]], actor, version: int | None = None
) -> AppraisalRound:
    """Enter the counts of the masses' paper ballots, per member and grade; they replace earlier counts."""
    fresh = _lock(round, version)
    _may(actor, fresh)
    _require_step(fresh, S.PEER, _("the masses' tally"))
    counts = {int(pk): per_grade for pk, per_grade in counts.items()}
    rows = _entries_of(fresh, counts)
    _refuse_probationary([rows[pk] for pk in counts if rows[pk].probationary])
    cleaned: dict[int, dict[str, int]] = {}
    for pk, per_grade in counts.items():
        row = {}
        for grade, count in (per_grade or {}).items():
            if grade not in Grade.values:
                raise _unofficial([grade])
            try:
                number = int(count or 0)
            except (TypeError, ValueError):
                number = -1
            if not 0 <= number <= MAX_COUNT:
                raise ValidationError(
                    _("{name}: the number of votes for {grade} must be a whole number from 0 to {max}.").format(
                        name=rows[pk].member.name, grade=grade, max=MAX_COUNT
                    )
                )
            row[grade] = number
        cleaned[pk] = row
    AppraisalTally.objects.filter(entry_id__in=list(cleaned), source=VoteSource.MASSES).delete()
    AppraisalTally.objects.bulk_create(
        [
            AppraisalTally(entry_id=pk, source=VoteSource.MASSES, grade=grade, count=count)
            for pk, row in cleaned.items()
            for grade, count in row.items()
            if count
        ]
    )
    fresh.version += 1
    fresh.save(update_fields=["version"])
    audit_record(
        actor=actor,
        action="orglife.appraisal_masses_tally",
        obj=fresh,
        changes={"members": len(cleaned), "votes": sum(sum(row.values()) for row in cleaned.values())},
    )
    return fresh


@transaction.atomic
def grades_propose(
    *, round: AppraisalRound, grades: Mapping[int, str], actor, version: int | None = None
) -> AppraisalRound:
    """The branch committee's proposed grades (entry id → grade; blank clears one)."""
    fresh = _lock(round, version)
    _may(actor, fresh)
    _require_step(fresh, S.PROPOSAL, _("the committee's proposal"))
    changes = _set_grades(fresh, grades, "proposed_grade")
    fresh.version += 1
    fresh.save(update_fields=["version"])
    audit_record(actor=actor, action="orglife.appraisal_propose", obj=fresh, changes=changes)
    return fresh


@transaction.atomic
def grades_decide(
    *,
    round: AppraisalRound,
    grades: Mapping[int, str],
    actor,
    version: int | None = None,
    meeting: Meeting | None = None,
    decided_on: date | None = None,
) -> AppraisalRound:
    """The general meeting's decision: the final grades, and the meeting that decided them."""
    fresh = _lock(round, version)
    _may(actor, fresh)
    _require_step(fresh, S.DECISION, _("the general meeting's decision"))
    if meeting is not None:
        meeting = Meeting.objects.select_related("organisation").get(pk=meeting.pk)
        if meeting.organisation_id != fresh.organisation_id or meeting.kind != MeetingKind.GENERAL_MEETING:
            raise ValidationError(
                {
                    "meeting": _(
                        "The grades are decided by a general meeting of {org}; “{title}” is a {kind} of {other}."
                    ).format(
                        org=fresh.organisation.name,
                        title=meeting.title,
                        kind=meeting.get_kind_display(),
                        other=meeting.organisation.name,
                    )
                }
            )
        if meeting.status == MeetingStatus.CANCELLED:
            raise ValidationError({"meeting": _("“{title}” was cancelled.").format(title=meeting.title)})
        decided_on = meeting.starts_on
    decided_on = decided_on or fresh.decided_on or timezone.localdate()
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The decision cannot be dated in the future.")})
    changes = _set_grades(fresh, grades, "final_grade")
    if meeting is not None:
        fresh.meeting = meeting
        changes["meeting"] = meeting.pk
    fresh.decided_on = decided_on
    fresh.version += 1
    fresh.save(update_fields=["meeting", "decided_on", "version"])
    audit_record(actor=actor, action="orglife.appraisal_decide", obj=fresh, changes=changes)
    return fresh


def follow_up_days(round: AppraisalRound) -> int:
    return int(rule_value(FOLLOW_UP_RULE, org_path=round.organisation.path))


@transaction.atomic
def results_tell(
    *, round: AppraisalRound, actor, version: int | None = None, entry_ids: Iterable[int] | None = None
) -> int:
    """Record that the members were told their results (all not yet told, or those given) and notify them.

    A member graded 基本合格 or 不合格 starts follow-up, due by the rule's number of days.
    """
    fresh = _lock(round, version)
    _may(actor, fresh)
    _require_step(fresh, S.NOTIFIED, _("telling the members their results"))
    entries = AppraisalEntry.objects.select_for_update(of=("self",)).filter(round=fresh, told_at__isnull=True)
    if entry_ids is not None:
        entries = entries.filter(pk__in=_entries_of(fresh, entry_ids))
    entries = list(entries.select_related("member__user"))
    now = timezone.now()
    due = timezone.localdate() + timedelta(days=follow_up_days(fresh))
    for entry in entries:
        entry.told_at = now
        if entry.final_grade in FOLLOW_UP_GRADES and entry.follow_up_status == FollowUpStatus.NONE:
            entry.follow_up_status, entry.follow_up_due = FollowUpStatus.OPEN, due
        entry.version += 1
    AppraisalEntry.objects.bulk_update(entries, ["told_at", "follow_up_status", "follow_up_due", "version"])
    fresh.version += 1
    fresh.save(update_fields=["version"])
    audit_record(actor=actor, action="orglife.appraisal_tell", obj=fresh, changes={"told": len(entries)})
    _notify_told(fresh, entries)  # inbox rows, in the same transaction as every other notice
    return len(entries)


def _notify_told(round: AppraisalRound, entries: list[AppraisalEntry]) -> int:
    url = reverse("orglife:appraisal_self", args=[round.pk])
    sent = 0
    for entry in entries:
        user = entry.member.user
        if user is None or not user.is_active:
            continue
        if entry.probationary:
            title = _("Democratic appraisal {year}: you took part as a probationary member (no grade)").format(
                year=round.year
            )
        else:
            title = _("Democratic appraisal {year}: your grade is {grade}").format(
                year=round.year, grade=_grade(entry.final_grade)
            )
        sent += len(
            notification_send(
                users=[user], title=title, url=url, kind="appraisal", dedupe_key=f"appraisal:{entry.pk}:told"
            )
        )
    return sent


@transaction.atomic
def result_acknowledge(*, entry: AppraisalEntry, actor) -> AppraisalEntry:
    """The member confirms that they were told their result."""
    entry = _own_entry(entry, actor)
    if entry.told_at is None:
        raise ValidationError(_("Your result has not been told to you yet."))
    if entry.acknowledged_at is not None:
        raise ValidationError(
            _("You acknowledged your result on {day}.").format(day=timezone.localtime(entry.acknowledged_at).date())
        )
    entry.acknowledged_at = timezone.now()
    entry.version += 1
    entry.save(update_fields=["acknowledged_at", "version"])
    audit_record(actor=actor, action="orglife.appraisal_acknowledge", obj=entry)
    return entry


# --- follow-up of members graded 基本合格 or 不合格 ------------------------------------------------------------


def _follow_up_entry(entry: AppraisalEntry, actor, version: int | None) -> AppraisalEntry:
    fresh = (
        AppraisalEntry.objects.select_for_update(of=("self",))
        .select_related("member", "round__organisation")
        .get(pk=entry.pk)
    )
    _may(actor, fresh.round)
    check_version(
        fresh,
        version,
        _("Someone else changed {name}'s follow-up meanwhile; reload the page and try again.").format(
            name=fresh.member.name
        ),
    )
    if fresh.final_grade not in FOLLOW_UP_GRADES:
        raise ValidationError(
            _("Follow-up is for members graded 基本合格 or 不合格; {name} is graded {grade}.").format(
                name=fresh.member.name, grade=fresh.final_grade or _("nothing yet")
            )
        )
    if fresh.round.status not in SETTLED:
        raise ValidationError(_("Follow-up starts once the general meeting has decided and the results are told."))
    return fresh


@transaction.atomic
def follow_up_set(
    *, entry: AppraisalEntry, measure: str, actor, due: date | None = None, version: int | None = None
) -> AppraisalEntry:
    """Record the improvement measures (基本合格) or the handling (不合格) and when they are due."""
    entry = _follow_up_entry(entry, actor, version)
    if entry.follow_up_status == FollowUpStatus.DONE:
        raise ValidationError(
            _("{name}'s follow-up was completed on {day}.").format(name=entry.member.name, day=entry.follow_up_done_on)
        )
    measure = (measure or "").strip()
    if not measure:
        raise ValidationError({"measure": _("Describe the improvement measures or the handling.")})
    if len(measure) > MAX_TEXT:
        raise ValidationError({"measure": _("At most {n} characters.").format(n=MAX_TEXT)})
    start = timezone.localtime(entry.told_at).date() if entry.told_at else timezone.localdate()
    due = due or entry.follow_up_due or start + timedelta(days=follow_up_days(entry.round))
    if entry.round.decided_on and due < entry.round.decided_on:
        raise ValidationError({"due": _("The follow-up cannot be due before the grade was decided.")})
    before = {"measure": entry.follow_up_measure, "due": entry.follow_up_due}
    entry.follow_up_measure, entry.follow_up_due, entry.follow_up_status = measure, due, FollowUpStatus.OPEN
    entry.version += 1
    entry.save(update_fields=["follow_up_measure", "follow_up_due", "follow_up_status", "version"])
    audit_record(
        actor=actor,
        action="orglife.appraisal_follow_up",
        obj=entry,
        changes={"measure": [before["measure"], measure], "due": [before["due"], due]},
    )
    return entry


@transaction.atomic
def follow_up_done(
    *, entry: AppraisalEntry, actor, done_on: date | None = None, version: int | None = None
) -> AppraisalEntry:
    """Record that the follow-up is completed."""
    entry = _follow_up_entry(entry, actor, version)
    if entry.follow_up_status == FollowUpStatus.DONE:
        raise ValidationError(
            _("{name}'s follow-up was completed on {day}.").format(name=entry.member.name, day=entry.follow_up_done_on)
        )
    if not entry.follow_up_measure:
        raise ValidationError(_("Record the measures before marking the follow-up completed."))
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The completion date cannot be in the future.")})
    if entry.round.decided_on and done_on < entry.round.decided_on:
        raise ValidationError({"done_on": _("The follow-up cannot be completed before the grade was decided.")})
    entry.follow_up_status, entry.follow_up_done_on = FollowUpStatus.DONE, done_on
    entry.version += 1
    entry.save(update_fields=["follow_up_status", "follow_up_done_on", "version"])
    audit_record(actor=actor, action="orglife.appraisal_follow_up_done", obj=entry, changes={"done_on": done_on})
    return entry
