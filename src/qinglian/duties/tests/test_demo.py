"""The demo's work plan, and the dashboard's rectification figures against the demo's items counted by hand.

One load of the register, the departments, rectification, the duty lists and the plan (organisational life and
study are left out: the plan does not need them, and assessment's record-based items then score by hand).
"""

from __future__ import annotations

import re
import statistics

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from qinglian.core.audit import audit_verify
from qinglian.duties import demo, demo_lists
from qinglian.duties.models import Round, Task, TaskShare
from qinglian.duties.vocab import RoundStatus, TaskStatus
from qinglian.orgs import demo as orgs_demo
from qinglian.orgs import demo_structure
from qinglian.orgs.models import Organisation
from qinglian.rectification import demo as rectification_demo
from qinglian.rectification.models import Item


@pytest.fixture
def loaded(db, django_capture_on_commit_callbacks):
    orgs_demo.load(members=60)
    demo_structure.load()
    with django_capture_on_commit_callbacks(execute=True):
        rectification_demo.load()
        demo_lists.load()
        result = demo.load()
    return result


def test_the_plan_reaches_every_level_with_each_step_of_the_workflow(loaded):
    assert loaded["loaded"] and demo.load() == {"loaded": False}
    root = Organisation.objects.get(code=orgs_demo.ROOT_CODE)
    tops = Task.objects.filter(plan__organisation=root, parent__isnull=True)
    assert tops.count() == 5
    # Passed down to every branch below, and through the general branches to theirs.
    branches = Organisation.objects.subtree(root).active().branches()
    everywhere = tops.get(title__startswith="召开党风廉政建设工作会议")
    assert set(everywhere.children.values_list("organisation", flat=True)) == set(branches.values_list("pk", flat=True))
    through = tops.get(title__startswith="开展年度述责述廉")
    general = list(through.children.all())
    assert {t.organisation.kind for t in general} == {Organisation.Kind.GENERAL_BRANCH}
    assert all(t.children.exists() for t in general)
    # A task returned with a comment, resubmitted and accepted, in that order.
    kinds = {
        task.pk: list(task.reports.order_by("at", "pk").values_list("kind", flat=True))
        for task in Task.objects.filter(reports__kind="returned").distinct()
    }
    assert any(k[-4:] == ["submitted", "returned", "submitted", "accepted"] for k in kinds.values()), kinds
    statuses = set(Task.objects.values_list("status", flat=True))
    assert {TaskStatus.ACCEPTED, TaskStatus.IN_PROGRESS, TaskStatus.SUBMITTED, TaskStatus.RETURNED} <= statuses
    assert Task.objects.overdue().exists() and Task.objects.filter(supervisions__isnull=False).exists()
    # The joint task: three departments, 审计处 leading.
    joint = Task.objects.get(is_joint=True)
    shares = TaskShare.objects.filter(task=joint)
    assert shares.count() == 3 and shares.get(is_lead=True).department.name == "审计处"
    # Assessment: last year's round finished, this year's under way.
    rounds = dict(Round.objects.filter(organisation=root).values_list("year", "status"))
    year = timezone.localdate().year
    assert rounds == {year - 1: RoundStatus.FINISHED, year: RoundStatus.SELF}
    assert audit_verify().ok


def test_the_dashboard_shows_the_demos_closure_rate_and_median_days(loaded, client):
    root = Organisation.objects.get(code=orgs_demo.ROOT_CODE)
    year = timezone.localdate().year
    items = list(Item.objects.filter(created_on__year=year))
    closed = [item for item in items if item.status == "closed"]
    assert items and closed
    rate = round(100 * len(closed) / len(items), 1)
    median = statistics.median((item.closed_on - item.created_on).days for item in closed)
    client.force_login(get_user_model().objects.get(username="office"))
    client.cookies["django_language"] = "en"
    page = client.get(reverse("duties:dashboard"), {"org": root.pk, "year": year}).content.decode()
    shown = re.search(r'data-figure="closure-rate">([\d.]+)%', page).group(1)
    days = re.search(r'data-figure="median-days">([\d.]+)<', page).group(1)
    assert (float(shown), float(days)) == (rate, round(median, 1))
