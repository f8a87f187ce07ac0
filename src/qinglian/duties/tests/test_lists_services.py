"""Duty lists: making a unit's list for a year (empty, from the model list, from the template above, from last
year), its duties, publishing, the differences from the list it was copied from, who holds each duty now, and
the duties that fall to one member."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.duties.models import Duty, DutyList
from qinglian.duties.services import lists as services
from qinglian.duties.services.lists import Source
from qinglian.duties.tests.factories import lists_duty, lists_list, lists_post
from qinglian.orgs.services import Conflict

pytestmark = pytest.mark.usefixtures("in_english")

YEAR = timezone.localdate().year


def messages(exc) -> str:
    return " ".join(exc.value.messages)


@pytest.fixture
def template(cast):
    """The root committee's published template for this year, from the model list shipped with the system."""
    duty_list = services.list_create(
        org=cast.tree.root, year=YEAR, source=Source.DEFAULT, is_template=True, actor=cast.office
    )
    return services.list_publish(duty_list=duty_list, version=duty_list.version, actor=cast.office)


def test_the_shipped_model_list_splits_the_duties_by_holder_with_their_basis():
    data = services.shipped_template()
    duties = data["duties"]
    assert 20 <= len(duties) <= 30
    by_holder = {}
    for row in duties:
        by_holder.setdefault(row["holder"], []).append(row)
        assert row["content"] and row["basis"] and row["evidence"], row["content"]
    assert set(by_holder) == {"committee", "secretary", "member", "discipline"}
    assert all("第九条" in row["basis"] for row in by_holder["secretary"] if "主体责任规定" in row["basis"])
    assert any("第八条" in row["basis"] for row in by_holder["committee"])
    assert any("第十条" in row["basis"] for row in by_holder["member"])
    assert any("第十一条" in row["basis"] for row in by_holder["discipline"])
    assert any("第四十六条" in row["basis"] for row in by_holder["discipline"])
    assert {row.get("post") for row in by_holder["member"]} >= {"组织委员", "宣传委员"}


def test_a_list_from_the_model_list_copies_every_duty_and_is_audited(cast, template):
    assert template.duties.count() == len(services.shipped_template()["duties"])
    assert template.title == f"机关党委 duty list {YEAR}"
    assert template.based_on is None
    event = AuditEvent.objects.filter(action="duties.list_create").get()
    assert event.changes["source"] == "default" and event.changes["duties"] == template.duties.count()


def test_a_branch_inherits_the_template_of_the_nearest_unit_above(cast, template):
    gb_template = lists_list(cast.tree.gb, status="published", is_template=True, title="总支模板")
    lists_duty(gb_template, holder="secretary", content="总支书记的职责")
    duty_list = services.list_create(org=cast.tree.branch_b, year=YEAR, source=Source.TEMPLATE, actor=cast.secretary_b)
    assert duty_list.based_on == gb_template  # the general branch is nearer than the root committee
    (copy,) = duty_list.duties.all()
    assert copy.content == "总支书记的职责" and copy.template_duty.duty_list == gb_template
    # branch_c sits right under the root committee: it inherits the root's template.
    c_list = services.list_create(org=cast.tree.branch_c, year=YEAR, source=Source.TEMPLATE, actor=cast.office)
    assert c_list.based_on == template and c_list.duties.count() == template.duties.count()


def test_a_draft_template_or_a_plain_list_above_is_not_inherited(cast):
    lists_list(cast.tree.gb, status="draft", is_template=True)
    lists_list(cast.tree.root, status="published", is_template=False)
    with pytest.raises(ValidationError) as exc:
        services.list_create(org=cast.tree.branch_b, year=YEAR, source=Source.TEMPLATE, actor=cast.secretary_b)
    assert f"No unit above has published a template list for {YEAR}" in messages(exc)
    assert not DutyList.objects.filter(organisation=cast.tree.branch_b).exists()


def test_last_years_list_is_copied_with_its_people_and_links(cast):
    b1 = cast.members["b1"]
    last = lists_list(cast.tree.branch_b, year=YEAR - 1, status="published")
    lists_duty(last, holder="member", post="组织委员", person=b1, content="发展党员")
    duty_list = services.list_create(org=cast.tree.branch_b, year=YEAR, source=Source.LAST_YEAR, actor=cast.secretary_b)
    (copy,) = duty_list.duties.all()
    assert (copy.person, copy.post, copy.template_duty.duty_list) == (b1, "组织委员", last)
    assert duty_list.based_on == last and duty_list.status == "draft"
    following = services.list_copy_year(duty_list=duty_list, actor=cast.secretary_b)
    assert following.year == YEAR + 1 and following.based_on == duty_list and following.duties.count() == 1


def test_refusals_leave_nothing_behind(cast, template):
    branch_b = cast.tree.branch_b
    with pytest.raises(PermissionDenied):  # branch_a's secretary manages only branch_a's subtree
        services.list_create(org=branch_b, year=YEAR, actor=cast.secretary)
    with pytest.raises(ValidationError) as exc:
        services.list_create(org=branch_b, year=YEAR + 5, actor=cast.secretary_b)
    assert f"for the years {YEAR - 5} to {YEAR + 1}" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.list_create(org=branch_b, year="二〇二六", actor=cast.secretary_b)
    assert "Give the year as a number" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.list_create(org=branch_b, year=YEAR, source="copy", actor=cast.secretary_b)
    assert "Choose where the duties come from" in messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.list_create(org=branch_b, year=YEAR, source=Source.LAST_YEAR, actor=cast.secretary_b)
    assert f"第二党支部 has no duty list for {YEAR - 1}" in messages(exc)
    assert not DutyList.objects.filter(organisation=branch_b).exists()
    services.list_create(org=branch_b, year=YEAR, actor=cast.secretary_b)
    with pytest.raises(ValidationError) as exc:
        services.list_create(org=branch_b, year=YEAR, source=Source.TEMPLATE, actor=cast.secretary_b)
    assert f"第二党支部 already has a duty list for {YEAR}" in messages(exc)
    assert DutyList.objects.filter(organisation=branch_b).count() == 1
    assert not Duty.objects.filter(duty_list__organisation=branch_b).exists()


@pytest.fixture
def draft(cast):
    return services.list_create(org=cast.tree.branch_b, year=YEAR, actor=cast.secretary_b)


def test_duties_are_checked_before_they_are_saved(cast, draft):
    add = dict(duty_list=draft, version=None, actor=cast.secretary_b)
    cases = [
        ({"holder": "boss", "content": "x"}, "Choose whose duty it is"),
        ({"holder": "committee", "content": "  "}, "Say what the duty is"),
        ({"holder": "committee", "content": "x" * 2001}, "within 2000 characters"),
        ({"holder": "committee", "content": "x", "frequency": "daily"}, "Choose how often"),
        ({"holder": "secretary", "content": "x", "post": "组织委员"}, "Only a committee member's duty names"),
        ({"holder": "member", "content": "x", "post": "书记"}, "listed as the secretary's"),
        ({"holder": "member", "content": "x", "post": "主任"}, "Unknown committee post"),
        ({"holder": "committee", "content": "x", "person": cast.members["b1"]}, "collective and name no one"),
        ({"holder": "member", "content": "x", "person": cast.members["a1"]}, "张伟 is not a member of 第二党支部"),
    ]
    for fields, message in cases:
        with pytest.raises(ValidationError) as exc:
            services.duty_add(**add, **fields)
        assert message in messages(exc), fields
    assert not draft.duties.exists()
    draft.refresh_from_db()
    assert draft.version == 1


def test_adding_changing_moving_and_removing_duties(cast, draft):
    b1 = cast.members["b1"]
    first = services.duty_add(duty_list=draft, version=1, holder="member", content="联系第一党小组", actor=None)
    second = services.duty_add(
        duty_list=draft, version=2, holder="member", post="组织委员", person=b1, content="发展党员", actor=None
    )
    services.duty_add(duty_list=draft, version=3, holder="committee", content="专题研究", actor=None)
    assert [d.content for d in draft.duties.all()] == ["联系第一党小组", "发展党员", "专题研究"]
    with pytest.raises(Conflict):
        services.duty_update(duty=first, version=3, content="改", actor=cast.secretary_b)
    services.duty_update(duty=first, version=4, area="联系点", actor=cast.secretary_b)
    first.refresh_from_db()
    assert (first.area, first.content, first.holder) == ("联系点", "联系第一党小组", "member")
    moved = services.duty_move(duty=second, direction="up", actor=cast.secretary_b)
    assert moved.pk == second.pk
    members = list(draft.duties.filter(holder="member").values_list("content", flat=True))
    assert members == ["发展党员", "联系第一党小组"]
    services.duty_move(duty=second, direction="up", actor=cast.secretary_b)  # already first: nothing moves
    draft.refresh_from_db()
    assert draft.version == 5  # moving leaves the version alone
    services.duty_remove(duty=second, version=5, actor=cast.secretary_b)
    assert draft.duties.count() == 2
    with pytest.raises(ValidationError):
        services.duty_move(duty=first, direction="sideways", actor=cast.secretary_b)


def test_publishing_needs_a_duty_and_later_changes_say_so_in_the_audit_trail(cast, draft):
    with pytest.raises(ValidationError) as exc:
        services.list_publish(duty_list=draft, version=1, actor=cast.secretary_b)
    assert "Add at least one duty before publishing" in messages(exc)
    duty = services.duty_add(duty_list=draft, version=1, holder="secretary", content="讲廉政党课", actor=None)
    with pytest.raises(Conflict):
        services.list_publish(duty_list=draft, version=1, actor=cast.secretary_b)
    published = services.list_publish(duty_list=draft, version=2, actor=cast.secretary_b)
    assert published.status == "published" and published.published_at is not None
    with pytest.raises(ValidationError):
        services.list_publish(duty_list=published, version=published.version, actor=cast.secretary_b)
    services.duty_update(duty=duty, version=published.version, frequency="half_year", actor=cast.secretary_b)
    event = AuditEvent.objects.filter(action="duties.duty_update").get()
    assert event.changes == {"duty": duty.pk, "frequency": "half_year", "after_publication": True}
    with pytest.raises(ValidationError) as exc:
        services.list_delete(duty_list=published, version=None, actor=cast.secretary_b)
    assert "A published duty list cannot be deleted" in messages(exc)


def test_the_list_is_renamed_and_a_draft_deleted_unless_copied(cast, draft):
    with pytest.raises(ValidationError):
        services.list_update(duty_list=draft, version=1, title=" ", is_template=False, actor=cast.secretary_b)
    services.list_update(duty_list=draft, version=1, title="第二支部清单", is_template=True, actor=cast.secretary_b)
    draft.refresh_from_db()
    assert (draft.title, draft.is_template, draft.version) == ("第二支部清单", True, 2)
    following = services.list_copy_year(duty_list=draft, actor=cast.secretary_b)
    with pytest.raises(ValidationError) as exc:
        services.list_delete(duty_list=draft, version=2, actor=cast.secretary_b)
    assert "Another duty list was copied from this one" in messages(exc)
    services.list_delete(duty_list=following, version=1, actor=cast.secretary_b)
    assert not DutyList.objects.filter(pk=following.pk).exists()
    with pytest.raises(PermissionDenied):
        services.list_delete(duty_list=draft, version=2, actor=cast.secretary)


def test_the_list_marks_what_differs_from_the_template(cast, template):
    duty_list = services.list_create(org=cast.tree.branch_b, year=YEAR, source=Source.TEMPLATE, actor=cast.secretary_b)
    duties = list(duty_list.duties.all())
    changed, named, dropped = duties[0], duties[15], duties[-1]
    services.duty_update(duty=changed, version=None, content="结合支部实际改写", actor=None)
    services.duty_update(duty=named, version=None, person=cast.members["b1"], actor=None)  # filled in, not changed
    services.duty_remove(duty=dropped, version=None, actor=None)
    added = services.duty_add(duty_list=duty_list, version=None, holder="discipline", content="新增职责", actor=None)
    groups, counts = services.list_groups(duty_list)
    assert counts == {"added": 1, "changed": 1, "removed": 1}
    marks = {duty.pk: duty.mark for group in groups for duty in group.duties}
    assert marks[changed.pk] == "changed" and marks[added.pk] == "added" and marks[named.pk] is None
    discipline = next(g for g in groups if g.holder == "discipline")
    assert [d.content for d in discipline.removed] == [dropped.content]
    assert [g.holder for g in groups] == ["committee", "secretary", "member", "discipline"]


def test_each_duty_shows_who_holds_it_now(cast):
    branch_b, b1 = cast.tree.branch_b, cast.members["b1"]
    from qinglian.orgs.services import member_create

    b2 = member_create(organisation=branch_b, name="赵敏", gender="F", actor=None)
    b3 = member_create(organisation=branch_b, name="孙亮", gender="M", actor=None)
    lists_post(branch_b, b1, "书记")
    lists_post(branch_b, b2, "组织委员")
    lists_post(branch_b, b3, "纪检委员")
    duty_list = lists_list(branch_b)
    secretary = lists_duty(duty_list, holder="secretary")
    organiser = lists_duty(duty_list, holder="member", post="组织委员")
    everyone = lists_duty(duty_list, holder="member")
    discipline = lists_duty(duty_list, holder="discipline")
    propaganda = lists_duty(duty_list, holder="member", post="宣传委员")
    named = lists_duty(duty_list, holder="member", post="宣传委员", person=b2)
    groups, _counts = services.list_groups(duty_list)
    held = {duty.pk: [m.name for m in duty.holders_now] for group in groups for duty in group.duties}
    assert held[secretary.pk] == ["王芳"] and held[organiser.pk] == ["赵敏"] and held[discipline.pk] == ["孙亮"]
    assert sorted(held[everyone.pk]) == ["孙亮", "赵敏"]  # every committee member but the secretary
    assert held[propaganda.pk] == [] and held[named.pk] == ["赵敏"]


def test_a_member_finds_the_duties_of_their_posts_on_published_lists(cast):
    branch_b, gb, b1 = cast.tree.branch_b, cast.tree.gb, cast.members["b1"]
    lists_post(branch_b, b1, "书记")
    lists_post(gb, b1, "宣传委员")
    b_list = lists_list(branch_b, status="published")
    collective = lists_duty(b_list, holder="committee", content="支部集体责任")
    secretary = lists_duty(b_list, holder="secretary", content="书记责任")
    lists_duty(b_list, holder="member", content="委员一岗双责")  # not for the secretary
    lists_duty(b_list, holder="discipline", content="纪检委员责任")
    gb_list = lists_list(gb, status="published")
    propaganda = lists_duty(gb_list, holder="member", post="宣传委员", content="总支宣传工作")
    every_member = lists_duty(gb_list, holder="member", content="总支委员一岗双责")
    lists_duty(gb_list, holder="member", post="组织委员", content="总支组织工作")
    c_list = lists_list(cast.tree.branch_c, status="published")
    named = lists_duty(c_list, holder="member", person=b1, content="指名的职责")
    lists_duty(lists_list(branch_b, year=YEAR - 1, status="published"), holder="secretary", content="去年的")
    lists_duty(lists_list(cast.tree.root), holder="member", person=b1, content="草稿里的")
    mine = services.member_duties(b1)
    # By unit down the tree (the general branch, branch_b, then branch_c), and by holder within a unit.
    assert [(row.duty.pk, row.why) for row in mine] == [
        (propaganda.pk, "post"),
        (every_member.pk, "post"),
        (collective.pk, "committee"),
        (secretary.pk, "post"),
        (named.pk, "person"),
    ]
    assert mine[0].post_label == "Propaganda commissioner"
    assert [row.duty.content for row in services.member_duties(b1, YEAR - 1)] == ["去年的"]
    assert services.member_duties(cast.members["a1"]) == []


def test_who_reads_a_list(cast):
    gb, a1 = cast.tree.gb, cast.members["a1"]
    gb_list = lists_list(gb, status="published")
    draft = lists_list(cast.tree.root, is_template=True)
    template = lists_list(cast.tree.root, year=YEAR - 1, status="published", is_template=True)
    assert services.may_read(cast.office, gb_list) and services.may_read(cast.auditor, draft)
    assert not services.may_read(cast.member, gb_list) and not services.may_read(cast.secretary_b, gb_list)
    # The people of the units below read a published template above them, not a draft one.
    assert services.may_read(cast.member, template) and services.may_read(cast.secretary_b, template)
    assert not services.may_read(cast.secretary_b, draft) and not services.may_read(cast.outsider, template)
    # A member with a seat on the general branch's committee reads its published list.
    lists_post(gb, a1, "宣传委员")
    assert services.may_read(cast.member, gb_list)
