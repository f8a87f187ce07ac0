"""Reading democratic appraisal: a round's entries with their tallies and progress, the list's counts, the
general meetings that may decide, the results by unit and grade, and the to-dos (the writes are in
`services.appraisal`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.registry import TodoItem
from qinglian.orglife.models import AppraisalEntry, AppraisalRound, AppraisalTally, AppraisalVoter, Meeting
from qinglian.orglife.people import member_of
from qinglian.orglife.services.appraisal import ALLOWED, PERMISSION, S
from qinglian.orglife.vocab import FollowUpStatus, Grade, MeetingKind, VoteSource
from qinglian.orgs.access import can, nearest_q
from qinglian.orgs.models import STEP, Organisation, subtree_q

ACKNOWLEDGE_DAYS = 60  # a result not acknowledged stays on the member's to-do list this long


@dataclass
class Progress:
    members: int
    probationary: int
    self_submitted: int
    voters: int
    proposed: int
    graded: int
    told: int
    acknowledged: int

    @property
    def full(self) -> int:
        return self.members - self.probationary


def round_entries(round: AppraisalRound) -> list[AppraisalEntry]:
    """The round's entries with the member and, as `peer` and `masses`, the counts per grade (two queries)."""
    entries = list(
        AppraisalEntry.objects.filter(round=round).select_related("member__user").order_by("member__name_pinyin", "pk")
    )
    by_pk = {entry.pk: entry for entry in entries}
    for entry in entries:
        entry.peer, entry.masses = {}, {}
    for entry_id, source, grade, count in AppraisalTally.objects.filter(entry__round=round).values_list(
        "entry_id", "source", "grade", "count"
    ):
        target = by_pk[entry_id].peer if source == VoteSource.PEER else by_pk[entry_id].masses
        target[grade] = count
    return entries


def round_progress(round: AppraisalRound, entries: list[AppraisalEntry]) -> Progress:
    return Progress(
        members=len(entries),
        probationary=sum(1 for e in entries if e.probationary),
        self_submitted=sum(1 for e in entries if e.self_submitted_at),
        voters=AppraisalVoter.objects.filter(round=round).count(),
        proposed=sum(1 for e in entries if e.proposed_grade),
        graded=sum(1 for e in entries if e.final_grade),
        told=sum(1 for e in entries if e.told_at),
        acknowledged=sum(1 for e in entries if e.acknowledged_at),
    )


def tallies_open(round: AppraisalRound) -> bool:
    """Peer counts are shown once voting has closed, so that nobody can read a ballot from the change it made."""
    return round.status not in (S.SELF, S.PEER)


def next_step(round: AppraisalRound) -> str | None:
    allowed = ALLOWED[round.status]
    return next(iter(allowed)) if allowed else None


def _count(model_filter: Q, *, voters: bool = False):
    """A per-round count as a subquery, so that a page of rounds is one query however many members they have."""
    model = AppraisalVoter if voters else AppraisalEntry
    rows = model.objects.filter(model_filter, round=OuterRef("pk")).order_by().values("round")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)


def with_counts(rounds):
    """Rounds with n_members, n_probationary, n_self, n_voters and n_graded."""
    return rounds.annotate(
        n_members=_count(Q()),
        n_probationary=_count(Q(probationary=True)),
        n_self=_count(Q(self_submitted_at__isnull=False)),
        n_voters=_count(Q(), voters=True),
        n_graded=_count(~Q(final_grade="")),
    )


RESULT_KEYS = [*Grade.values, "probationary", "ungraded", "total"]


def results_table(user, parent: Organisation, year: int) -> list[dict]:
    """One row per unit directly below `parent` (its subtree rolled up), or the parent itself when it is a branch.

    Counts come from one grouped query over the year's entries, whatever the size of the subtree.
    """
    entries = AppraisalEntry.objects.filter(
        round__in=AppraisalRound.objects.visible_to(user).filter(subtree_q(parent.path, "organisation__"), year=year)
    )
    width = len(parent.path) + STEP
    grouped = (
        entries.annotate(unit=Substr("round__organisation__path", 1, width))
        .values("unit", "probationary", "final_grade")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rounds = dict(
        AppraisalRound.objects.visible_to(user)
        .filter(subtree_q(parent.path, "organisation__"), year=year)
        .annotate(unit=Substr("organisation__path", 1, width))
        .values("unit")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("unit", "n")
    )
    children = {o.path: o for o in Organisation.objects.filter(parent=parent).order_by("path")}
    rows: dict[str, dict] = {}

    def row_for(unit_path: str) -> dict:
        key = unit_path if unit_path in children else parent.path
        if key not in rows:
            org = children.get(key, parent)
            rows[key] = {"org": org, "is_self": key == parent.path, "rounds": 0, **dict.fromkeys(RESULT_KEYS, 0)}
        return rows[key]

    for item in grouped:
        row = row_for(item["unit"])
        if item["probationary"]:
            row["probationary"] += item["n"]
        elif item["final_grade"]:
            row[item["final_grade"]] += item["n"]
        else:
            row["ungraded"] += item["n"]
        row["total"] += item["n"]
    for unit, n in rounds.items():
        row_for(unit)["rounds"] += n
    ordered = [rows[key] for key in sorted(rows)]
    total = {"org": None, "is_total": True, "rounds": sum(r["rounds"] for r in ordered)}
    total.update({key: sum(r[key] for r in ordered) for key in RESULT_KEYS})
    return [*ordered, total] if ordered else []


def general_meetings(org: Organisation):
    """The unit's general meetings that may have decided the grades (newest first)."""
    return (
        Meeting.objects.filter(organisation=org, kind=MeetingKind.GENERAL_MEETING)
        .not_cancelled()
        .order_by("-starts_at", "-pk")
    )


def appraisal_todos(user) -> list[TodoItem]:
    """A member's self-assessment, ballot and result to acknowledge; a runner's rounds waiting and follow-ups due."""
    items = []
    today = timezone.localdate()
    kind = _("Democratic appraisal")
    member = member_of(user)
    if member is not None:
        mine = AppraisalEntry.objects.filter(member=member).select_related("round__organisation")
        for entry in mine.filter(round__status=S.SELF, self_submitted_at__isnull=True)[:5]:
            items.append(
                TodoItem(
                    _("Write your self-assessment for the {year} appraisal").format(year=entry.round.year),
                    reverse("orglife:appraisal_self", args=[entry.round_id]),
                    kind=kind,
                )
            )
        voted = AppraisalVoter.objects.filter(member=member).values("round_id")
        for entry in mine.filter(round__status=S.PEER).exclude(round_id__in=voted)[:5]:
            items.append(
                TodoItem(
                    _("Cast your peer ballot in the {year} appraisal").format(year=entry.round.year),
                    reverse("orglife:appraisal_vote", args=[entry.round_id]),
                    kind=kind,
                )
            )
        recent = timezone.now() - timedelta(days=ACKNOWLEDGE_DAYS)
        for entry in mine.filter(told_at__gte=recent, acknowledged_at__isnull=True)[:5]:
            items.append(
                TodoItem(
                    _("Read and acknowledge your {year} appraisal result").format(year=entry.round.year),
                    reverse("orglife:appraisal_self", args=[entry.round_id]),
                    kind=kind,
                )
            )
    if not can(user, PERMISSION):
        return items
    # The branch runs its round: the committee above is asked only where no one nearer can act.
    nearest = AppraisalRound.objects.filter(nearest_q(user, PERMISSION, model=AppraisalRound))
    rounds = (
        nearest.exclude(status=S.REPORTED).select_related("organisation").order_by("year", "organisation__path")[:10]
    )
    for round in rounds:
        items.append(
            TodoItem(
                _("{org}: {year} appraisal at “{step}”").format(
                    org=round.organisation.display_name, year=round.year, step=round.get_status_display()
                ),
                reverse("orglife:appraisal_detail", args=[round.pk]),
                kind=kind,
            )
        )
    follow_ups = (
        AppraisalEntry.objects.filter(follow_up_status=FollowUpStatus.OPEN)
        .filter(round__in=nearest)
        .select_related("member", "round")
        .order_by("follow_up_due", "pk")[:10]
    )
    for entry in follow_ups:
        due = entry.follow_up_due
        if entry.follow_up_measure:
            title = _("Follow-up of {name} ({grade}, {year}): complete it").format(
                name=entry.member.name, grade=entry.final_grade, year=entry.round.year
            )
        else:
            title = _("Follow-up of {name} ({grade}, {year}): record the measures").format(
                name=entry.member.name, grade=entry.final_grade, year=entry.round.year
            )
        items.append(
            TodoItem(
                title,
                reverse("orglife:appraisal_detail", args=[entry.round_id]) + f"#entry-{entry.pk}",
                due=due,
                kind=kind,
                overdue=due is not None and due < today,
            )
        )
    return items
