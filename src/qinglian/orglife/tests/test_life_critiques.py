"""Criticism at life meetings: recorded by those allowed, read only by the member it is about and by the
holders of orglife.critique_view; the other members see how many items there are, not what was said."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from qinglian.core.tests.web import count_queries
from qinglian.orglife.models import Critique, Minutes
from qinglian.orglife.services.life import critique_add, critique_remove
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.orglife.vocab import MeetingKind

A1_SELF = "张伟的自我批评：理论学习不够深入"
A2_SELF = "李娜的自我批评：工作作风不够扎实"
ABOUT_A2 = "张伟对李娜的批评：开会迟到"
ABOUT_A1 = "李娜对张伟的批评：联系群众不够"


# The refusals below are matched in English; the site's language is Chinese.
pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def life(cast):
    """Branch_a's organisational-life meeting two days ago, with criticism about 张伟 (a1) and 李娜 (a2)."""
    a1, a2 = cast.members["a1"], cast.members["a2"]
    meeting = meeting_make(
        cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=-2, title="第一党支部组织生活会", topic="对照检查"
    )
    attend_all(meeting)
    for subject, critic, kind, content in (
        (a1, a1, "self", A1_SELF),
        (a2, a2, "self", A2_SELF),
        (a2, a1, "peer", ABOUT_A2),
        (a1, a2, "peer", ABOUT_A1),
    ):
        critique_add(meeting=meeting, subject=subject, critic=critic, kind=kind, content=content, actor=cast.secretary)
    return meeting


def _panel(client, meeting) -> str:
    response = client.get(reverse("orglife:life_panel", args=[meeting.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_reads_what_was_said_about_them_and_only_counts_for_others(life, cast, login):
    client = login(cast.member)  # 张伟 (a1)
    for url in (reverse("orglife:life_panel", args=[life.pk]), reverse("orglife:life_meeting", args=[life.pk])):
        page = client.get(url).content.decode()
        assert A1_SELF in page and ABOUT_A1 in page
        assert A2_SELF not in page
        # Even the criticism 张伟 made himself is kept to 李娜 and those allowed.
        assert ABOUT_A2 not in page
        assert "李娜" in page  # the other member's line, with counts only
        assert "对照检查" in page  # the theme


def test_the_secretary_reads_all_of_it(life, cast, login):
    page = _panel(login(cast.secretary), life)
    for text in (A1_SELF, A2_SELF, ABOUT_A1, ABOUT_A2):
        assert text in page


def test_managing_meetings_does_not_open_criticism(life, cast, login):
    """The propaganda commissioner schedules meetings but does not hold orglife.critique_view."""
    page = _panel(login(cast.propagandist), life)
    assert A1_SELF not in page and A2_SELF not in page


def test_the_api_filters_criticism_per_viewer(life, cast, login):
    url = f"/api/v1/orglife/meetings/{life.pk}/critiques"
    data = login(cast.member).get(url).json()
    assert data["read_all"] is False
    assert {item["content"] for item in data["items"]} == {A1_SELF, ABOUT_A1}
    counts = {row["name"]: (row["self_count"], row["received_count"]) for row in data["counts"]}
    assert counts == {"张伟": (1, 1), "李娜": (1, 1)}
    data = login(cast.secretary).get(url).json()
    assert data["read_all"] is True
    assert len(data["items"]) == 4


def test_another_branch_gets_404_for_the_panel_and_the_api(life, cast, login):
    client = login(cast.secretary_b)
    assert client.get(reverse("orglife:life_panel", args=[life.pk])).status_code == 404
    assert client.get(f"/api/v1/orglife/meetings/{life.pk}/critiques").status_code == 404


def test_a_member_records_their_own_self_criticism(life, cast, login):
    client = login(cast.member)
    response = client.post(
        reverse("orglife:critique_add", args=[life.pk]), {"kind": "self", "content": "补充的自我批评"}
    )
    assert response.status_code == 302
    saved = Critique.objects.get(content="补充的自我批评")
    assert saved.subject == cast.members["a1"] and saved.critic == cast.members["a1"]


def test_a_member_may_not_write_another_members_self_criticism(life, cast, login):
    a2 = cast.members["a2"]
    with pytest.raises(PermissionDenied):
        critique_add(meeting=life, subject=a2, kind="self", content="代写的自我批评", actor=cast.member)
    response = login(cast.member).post(
        f"/api/v1/orglife/meetings/{life.pk}/critiques",
        {"kind": "self", "subject_id": a2.pk, "content": "代写的自我批评"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not Critique.objects.filter(content="代写的自我批评").exists()
    # A holder of orglife.manage records it for the member, as the recorder does.
    critique_add(meeting=life, subject=a2, kind="self", content="记录人代录的自我批评", actor=cast.organiser)


def test_criticism_is_refused_for_other_meetings_and_before_the_meeting(cast):
    a1 = cast.members["a1"]
    general = meeting_make(cast.tree.branch_a, kind=MeetingKind.GENERAL_MEETING, days=-2)
    with pytest.raises(ValidationError, match="organisational-life"):
        critique_add(meeting=general, subject=a1, kind="self", content="x", actor=cast.secretary)
    coming = meeting_make(cast.tree.branch_a, kind=MeetingKind.LIFE_MEETING, days=5)
    with pytest.raises(ValidationError, match="not been held"):
        critique_add(meeting=coming, subject=a1, kind="self", content="x", actor=cast.secretary)
    assert not Critique.objects.exists()


def test_people_from_outside_the_unit_and_empty_content_are_refused(life, cast):
    with pytest.raises(ValidationError, match="must be a member"):
        critique_add(meeting=life, subject=cast.members["c1"], kind="self", content="x", actor=cast.secretary)
    with pytest.raises(ValidationError):
        critique_add(meeting=life, subject=cast.members["a1"], kind="self", content="  ", actor=cast.secretary)
    with pytest.raises(ValidationError):
        critique_add(
            meeting=life, subject=cast.members["a1"], critic=cast.members["a1"], kind="peer", content="x",
            actor=cast.secretary,
        )  # fmt: skip
    assert Critique.objects.count() == 4


def test_criticism_is_removed_only_until_the_minutes_are_approved(life, cast, login):
    item = Critique.objects.get(content=A2_SELF)
    client = login(cast.secretary)
    assert reverse("orglife:critique_remove", args=[item.pk]) in _panel(client, life)
    Minutes.objects.create(meeting=life, status="approved", summary="纪要")
    with translation.override("en"), pytest.raises(ValidationError, match="locked"):  # the page left Chinese on
        critique_remove(critique=item, actor=cast.secretary)
    response = client.post(reverse("orglife:critique_remove", args=[item.pk]))
    assert response.status_code == 302
    assert Critique.objects.filter(pk=item.pk).exists()
    page = _panel(client, life)
    assert reverse("orglife:critique_remove", args=[item.pk]) not in page
    with translation.override("en"), pytest.raises(ValidationError, match="locked"):
        critique_add(meeting=life, subject=cast.members["a1"], kind="self", content="x", actor=cast.secretary)


def test_removal_before_approval_works_and_a_member_cannot_remove_what_they_cannot_read(life, cast, login):
    item = Critique.objects.get(content=A2_SELF)
    assert login(cast.member).post(reverse("orglife:critique_remove", args=[item.pk])).status_code == 404
    assert Critique.objects.filter(pk=item.pk).exists()
    response = login(cast.secretary).post(reverse("orglife:critique_remove", args=[item.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert A2_SELF not in response.content.decode()
    assert not Critique.objects.filter(pk=item.pk).exists()


def test_the_panel_reads_the_same_number_of_queries_however_much_was_said(life, cast, login):
    client = login(cast.secretary)
    url = reverse("orglife:life_panel", args=[life.pk])
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for n in range(6):
        critique_add(
            meeting=life, subject=cast.members["a2"], critic=cast.members["a1"], kind="peer", content=f"意见{n}",
            actor=cast.secretary,
        )  # fmt: skip
    assert count_queries(lambda: client.get(url)) == few
