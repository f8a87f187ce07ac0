"""Transfers for the demo agency: one letter in flight, one accepted last month, one arriving from outside."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from qinglian.core.lib import idcard
from qinglian.orgs.demo import LOGINS, ROOT_CODE
from qinglian.orgs.models import Member, Organisation, Transfer
from qinglian.orgs.services.transfers import transfer_request, transfer_transition
from qinglian.orgs.vocab import TransferKind, TransferScope, TransferStatus


def _first_member(org: Organisation) -> Member | None:
    """A member of the branch (or its groups) without a demo login, so the logins keep their registers."""
    logins = [login for login, *_rest in LOGINS]
    members = Member.objects.in_subtree(org).on_register().exclude(user__username__in=logins)
    return members.order_by("name_pinyin", "id").first()


@transaction.atomic
def load(*, members: int = 300) -> dict:
    """Add the demo transfers once, when the demo organisation exists and has none yet."""
    orgs = {o.code: o for o in Organisation.objects.filter(code__startswith=ROOT_CODE)}
    if ROOT_CODE not in orgs or Transfer.objects.exists():
        return {"transfers": 0}
    actor = get_user_model().objects.filter(username="office").first()
    today = timezone.localdate()
    budget, treasury = orgs.get(f"{ROOT_CODE}-BUDGET"), orgs.get(f"{ROOT_CODE}-TREASURY")
    office, tax, accounting = (
        orgs.get(f"{ROOT_CODE}-OFFICE"),
        orgs.get(f"{ROOT_CODE}-TAX"),
        orgs.get(f"{ROOT_CODE}-ACCOUNTING"),
    )
    letter = {"scope": TransferScope.COMMITTEE, "valid_days": 30, "reason": "工作调动"}
    made = 0
    moving = _first_member(tax) if tax and accounting else None
    if moving:
        done = transfer_request(
            kind=TransferKind.INTERNAL,
            member=moving,
            to_org=accounting,
            letter_no=f"{today.year}-0001",
            dues_paid_until=_month_end(today - timedelta(days=45)),
            actor=actor,
            **letter,
        )
        done = transfer_transition(transfer=done, to_status=TransferStatus.ACCEPTED, actor=actor, version=done.version)
        # Dated last month, as if it had happened then (demo data only).
        issued = today - timedelta(days=40)
        Transfer.objects.filter(pk=done.pk).update(requested_on=issued, decided_at=timezone.now() - timedelta(days=35))
        made += 1
    leaving = _first_member(budget) if budget and treasury else None
    if leaving:
        transfer_request(
            kind=TransferKind.INTERNAL,
            member=leaving,
            to_org=treasury,
            letter_no=f"{today.year}-0002",
            dues_paid_until=_month_end(today),
            actor=actor,
            **letter,
        )
        made += 1
    if office:
        transfer_request(
            kind=TransferKind.IN,
            incoming={
                "name": "欧阳晓东",
                "gender": "M",
                "id_number": idcard.make("320102", date(1990, 5, 17), 135),
                "category": Member.Category.FULL,
                "joined_on": "2014-06-30",
            },
            to_org=office,
            external_unit="中共江州市税务局机关委员会",
            letter_no=f"江税党转〔{today.year}〕12号",
            dues_paid_until=_month_end(today),
            actor=actor,
            **{**letter, "scope": TransferScope.SYSTEM, "reason": "调入本局工作"},
        )
        made += 1
    return {"transfers": made}


def _month_end(day: date) -> date:
    first_next = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first_next - timedelta(days=1)
