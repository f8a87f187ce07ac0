"""Programmes: setting one with topics and an audience, what each member has due with its status, the topics
practice draws on, the per-unit progress, the pages and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from qinglian.orgs.services import Conflict
from qinglian.study.models import Attempt, Exam, Programme
from qinglian.study.services import library, programmes
from qinglian.study.services.programmes import ItemStatus
from qinglian.study.vocab import AttemptStatus, MaterialKind, PublishStatus

pytestmark = pytest.mark.usefixtures("in_english")


def material_make(org, title="党章"):
    material = library.material_create(org=org, kind=MaterialKind.ARTICLE, title=title, body="<p>正文</p>",
                                       actor=None)  # fmt: skip
    return library.material_transition(material=material, version=None, status=PublishStatus.PUBLISHED, actor=None)


def exam_make(org):
    now = timezone.now()
    return Exam.objects.create(organisation=org, title="党章知识测试", opens_at=now, closes_at=now + timedelta(days=30))


def attempt_make(exam, member, passed, number=1):
    now = timezone.now()
    return Attempt.objects.create(
        exam=exam, member=member, organisation=member.organisation, deadline_at=now, submitted_at=now,
        status=AttemptStatus.FINISHED, passed=passed, number=number,
    )  # fmt: skip


@pytest.fixture
def plan(cast):
    """The general branch's programme for itself (so branch_a and branch_b), with five topics."""
    today = timezone.localdate()
    gb = cast.tree.gb
    programme = programmes.programme_create(
        org=gb, title="2026年“两学一做”学习教育计划", starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=200), units=[gb], actor=None,
    )  # fmt: skip
    charter, rules = material_make(gb, "中国共产党章程"), material_make(gb, "纪律处分条例")
    exam = exam_make(gb)

    def item(title, topic, starts, due, materials=(), exam=None):
        return programmes.item_save(
            programme=programme, version=None, topic=topic, title=title, starts_on=today + timedelta(days=starts),
            due_on=today + timedelta(days=due), materials=materials, exam=exam, actor=None,
        )  # fmt: skip

    items = {
        "upcoming": item("学系列讲话", "speeches", 10, 40, [rules]),
        "open": item("党性教育", "party_spirit", -5, 30, [rules]),
        "due_soon": item("警示教育", "warning", -5, 7, [rules]),
        "overdue": item("学党章", "charter", -30, -1, [charter]),
        "done": item("学党规", "charter", -20, 3, [charter], exam),
    }
    programmes.programme_publish(programme=programme, version=None, actor=None)
    return programme, items, charter, exam


def test_statuses_of_each_topic_for_a_member(cast, plan):
    _programme, items, charter, exam = plan
    a1 = cast.members["a1"]
    library.material_finish(material=charter, member=a1, actor=None)
    attempt_make(exam, a1, passed=False)
    by_title = {item.title: status for _p, item, status in programmes.programmes_due(a1)}
    # Charter read but the exam not passed: both charter topics are not done yet.
    assert by_title["学党规"] == ItemStatus.DUE_SOON and by_title["学党章"] == ItemStatus.DONE
    attempt_make(exam, a1, passed=True, number=2)
    rows = programmes.programmes_due(a1)
    statuses = {item.pk: status for _p, item, status in rows}
    assert statuses == {
        items["upcoming"].pk: ItemStatus.UPCOMING,
        items["open"].pk: ItemStatus.OPEN,
        items["due_soon"].pk: ItemStatus.DUE_SOON,
        items["overdue"].pk: ItemStatus.DONE,
        items["done"].pk: ItemStatus.DONE,
    }
    # Overdue and soon due come first.
    assert rows[0][2] == ItemStatus.DUE_SOON
    # For someone who did nothing the old topic is overdue; branch_c is not addressed at all.
    b1 = {item.pk: status for _p, item, status in programmes.programmes_due(cast.members["b1"])}
    assert b1[items["overdue"].pk] == ItemStatus.OVERDUE
    assert programmes.programmes_due(cast.members["c1"]) == []


def test_members_of_units_below_are_addressed(cast, plan):
    _programme, items, _charter, _exam = plan
    a2 = cast.members["a2"]  # in group_a, under branch_a, under the general branch
    assert {i.pk for _p, i, _s in programmes.programmes_due(a2)} == {i.pk for i in items.values()}


def test_programme_topics_are_the_current_programmes_topics(cast, plan):
    assert programmes.programme_topics(cast.members["a1"]) == {"speeches", "party_spirit", "warning", "charter"}
    assert programmes.programme_topics(cast.members["c1"]) == set()
    programme = plan[0]
    programmes.programme_withdraw(programme=programme, version=None, actor=None)
    assert programmes.programme_topics(cast.members["a1"]) == set()


def test_named_members_outside_the_units_are_addressed(cast):
    today = timezone.localdate()
    programme = programmes.programme_create(
        org=cast.tree.root, title="专题", starts_on=today, ends_on=today, members=[cast.members["c1"]], actor=None
    )
    programmes.item_save(programme=programme, version=None, topic="warning", title="警示", starts_on=today,
                         due_on=today, actor=None)  # fmt: skip
    programmes.programme_publish(programme=programme, version=None, actor=None)
    assert programmes.programme_topics(cast.members["c1"]) == {"warning"}
    assert programmes.programme_topics(cast.members["a1"]) == set()


def test_refusals(cast):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="not below"):
        programmes.programme_create(org=cast.tree.branch_a, title="x", starts_on=today, ends_on=today,
                                    units=[cast.tree.branch_b], actor=None)  # fmt: skip
    with pytest.raises(ValidationError, match="end is before"):
        programmes.programme_create(org=cast.tree.branch_a, title="x", starts_on=today,
                                    ends_on=today - timedelta(days=1), actor=None)  # fmt: skip
    programme = programmes.programme_create(
        org=cast.tree.branch_a, title="x", starts_on=today, ends_on=today, units=[cast.tree.branch_a], actor=None
    )
    with pytest.raises(ValidationError, match="at least one topic"):
        programmes.programme_publish(programme=programme, version=1, actor=None)
    programmes.item_save(programme=programme, version=1, topic="charter", title="t", starts_on=today,
                         due_on=today, actor=None)  # fmt: skip
    with pytest.raises(Conflict):
        programmes.programme_publish(programme=programme, version=1, actor=None)


def test_progress_per_unit_counts_who_finished(cast, plan, login, django_assert_max_num_queries):
    programme, items, charter, _exam = plan
    library.material_finish(material=charter, member=cast.members["a1"], actor=None)
    client = login(cast.office)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("study:programme_detail", args=[programme.pk]))
    progress = {row["unit"].name: row for row in response.context["progress"]}
    overdue_column = list(items).index("overdue")
    assert progress["第一党支部"]["members"] == 1 and progress["第一党支部"]["cells"][overdue_column] == 1
    assert progress["第二党支部"]["cells"][overdue_column] == 0
    listed = client.get(reverse("study:programme_list"))
    assert programme.title in listed.content.decode()


def test_the_member_sees_their_plan_with_badges(cast, plan, login, django_assert_max_num_queries):
    client = login(cast.member)
    with django_assert_max_num_queries(20):
        body = client.get(reverse("study:my_programmes")).content.decode()
    assert "text-bg-warning" in body and "text-bg-danger" in body and "学系列讲话" in body
    assert login(cast.secretary_b).get(reverse("study:my_programmes")).context["member"] is None


def test_staff_set_a_programme_on_the_pages(cast, login):
    client = login(cast.secretary)
    today = timezone.localdate()
    response = client.post(
        reverse("study:programme_create"),
        {"organisation": cast.tree.branch_a.pk, "title": "支部学习计划", "starts_on": today.isoformat(),
         "ends_on": (today + timedelta(days=90)).isoformat(), "units": [cast.tree.branch_a.pk]},
    )  # fmt: skip
    programme = Programme.objects.get()
    assert response.status_code == 302
    add = client.post(
        reverse("study:programme_item_create", args=[programme.pk]),
        {"version": 1, "topic": "charter", "title": "学党章", "starts_on": today.isoformat(),
         "due_on": (today + timedelta(days=30)).isoformat(), "hours": "2"},
    )  # fmt: skip
    assert add.status_code == 302
    client.post(reverse("study:programme_transition", args=[programme.pk]), {"status": "published", "version": 2})
    programme.refresh_from_db()
    assert programme.status == PublishStatus.PUBLISHED
    assert programmes.programme_topics(cast.members["a1"]) == {"charter"}


def test_the_api(cast, plan, login):
    JSON = "application/json"
    client = login(cast.secretary)
    today = timezone.localdate()
    created = client.post(
        "/api/v1/study/programmes",
        {"organisation_id": cast.tree.branch_a.pk, "title": "计划", "starts_on": today.isoformat(),
         "ends_on": today.isoformat(), "unit_ids": [cast.tree.branch_a.pk]},
        JSON,
    )  # fmt: skip
    assert created.status_code == 201, created.content
    pid = created.json()["id"]
    item = client.post(
        f"/api/v1/study/programmes/{pid}/items",
        {"version": 1, "topic": "warning", "title": "警示", "starts_on": today.isoformat(),
         "due_on": today.isoformat()},
        JSON,
    )  # fmt: skip
    assert item.status_code == 201
    assert client.post(f"/api/v1/study/programmes/{pid}/status", {"version": 1, "status": "published"},
                       JSON).status_code == 409  # fmt: skip
    assert client.post(f"/api/v1/study/programmes/{pid}/status", {"version": 2, "status": "published"},
                       JSON).json()["status"] == "published"  # fmt: skip
    # The general branch's programme is read by the people over it, not by a branch below.
    assert client.get(f"/api/v1/study/programmes/{plan[0].pk}").status_code == 404
    progress = login(cast.office).get(f"/api/v1/study/programmes/{plan[0].pk}").json()["progress"]
    assert [row["organisation_name"] for row in progress] == ["第一党支部", "第一党小组", "第二党支部"]
    assert login(cast.secretary_b).get(f"/api/v1/study/programmes/{pid}").status_code == 404
    mine = login(cast.member).get("/api/v1/study/programmes/mine").json()
    assert {row["status"] for row in mine} >= {"due_soon", "overdue"}


def test_a_branch_follows_its_own_members_progress_in_a_programme_set_above(cast, plan, login):
    from qinglian.orgs.services import member_create

    programme, _items, _charter, _exam = plan
    member_create(organisation=cast.tree.branch_b, name="赵敏", gender="F", actor=None)
    client = login(cast.secretary)  # branch_a's secretary: the programme is the general branch's
    client.cookies["django_language"] = "en"
    listing = client.get(reverse("study:programme_list")).content.decode()
    assert "Programmes set above for these units" in listing and programme.title in listing
    page = client.get(reverse("study:programme_detail", kwargs={"pk": programme.pk})).content.decode()
    assert cast.tree.branch_a.name in page and cast.tree.branch_b.name not in page
    assert reverse("study:programme_update", kwargs={"pk": programme.pk}) not in page
    other = programmes.programme_create(
        org=cast.tree.branch_b, title="二支部自己的计划", starts_on=programme.starts_on, ends_on=programme.ends_on,
        units=[cast.tree.branch_b], actor=None,
    )  # fmt: skip
    today = timezone.localdate()
    programmes.item_save(
        programme=other, version=None, topic="charter", title="学党章", starts_on=today, due_on=today, actor=None
    )
    programmes.programme_publish(programme=other, version=None, actor=None)
    assert client.get(reverse("study:programme_detail", kwargs={"pk": other.pk})).status_code == 404
