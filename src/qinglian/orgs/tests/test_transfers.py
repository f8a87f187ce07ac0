"""Membership transfers: the member is on exactly one register throughout, and only the right side decides."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from qinglian.core import crypto
from qinglian.core.lib import idcard
from qinglian.core.models import AuditEvent, Notification
from qinglian.orgs.models import Member, MemberStatusChange, Organisation, Transfer
from qinglian.orgs.services import transfer_request, transfer_transition
from qinglian.orgs.services.people import Conflict
from qinglian.orgs.transfer_hooks import transfer_reminders, transfer_todos
from qinglian.orgs.vocab import MemberStatus

ID_NUMBER = idcard.make("110105", date(1988, 3, 9), 217)


@pytest.fixture(autouse=True)
def _english():
    # The assertions read the English source strings, whatever the catalogue holds.
    with translation.override("en"):
        yield


def request_internal(cast, member, to_org, actor=None, **extra):
    letter = {"letter_no": "", "scope": "基层党委内部", "valid_days": 30, "dues_paid_until": None, "reason": ""}
    letter.update(extra)
    return transfer_request(kind="internal", member=member, to_org=to_org, actor=actor or cast.secretary, **letter)


def request_in(cast, to_org, actor, id_number=ID_NUMBER):
    return transfer_request(
        kind="in",
        incoming={
            "name": "欧阳明",
            "gender": "M",
            "id_number": id_number,
            "category": "full",
            "joined_on": "2012-07-01",
        },
        to_org=to_org,
        external_unit="中共某县委组织部",
        letter_no="县组转〔2026〕3号",
        scope="全国",
        valid_days=60,
        dues_paid_until=None,
        reason="",
        actor=actor,
    )


def decide(transfer, to_status, actor, reason=""):
    transfer.refresh_from_db()
    return transfer_transition(
        transfer=transfer, to_status=to_status, actor=actor, version=transfer.version, reason=reason
    )


def registers_of(member) -> list[int]:
    """Every organisation the person's row sits in: must always be exactly one."""
    return list(Member.objects.filter(pk=member.pk).values_list("organisation_id", flat=True))


@pytest.mark.parametrize(
    ("to_status", "decider", "reason", "ends_in"),
    [
        ("accepted", "secretary_b", "", "branch_b"),
        ("returned", "secretary_b", "名单有误", "group_a"),
        ("cancelled", "secretary", "", "group_a"),
    ],
)
def test_the_member_is_in_exactly_one_organisation_before_and_after(cast, to_status, decider, reason, ends_in):
    member = cast.members["a2"]  # on the register of a Party group of branch_a
    transfer = request_internal(cast, member, cast.tree.branch_b)
    assert transfer.from_org == cast.tree.branch_a  # the letter is the branch's, not the group's
    assert registers_of(member) == [cast.tree.group_a.pk]
    decided = decide(transfer, to_status, getattr(cast, decider), reason)
    assert decided.status == to_status
    assert registers_of(member) == [getattr(cast.tree, ends_in).pk]


def test_only_the_receiving_side_accepts(cast):
    transfer = request_internal(cast, cast.members["a1"], cast.tree.branch_b)
    for who in ("secretary", "organiser", "outsider", "member"):
        with pytest.raises(PermissionDenied):
            decide(transfer, "accepted", getattr(cast, who))
    assert registers_of(cast.members["a1"]) == [cast.tree.branch_a.pk]
    decide(transfer, "accepted", cast.office)  # the committee office above both branches may
    assert registers_of(cast.members["a1"]) == [cast.tree.branch_b.pk]


def test_only_the_sender_cancels(cast):
    transfer = request_internal(cast, cast.members["a1"], cast.tree.branch_b)
    with pytest.raises(PermissionDenied):
        decide(transfer, "cancelled", cast.secretary_b)
    assert decide(transfer, "cancelled", cast.secretary).status == "cancelled"


def test_a_sender_cannot_transfer_a_member_outside_their_scope(cast):
    with pytest.raises(PermissionDenied):
        request_internal(cast, cast.members["c1"], cast.tree.branch_b)
    assert not Transfer.objects.exists()


def test_a_dissolved_branch_is_refused_with_a_message(cast):
    Organisation.objects.filter(pk=cast.tree.branch_c.pk).update(is_active=False, dissolved_on=date(2025, 12, 31))
    cast.tree.branch_c.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        request_internal(cast, cast.members["a1"], cast.tree.branch_c)
    message = " ".join(exc.value.message_dict["to_org"])
    assert "直属党支部" in message and "dissolved" in message
    assert not Transfer.objects.exists()
    assert registers_of(cast.members["a1"]) == [cast.tree.branch_a.pk]


def test_a_branch_dissolved_while_the_letter_waits_cannot_accept(cast):
    transfer = request_internal(cast, cast.members["a1"], cast.tree.branch_c)
    Organisation.objects.filter(pk=cast.tree.branch_c.pk).update(is_active=False, dissolved_on=date(2025, 12, 31))
    with pytest.raises(ValidationError):
        decide(transfer, "accepted", cast.office)
    assert registers_of(cast.members["a1"]) == [cast.tree.branch_a.pk]


@pytest.mark.parametrize("target", ["gb", "group_a", "root"])
def test_only_a_branch_receives_members(cast, target):
    with pytest.raises(ValidationError) as exc:
        request_internal(cast, cast.members["b1"], getattr(cast.tree, target), actor=cast.office)
    assert "to_org" in exc.value.message_dict


def test_the_same_branch_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        request_internal(cast, cast.members["a2"], cast.tree.branch_a)
    assert "already on this branch" in exc.value.message_dict["to_org"][0]


def test_the_same_member_cannot_have_two_open_transfers(cast):
    request_internal(cast, cast.members["a1"], cast.tree.branch_b)
    with pytest.raises(ValidationError) as exc:
        request_internal(cast, cast.members["a1"], cast.tree.branch_c)
    assert "already has a transfer in progress" in exc.value.message_dict["member"][0]
    assert Transfer.objects.count() == 1


def test_a_member_not_on_the_register_cannot_be_transferred(cast):
    Member.objects.filter(pk=cast.members["a1"].pk).update(status=MemberStatus.DECEASED)
    with pytest.raises(ValidationError) as exc:
        request_internal(cast, cast.members["a1"], cast.tree.branch_b)
    assert "not on the register" in exc.value.message_dict["member"][0]


def test_a_stale_version_loses_when_two_people_decide_at_once(cast):
    transfer = request_internal(cast, cast.members["a1"], cast.tree.branch_b)
    read_by_b = Transfer.objects.get(pk=transfer.pk)  # two sessions read the same letter
    read_by_office = Transfer.objects.get(pk=transfer.pk)
    transfer_transition(transfer=read_by_b, to_status="accepted", actor=cast.secretary_b, version=read_by_b.version)
    with pytest.raises(Conflict) as exc:
        transfer_transition(
            transfer=read_by_office, to_status="returned", actor=cast.office, version=read_by_office.version, reason="x"
        )
    assert "Reload" in exc.value.message
    assert Transfer.objects.get(pk=transfer.pk).status == "accepted"
    assert registers_of(cast.members["a1"]) == [cast.tree.branch_b.pk]


def test_a_decided_transfer_does_not_move_again(cast):
    transfer = decide(request_internal(cast, cast.members["a1"], cast.tree.branch_b), "accepted", cast.secretary_b)
    with pytest.raises(ValidationError):
        decide(transfer, "returned", cast.secretary_b, "again")


def test_returning_needs_a_reason(cast):
    transfer = request_internal(cast, cast.members["a1"], cast.tree.branch_b)
    with pytest.raises(ValidationError) as exc:
        decide(transfer, "returned", cast.secretary_b, "  ")
    assert "reason" in exc.value.message_dict
    assert decide(transfer, "returned", cast.secretary_b, "不是本支部人员").return_reason == "不是本支部人员"


def test_an_expired_letter_cannot_be_accepted(cast):
    transfer = request_internal(cast, cast.members["a1"], cast.tree.branch_b, valid_days=30)
    Transfer.objects.filter(pk=transfer.pk).update(requested_on=timezone.localdate() - timedelta(days=31))
    with pytest.raises(ValidationError) as exc:
        decide(transfer, "accepted", cast.secretary_b)
    assert "expired" in exc.value.messages[0]
    assert registers_of(cast.members["a1"]) == [cast.tree.branch_a.pk]
    assert decide(transfer, "returned", cast.secretary_b, "介绍信已过期").status == "returned"


def test_a_transfer_out_marks_the_member_transferred_out_with_history(cast):
    transfer = transfer_request(
        kind="out",
        member=cast.members["a1"],
        external_unit="中共某省财政厅机关委员会",
        letter_no="",
        scope="全国",
        valid_days=30,
        dues_paid_until=date(2026, 6, 30),
        reason="调出",
        actor=cast.secretary,
    )
    assert transfer.letter_no  # numbered automatically
    with pytest.raises(PermissionDenied):
        decide(transfer, "accepted", cast.secretary_b)
    decide(transfer, "accepted", cast.secretary)  # the sender confirms a letter leaving the system
    member = Member.objects.get(pk=cast.members["a1"].pk)
    assert member.status == MemberStatus.TRANSFERRED_OUT
    assert member.status_since == timezone.localdate()
    change = MemberStatusChange.objects.get(member=member)
    assert (change.status, change.effective_on) == (MemberStatus.TRANSFERRED_OUT, timezone.localdate())
    assert "中共某省财政厅机关委员会" in change.reason
    assert registers_of(member) == [cast.tree.branch_a.pk]


def test_a_transfer_out_needs_the_unit(cast):
    with pytest.raises(ValidationError) as exc:
        transfer_request(
            kind="out",
            member=cast.members["a1"],
            letter_no="",
            scope="全国",
            valid_days=30,
            dues_paid_until=None,
            reason="",
            actor=cast.secretary,
        )
    assert "external_unit" in exc.value.message_dict


def test_a_transfer_in_creates_the_member_with_the_id_number_encrypted(cast):
    transfer = request_in(cast, cast.tree.branch_b, cast.secretary_b)
    assert ID_NUMBER not in str(transfer.incoming)  # the letter keeps the number encrypted too
    assert not Member.objects.filter(name="欧阳明").exists()
    accepted = decide(transfer, "accepted", cast.secretary_b)
    member = Member.objects.get(name="欧阳明")
    assert accepted.member == member
    assert registers_of(member) == [cast.tree.branch_b.pk]
    assert member.id_number_cipher and ID_NUMBER not in member.id_number_cipher
    assert crypto.decrypt(member.id_number_cipher) == ID_NUMBER
    assert member.id_number_masked == idcard.mask(ID_NUMBER)
    assert member.birth_date == date(1988, 3, 9)


def test_a_transfer_in_refuses_a_bad_id_number_and_saves_nothing(cast):
    bad = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        request_in(cast, cast.tree.branch_b, cast.secretary_b, id_number=bad)
    assert "mistyped digit" in exc.value.message_dict["id_number"][0]
    assert not Transfer.objects.exists()


def test_a_transfer_in_goes_only_to_a_branch_in_the_actors_scope(cast):
    with pytest.raises(PermissionDenied):
        request_in(cast, cast.tree.branch_c, cast.secretary_b)


def test_every_step_is_audited(cast):
    transfer = request_internal(cast, cast.members["a1"], cast.tree.branch_b)
    decide(transfer, "accepted", cast.secretary_b)
    actions = list(
        AuditEvent.objects.filter(object_id=str(transfer.pk)).order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["transfer.request", "transfer.accepted"]


def test_the_receiving_side_gets_the_to_do_and_the_notice(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        transfer = request_internal(cast, cast.members["a1"], cast.tree.branch_b)
    assert [t.url for t in transfer_todos(cast.secretary_b)] == [f"/orgs/transfers/{transfer.pk}/"]
    assert transfer_todos(cast.secretary) == []
    assert Notification.objects.filter(user=cast.secretary_b, dedupe_key__endswith=":arrived").count() == 1
    assert not Notification.objects.filter(user=cast.secretary).exists()
    with django_capture_on_commit_callbacks(execute=True):
        decide(transfer, "returned", cast.secretary_b, "不接收")
    assert Notification.objects.filter(user=cast.secretary, dedupe_key__endswith=":returned").count() == 1
    transfer_reminders(timezone.localdate())  # the daily run repeats nothing already sent
    assert Notification.objects.filter(user=cast.secretary).count() == 1


def test_letters_about_to_run_out_are_warned_once(cast):
    transfer = request_internal(cast, cast.members["a1"], cast.tree.branch_b, valid_days=30)
    Transfer.objects.filter(pk=transfer.pk).update(requested_on=timezone.localdate() - timedelta(days=28))
    transfer_reminders(timezone.localdate())
    transfer_reminders(timezone.localdate())
    warned = Notification.objects.filter(dedupe_key=f"transfer:{transfer.pk}:expiring")
    assert {n.user.username for n in warned} >= {"secretary", "secretary_b"}
    assert warned.filter(user=cast.secretary_b).count() == 1
