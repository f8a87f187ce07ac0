"""The demo's structure: departments, linked branches and committees, one re-election due soon."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qinglian.core.registry import registry
from qinglian.orgs import demo, demo_structure
from qinglian.orgs.committee_reminders import notice_days
from qinglian.orgs.models import CommitteePost, CommitteeTerm, Department, Member, Organisation


@pytest.fixture
def loaded(db):
    demo.load(members=120)
    assert demo_structure.load(members=120) == {"loaded": True}


def test_it_is_registered_after_the_register():
    orders = {fn: order for order, fn in registry.demo}
    assert orders[demo_structure.load] > orders[demo.load]


def test_it_does_nothing_without_the_demo_root_or_twice(db):
    assert demo_structure.load() == {"loaded": False}
    demo.load(members=40)
    assert demo_structure.load()["loaded"] is True
    assert demo_structure.load()["loaded"] is False


def test_departments_and_links(loaded):
    names = set(Department.objects.values_list("name", flat=True))
    assert {"办公室", "人事处", "驻局纪检监察组", "审计处", "财务处", "预算处"} <= names
    budget = Organisation.objects.get(code=f"{demo.ROOT_CODE}-BUDGET")
    assert budget.department.name == "预算处"
    assert Member.objects.in_subtree(budget).exclude(department=budget.department).count() == 0


def test_every_branch_has_a_committee_and_the_secretary_is_the_demo_login(loaded):
    root = Organisation.objects.get(code=demo.ROOT_CODE)
    branches = Organisation.objects.subtree(root).branches()
    assert CommitteeTerm.objects.current().filter(organisation__in=branches).count() == branches.count()
    secretary = CommitteePost.objects.get(term__organisation__code=f"{demo.ROOT_CODE}-BUDGET", post="书记")
    assert secretary.member.user.username == "secretary"


def test_exactly_one_reelection_is_due_soon(loaded):
    today = timezone.localdate()
    due = CommitteeTerm.objects.ending_by(today + timedelta(days=notice_days(today)))
    assert due.count() == 1 and due.get().ends_on > today
