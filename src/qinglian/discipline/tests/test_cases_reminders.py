"""Reminders and to-dos of cases: the end of a sanction's effect period told on its day and once, an overdue stage
told once per deadline, and the home page's to-dos of the handlers and leaders -- nobody else's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglian.core.models import Notification
from qinglian.discipline.hooks.cases import case_todos, sanction_end_reminders, stage_overdue_reminders
from qinglian.discipline.models import Outcome
from qinglian.discipline.services import cases as services
from qinglian.discipline.tests.factories import day, lead_user
from qinglian.discipline.tests.factories_cases import case_make, outcome_of, staff_user
from qinglian.discipline.vocab import CaseStage as St

pytestmark = pytest.mark.usefixtures("in_english")
TODAY = timezone.localdate


@pytest.fixture
def lead(cast):
    return lead_user(cast)


def _notes(kind):
    return Notification.objects.filter(kind=kind)


def test_the_end_of_an_effect_period_is_told_on_its_day_and_only_once(cast, lead):
    case = case_make(cast, stage=St.CLOSED, decision=("admin_warning",), decided_on=day(-200))
    outcome = outcome_of(case, "admin_warning")
    end = outcome.effect_ends_on
    assert sanction_end_reminders(end - timedelta(days=1)) == 0
    assert sanction_end_reminders(end) == 2  # the handler and the leader
    outcome.refresh_from_db()
    assert outcome.end_notified_on == end
    assert sanction_end_reminders(end) == 0 and sanction_end_reminders(end + timedelta(days=1)) == 0
    (note,) = _notes("discipline.sanction_end").filter(user=cast.inspector)
    assert "王芳" in note.title and note.url == reverse("discipline:case_detail", args=[case.pk])
    assert set(_notes("discipline.sanction_end").values_list("user__username", flat=True)) == {"inspector", "lead"}


def test_a_sanction_without_an_end_or_changed_on_appeal_is_not_told(cast, lead):
    case_make(cast, stage=St.CLOSED, decision=("admin_expulsion",), decided_on=day(-200))
    changed = case_make(cast, stage=St.CLOSED, decision=("party_warning",), stage_started_on=day(-10))
    services.case_appeal(case=changed, on=day(-5), grounds="不服", actor=lead)
    old = outcome_of(changed, "party_warning")
    services.case_appeal_end(
        case=changed, on=TODAY(), result=services.CHANGED, outcome=old, measure="clarified", note="撤销处分", actor=lead
    )
    assert sanction_end_reminders(TODAY()) == 0
    assert Outcome.objects.get(pk=old.pk).effect_ends_on == TODAY()


def test_an_overdue_stage_is_told_once_per_deadline(cast, lead):
    case = case_make(cast, stage_started_on=day(-100))
    assert stage_overdue_reminders(TODAY()) == 2
    assert stage_overdue_reminders(TODAY()) == 0
    services.case_extend(case=case, days=20, reason="补充调查", actor=lead)
    assert stage_overdue_reminders(TODAY()) == 0  # extended: no longer overdue
    assert stage_overdue_reminders(TODAY() + timedelta(days=15)) == 2  # the new deadline ran out too


def test_todos_list_stages_due_and_sanctions_ending_for_those_who_may_open_them(cast, lead):
    overdue = case_make(cast, stage_started_on=day(-100))
    later = case_make(cast, stage_started_on=day(-1))  # due in 89 days: not yet a to-do
    ending = case_make(cast, stage=St.CLOSED, decision=("admin_warning",), decided_on=day(-170))
    todos = case_todos(cast.inspector)
    urls = [t.url for t in todos]
    assert reverse("discipline:case_detail", args=[overdue.pk]) in urls
    assert reverse("discipline:case_detail", args=[later.pk]) not in urls
    assert reverse("discipline:case_detail", args=[ending.pk]) in urls
    assert next(t for t in todos if t.url.endswith(f"/{overdue.pk}/")).overdue
    assert len(case_todos(lead)) == len(todos)
    assert case_todos(staff_user(cast)) == []
    assert case_todos(cast.admin) == [] and case_todos(cast.secretary_b) == []


def test_the_home_page_shows_a_handlers_case_to_do(cast, client):
    case = case_make(cast, stage_started_on=day(-100))
    client.force_login(cast.inspector)
    page = client.get(reverse("core:home")).content.decode()
    assert case.number in page
    client.force_login(cast.secretary_b)
    assert case.number not in client.get(reverse("core:home")).content.decode()
