"""Rules as data: shipped versions, revisions with effective dates, and subtree overrides."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from qinglian.core.models import AuditEvent, Rule
from qinglian.core.rules import RuleMissing, rule_get, rule_revise, rule_value, rules_load_shipped

KEY = "core.reminder_lead_days"


def _v1():
    return Rule.objects.get(key=KEY, org_path="", version=1)


def _revise(rule, value, day, *, reason="按新文件调整", **kwargs):
    return rule_revise(rule=rule, value=value, effective_from=day, source="新文件", actor=None, reason=reason, **kwargs)


def test_shipped_rules_are_loaded_by_migrate(db):
    rule = _v1()
    assert (rule.value, rule.effective_from, rule.effective_to, rule.shipped) == ([3, 1], date(2025, 1, 1), None, True)
    assert rule.source  # the source text is shipped with the value
    assert rule_value(KEY, on=date(2025, 6, 1)) == [3, 1]
    assert Rule.objects.filter(key="core.overdue_reminder_every_days").exists()


def test_loading_the_shipped_rules_again_adds_nothing(db):
    before = list(Rule.objects.values_list("pk", "key", "version"))
    assert rules_load_shipped() == 0
    assert rules_load_shipped() == 0
    assert list(Rule.objects.values_list("pk", "key", "version")) == before


def test_loading_does_not_touch_a_revised_rule(db):
    _revise(_v1(), [5], date(2026, 1, 1))
    rules_load_shipped()
    assert Rule.objects.filter(key=KEY).count() == 2
    assert rule_value(KEY, on=date(2026, 3, 1)) == [5]


def test_rule_revise_adds_version_two_and_ends_version_one_the_day_before(db):
    new = _revise(_v1(), [5, 2], date(2026, 1, 1))
    assert (new.version, new.effective_from, new.effective_to, new.shipped, new.note) == (
        2,
        date(2026, 1, 1),
        None,
        False,
        "按新文件调整",
    )
    assert _v1().effective_to == date(2025, 12, 31)
    assert rule_value(KEY, on=date(2025, 12, 31)) == [3, 1]
    assert rule_value(KEY, on=date(2026, 1, 1)) == [5, 2]
    assert rule_value(KEY, on=date(2030, 1, 1)) == [5, 2]


def test_rule_revise_is_audited_with_the_reason_and_both_values(db):
    _revise(_v1(), [5, 2], date(2026, 1, 1), reason="减少催办")
    event = AuditEvent.objects.get(action="rule.revise")
    assert event.reason == "减少催办"
    assert event.changes == {"key": KEY, "org_path": "", "value": [[3, 1], [5, 2]], "effective_from": "2026-01-01"}


@pytest.mark.parametrize("reason", ["", "   "])
def test_rule_revise_refuses_an_empty_reason(db, reason):
    with pytest.raises(ValidationError):
        _revise(_v1(), [5], date(2026, 1, 1), reason=reason)
    assert Rule.objects.filter(key=KEY).count() == 1
    assert _v1().effective_to is None


@pytest.mark.parametrize("day", [date(2025, 1, 1), date(2024, 12, 31), date(2020, 1, 1)])
def test_rule_revise_refuses_a_start_not_after_the_version_in_force(db, day):
    with pytest.raises(ValidationError):
        _revise(_v1(), [5], day)
    assert Rule.objects.filter(key=KEY).count() == 1
    assert rule_value(KEY, on=date(2025, 6, 1)) == [3, 1]


def test_rule_revise_refuses_a_start_before_the_latest_version(db):
    _revise(_v1(), [5], date(2026, 1, 1))
    with pytest.raises(ValidationError):
        _revise(_v1(), [6], date(2025, 6, 1))
    assert rule_value(KEY, on=date(2025, 12, 31)) == [3, 1]
    assert rule_value(KEY, on=date(2026, 1, 1)) == [5]


def test_a_third_version_ends_the_second(db):
    v2 = _revise(_v1(), [5], date(2026, 1, 1))
    v3 = _revise(v2, [7], date(2027, 1, 1))
    assert v3.version == 3
    v2.refresh_from_db()
    assert v2.effective_to == date(2026, 12, 31)
    assert [rule_value(KEY, on=date(y, 6, 1)) for y in (2025, 2026, 2027)] == [[3, 1], [5], [7]]


def test_a_subtree_override_applies_to_that_subtree_only(tree):
    override = _revise(_v1(), [7], date(2025, 6, 1), org_path=tree.branch_a.path)
    assert (override.org_path, override.version) == (tree.branch_a.path, 1)
    day = date(2025, 7, 1)
    assert rule_value(KEY, org_path=tree.branch_a.path, on=day) == [7]
    assert rule_value(KEY, org_path=tree.group_a.path, on=day) == [7]
    for outside in (tree.root, tree.gb, tree.branch_b, tree.branch_c):
        assert rule_value(KEY, org_path=outside.path, on=day) == [3, 1]
    assert rule_value(KEY, on=day) == [3, 1]
    # Before the override starts, the subtree follows the system-wide rule.
    assert rule_value(KEY, org_path=tree.group_a.path, on=date(2025, 5, 31)) == [3, 1]
    # The system-wide version is not ended by a subtree's override.
    assert _v1().effective_to is None


def test_the_most_specific_override_wins(tree):
    _revise(_v1(), [7], date(2025, 6, 1), org_path=tree.gb.path)
    _revise(_v1(), [9], date(2025, 6, 1), org_path=tree.branch_a.path)
    _revise(_v1(), [5], date(2026, 1, 1))  # a later system-wide revision does not undo the overrides
    day = date(2026, 6, 1)
    assert rule_value(KEY, org_path=tree.group_a.path, on=day) == [9]
    assert rule_value(KEY, org_path=tree.branch_b.path, on=day) == [7]
    assert rule_value(KEY, org_path=tree.branch_c.path, on=day) == [5]


def test_rule_get_before_any_version_raises_rule_missing(db):
    with pytest.raises(RuleMissing):
        rule_get(KEY, on=date(2024, 12, 31))


def test_rule_get_of_an_unknown_key_raises_rule_missing(db):
    with pytest.raises(RuleMissing):
        rule_get("core.no_such_rule")
