"""A risk point's workflow: propose, review, consult, approve, return, withdraw -- each with who may make it,
its refusals, its event, audit and notifications, the version check, and the actions offered to each person."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qinglian.core.lib.dates import add_months
from qinglian.core.models import AuditEvent, Notification
from qinglian.orgs.models import Member
from qinglian.orgs.services import Conflict
from qinglian.risks.models import RiskPoint
from qinglian.risks.services.workflow import ALLOWED, point_actions, point_transition
from qinglian.risks.tests.factories_register import day, holder_post, move, point_make, round_make
from qinglian.risks.vocab import RoundStatus

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def risk_round(cast):
    return round_make(cast.tree.root)


def _go(point, action, actor, **kwargs):
    return point_transition(point=point, action=action, actor=actor, version=point.version, **kwargs)


def test_the_whole_way_from_draft_to_the_register(cast, risk_round):
    post = holder_post(cast)
    point = point_make(cast, post=post, actor=cast.member)
    Notification.objects.all().delete()
    point = _go(point, "propose", cast.member)
    assert point.status == "proposed" and point.proposed_at is not None
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"secretary"}
    point = _go(point, "review", cast.secretary, comment="同意")
    assert (point.status, point.reviewed_by) == ("reviewed", cast.secretary)
    point = _go(point, "consult", cast.inspector, opinion="同意列入，建议加强监督")
    assert (point.status, point.discipline_opinion, point.consulted_by) == (
        "reviewed",
        "同意列入，建议加强监督",
        cast.inspector,
    )
    Notification.objects.all().delete()
    point = _go(point, "approve", cast.office)
    assert (point.status, point.approved_by) == ("approved", cast.office)
    assert point.next_review_on == add_months(day(), 12)  # level 2: every 12 months
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["member"]
    kinds = list(point.events.values_list("kind", flat=True))
    assert kinds == ["created", "proposed", "reviewed", "consulted", "approved"]
    actions = set(AuditEvent.objects.filter(action__startswith="risks.point_").values_list("action", flat=True))
    assert {"risks.point_propose", "risks.point_review", "risks.point_consult", "risks.point_approve"} <= actions


def test_a_level_1_point_is_reviewed_every_six_months(cast, risk_round):
    point = move(point_make(cast, criteria=["power", "discretion", "openness"]), "propose", "review", "consult")
    point = _go(point, "approve", cast.office)
    assert point.next_review_on == add_months(day(), 6)


def test_approval_is_refused_without_discipline_inspections_opinion(cast, risk_round):
    point = move(point_make(cast), "propose", "review")
    assert "approve" not in point_actions(cast.office, point)
    with pytest.raises(ValidationError) as refused:
        _go(point, "approve", cast.office)
    assert "has not given its opinion" in refused.value.messages[0]
    assert RiskPoint.objects.get(pk=point.pk).status == "reviewed"


def test_an_opinion_must_be_written(cast, risk_round):
    point = move(point_make(cast), "propose")
    with pytest.raises(ValidationError) as refused:
        _go(point, "consult", cast.inspector, opinion="  ")
    assert "opinion" in refused.value.message_dict


def test_return_needs_a_reason_and_clears_the_review_and_opinion(cast, risk_round):
    point = move(point_make(cast, actor=cast.secretary), "propose", "review", "consult")
    with pytest.raises(ValidationError) as refused:
        _go(point, "return", cast.office, comment="")
    assert refused.value.message_dict["comment"] == ["Say why the risk point is returned."]
    Notification.objects.all().delete()
    point = _go(point, "return", cast.office, comment="措施不具体")
    assert (point.status, point.return_reason, point.reviewed_by, point.discipline_opinion) == (
        "returned",
        "措施不具体",
        None,
        "",
    )
    assert list(Notification.objects.values_list("user__username", "body")) == [("secretary", "措施不具体")]
    point = _go(point, "propose", cast.secretary)
    assert point.status == "proposed" and point.return_reason == ""


def test_withdraw_a_point_still_being_worked_on(cast, risk_round):
    point = _go(point_make(cast, actor=cast.secretary), "withdraw", cast.secretary, comment="与另一风险点重复")
    assert point.status == "withdrawn"
    with pytest.raises(ValidationError) as refused:
        _go(point, "propose", cast.secretary)
    assert "Only a draft or a returned risk point can be proposed" in refused.value.messages[0]
    approved = move(point_make(cast), "propose", "review", "consult", "approve")
    with pytest.raises(ValidationError):
        _go(approved, "withdraw", cast.office)


@pytest.mark.parametrize(
    ("status_moves", "action", "message"),
    [
        ((), "review", "Only a proposed risk point can be reviewed"),
        ((), "approve", "Only a risk point reviewed by the branch can be approved"),
        ((), "return", "Only a proposed or reviewed risk point can be returned"),
        ((), "consult", "while the point is proposed or reviewed"),
        (("propose",), "propose", "Only a draft or a returned risk point can be proposed"),
        (("propose",), "approve", "Only a risk point reviewed by the branch can be approved"),
    ],
)
def test_moves_from_the_wrong_status_are_refused(cast, risk_round, status_moves, action, message):
    point = move(point_make(cast), *status_moves)
    with pytest.raises(ValidationError) as refused:
        point_transition(point=point, action=action, actor=None, version=point.version, comment="理由", opinion="意见")
    assert message in refused.value.messages[0]


@pytest.mark.parametrize(
    ("moves", "action", "refused"),
    [
        ((), "propose", ("outsider", "liaison", "secretary_b", "inspector")),
        (("propose",), "review", ("member", "liaison", "inspector", "secretary_b", "office")),
        (("propose",), "consult", ("secretary", "office", "discipline", "liaison")),
        (("propose", "review", "consult"), "approve", ("secretary", "inspector", "liaison", "secretary_b")),
        (("propose",), "return", ("member", "inspector", "liaison", "secretary_b")),
        ((), "withdraw", ("outsider", "inspector", "secretary_b")),
    ],
)
def test_each_move_is_refused_to_those_without_the_place(cast, risk_round, moves, action, refused):
    point = move(point_make(cast), *moves)
    for name in refused:
        user = cast.users.get(name) or cast.outsider
        with pytest.raises(PermissionDenied):
            _go(point, action, user, comment="理由", opinion="意见")
        assert action not in point_actions(user, point)
    assert RiskPoint.objects.get(pk=point.pk).version == point.version


def test_a_stale_version_loses(cast, risk_round):
    point = move(point_make(cast), "propose")
    stale = point.version
    _go(point, "review", cast.secretary)
    with pytest.raises(Conflict):
        point_transition(point=point, action="return", actor=cast.office, version=stale, comment="晚了一步")
    assert RiskPoint.objects.get(pk=point.pk).status == "reviewed"


def test_a_point_whose_measure_owner_left_cannot_go_forward(cast, risk_round):
    point = point_make(cast)
    Member.objects.filter(pk=cast.members["a1"].pk).update(status="转出")
    with pytest.raises(ValidationError) as refused:
        _go(point, "propose", None)
    assert "Measure 1 has no owner on the unit's register" in refused.value.messages[0]


def test_nothing_moves_in_a_closed_round(cast, risk_round):
    point = point_make(cast)
    type(risk_round).objects.filter(pk=risk_round.pk).update(status=RoundStatus.CLOSED, closed_on=day())
    point.refresh_from_db()
    assert point_actions(cast.secretary, point) == []
    with pytest.raises(ValidationError) as refused:
        _go(point, "propose", cast.secretary)
    assert "is closed" in refused.value.messages[0]


def test_the_actions_offered_to_each_person(cast, risk_round):
    post = holder_post(cast)
    point = point_make(cast, post=post, actor=cast.member)
    assert point_actions(cast.member, point) == ["propose", "withdraw"]
    assert point_actions(cast.secretary, point) == ["propose", "withdraw"]
    assert point_actions(cast.liaison, point) == []
    point = move(point, "propose")
    assert point_actions(cast.secretary, point) == ["review", "return", "withdraw"]
    assert point_actions(cast.inspector, point) == ["consult"]
    assert point_actions(cast.member, point) == ["withdraw"]
    point = move(point, "review")
    assert point_actions(cast.office, point) == ["return", "withdraw"]  # approval waits for the opinion
    point = move(point, "consult")
    assert point_actions(cast.office, point) == ["approve", "return", "withdraw"]
    assert set(ALLOWED) == {"propose", "review", "consult", "approve", "return", "withdraw"}


def test_an_unknown_action_is_refused(cast, risk_round):
    point = point_make(cast)
    with pytest.raises(ValidationError):
        _go(point, "delete", cast.office)
