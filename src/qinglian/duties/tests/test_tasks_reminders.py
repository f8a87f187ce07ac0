"""Task reminders before and after the deadline, escalation of lapsed supervision, and to-dos, on fixed days."""

from __future__ import annotations

from datetime import date

import pytest

from qinglian.core.models import AuditEvent, Notification, Rule
from qinglian.core.rules import rule_revise, rule_value
from qinglian.duties.models import Supervision, Task
from qinglian.duties.reminders_tasks import task_reminders, task_todos
from qinglian.duties.services import tasks as services
from qinglian.duties.services.plans import plan_publish
from qinglian.duties.tests.factories import plan_make, unit_secretary

pytestmark = pytest.mark.usefixtures("in_english")

# 2026: 25 September is the Mid-Autumn Festival; 1–7 October is the National Day holiday; Saturday 10 October
# is worked.
ASSIGNED = date(2026, 9, 22)
DUE = date(2026, 10, 9)


@pytest.fixture(autouse=True)
def _english(settings):
    """Notifications are written in the site's language: English here, for the titles asserted."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def task_b(cast):
    """branch_b's task passed down from the committee, due on 9 October 2026."""
    plan = plan_make(cast.tree.root, year=2026)
    top = services.task_create(
        plan=plan, title="报送自查报告", due_on=DUE, units=[cast.tree.branch_b], actor=cast.office, today=ASSIGNED
    )
    plan_publish(plan=plan, version=plan.version, actor=cast.office, today=ASSIGNED)
    return Task.objects.get(parent=top)


def _reminded(user) -> list[str]:
    return list(Notification.objects.filter(user=user, kind="duties.task_reminder").values_list("title", flat=True))


def test_the_rules_ship_as_data(db):
    assert rule_value("duties.task_reminders") == {"before_workdays": 3, "after_workdays": [1, 5]}
    assert rule_value("duties.supervision")["escalate_after_workdays"] == 2


def _run(day: date, user) -> int:
    """Run the day's reminders; how many reached `user`."""
    before = len(_reminded(user))
    task_reminders(day)
    return len(_reminded(user)) - before


def test_reminders_count_working_days_before_and_after_the_deadline(cast, task_b):
    days = (date(2026, 9, 28), date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 1))
    # Three working days before 9 October is 29 September: 30 September, 8 and 9 October follow it.
    # On 1 October, a holiday, nobody is reminded.
    assert [_run(day, cast.secretary_b) for day in days] == [0, 1, 0, 0]
    assert _reminded(cast.secretary_b) == ["Due on 2026-10-09: 报送自查报告"]
    # The committee hears neither of branch_b's task, which has its own secretary, nor of its own copy of the
    # task it passed down: that copy is followed through the branches' tasks.
    assert _reminded(cast.office) == []
    # The working Saturday after the deadline is its first working day after; the fifth is Thursday 15 October.
    assert _run(date(2026, 10, 10), cast.secretary_b) == 1
    assert task_reminders(date(2026, 10, 10)) == 0  # not twice the same day
    days = [date(2026, 10, day) for day in (11, 12, 13, 14, 15, 16)]
    assert [_run(day, cast.secretary_b) for day in days] == [0, 0, 0, 0, 1, 0]
    assert sorted(_reminded(cast.secretary_b)) == [
        "Due on 2026-10-09: 报送自查报告",
        "Past its deadline (2026-10-09): 报送自查报告",
        "Past its deadline (2026-10-09): 报送自查报告",
    ]


def test_a_submitted_task_is_not_reminded(cast, task_b):
    services.task_transition(task=task_b, to_status="submitted", version=None, actor=cast.secretary_b)
    assert _run(date(2026, 9, 29), cast.secretary_b) == 0
    assert _run(date(2026, 10, 10), cast.secretary_b) == 0


def test_a_unit_may_ask_for_earlier_reminders(cast, task_b):
    rule = Rule.objects.get(key="duties.task_reminders")
    rule_revise(
        rule=rule, value={"before_workdays": 5, "after_workdays": [1]}, effective_from=date(2026, 1, 1),
        source="本支部规定", actor=None, reason="提前提醒", org_path=cast.tree.branch_b.path,
    )  # fmt: skip
    assert _run(date(2026, 9, 29), cast.secretary_b) == 0
    # Five working days before: Thursday 24 September (the Mid-Autumn Festival and the weekend do not count).
    assert _run(date(2026, 9, 24), cast.secretary_b) == 1


@pytest.fixture
def gb_task(cast):
    """A task the general branch passed to branch_a, supervised by the general branch until 30 September 2026."""
    gb_secretary = unit_secretary(cast.tree.gb, "gb_secretary")
    plan = plan_make(cast.tree.gb, year=2026, actor=gb_secretary)
    top = services.task_create(
        plan=plan, title="整改台账", due_on=DUE, units=[cast.tree.branch_a], actor=gb_secretary, today=ASSIGNED
    )
    plan_publish(plan=plan, version=plan.version, actor=gb_secretary, today=ASSIGNED)
    task = Task.objects.get(parent=top)
    services.task_supervise(
        task=task, reason="进度滞后", due_on=date(2026, 9, 30), version=None, actor=gb_secretary, today=ASSIGNED
    )
    return task


def test_a_lapsed_supervision_goes_up_to_the_next_unit(cast, gb_task):
    assert Notification.objects.filter(user=cast.secretary, title__contains="督办").exists()
    # The day passed on 30 September; two working days later (8 and 9 October) it is escalated.
    task_reminders(date(2026, 10, 8))
    assert Supervision.objects.filter(task=gb_task).count() == 1
    task_reminders(date(2026, 10, 9))
    first, second = Supervision.objects.filter(task=gb_task).order_by("pk")
    assert first.closed_at is not None and first.level == cast.tree.gb
    assert (second.level, second.escalated_from, second.closed_at) == (cast.tree.root, first, None)
    assert second.due_on == date(2026, 10, 15)  # five working days: 10, 12, 13, 14 and 15 October
    assert Notification.objects.filter(user=cast.office, title__startswith="Escalated supervision").count() == 1
    assert gb_task.reports.filter(kind="escalated").count() == 1
    assert AuditEvent.objects.filter(action="duties.task_escalate", actor__isnull=True).count() == 1
    # Again the same day: nothing more. At the top of the tree it stays with the committee.
    task_reminders(date(2026, 10, 9))
    task_reminders(date(2026, 10, 22))
    assert Supervision.objects.filter(task=gb_task).count() == 2


def test_a_submitted_task_is_not_escalated(cast, gb_task):
    services.task_transition(task=gb_task, to_status="submitted", version=None, actor=cast.secretary)
    task_reminders(date(2026, 10, 12))
    assert Supervision.objects.filter(task=gb_task).count() == 1


def test_to_dos_ask_each_side_for_its_move(cast, task_b):
    assert [item.title for item in task_todos(cast.secretary_b)] == ["Carry out and report: 报送自查报告 (第二党支部)"]
    assert task_todos(cast.secretary) == []
    assert task_todos(cast.office) == []  # its own copy of the task is carried out by the branch
    services.task_transition(task=task_b, to_status="submitted", version=None, actor=cast.secretary_b)
    assert task_todos(cast.secretary_b) == []
    assert "Accept or return: 报送自查报告 (第二党支部)" in [item.title for item in task_todos(cast.office)]
    assert task_todos(cast.outsider) == []
