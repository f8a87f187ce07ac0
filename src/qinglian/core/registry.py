"""The registries through which apps plug into the shell without the core importing them.

- navigation: entries of the left-hand menu (only built modules register, so only they appear);
- to-dos: functions that list a user's open items for the home page;
- reminders: functions the daily reminders task calls;
- demo: functions that add an app's records to the demo organisation;
- indicators: evaluation reads every module only through the queries registered here, and, for a drill-down,
  the records behind one unit's value (`indicator_records`);
- member sections: parts of a member's profile page that other modules contribute, each
  deciding for itself whether the viewer may see it;
- person facts: dated facts other modules hold about a person (talks received, appraisal grades,
  assessment results, clues and sanctions) that the integrity file and the opinion reply compile;
- record kinds: records of one module that another may point at as evidence instead of a copy
  (a meeting and its minutes, a study session, a talk, a risk review), each with its own search
  and its own access check;
- access: the access-control functions, supplied by `orgs` (which owns the tree they reason
  about), so that core and accounts can check permissions without importing a domain app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url_name: str
    icon: str
    permission: str | None = None
    order: int = 100
    section: Any = ""


@dataclass(frozen=True)
class TodoItem:
    title: str
    url: str
    due: Any = None
    kind: Any = ""
    overdue: bool = False


@dataclass(frozen=True)
class MemberSection:
    """One part of a member's profile page: a title and a template rendered with `context`."""

    title: Any
    template: str
    context: dict = field(default_factory=dict)


# Topics of person facts, in the order an integrity file shows them.
FACT_TALKS = "talks"
FACT_APPRAISAL = "appraisal"
FACT_ASSESSMENT = "assessment"
FACT_CLUES = "clues"
FACT_SANCTIONS = "sanctions"


@dataclass(frozen=True)
class PersonFact:
    """One dated fact another module holds about a member (a talk received, an appraisal grade, a sanction).

    `topic` is one of the FACT_* names; `title` says what it is, `detail` adds the particulars; `url` leads to
    the record for those allowed to open it.
    """

    topic: str
    day: Any
    title: str
    detail: str = ""
    url: str = ""


@dataclass(frozen=True)
class RecordRef:
    """A record another module's evidence points at, as the viewer may see it."""

    kind: str
    id: int
    label: str
    url: str
    day: Any = None
    unit: str = ""


@dataclass(frozen=True)
class RecordKind:
    """A kind of record evidence may point at.

    search(user, text, limit) -> the RecordRefs of this kind the user may see whose label matches
    `text` (all when empty), most recent first; resolve(user, ids) -> {id: RecordRef} for those of
    `ids` the user may see (the others are left out: a link never shows what its reader may not).
    """

    key: str
    label: Any
    search: Callable[[Any, str, int], list[RecordRef]]
    resolve: Callable[[Any, list[int]], dict[int, RecordRef]]
    order: int = 100


@dataclass(frozen=True)
class IndicatorRecord:
    """One record behind an indicator's value for a unit (a meeting counted, a study record, an item closed).

    `label` names it, `url` leads to its page, `on` is the day that placed it in the period, `value` says what it
    contributed ("2.5 h", "on time", "closed after 12 days").
    """

    label: str
    url: str
    on: Any
    value: str = ""


RECORDS_LIMIT = 200  # a drill-down lists at most this many records, newest first


class IndicatorRecords(list):
    """The records of a drill-down (at most RECORDS_LIMIT, newest first) with `total`: how many there are."""

    def __init__(self, records=(), total: int | None = None):
        super().__init__(records)
        self.total = len(self) if total is None else total

    @property
    def truncated(self) -> bool:
        return self.total > len(self)


@dataclass
class Registry:
    nav: list[NavItem] = field(default_factory=list)
    todos: list[Callable[[Any], list[TodoItem]]] = field(default_factory=list)
    reminders: list[Callable[[Any], int]] = field(default_factory=list)
    demo: list[tuple[int, Callable[..., None]]] = field(default_factory=list)
    indicators: dict[str, Callable[..., Any]] = field(default_factory=dict)
    indicator_records: dict[str, Callable[..., Any]] = field(default_factory=dict)
    member_sections: list[tuple[int, Callable[..., Any]]] = field(default_factory=list)
    record_kinds: dict[str, RecordKind] = field(default_factory=dict)
    person_facts: list[tuple[int, Callable[..., Any]]] = field(default_factory=list)
    person_fact_topics: dict[Callable[..., Any], tuple[str, ...]] = field(default_factory=dict)
    has_permission: Callable[[Any, str], bool] = lambda user, action: False
    is_privileged: Callable[[Any], bool] = lambda user: False

    def add_nav(self, item: NavItem) -> None:
        if all(existing.key != item.key for existing in self.nav):
            self.nav.append(item)
            self.nav.sort(key=lambda i: i.order)

    def add_todos(self, fn: Callable[[Any], list[TodoItem]]) -> None:
        if fn not in self.todos:
            self.todos.append(fn)

    def add_reminders(self, fn: Callable[[Any], int]) -> None:
        if fn not in self.reminders:
            self.reminders.append(fn)

    def add_demo(self, order: int, fn: Callable[..., None]) -> None:
        if all(existing is not fn for _, existing in self.demo):
            self.demo.append((order, fn))
            self.demo.sort(key=lambda pair: pair[0])

    def add_member_section(self, order: int, fn: Callable[..., Any]) -> None:
        """fn(member, user) returns a MemberSection or None (when the user may not see it)."""
        if all(existing is not fn for _, existing in self.member_sections):
            self.member_sections.append((order, fn))
            self.member_sections.sort(key=lambda pair: pair[0])

    def add_person_facts(self, order: int, fn: Callable[..., Any], *, topics: tuple[str, ...]) -> None:
        """fn(member, year) returns the PersonFacts of that member in that year (all years when year is None).

        `topics` are the FACT_* topics the module keeps: a topic no module keeps reads "not recorded in this
        system" rather than "none" (an installation without discipline holds no clues, which is not "no clues").
        """
        if all(existing is not fn for _, existing in self.person_facts):
            self.person_facts.append((order, fn))
            self.person_facts.sort(key=lambda pair: pair[0])
        self.person_fact_topics[fn] = tuple(topics)

    def remove_person_facts(self, fn: Callable[..., Any]) -> None:
        self.person_facts[:] = [(order, existing) for order, existing in self.person_facts if existing is not fn]
        self.person_fact_topics.pop(fn, None)

    def kept_fact_topics(self) -> set[str]:
        return {topic for fn, topics in self.person_fact_topics.items() for topic in topics}

    def person_facts_of(self, member, year=None) -> list[PersonFact]:
        return [fact for _, fn in self.person_facts for fact in fn(member, year)]

    def add_record_kind(self, kind: RecordKind) -> None:
        self.record_kinds[kind.key] = kind

    def add_indicator(self, code: str, fn: Callable[..., Any], records: Callable[..., Any] | None = None) -> None:
        """fn(*, orgs, year, on=None) -> {org id: value or None}; records(*, org, year, on=None) -> the
        IndicatorRecords behind one unit's value, newest first (a drill-down; optional)."""
        self.indicators[code] = fn
        if records is not None:
            self.indicator_records[code] = records


registry = Registry()
