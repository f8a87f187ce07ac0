"""The register's services: recording and changing risk points with their measures (all or nothing), posts and
their sync from the member register, periodic reviews (with a problem put on the rectification list) and
incidents that raise a point for review."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qinglian.core.lib.dates import add_months
from qinglian.core.models import AuditEvent, Notification
from qinglian.orglife.tests.factories import attend_all, meeting_make
from qinglian.orgs.models import Member
from qinglian.orgs.services import Conflict, member_create
from qinglian.rectification.models import Item
from qinglian.risks.models import PointEvent, Post, RiskIncident, RiskMeasure, RiskPoint, RiskReview
from qinglian.risks.services import follow_up
from qinglian.risks.services import register as services
from qinglian.risks.services.register import MeasureIn
from qinglian.risks.tests.factories_register import day, holder_post, move, point_approved, point_make, round_make

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def risk_round(cast):
    return round_make(cast.tree.root)


def _count() -> tuple[int, int, int]:
    return RiskPoint.objects.count(), RiskMeasure.objects.count(), PointEvent.objects.count()


# --- recording ---------------------------------------------------------------------------------------------


def test_a_point_takes_its_level_from_the_criteria_with_its_measures_event_and_audit(cast, risk_round):
    a1 = cast.members["a1"]
    point = point_make(
        cast,
        criteria=["power", "discretion", "incidence"],
        measures=[("双人复核", a1, day(10)), MeasureIn("每月对账", cast.members["a2"])],
        actor=cast.secretary,
    )
    assert (point.level, point.status, point.review_months) == (1, "draft", 6)
    assert point.criteria == ["power", "discretion", "incidence"]
    assert [(m.text, m.owner, m.order) for m in point.measures.order_by("order")] == [
        ("双人复核", a1, 0),
        ("每月对账", cast.members["a2"], 1),
    ]
    assert point.proposed_by == cast.secretary
    assert list(point.events.values_list("kind", flat=True)) == ["created"]
    event = AuditEvent.objects.get(action="risks.point_create")
    assert event.changes["level"] == 1 and event.changes["measures"] == 2


def test_another_level_needs_a_reason_which_is_recorded(cast, risk_round):
    with pytest.raises(ValidationError) as refused:
        point_make(cast, criteria=["power"], level=1)
    assert "The criteria give level 3" in refused.value.message_dict["level_reason"][0]
    point = point_make(cast, criteria=["power"], level=1, level_reason="近三年本岗位发生过两起违纪案件")
    assert (point.level, point.level_reason) == (1, "近三年本岗位发生过两起违纪案件")
    assert point.events.get().comment == "近三年本岗位发生过两起违纪案件"
    # The same level as the criteria give needs no reason.
    assert point_make(cast, criteria=["power"], level=3).level == 3


@pytest.mark.parametrize("level", [0, 4, "一级"])
def test_an_unknown_level_is_refused_and_nothing_is_saved(cast, risk_round, level):
    before = _count()
    with pytest.raises(ValidationError) as refused:
        point_make(cast, level=level, level_reason="理由")
    assert "Unknown risk level" in refused.value.message_dict["level"][0]
    assert _count() == before


def test_an_unknown_criterion_is_refused(cast, risk_round):
    with pytest.raises(ValidationError) as refused:
        point_make(cast, criteria=["power", "nepotism"])
    assert "“nepotism”" in refused.value.message_dict["criteria"][0]


def test_a_measure_without_owner_is_refused_with_nothing_saved(cast, risk_round):
    before = _count()
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        point_make(cast, measures=[("双人复核", cast.members["a1"], None), ("定期轮岗", None, None)])
    assert refused.value.message_dict["measures"] == ["Measure 2 has no owner: name the member responsible for it."]
    assert _count() == before and AuditEvent.objects.count() == audits


def test_a_point_without_measures_or_with_an_owner_from_elsewhere_is_refused(cast, risk_round):
    with pytest.raises(ValidationError) as none:
        point_make(cast, measures=[])
    assert "at least one prevention and control measure" in none.value.message_dict["measures"][0]
    with pytest.raises(ValidationError) as elsewhere:
        point_make(cast, measures=[("双人复核", cast.members["b1"], None)])
    assert "王芳 is not a member on the register of 第一党支部" in elsewhere.value.message_dict["measures"][0]


def test_every_refusal_of_the_form_comes_at_once(cast, risk_round):
    with pytest.raises(ValidationError) as refused:
        point_make(cast, title=" ", process="", criteria=[], likelihood=9, measures=[("", None, None)])
    assert set(refused.value.message_dict) == {"title", "process", "criteria", "likelihood", "measures"}


def test_the_round_must_be_open_and_cover_the_unit(cast, risk_round):
    closed = round_make(cast.tree.root, year=2020, closed=True)
    with pytest.raises(ValidationError) as refused:
        point_make(cast, round=closed)
    assert "is closed" in refused.value.message_dict["round"][0]
    branch_round = round_make(cast.tree.branch_b)
    with pytest.raises(ValidationError) as outside:
        point_make(cast, round=branch_round)
    assert "is not among the units of the round" in outside.value.message_dict["organisation"][0]


def test_a_post_holder_records_for_their_own_post_only(cast, risk_round):
    post = holder_post(cast)
    other = Post.objects.create(organisation=cast.tree.branch_a, name="采购员")
    point = point_make(cast, post=post, actor=cast.member)
    assert point.status == "draft" and point.proposed_by == cast.member
    with pytest.raises(PermissionDenied):
        point_make(cast, post=other, actor=cast.member)
    with pytest.raises(PermissionDenied):
        point_make(cast, post=None, actor=cast.member)  # a process of the unit is for its reviewers
    with pytest.raises(PermissionDenied):
        point_make(cast, actor=cast.outsider)
    with pytest.raises(PermissionDenied):
        point_make(cast, actor=cast.secretary_b)  # another branch's secretary


def test_a_post_of_another_unit_or_out_of_use_is_refused(cast, risk_round):
    post_b = Post.objects.create(organisation=cast.tree.branch_b, name="出纳")
    with pytest.raises(ValidationError) as refused:
        point_make(cast, org=cast.tree.branch_a, post=post_b)
    assert "is not a post of 第一党支部" in refused.value.message_dict["post"][0]
    retired = Post.objects.create(organisation=cast.tree.branch_a, name="旧岗位", is_active=False)
    with pytest.raises(ValidationError):
        point_make(cast, post=retired)


# --- changing ----------------------------------------------------------------------------------------------


def _update(point, *, version, actor=None, measures=None, **fields):
    values = {
        "post": point.post, "process": point.process, "title": point.title, "description": point.description,
        "causes": point.causes, "criteria": point.criteria, "likelihood": point.likelihood, "impact": point.impact,
    }  # fmt: skip
    values.update(fields)
    if measures is None:
        measures = [MeasureIn(m.text, m.owner, m.due_on, m.pk) for m in point.measures.all()]
    return services.point_update(point=point, version=version, actor=actor, measures=measures, **values)


def test_a_draft_is_changed_with_its_measures_added_changed_and_removed(cast, risk_round):
    a1, a2 = cast.members["a1"], cast.members["a2"]
    point = point_make(cast, measures=[("双人复核", a1, None), ("定期轮岗", a1, None)])
    first, second = point.measures.order_by("order")
    point = _update(
        point,
        version=point.version,
        actor=cast.secretary,
        criteria=["power", "discretion", "openness"],
        measures=[MeasureIn("双人复核，留痕备查", a2, day(5), first.pk), MeasureIn("每季度抽查", a1)],
    )
    assert point.level == 1 and point.version == 2
    assert [(m.text, m.owner) for m in point.measures.order_by("order")] == [
        ("双人复核，留痕备查", a2),
        ("每季度抽查", a1),
    ]
    assert not RiskMeasure.objects.filter(pk=second.pk).exists()
    event = point.events.get(kind="changed")
    assert "criteria met" in event.comment and "measures" in event.comment
    changes = AuditEvent.objects.get(action="risks.point_update").changes
    assert changes["measures"] == {"added": 1, "changed": 1, "removed": 1}


def test_a_stale_version_is_refused(cast, risk_round):
    point = point_make(cast)
    _update(point, version=point.version, title="资金支付审核把关不严")
    with pytest.raises(Conflict):
        _update(point, version=point.version, title="另一人的修改")
    point.refresh_from_db()
    assert point.title == "资金支付审核把关不严"


def test_a_measure_of_another_point_cannot_be_changed_through_this_one(cast, risk_round):
    point, other = point_make(cast), point_make(cast, title="另一个风险点")
    foreign = other.measures.get()
    with pytest.raises(ValidationError) as refused:
        _update(
            point, version=point.version, measures=[MeasureIn("改别人的措施", cast.members["a1"], None, foreign.pk)]
        )
    assert "not one of this risk point's" in refused.value.message_dict["measures"][0]
    foreign.refresh_from_db()
    assert foreign.text == "严格执行资金支付审批制度"


def test_only_drafts_and_returned_points_change_and_only_by_those_allowed(cast, risk_round):
    point = point_make(cast)
    with pytest.raises(PermissionDenied):
        _update(point, version=point.version, actor=cast.secretary_b, title="越权")
    with pytest.raises(PermissionDenied):
        _update(point, version=point.version, actor=cast.member, title="不是本岗位")
    point = move(point, "propose")
    with pytest.raises(ValidationError) as refused:
        _update(point, version=point.version, actor=cast.secretary, title="已提交")
    assert "can be changed only while it is a draft or returned" in refused.value.messages[0]
    point = move(point, "return")
    assert _update(point, version=point.version, actor=cast.secretary, title="退回后修改").title == "退回后修改"


# --- posts -------------------------------------------------------------------------------------------------


def test_posts_are_added_renamed_and_taken_out_of_use(cast):
    post = services.post_create(organisation=cast.tree.branch_a, name=" 出纳 ", actor=cast.secretary)
    assert post.name == "出纳"
    with pytest.raises(ValidationError) as twice:
        services.post_create(organisation=cast.tree.branch_a, name="出纳", actor=cast.secretary)
    assert "has the post “出纳” already" in twice.value.message_dict["name"][0]
    with pytest.raises(PermissionDenied):
        services.post_create(organisation=cast.tree.branch_b, name="会计", actor=cast.secretary)
    post = services.post_update(post=post, name="会计", department=None, actor=cast.secretary)
    assert post.name == "会计"
    post = services.post_set_active(post=post, is_active=False, actor=cast.secretary)
    assert not post.is_active
    assert AuditEvent.objects.filter(action="risks.post_deactivate").exists()


def test_posts_sync_adds_one_post_per_unit_department_and_administrative_post(cast):
    from qinglian.orgs.services import department_create

    finance = department_create(organisation=cast.tree.root, name="财务处", actor=None)
    tree = cast.tree
    Member.objects.filter(pk=cast.members["a1"].pk).update(post="出纳", department=finance)
    member_create(organisation=tree.branch_a, name="赵敏", gender="F", actor=None, post="出纳", department=finance)
    member_create(organisation=tree.group_a, name="钱进", gender="M", actor=None, post="出纳")
    member_create(organisation=tree.branch_a, name="孙立", gender="M", actor=None, post="采购员")
    member_create(organisation=tree.branch_b, name="周强", gender="M", actor=None, post="出纳")
    member_create(organisation=tree.branch_a, name="吴迁", gender="M", actor=None, post="司机", status="转出")
    Post.objects.create(organisation=tree.branch_a, name="采购员")
    added = services.posts_sync(organisation=tree.branch_a, actor=cast.secretary)
    assert added == 2  # 出纳 of the finance office in branch_a, 出纳 in group_a; 采购员 existed; branch_b not asked
    assert set(Post.objects.values_list("organisation__name", "department__name", "name")) == {
        ("第一党支部", "财务处", "出纳"),
        ("第一党小组", None, "出纳"),
        ("第一党支部", None, "采购员"),
    }
    assert services.posts_sync(organisation=tree.branch_a, actor=cast.secretary) == 0
    with pytest.raises(PermissionDenied):
        services.posts_sync(organisation=tree.branch_b, actor=cast.secretary)


def test_holders_of_a_post_are_read_from_the_register(cast):
    post = holder_post(cast)
    assert list(post.holders()) == [cast.members["a1"]]
    assert list(services.posts_held(cast.members["a1"])) == [post]
    assert services.holds_post(cast.member, post) and not services.holds_post(cast.secretary, post)


# --- periodic reviews --------------------------------------------------------------------------------------


def test_a_review_sets_the_level_and_the_next_review_and_clears_the_flag(cast, risk_round):
    point = point_approved(cast)
    RiskPoint.objects.filter(pk=point.pk).update(needs_review=True, needs_review_reason="线索")
    review = follow_up.review_record(
        point=point, reviewed_on=day(-2), measures_effective=False, conclusion="措施执行不到位，风险上升",
        level_after=1, actor=cast.secretary,
    )  # fmt: skip
    point.refresh_from_db()
    assert (review.level_before, review.level_after, review.next_review_on) == (2, 1, add_months(day(-2), 6))
    assert (point.level, point.review_months, point.next_review_on) == (1, 6, add_months(day(-2), 6))
    assert not point.needs_review and point.needs_review_reason == ""
    assert point.events.filter(kind="review").exists()
    assert review.rectification_item is None


def test_a_review_that_finds_a_problem_opens_a_rectification_item(cast, risk_round):
    point = point_approved(cast)
    review = follow_up.review_record(
        point=point, reviewed_on=day(), measures_effective=False, conclusion="发现问题", level_after=2,
        actor=cast.secretary,
        problem={"problem": "支付凭证缺少复核签字", "measures": "补签并建立台账", "owner": cast.members["a1"],
                 "due_on": day(30)},
    )  # fmt: skip
    item = Item.objects.get()
    assert (item.source, item.source_kind, item.source_id) == ("risk_review", "risks.review", review.pk)
    assert (item.organisation, item.owner, item.problem) == (
        cast.tree.branch_a,
        cast.members["a1"],
        "支付凭证缺少复核签字",
    )
    assert review.rectification_item == item


def test_a_review_problem_without_owner_saves_nothing(cast, risk_round):
    point = point_approved(cast)
    with pytest.raises(ValidationError) as refused:
        follow_up.review_record(
            point=point, reviewed_on=day(), measures_effective=False, conclusion="发现问题", level_after=2,
            actor=cast.secretary, problem={"problem": "缺少签字", "owner": None, "due_on": day(30)},
        )  # fmt: skip
    assert "problem_owner" in refused.value.message_dict
    assert not RiskReview.objects.exists() and not Item.objects.exists()
    fresh = RiskPoint.objects.get(pk=point.pk)
    assert (fresh.version, fresh.next_review_on) == (point.version, point.next_review_on)


def test_reviews_are_for_approved_points_and_those_allowed(cast, risk_round):
    draft = point_make(cast)
    with pytest.raises(ValidationError):
        follow_up.review_record(point=draft, reviewed_on=day(), measures_effective=True, conclusion="好",
                               level_after=2, actor=cast.secretary)  # fmt: skip
    point = point_approved(cast)
    for refused in (cast.member, cast.secretary_b, cast.liaison):
        with pytest.raises(PermissionDenied):
            follow_up.review_record(point=point, reviewed_on=day(), measures_effective=True, conclusion="好",
                                   level_after=2, actor=refused)  # fmt: skip
    with pytest.raises(ValidationError) as future:
        follow_up.review_record(point=point, reviewed_on=day(3), measures_effective=True, conclusion="",
                               level_after=7, actor=cast.inspector)  # fmt: skip
    assert set(future.value.message_dict) == {"reviewed_on", "conclusion", "level_after"}
    assert follow_up.review_record(point=point, reviewed_on=day(), measures_effective=True, conclusion="有效",
                                  level_after=2, actor=cast.inspector).reviewer == cast.inspector  # fmt: skip


# --- incidents ---------------------------------------------------------------------------------------------


def test_an_incident_raises_the_point_for_review_and_tells_owners_and_reviewers(cast, risk_round):
    point = point_approved(cast)
    Notification.objects.all().delete()
    incident = follow_up.incident_link(
        point=point, kind="audit", description="审计发现两笔支付未经复核", occurred_on=day(-3), actor=cast.office
    )
    point.refresh_from_db()
    assert point.needs_review and point.needs_review_reason  # written in the site's language, for every reader
    assert point.events.filter(kind="incident", comment="审计发现两笔支付未经复核").exists()
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"member", "secretary"}  # a1 owns the measure; the branch's nearest reviewer
    assert incident.noted_by == cast.office and incident.record_kind == ""


def test_an_incident_links_a_record_the_actor_may_see_only(cast, risk_round):
    point = point_approved(cast)
    mine = meeting_make(cast.tree.branch_a, title="支部委员会会议")
    attend_all(mine)
    theirs = meeting_make(cast.tree.branch_b, title="第二支部的会议")
    attend_all(theirs)
    incident = follow_up.incident_link(
        point=point, kind="other", description="会上发现问题", occurred_on=day(), record_kind="orglife.meeting",
        record_id=mine.pk, actor=cast.secretary,
    )  # fmt: skip
    assert (incident.record_kind, incident.record_id) == ("orglife.meeting", mine.pk)
    before = RiskIncident.objects.count()
    with pytest.raises(ValidationError) as refused:
        follow_up.incident_link(
            point=point, kind="other", description="看不到的记录", occurred_on=day(), record_kind="orglife.meeting",
            record_id=theirs.pk, actor=cast.secretary,
        )  # fmt: skip
    assert refused.value.message_dict["record_id"] == ["No such record, or you may not see it."]
    with pytest.raises(ValidationError) as half:
        follow_up.incident_link(point=point, kind="clue", description="只给了种类", occurred_on=day(),
                               record_kind="orglife.meeting", actor=cast.secretary)  # fmt: skip
    assert "Give both the kind of record and the record" in half.value.message_dict["record_id"][0]
    with pytest.raises(ValidationError) as unknown:
        follow_up.incident_link(point=point, kind="clue", description="未知种类", occurred_on=day(),
                               record_kind="discipline.nothing", record_id=1, actor=cast.secretary)  # fmt: skip
    assert "Unknown kind of record" in unknown.value.message_dict["record_kind"][0]
    assert RiskIncident.objects.count() == before


def test_incidents_are_refused_on_drafts_and_to_those_without_the_role(cast, risk_round):
    draft = point_make(cast)
    with pytest.raises(ValidationError):
        follow_up.incident_link(point=draft, kind="clue", description="线索", occurred_on=day(), actor=cast.office)
    point = point_approved(cast)
    with pytest.raises(PermissionDenied):
        follow_up.incident_link(point=point, kind="clue", description="线索", occurred_on=day(), actor=cast.member)
    with pytest.raises(ValidationError) as bad:
        follow_up.incident_link(point=point, kind="gossip", description="", occurred_on=day(2), actor=cast.office)
    assert set(bad.value.message_dict) == {"kind", "description", "occurred_on"}
