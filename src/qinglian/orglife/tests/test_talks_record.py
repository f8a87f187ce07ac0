"""Recording talks: who may, with whom, and who reads them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from qinglian.core.tests.web import count_queries
from qinglian.orglife.models import Talk
from qinglian.orglife.services import talks as services
from qinglian.orglife.tests.factories import talk_make
from qinglian.orgs.models import CommitteePost
from qinglian.orgs.services import member_create

# The refusals below are matched in English; the site's language is Chinese.
pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def a3(cast):
    return member_create(organisation=cast.tree.branch_a, name="陈静", gender="F", actor=None)


def _record(cast, *, org=None, initiator=None, counterpart=None, days=-1, summary="交流了思想", actor=None):
    return services.talk_record(
        org=org or cast.tree.branch_a,
        talked_on=timezone.localdate() + timedelta(days=days),
        initiator=initiator or cast.members["a1"],
        counterpart=counterpart or cast.members["a2"],
        summary=summary,
        actor=actor or cast.secretary,
    )


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("oneself", "two different members"),
        ("future", "in the future"),
        ("other-unit", "is not a member of"),
        ("initiator-elsewhere", "neither a member"),
        ("no-summary", "summary"),
    ],
)
def test_bad_talks_are_refused_and_nothing_is_saved(case, message, cast):
    a1, c1 = cast.members["a1"], cast.members["c1"]
    kwargs = {
        "oneself": {"counterpart": a1},
        "future": {"days": 1},
        "other-unit": {"counterpart": c1},
        "initiator-elsewhere": {"initiator": c1},
        "no-summary": {"summary": "  "},
    }[case]
    with pytest.raises(ValidationError, match=message):
        _record(cast, **kwargs)
    assert not Talk.objects.exists()


def test_the_page_says_why_and_keeps_what_was_typed(cast, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    a1 = cast.members["a1"]
    response = client.post(
        reverse("orglife:talk_create"),
        {
            "organisation": cast.tree.branch_a.pk,
            "kind": "heart_to_heart",
            "talked_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "initiator": a1.pk,
            "counterparts": [a1.pk],
            "summary": "谈了工作中的困难",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "谈了工作中的困难" in page
    assert "the date is in the future" in page
    assert not Talk.objects.exists()


def test_a_committee_member_registered_elsewhere_may_hold_a_talk_at_the_unit(cast):
    from qinglian.orglife.tests.factories import committee_make

    term = committee_make(cast.tree.branch_a, secretary=cast.members["a1"])
    # Seated directly, as a committee member sent from another unit would be.
    CommitteePost.objects.create(term=term, member=cast.members["c1"], post="委员", starts_on=timezone.localdate())
    talk = _record(cast, initiator=cast.members["c1"], counterpart=cast.members["a2"])
    assert talk.initiator == cast.members["c1"]


def test_a_member_records_only_talks_they_took_part_in(cast, login, a3):
    talk = _record(cast, counterpart=a3, actor=cast.member)  # 张伟 (the member's login) with 陈静
    assert talk.recorded_by == cast.member
    with pytest.raises(PermissionDenied):
        _record(cast, initiator=cast.members["a2"], counterpart=a3, actor=cast.member)
    response = login(cast.member).post(
        "/api/v1/orglife/talks",
        {
            "organisation_id": cast.tree.branch_a.pk,
            "talked_on": timezone.localdate().isoformat(),
            "initiator_id": cast.members["a2"].pk,
            "counterpart_id": a3.pk,
            "summary": "别人之间的谈话",
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Talk.objects.count() == 1


def test_members_see_only_their_own_talks(cast, login, a3):
    talk_make(cast.tree.branch_a, cast.members["a1"], cast.members["a2"], summary="张伟和李娜的谈话")
    talk_make(cast.tree.branch_a, cast.members["a2"], a3, summary="李娜和陈静的谈话")
    url = reverse("orglife:talk_list")
    page = login(cast.member).get(url).content.decode()
    assert "张伟和李娜的谈话" in page and "李娜和陈静的谈话" not in page
    page = login(cast.secretary).get(url).content.decode()
    assert "张伟和李娜的谈话" in page and "李娜和陈静的谈话" in page
    others = Talk.objects.get(summary="李娜和陈静的谈话")
    assert login(cast.member).get(reverse("orglife:talk_detail", args=[others.pk])).status_code == 404
    assert login(cast.member).get(f"/api/v1/orglife/talks/{others.pk}").status_code == 404
    listed = login(cast.member).get("/api/v1/orglife/talks").json()["items"]
    assert [t["summary"] for t in listed] == ["张伟和李娜的谈话"]


def test_the_list_filters_by_year_kind_and_member(cast, login, a3):
    talk_make(cast.tree.branch_a, cast.members["a1"], cast.members["a2"], summary="今年的提醒谈话", kind="reminder")
    old = talk_make(cast.tree.branch_a, cast.members["a1"], a3, summary="往年的谈心谈话", days=-400)
    client = login(cast.secretary)
    url = reverse("orglife:talk_list")
    page = client.get(url, {"year": old.talked_on.year}).content.decode()
    assert "往年的谈心谈话" in page and "今年的提醒谈话" not in page
    page = client.get(url, {"kind": "reminder"}).content.decode()
    assert "今年的提醒谈话" in page and "往年的谈心谈话" not in page
    page = client.get(url, {"q": "陈静"}).content.decode()
    assert "往年的谈心谈话" in page and "今年的提醒谈话" not in page


def test_the_list_reads_a_fixed_number_of_queries(cast, login, a3):
    client = login(cast.secretary)
    url = reverse("orglife:talk_list")
    talk_make(cast.tree.branch_a, cast.members["a1"], a3)
    client.get(url)
    few = count_queries(lambda: client.get(url))
    api_few = count_queries(lambda: client.get("/api/v1/orglife/talks"))
    for n in range(8):
        talk_make(cast.tree.branch_a, cast.members["a1"], cast.members["a2"], summary=f"谈话{n}")
    assert count_queries(lambda: client.get(url)) == few
    assert count_queries(lambda: client.get("/api/v1/orglife/talks")) == api_few


def test_one_initiator_with_several_members_records_one_talk_each(cast, login, a3):
    a1, a2 = cast.members["a1"], cast.members["a2"]
    data = {
        "organisation": cast.tree.branch_a.pk,
        "kind": "heart_to_heart",
        "talked_on": timezone.localdate().isoformat(),
        "initiator": a1.pk,
        "summary": "年度谈心谈话",
        "place": "党员活动室",
    }
    client = login(cast.secretary)
    # One of the members chosen is the initiator himself: nothing at all is saved.
    response = client.post(reverse("orglife:talk_create"), {**data, "counterparts": [a2.pk, a1.pk]})
    assert response.status_code == 422
    assert not Talk.objects.exists()
    response = client.post(reverse("orglife:talk_create"), {**data, "counterparts": [a2.pk, a3.pk]})
    assert response.status_code == 302
    assert set(Talk.objects.values_list("counterpart__name", flat=True)) == {"李娜", "陈静"}


def test_corrections_by_the_recorder_within_30_days_and_by_the_units_recorders(cast, login, a3):
    talk = _record(cast, counterpart=a3, actor=cast.member)
    client = login(cast.member)
    response = client.patch(
        f"/api/v1/orglife/talks/{talk.pk}", {"summary": "更正后的内容"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["summary"] == "更正后的内容"
    Talk.objects.filter(pk=talk.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert client.get(reverse("orglife:talk_update", args=[talk.pk])).status_code == 404
    response = login(cast.organiser).post(
        reverse("orglife:talk_update", args=[talk.pk]),
        {
            "kind": "work",
            "talked_on": talk.talked_on.isoformat(),
            "initiator": talk.initiator_id,
            "counterpart": talk.counterpart_id,
            "summary": "组织委员更正的内容",
        },
    )
    assert response.status_code == 302
    talk.refresh_from_db()
    assert (talk.kind, talk.summary) == ("work", "组织委员更正的内容")


def test_only_the_units_recorders_remove_a_talk(cast, login, a3):
    talk = _record(cast, counterpart=a3, actor=cast.member)
    assert login(cast.member).delete(f"/api/v1/orglife/talks/{talk.pk}").status_code == 404
    assert login(cast.secretary_b).post(reverse("orglife:talk_remove", args=[talk.pk])).status_code == 404
    assert Talk.objects.filter(pk=talk.pk).exists()
    assert login(cast.secretary).post(reverse("orglife:talk_remove", args=[talk.pk])).status_code == 302
    assert not Talk.objects.filter(pk=talk.pk).exists()


def test_the_api_records_reads_and_refuses_bad_input(cast, login, a3):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    body = {
        "organisation_id": cast.tree.branch_a.pk,
        "talked_on": timezone.localdate().isoformat(),
        "initiator_id": cast.members["a1"].pk,
        "counterpart_id": cast.members["c1"].pk,
        "summary": "谈话",
    }
    response = client.post("/api/v1/orglife/talks", body, content_type="application/json")
    assert response.status_code == 422
    assert "No member with id" in response.content.decode()
    body["counterpart_id"] = a3.pk
    response = client.post("/api/v1/orglife/talks", body, content_type="application/json")
    assert response.status_code == 201
    talk_id = response.json()["id"]
    assert client.get(f"/api/v1/orglife/talks/{talk_id}").json()["counterpart_name"] == "陈静"
    # Another branch's unit is not there for branch_a's secretary.
    body["organisation_id"] = cast.tree.branch_b.pk
    assert client.post("/api/v1/orglife/talks", body, content_type="application/json").status_code == 404
