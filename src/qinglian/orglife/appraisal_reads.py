"""Reading democratic appraisal: a round's entries with their tallies and progress, the list's counts, the
general meetings that may decide, and the results by unit and grade (the writes are in `services.appraisal`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Substr

from qinglian.orglife.models import AppraisalEntry, AppraisalRound, AppraisalTally, AppraisalVoter, Meeting
from qinglian.orglife.services.appraisal import ALLOWED, S
from qinglian.orglife.vocab import Grade, MeetingKind, VoteSource
from qinglian.orgs.models import STEP, Organisation, subtree_q


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
