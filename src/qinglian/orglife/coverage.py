"""Talk coverage: which pairs of people in a unit must have talked in a year, and which have.

The rule `orglife.talk_coverage` (rules as data) names the groups of pairs that are required, how many
talks each pair needs a year, and cites its source:

- secretary_committee: the secretary with each other member of the unit's current committee;
- secretary_member: the secretary with each member who is not on the committee;
- committee_committee: the committee members (other than the secretary) with each other.

The secretary is whoever holds the post 书记 on the unit's open committee term. A talk covers a pair in
either direction. For a branch (and a Party group) "each member" is its register with its groups; for a
committee or general branch it is the members registered directly with it, since each branch below has
its own coverage. Three queries whatever the unit's size: the committee posts, the members, the talks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import combinations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core.rules import RuleMissing, rule_get
from qinglian.orglife.models import Talk
from qinglian.orglife.people import committee_posts
from qinglian.orgs.models import Member, Organisation, subtree_q
from qinglian.orgs.vocab import ON_REGISTER, PartyPost

RULE_KEY = "orglife.talk_coverage"
DEFAULT_RULE = {"per": "year", "times": 1, "pairs": ["secretary_committee", "secretary_member", "committee_committee"]}

GROUP_LABELS = {
    "secretary_committee": gettext_lazy("The secretary with each committee member"),
    "secretary_member": gettext_lazy("The secretary with each member"),
    "committee_committee": gettext_lazy("Committee members with each other"),
}

# Posts that are not seats on the unit's committee.
NOT_COMMITTEE = (PartyPost.GROUP_LEADER,)
WHOLE_REGISTER_KINDS = (Organisation.Kind.BRANCH, Organisation.Kind.TEMP_BRANCH, Organisation.Kind.GROUP)


@dataclass
class CoveragePair:
    """Two people who must talk, with their talks of the year (newest first)."""

    a: Member
    b: Member
    times: int
    talks: list = field(default_factory=list)

    @property
    def done(self) -> bool:
        return len(self.talks) >= self.times

    @property
    def last(self):
        return self.talks[0] if self.talks else None


@dataclass
class CoverageGroup:
    code: str
    label: str
    pairs: list[CoveragePair]

    @property
    def total(self) -> int:
        return len(self.pairs)

    @property
    def done(self) -> int:
        return sum(1 for p in self.pairs if p.done)

    @property
    def missing(self) -> list[CoveragePair]:
        return [p for p in self.pairs if not p.done]

    @property
    def covered(self) -> list[CoveragePair]:
        return [p for p in self.pairs if p.done]

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None

    @property
    def with_secretary(self) -> bool:
        return self.code.startswith("secretary_")


@dataclass
class Coverage:
    """A unit's talk coverage for one year."""

    org: Organisation
    year: int
    times: int
    source: str
    secretary: Member | None
    committee: list[Member]  # the other committee members, secretary excluded
    members: list[Member]  # members not on the committee
    groups: list[CoverageGroup]
    talk_count: int
    whole_register: bool

    @property
    def total(self) -> int:
        return sum(g.total for g in self.groups)

    @property
    def done(self) -> int:
        return sum(g.done for g in self.groups)

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None

    @property
    def has_committee(self) -> bool:
        return self.secretary is not None or bool(self.committee)

    def problem(self) -> str:
        """Why no pairs can be required, in words for the page (empty when the table is complete)."""
        if not self.has_committee:
            return _(
                "{org} has no current committee on record, so no talks can be required of its secretary and "
                "committee members. Record the committee's term and posts on the organisation's page."
            ).format(org=self.org.name)
        if self.secretary is None:
            return _(
                "{org}'s current committee has no secretary on record: the pairs with the secretary cannot be "
                "listed. Record who holds the post of secretary on the organisation's page."
            ).format(org=self.org.name)
        return ""

    def matrix(self) -> tuple[list[Member], list[list[CoveragePair | None]]]:
        """The committee (secretary first) against itself: each cell the pair's coverage, None on the diagonal."""
        people = ([self.secretary] if self.secretary else []) + self.committee
        by_key = {
            frozenset((p.a.pk, p.b.pk)): p
            for g in self.groups
            if g.code in ("secretary_committee", "committee_committee")
            for p in g.pairs
        }
        rows = [[None if x.pk == y.pk else by_key.get(frozenset((x.pk, y.pk))) for y in people] for x in people]
        return people, rows


def coverage_rule(org: Organisation, year: int) -> tuple[dict, str]:
    """The rule's value in force at the end of the year (or today, for the year under way) and its source."""
    on = min(date(year, 12, 31), timezone.localdate())
    try:
        rule = rule_get(RULE_KEY, org_path=org.path, on=on)
    except RuleMissing:
        return DEFAULT_RULE, ""
    return {**DEFAULT_RULE, **(rule.value or {})}, rule.source


def talk_coverage(org: Organisation, year: int, on: date | None = None) -> Coverage:
    """Which required pairs of `org` talked in `year` (up to `on`, when given) and which are missing."""
    value, source = coverage_rule(org, year)
    times = max(int(value.get("times", 1)), 1)
    wanted = [code for code in value.get("pairs", []) if code in GROUP_LABELS]

    posts = list(
        committee_posts(org).exclude(post__in=NOT_COMMITTEE).select_related("member").order_by("starts_on", "pk")
    )
    secretary = next((p.member for p in posts if p.post == PartyPost.SECRETARY), None)
    committee: list[Member] = []
    seen = {secretary.pk} if secretary else set()
    for post in sorted(posts, key=lambda p: (p.member.name_pinyin, p.member_id)):
        if post.member_id not in seen:
            seen.add(post.member_id)
            committee.append(post.member)

    whole_register = org.kind in WHOLE_REGISTER_KINDS
    register = Member.objects.filter(status__in=ON_REGISTER)
    register = (
        register.filter(subtree_q(org.path, "organisation__")) if whole_register else register.filter(organisation=org)
    )
    members = [m for m in register.order_by("name_pinyin", "pk") if m.pk not in seen]

    people = {m.pk for m in members} | seen
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    if on is not None:
        end = min(end, on + timedelta(days=1))
    talks = (
        Talk.objects.filter(talked_on__gte=start, talked_on__lt=end, initiator_id__in=people, counterpart_id__in=people)
        .filter(subtree_q(org.path, "organisation__"))
        .only("pk", "kind", "talked_on", "initiator_id", "counterpart_id")
        .order_by("-talked_on", "-pk")
    )
    by_pair: dict[frozenset, list] = {}
    count = 0
    for talk in talks:
        count += 1
        by_pair.setdefault(frozenset((talk.initiator_id, talk.counterpart_id)), []).append(talk)

    def pair(a: Member, b: Member) -> CoveragePair:
        return CoveragePair(a, b, times, by_pair.get(frozenset((a.pk, b.pk)), []))

    groups = []
    for code in wanted:
        if code == "secretary_committee":
            pairs = [pair(secretary, m) for m in committee] if secretary else []
        elif code == "secretary_member":
            pairs = [pair(secretary, m) for m in members] if secretary else []
        else:
            pairs = [pair(a, b) for a, b in combinations(committee, 2)]
        groups.append(CoverageGroup(code, str(GROUP_LABELS[code]), pairs))
    return Coverage(
        org=org,
        year=year,
        times=times,
        source=source,
        secretary=secretary,
        committee=committee,
        members=members,
        groups=groups,
        talk_count=count,
        whole_register=whole_register,
    )
