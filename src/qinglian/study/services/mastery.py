"""Mastery of a unit's members (for the secretary and for evaluation): averages only, no individual ranking.

A member's mastery of a topic is the mean predicted recall today over the topic's questions they may practise
(unseen questions count 0); a unit's is the average over its members on the register. Everything is computed
from a fixed number of queries over the subtree, whatever its size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from qinglian.orgs.models import Member, Organisation, ancestor_paths, subtree_q
from qinglian.study.models import Card, PointEntry, Question, Review
from qinglian.study.services.practice import retrievability
from qinglian.study.vocab import QuestionType, TopicKind


@dataclass
class MemberStat:
    path: str
    pool: dict  # topic → questions the member may practise
    recall: dict = field(default_factory=lambda: defaultdict(float))  # topic → sum of recall
    last_review: datetime | None = None
    reviews_month: int = 0
    points: int = 0

    def mastery(self, topic: str | None = None) -> float | None:
        if topic is None:
            total = sum(self.pool.values())
            return sum(self.recall.values()) / total if total else None
        return self.recall[topic] / self.pool[topic] if self.pool.get(topic) else None


def _pool_q(org) -> Q:
    """Questions any member of `org`'s subtree may practise come from banks above `org` or inside its subtree."""
    return Q(organisation__path__in=ancestor_paths(org.path)) | subtree_q(org.path, "organisation__")


def _usable():
    return Question.objects.published().filter(current__isnull=False).exclude(current__qtype=QuestionType.SHORT)


def member_stats(org, now: datetime | None = None, year: int | None = None) -> dict[int, MemberStat]:
    """Each member on the register of `org`'s subtree with their recall per topic and their practice. 4 queries."""
    now = now or timezone.now()
    members = list(Member.objects.in_subtree(org).on_register().values_list("pk", "organisation__path"))
    banks = defaultdict(dict)  # bank path → topic → count
    for path, topic, n in (
        _usable().filter(_pool_q(org)).order_by().values_list("organisation__path", "topic").annotate(n=Count("pk"))
    ):
        banks[path][topic] = n
    stats = {}
    for pk, path in members:
        pool: dict[str, int] = defaultdict(int)
        for bank in ancestor_paths(path):
            for topic, n in banks.get(bank, {}).items():
                pool[topic] += n
        stats[pk] = MemberStat(path=path, pool=dict(pool))
    in_subtree = subtree_q(org.path, "member__organisation__")
    cards = (
        Card.objects.filter(in_subtree, question__in=_usable())
        .values_list("member_id", "question__organisation__path", "question__topic", "stability", "last_review_at")
        .iterator()
    )
    for member_id, bank, topic, stability, last in cards:
        stat = stats.get(member_id)
        if stat is not None and stat.path.startswith(bank):
            stat.recall[topic] += retrievability(stability, last, now)
    local = timezone.localtime(now)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    since = min(month_start, now - timedelta(days=30))
    for member_id, last, month in (
        Review.objects.filter(in_subtree, reviewed_at__gte=since, reviewed_at__lte=now)
        .order_by()
        .values_list("member_id")
        .annotate(last=Max("reviewed_at"), month=Count("pk", filter=Q(reviewed_at__gte=month_start)))
    ):
        if member_id in stats:
            stats[member_id].last_review, stats[member_id].reviews_month = last, month
    year = year or local.year
    for member_id, total in (
        PointEntry.objects.filter(in_subtree, earned_on__year=year)
        .order_by()
        .values_list("member_id")
        .annotate(total=Sum("points"))
    ):
        if member_id in stats:
            stats[member_id].points = total
    return stats


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


@dataclass
class UnitRow:
    org: Organisation | None  # None for the scope's own members directly on it
    label: str
    members: int
    mastery: float | None
    topics: dict  # topic → average mastery
    active_7: int
    active_30: int
    reviews_month: int
    points: int
    points_avg: float | None

    @staticmethod
    def of(org, label, stats: list[MemberStat], now) -> UnitRow:
        week, month = now - timedelta(days=7), now - timedelta(days=30)
        return UnitRow(
            org=org,
            label=label,
            members=len(stats),
            mastery=_mean(s.mastery() for s in stats),
            topics={t: _mean(s.mastery(t) for s in stats) for t in TopicKind.values},
            active_7=sum(1 for s in stats if s.last_review and s.last_review >= week),
            active_30=sum(1 for s in stats if s.last_review and s.last_review >= month),
            reviews_month=sum(s.reviews_month for s in stats),
            points=sum(s.points for s in stats),
            points_avg=(sum(s.points for s in stats) / len(stats)) if stats else None,
        )


def branch_mastery(org, now: datetime | None = None) -> dict:
    """Per unit directly below `org` (each with its subtree) and for `org` as a whole. 5 queries."""
    now = now or timezone.now()
    stats = list(member_stats(org, now).values())
    children = list(Organisation.objects.filter(parent=org, is_active=True).order_by("path"))
    rows = []
    own = [s for s in stats if s.path == org.path]
    if own:
        rows.append(UnitRow.of(None, org.name, own, now))
    for child in children:
        rows.append(UnitRow.of(child, child.name, [s for s in stats if s.path.startswith(child.path)], now))
    topics = [(t, label) for t, label in TopicKind.choices if any(s.pool.get(t) for s in stats)]
    return {"org": org, "rows": rows, "total": UnitRow.of(org, org.name, stats, now), "topics": topics}


# --- indicators for evaluation -------------------------------------------------------------------------------


def _subtree_indicator(measure):
    def indicator(*, orgs, year: int, on=None) -> dict[int, float | None]:
        orgs = sorted(orgs, key=lambda o: o.path)
        now = timezone.now()
        if on is not None and on < timezone.localdate():
            now = timezone.make_aware(datetime.combine(on + timedelta(days=1), datetime.min.time()))
        tops: list = []
        for org in orgs:
            if not any(org.path.startswith(top.path) for top in tops):
                tops.append(org)
        stats = {}
        for top in tops:
            stats.update(member_stats(top, now, year))
        result = {}
        for org in orgs:
            mine = [s for s in stats.values() if s.path.startswith(org.path)]
            result[org.pk] = measure(mine, now) if mine else None
        return result

    return indicator


practice_mastery = _subtree_indicator(lambda stats, now: _mean(s.mastery() for s in stats))
practice_mastery.__doc__ = "Average mastery (predicted recall today, 0–1) of the members of each unit's subtree."
practice_active_rate = _subtree_indicator(
    lambda stats, now: sum(1 for s in stats if s.last_review and s.last_review >= now - timedelta(days=30)) / len(stats)
)
practice_active_rate.__doc__ = "Share of the members of each unit's subtree who practised in the last 30 days."
