"""The register's pages: the register with its filters, counts and export; recording a point with its measures
(adding rows, refusals that keep what was typed); changing it; its page with the workflow's buttons, reviews
and incidents; posts; My risk points -- in Chinese and in English."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from qinglian.core.models import Job
from qinglian.core.tests.web import count_queries
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.orgs.models import Member
from qinglian.rectification.models import Item
from qinglian.risks.models import Post, RiskIncident, RiskMeasure, RiskPoint, RiskReview
from qinglian.risks.tests.factories_register import day, holder_post, move, point_approved, point_make, round_make


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def risk_round(cast):
    return round_make(cast.tree.root)


def _page(response) -> str:
    return response.content.decode()


def _form_data(cast, **fields) -> dict:
    data = {
        "unit": cast.tree.branch_a.pk,
        "post": "",
        "process": "funds",
        "title": "报销审核不严",
        "description": "对报销凭证审核把关不严",
        "causes": "",
        "criteria": ["power", "discretion"],
        "level": "",
        "level_reason": "",
        "likelihood": "3",
        "impact": "2",
        "measures-TOTAL_FORMS": "2",
        "measures-INITIAL_FORMS": "0",
        "measures-0-id": "",
        "measures-0-text": "报销实行双人审核",
        "measures-0-owner": str(cast.members["a1"].pk),
        "measures-0-due_on": "",
        "measures-1-id": "",
        "measures-1-text": "",
        "measures-1-owner": "",
        "measures-1-due_on": "",
    }
    data.update(fields)
    return data


# --- the register ------------------------------------------------------------------------------------------


def test_the_register_lists_the_scopes_points_counted_by_level(cast, risk_round, login, english):
    point_approved(cast, title="资金支付审核不严", criteria=["power", "discretion", "openness"])
    point_make(cast, title="采购需求把关不严", process="procurement")
    point_make(cast, title="第二支部的风险", org=cast.tree.branch_b)
    client = login(cast.secretary)
    page = _page(client.get(reverse("risks:point_list")))
    assert "资金支付审核不严" in page and "采购需求把关不严" in page
    assert "第二支部的风险" not in page
    assert "Integrity-risk register" in page and "Level 1" in page
    page = _page(client.get(reverse("risks:point_list"), {"level": 1}))
    assert "资金支付审核不严" in page and "采购需求把关不严" not in page
    page = _page(client.get(reverse("risks:point_list"), {"process": "procurement"}))
    assert "采购需求把关不严" in page and "资金支付审核不严" not in page
    page = _page(client.get(reverse("risks:point_list"), {"status": "approved"}))
    assert "资金支付审核不严" in page and "采购需求把关不严" not in page


def test_the_register_shows_the_open_round_unless_another_is_chosen(cast, risk_round, login):
    old = round_make(cast.tree.root, year=2020, closed=True)
    from qinglian.risks.models import RiskRound

    RiskRound.objects.filter(pk=old.pk).update(status="open", closed_on=None)
    old.refresh_from_db()
    point_make(cast, round=old, title="往年的风险点")
    RiskRound.objects.filter(pk=old.pk).update(status="closed", closed_on=day(-300))
    point_make(cast, title="今年的风险点")
    client = login(cast.office)
    page = _page(client.get(reverse("risks:point_list")))
    assert "今年的风险点" in page and "往年的风险点" not in page
    page = _page(client.get(reverse("risks:point_list"), {"round": old.pk}))
    assert "往年的风险点" in page and "今年的风险点" not in page


def test_the_pages_speak_chinese_by_default(cast, risk_round, login):
    point = point_make(cast)
    client = login(cast.secretary)
    page = _page(client.get(reverse("risks:point_list")))
    assert '<html lang="zh-hans">' in page and "资金支付审核不严" in page
    assert "高" in page  # the matrix rating, in the rule's Chinese
    page = _page(client.get(reverse("risks:point_create")))
    assert "自由裁量权较大" in page and "特别严重" in page  # criteria and impact labels from the rules
    page = _page(client.get(reverse("risks:point_detail", args=[point.pk])))
    assert "可能" in page and "较重" in page and "Rare" not in page


def test_the_register_reads_a_constant_number_of_queries(cast, risk_round, login):
    client = login(cast.office)
    point_make(cast)
    url = reverse("risks:point_list")
    client.get(url)
    one = count_queries(lambda: client.get(url))
    for n in range(10):
        point_make(cast, title=f"风险点{n}", org=cast.tree.branch_b if n % 2 else cast.tree.branch_a)
    point_approved(cast)
    assert count_queries(lambda: client.get(url)) == one


def test_the_register_exports_a_workbook(cast, risk_round, login, english):
    point_approved(cast, title="资金支付审核不严")
    response = login(cast.secretary).get(reverse("risks:point_export"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book.worksheets[0].values)
    assert rows[0][:5] == ("Round", "Unit", "Post", "Business process", "Risk point")
    assert rows[1][4] == "资金支付审核不严" and rows[1][8] == "Level 2"
    measures = list(book.worksheets[1].values)
    assert measures[1][2] == "严格执行资金支付审批制度" and measures[1][3] == "张伟"


def test_a_large_register_is_exported_by_a_job(
    cast, risk_round, login, monkeypatch, django_capture_on_commit_callbacks
):
    from qinglian.risks.views import register as views

    monkeypatch.setattr(views, "INLINE_MAX", 0)
    point_make(cast)
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.secretary).get(reverse("risks:point_export"))
    job = Job.objects.get(kind="risks.register_export")
    assert response.status_code == 302 and response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.result_file.endswith(".xlsx")


# --- recording ---------------------------------------------------------------------------------------------


def test_a_post_holder_records_a_point_for_their_post(cast, risk_round, login, english):
    post = holder_post(cast)
    client = login(cast.member)
    page = _page(client.get(reverse("risks:point_create"), {"post": post.pk}))
    assert "Controls public power or public resources" in page and "张伟" in page
    assert "Add another measure" in page
    response = client.post(reverse("risks:point_create"), _form_data(cast, post=post.pk))
    point = RiskPoint.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("risks:point_detail", args=[point.pk])
    assert (point.post, point.level, point.proposed_by) == (post, 2, cast.member)
    assert point.measures.get().owner == cast.members["a1"]


def test_a_measure_without_owner_is_refused_keeping_what_was_typed(cast, risk_round, login, english):
    client = login(cast.secretary)
    data = _form_data(cast, **{"measures-0-owner": "", "measures-1-text": "定期轮岗"})
    response = client.post(reverse("risks:point_create"), data)
    page = _page(response)
    assert response.status_code == 422
    assert "Name the member responsible for this measure." in page
    assert "报销实行双人审核" in page and "定期轮岗" in page and "报销审核不严" in page
    assert not RiskPoint.objects.exists() and not RiskMeasure.objects.exists()


def test_a_point_without_any_measure_is_refused(cast, risk_round, login, english):
    data = _form_data(cast, **{"measures-0-text": "", "measures-0-owner": ""})
    response = login(cast.secretary).post(reverse("risks:point_create"), data)
    assert response.status_code == 422
    assert "Add at least one prevention and control measure" in _page(response)


def test_another_level_without_a_reason_is_refused(cast, risk_round, login, english):
    response = login(cast.secretary).post(reverse("risks:point_create"), _form_data(cast, level="1"))
    assert response.status_code == 422
    assert "The criteria give level 2; say why the point is set at level 1 instead." in _page(response)


def test_add_another_measure_keeps_the_rows_and_adds_one(cast, risk_round, login, english):
    data = _form_data(cast, more="1", **{"measures-1-text": "第二条措施"})
    response = login(cast.secretary).post(reverse("risks:point_create"), data)
    page = _page(response)
    assert response.status_code == 200
    assert 'name="measures-TOTAL_FORMS" value="3"' in page
    assert "第二条措施" in page and "报销审核不严" in page
    assert "is-invalid" not in page
    assert not RiskPoint.objects.exists()


def test_the_level_preview_follows_the_ticked_criteria(cast, login, english):
    client = login(cast.member)
    page = _page(client.get(reverse("risks:point_level"), {"criteria": ["power", "discretion", "openness"]}))
    assert "Level 1" in page
    assert "Level 3" in _page(client.get(reverse("risks:point_level"), {"criteria": ["power"]}))
    assert "Tick at least one criterion" in _page(client.get(reverse("risks:point_level")))


def test_no_open_round_is_said_on_the_form(cast, login, english):
    page = _page(login(cast.secretary).get(reverse("risks:point_create")))
    assert "No identification round is open for 第一党支部" in page


# --- changing ----------------------------------------------------------------------------------------------


def test_a_draft_is_changed_and_a_measure_removed(cast, risk_round, login):
    point = point_make(cast, measures=[("双人复核", cast.members["a1"], None), ("定期轮岗", cast.members["a2"], None)])
    first, second = point.measures.order_by("order")
    client = login(cast.secretary)
    assert "定期轮岗" in _page(client.get(reverse("risks:point_edit", args=[point.pk])))
    data = _form_data(
        cast,
        version=point.version,
        title="资金支付复核不严",
        **{
            "measures-TOTAL_FORMS": "3", "measures-INITIAL_FORMS": "2",
            "measures-0-id": str(first.pk), "measures-0-text": "双人复核并签字", "measures-0-owner": first.owner_id,
            "measures-1-id": str(second.pk), "measures-1-text": "定期轮岗", "measures-1-owner": str(second.owner_id),
            "measures-1-DELETE": "on",
            "measures-2-id": "", "measures-2-text": "", "measures-2-owner": "", "measures-2-due_on": "",
        },
    )  # fmt: skip
    response = client.post(reverse("risks:point_edit", args=[point.pk]), data)
    assert response.status_code == 302
    point.refresh_from_db()
    assert point.title == "资金支付复核不严"
    assert list(point.measures.values_list("text", flat=True)) == ["双人复核并签字"]
    # The same form sent again carries a version that is no longer current.
    response = client.post(reverse("risks:point_edit", args=[point.pk]), data)
    assert response.status_code == 409


def test_a_proposed_point_is_not_changed(cast, risk_round, login, english):
    point = move(point_make(cast), "propose")
    response = login(cast.secretary).get(reverse("risks:point_edit", args=[point.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("risks:point_detail", args=[point.pk])


# --- a point's page and its workflow -----------------------------------------------------------------------


def _act(client, point, action, **data):
    point.refresh_from_db()
    return client.post(
        reverse("risks:point_transition", args=[point.pk]), {"action": action, "version": point.version, **data}
    )


def test_the_workflow_from_the_points_page(cast, risk_round, login, english):
    post = holder_post(cast)
    point = point_make(cast, post=post, actor=cast.member)
    client = login(cast.member)
    page = _page(client.get(reverse("risks:point_detail", args=[point.pk])))
    assert "Propose to the branch" in page and "Approve for the register" not in page
    assert _act(client, point, "propose").status_code == 302
    client = login(cast.secretary)
    assert "Review for the branch" in _page(client.get(reverse("risks:point_detail", args=[point.pk])))
    assert _act(client, point, "review").status_code == 302
    client = login(cast.office)
    page = _page(client.get(reverse("risks:point_detail", args=[point.pk])))
    assert "Approve for the register" not in page
    assert "discipline inspection gives its opinion before the committee approves" in page
    client = login(cast.inspector)
    response = _act(client, point, "consult", opinion="")
    assert response.status_code == 422 and "Write discipline inspection&#x27;s opinion." in _page(response)
    assert _act(client, point, "consult", opinion="同意列入").status_code == 302
    client = login(cast.office)
    assert _act(client, point, "approve").status_code == 302
    point.refresh_from_db()
    assert point.status == "approved"
    page = _page(client.get(reverse("risks:point_detail", args=[point.pk])))
    assert "同意列入" in page and "Record a review" in page


def test_return_without_a_reason_is_refused_on_the_page(cast, risk_round, login, english):
    point = move(point_make(cast), "propose")
    client = login(cast.secretary)
    response = _act(client, point, "return", comment="")
    assert response.status_code == 422
    assert "Say why the risk point is returned." in _page(response)
    assert RiskPoint.objects.get(pk=point.pk).status == "proposed"
    assert _act(client, point, "return", comment="措施太笼统").status_code == 302
    page = _page(client.get(reverse("risks:point_detail", args=[point.pk])))
    assert "措施太笼统" in page


def test_a_stale_form_on_the_page_is_refused(cast, risk_round, login, english):
    point = move(point_make(cast), "propose")
    version = point.version
    move(point, "review")
    response = login(cast.office).post(
        reverse("risks:point_transition", args=[point.pk]), {"action": "return", "version": version, "comment": "晚了"}
    )
    assert response.status_code == 409
    assert "Someone else changed this risk point" in _page(response)


def test_the_page_shows_the_matrix_measures_that_lost_their_owner_and_incidents(cast, risk_round, login, english):
    point = point_approved(cast)
    meeting = meeting_make(cast.tree.branch_a, title="支部委员会会议")
    attend_all(meeting)
    from qinglian.risks.services.follow_up import incident_link

    incident_link(point=point, kind="other", description="会上发现", occurred_on=day(), record_kind="orglife.meeting",
                  record_id=meeting.pk, actor=cast.secretary)  # fmt: skip
    Member.objects.filter(pk=cast.members["a1"].pk).update(status="转出")
    page = _page(login(cast.secretary).get(reverse("risks:point_detail", args=[point.pk])))
    assert "Likelihood (rows) × impact (columns)" in page and "This point" in page
    assert "no longer on the unit's register" in page
    assert "支部委员会会议" in page and "会上发现" in page
    # Someone who may read the point but not the meeting sees that a record is linked, not what it is.
    page = _page(login(cast.liaison).get(reverse("risks:point_detail", args=[point.pk])))
    assert "支部委员会会议" not in page and "Record not available to you" in page


# --- reviews and incidents ---------------------------------------------------------------------------------


def test_a_review_with_a_problem_from_its_page(cast, risk_round, login, english):
    point = point_approved(cast)
    client = login(cast.secretary)
    assert "A problem was found" in _page(client.get(reverse("risks:point_review", args=[point.pk])))
    response = client.post(
        reverse("risks:point_review", args=[point.pk]),
        {
            "reviewed_on": day().isoformat(), "measures_effective": "no", "level_after": "1",
            "conclusion": "措施执行不到位",
            "problem": "未执行双人复核", "problem_measures": "补充复核", "problem_owner": cast.members["a1"].pk,
            "problem_due_on": day(20).isoformat(),
        },
    )  # fmt: skip
    assert response.status_code == 302
    review = RiskReview.objects.get()
    assert review.level_after == 1 and not review.measures_effective
    assert Item.objects.get().source_id == review.pk


def test_a_review_problem_without_owner_keeps_the_form(cast, risk_round, login, english):
    point = point_approved(cast)
    response = login(cast.secretary).post(
        reverse("risks:point_review", args=[point.pk]),
        {"reviewed_on": day().isoformat(), "measures_effective": "yes", "conclusion": "基本有效", "level_after": "2",
         "problem": "台账不全", "problem_due_on": day(20).isoformat()},
    )  # fmt: skip
    assert response.status_code == 422
    assert "Name the member responsible for the rectification." in _page(response)
    assert "台账不全" in _page(response)
    assert not RiskReview.objects.exists()


def test_an_incident_from_its_page(cast, risk_round, login, english):
    point = point_approved(cast)
    meeting = meeting_make(cast.tree.branch_a, title="专题会议")
    attend_all(meeting)
    client = login(cast.secretary)
    assert "A record already in the system" in _page(client.get(reverse("risks:point_incident", args=[point.pk])))
    response = client.post(
        reverse("risks:point_incident", args=[point.pk]),
        {"kind": "other", "occurred_on": day().isoformat(), "description": "会上发现问题",
         "record_kind": "orglife.meeting", "record_id": meeting.pk},
    )  # fmt: skip
    assert response.status_code == 302
    assert RiskIncident.objects.get().record_id == meeting.pk
    point.refresh_from_db()
    assert point.needs_review


def test_follow_ups_are_for_approved_points(cast, risk_round, login):
    point = point_make(cast)
    response = login(cast.secretary).get(reverse("risks:point_review", args=[point.pk]))
    assert response.status_code == 302


# --- posts -------------------------------------------------------------------------------------------------


def test_posts_are_listed_added_synced_and_taken_out_of_use(cast, login, english):
    Member.objects.filter(pk=cast.members["a2"].pk).update(post="采购员")
    client = login(cast.secretary)
    page = _page(client.get(reverse("risks:post_list")))
    assert "Sync from the register" in page
    response = client.post(reverse("risks:post_create"), {"unit": cast.tree.branch_a.pk, "name": "出纳"})
    assert response.status_code == 302
    response = client.post(reverse("risks:post_create"), {"unit": cast.tree.branch_a.pk, "name": "出纳"})
    assert response.status_code == 422 and "has the post “出纳” already" in _page(response)
    client.post(reverse("risks:posts_sync"), {"unit": cast.tree.branch_a.pk})
    assert set(Post.objects.values_list("name", "organisation__name")) == {
        ("出纳", "第一党支部"),
        ("采购员", "第一党小组"),
    }
    post = Post.objects.get(name="采购员")
    page = _page(client.get(reverse("risks:post_list")))
    assert "采购员" in page
    assert "李娜" in _page(client.get(reverse("risks:post_edit", args=[post.pk])))
    client.post(reverse("risks:post_active", args=[post.pk]), {"is_active": "0"})
    post.refresh_from_db()
    assert not post.is_active
    assert "采购员" not in _page(client.get(reverse("risks:post_list")))


# --- My risk points ----------------------------------------------------------------------------------------


def test_my_risk_points_show_my_posts_their_register_and_my_proposals(cast, risk_round, login, english):
    post = holder_post(cast)
    point_approved(cast, post=post, title="出纳岗位资金风险")
    point_make(cast, post=post, title="我提出的风险点", actor=cast.member)
    page = _page(login(cast.member).get(reverse("risks:my_points")))
    assert "出纳岗位资金风险" in page and "我提出的风险点" in page
    assert "Propose a risk point" in page
    page = _page(login(cast.outsider).get(reverse("risks:my_points")))
    assert "not linked to a member" in page


def test_my_risk_points_in_chinese(cast, risk_round, login):
    post = holder_post(cast)
    point_approved(cast, post=post, title="出纳岗位资金风险")
    page = _page(login(cast.member).get(reverse("risks:my_points")))
    assert '<html lang="zh-hans">' in page and "出纳岗位资金风险" in page and "第一党支部" in page
