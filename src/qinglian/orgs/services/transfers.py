"""Membership transfers (组织关系转接): issuing a letter, and accepting, returning or cancelling it.

Within the system the member stays on the sending branch's register until the receiving branch
accepts; the acceptance moves the member row in the same transaction, so the member is never in
two branches and never in none. A transfer out of the system, once confirmed by the sending side,
marks the member 转出 with a dated status change; a transfer into the system, once accepted,
puts the person on the receiving register.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core import crypto
from qinglian.core.audit import audit_record
from qinglian.core.lib import idcard
from qinglian.core.notify import notification_send
from qinglian.orgs import access
from qinglian.orgs.access import can
from qinglian.orgs.models import Member, MemberStatusChange, Organisation, Transfer
from qinglian.orgs.services.people import Conflict, id_number_error, member_create
from qinglian.orgs.vocab import ON_REGISTER, MemberStatus, TransferKind, TransferScope, TransferStatus

PERMISSION = "member.transfer"

# The workflow: only a pending transfer moves, and only to one of these.
ALLOWED: dict[str, set[str]] = {
    TransferStatus.PENDING: {TransferStatus.ACCEPTED, TransferStatus.RETURNED, TransferStatus.CANCELLED},
}

MAX_VALID_DAYS = 180


def branch_of(org: Organisation) -> Organisation:
    """The branch that holds a member's relationship: a Party group's branch, or the unit itself."""
    return org.parent if org.kind == Organisation.Kind.GROUP and org.parent_id else org


def sending_org(transfer: Transfer) -> Organisation | None:
    """Who issued the letter: the member's branch, or (into the system) the branch registering it."""
    return transfer.to_org if transfer.kind == TransferKind.IN else transfer.from_org


def deciding_org(transfer: Transfer) -> Organisation | None:
    """Who accepts or returns: the receiving branch; for a transfer out, the sending side confirms."""
    return transfer.from_org if transfer.kind == TransferKind.OUT else transfer.to_org


def target_branches():
    """Every active branch in the system: a letter may go to any of them, inside the sender's scope or not."""
    return Organisation.objects.active().branches().order_by("path")


def may_decide(user, transfer: Transfer) -> bool:
    org = deciding_org(transfer)
    return org is not None and can(user, PERMISSION, org)


def may_cancel(user, transfer: Transfer) -> bool:
    org = sending_org(transfer)
    return org is not None and can(user, PERMISSION, org)


def is_expired(transfer: Transfer, today: date | None = None) -> bool:
    return (today or timezone.localdate()) > transfer.expires_on


def _check_target(to_org: Organisation | None) -> Organisation:
    if to_org is None:
        raise ValidationError({"to_org": _("Choose the receiving Party branch.")})
    if not to_org.is_active:
        raise ValidationError(
            {
                "to_org": _(
                    "“{name}” was dissolved on {day} and cannot receive members; choose an active branch."
                ).format(name=to_org.name, day=to_org.dissolved_on)
            }
        )
    if not to_org.is_branch:
        raise ValidationError(
            {
                "to_org": _("“{name}” is a {kind}; members are received by a Party branch.").format(
                    name=to_org.name, kind=to_org.get_kind_display()
                )
            }
        )
    return to_org


def _check_member(member: Member | None, actor) -> Member:
    if member is None:
        raise ValidationError({"member": _("Choose the member to transfer.")})
    member = Member.objects.select_for_update(of=("self",)).select_related("organisation__parent").get(pk=member.pk)
    if not can(actor, PERMISSION, member):
        raise PermissionDenied
    if member.status not in ON_REGISTER:
        raise ValidationError(
            {
                "member": _("{name} is not on the register (status: {status}) and cannot be transferred.").format(
                    name=member.name, status=member.get_status_display()
                )
            }
        )
    if Transfer.objects.pending().filter(member=member).exists():
        raise ValidationError(
            {
                "member": _("{name} already has a transfer in progress; finish or cancel it first.").format(
                    name=member.name
                )
            }
        )
    return member


def _incoming(incoming: dict | None) -> dict:
    """Check the details of a person coming from outside; the ID number is kept encrypted, never in clear."""
    data = incoming or {}
    errors = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = _("Enter the person's name.")
    if data.get("gender") not in Member.Gender.values:
        errors["gender"] = _("Choose male or female.")
    if data.get("category") not in Member.Category.values:
        errors["category"] = _("Choose full or probationary member.")
    joined = data.get("joined_on")
    if isinstance(joined, str) and joined:
        try:
            joined = date.fromisoformat(joined)
        except ValueError:
            errors["joined_on"] = _("Enter the date joined as YYYY-MM-DD.")
    if not joined:
        errors.setdefault("joined_on", _("Enter the date the person joined the Party."))
    number = ""
    try:
        number = idcard.validate(data.get("id_number") or "")
    except idcard.IdNumberError as exc:
        errors["id_number"] = id_number_error(exc.code)
    if errors:
        raise ValidationError(errors)
    index = crypto.blind_index(number)
    if Member.objects.filter(id_number_index=index).exists():
        raise ValidationError({"id_number": _("A member with this identity number is already on the register.")})
    if Transfer.objects.pending().filter(kind=TransferKind.IN, incoming__id_number_index=index).exists():
        raise ValidationError({"id_number": _("A transfer for this identity number is already waiting.")})
    if isinstance(joined, date) and joined > timezone.localdate():
        raise ValidationError({"joined_on": _("The date joined cannot be in the future.")})
    return {
        "name": name,
        "gender": data["gender"],
        "category": data["category"],
        "joined_on": joined.isoformat(),
        "birth_date": idcard.birth_date(number).isoformat(),
        "id_number_cipher": crypto.encrypt(number),
        "id_number_index": index,
        "id_number_masked": idcard.mask(number),
    }


def _letter_number(today: date) -> str:
    count = Transfer.objects.filter(requested_on__year=today.year).count()
    return f"{today.year}-{count + 1:04d}"


@transaction.atomic
def transfer_request(
    *,
    kind: str,
    member: Member | None = None,
    incoming: dict | None = None,
    to_org: Organisation | None = None,
    external_unit: str = "",
    letter_no: str,
    scope: str,
    valid_days: int,
    dues_paid_until: date | None,
    reason: str,
    actor,
) -> Transfer:
    """Issue a transfer letter. The member stays where they are until the receiving side accepts."""
    today = timezone.localdate()
    external_unit = (external_unit or "").strip()
    transfer = Transfer(kind=kind, requested_on=today, requested_by=actor if getattr(actor, "pk", None) else None)
    if kind == TransferKind.INTERNAL:
        member = _check_member(member, actor)
        to_org = _check_target(to_org)
        transfer.from_org = branch_of(member.organisation)
        if to_org.pk in (transfer.from_org.pk, member.organisation_id):
            raise ValidationError(
                {"to_org": _("{name} is already on this branch's register.").format(name=member.name)}
            )
        transfer.member, transfer.to_org = member, to_org
    elif kind == TransferKind.OUT:
        member = _check_member(member, actor)
        if not external_unit:
            raise ValidationError({"external_unit": _("Name the Party organisation outside the system.")})
        transfer.member, transfer.from_org = member, branch_of(member.organisation)
    elif kind == TransferKind.IN:
        to_org = _check_target(to_org)
        if not can(actor, PERMISSION, to_org):
            raise PermissionDenied
        if not external_unit:
            raise ValidationError({"external_unit": _("Name the Party organisation the person comes from.")})
        transfer.incoming, transfer.to_org = _incoming(incoming), to_org
    else:
        raise ValidationError({"kind": _("Choose the kind of transfer.")})
    if scope not in TransferScope.values:
        raise ValidationError({"scope": _("Choose the scope the letter is valid in.")})
    if not 1 <= int(valid_days or 0) <= MAX_VALID_DAYS:
        raise ValidationError({"valid_days": _("A letter is valid for 1 to {n} days.").format(n=MAX_VALID_DAYS)})
    if dues_paid_until and dues_paid_until.year > today.year + 1:
        raise ValidationError({"dues_paid_until": _("Dues cannot be paid that far ahead.")})
    transfer.external_unit = external_unit
    transfer.letter_no = (letter_no or "").strip() or _letter_number(today)
    transfer.scope, transfer.valid_days = scope, int(valid_days)
    transfer.dues_paid_until, transfer.reason = dues_paid_until, (reason or "").strip()
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError:  # two requests for the same member at once: the constraint keeps one
        raise ValidationError({"member": _("This member already has a transfer in progress.")}) from None
    audit_record(actor=actor, action="transfer.request", obj=transfer, changes=_summary(transfer))
    transaction.on_commit(lambda: transfer_notify(transfer=transfer))
    return transfer


def _summary(transfer: Transfer) -> dict:
    return {
        "kind": transfer.kind,
        "member": transfer.member_id,
        "person": transfer.person_name,
        "from_org": transfer.from_org_id,
        "to_org": transfer.to_org_id,
        "external_unit": transfer.external_unit,
        "letter_no": transfer.letter_no,
        "scope": transfer.scope,
        "valid_days": transfer.valid_days,
        "dues_paid_until": transfer.dues_paid_until,
    }


@transaction.atomic
def transfer_transition(*, transfer: Transfer, to_status: str, actor, version: int, reason: str = "") -> Transfer:
    """Accept, return (with a reason) or cancel a pending transfer, checking the version read."""
    fresh = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("member", "from_org", "to_org")
        .get(pk=transfer.pk)
    )
    if fresh.version != version:
        raise Conflict(
            _("Someone else dealt with this transfer meanwhile (it is now “{status}”). Reload the page.").format(
                status=fresh.get_status_display()
            )
        )
    if to_status not in ALLOWED.get(fresh.status, set()):
        raise ValidationError(
            _("A transfer that is “{status}” cannot change any more.").format(status=fresh.get_status_display())
        )
    reason = (reason or "").strip()
    today = timezone.localdate()
    if to_status == TransferStatus.CANCELLED:
        if not may_cancel(actor, fresh):
            raise PermissionDenied
    else:
        if not may_decide(actor, fresh):
            raise PermissionDenied
        if to_status == TransferStatus.RETURNED and not reason:
            raise ValidationError({"reason": _("Say why the transfer is returned.")})
        if to_status == TransferStatus.ACCEPTED:
            _accept(fresh, actor, today)
    fresh.status = to_status
    fresh.return_reason = reason if to_status == TransferStatus.RETURNED else fresh.return_reason
    fresh.decided_at, fresh.decided_by = timezone.now(), actor if getattr(actor, "pk", None) else None
    fresh.version += 1
    fresh.save()
    audit_record(
        actor=actor,
        action=f"transfer.{to_status}",
        obj=fresh,
        changes={"status": to_status, "member": fresh.member_id, "to_org": fresh.to_org_id},
        reason=reason,
    )
    transaction.on_commit(lambda: transfer_notify(transfer=fresh))
    return fresh


def _accept(transfer: Transfer, actor, today: date) -> None:
    if is_expired(transfer, today):
        raise ValidationError(
            _(
                "The letter expired on {day} and can no longer be accepted. Return it, and ask the sending side "
                "for a new letter."
            ).format(day=transfer.expires_on)
        )
    if transfer.kind == TransferKind.INTERNAL:
        _check_target(Organisation.objects.get(pk=transfer.to_org_id))
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        if member.status not in ON_REGISTER:
            raise ValidationError(_("{name} is no longer on the register.").format(name=member.name))
        # The row moves: one register before, one register after, none in between.
        Member.objects.filter(pk=member.pk).update(organisation=transfer.to_org, version=F("version") + 1)
    elif transfer.kind == TransferKind.OUT:
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        Member.objects.filter(pk=member.pk).update(
            status=MemberStatus.TRANSFERRED_OUT, status_since=today, version=F("version") + 1
        )
        MemberStatusChange.objects.create(
            member=member,
            status=MemberStatus.TRANSFERRED_OUT,
            effective_on=today,
            reason=_("Transferred to {unit} (letter {no})").format(unit=transfer.external_unit, no=transfer.letter_no),
            actor=actor if getattr(actor, "pk", None) else None,
        )
    else:
        _check_target(Organisation.objects.get(pk=transfer.to_org_id))
        data = transfer.incoming
        if Member.objects.filter(id_number_index=data["id_number_index"]).exists():
            raise ValidationError(_("A member with this identity number is already on the register."))
        transfer.member = member_create(
            organisation=transfer.to_org,
            name=data["name"],
            gender=data["gender"],
            actor=actor,
            category=data["category"],
            joined_on=date.fromisoformat(data["joined_on"]),
            birth_date=date.fromisoformat(data["birth_date"]),
            id_number=crypto.decrypt(data["id_number_cipher"]),
        )


def holders(org: Organisation | None, action: str = PERMISSION) -> list:
    """The users who may `action` on `org`."""
    return list(access.holders(org, action=action)) if org is not None else []


def transfer_notify(*, transfer: Transfer) -> int:
    """Tell the side that must act: the decider when a letter arrives, the sender when it is decided.

    Each message is sent once (dedupe key), so the daily reminders may call this again safely.
    """
    url = reverse("orgs:transfer_detail", args=[transfer.pk])
    who = transfer.person_name
    if transfer.status == TransferStatus.PENDING:
        users = holders(deciding_org(transfer))
        title = _("Transfer letter {no} for {name} awaits your decision").format(no=transfer.letter_no, name=who)
        key = f"transfer:{transfer.pk}:arrived"
    elif transfer.status in (TransferStatus.ACCEPTED, TransferStatus.RETURNED):
        users = holders(sending_org(transfer))
        if transfer.status == TransferStatus.ACCEPTED:
            title = _("Transfer letter {no} for {name} was accepted").format(no=transfer.letter_no, name=who)
        else:
            title = _("Transfer letter {no} for {name} was returned").format(no=transfer.letter_no, name=who)
        key = f"transfer:{transfer.pk}:{transfer.status}"
    else:
        return 0
    body = transfer.return_reason if transfer.status == TransferStatus.RETURNED else ""
    return len(notification_send(users=users, title=title, body=body, url=url, kind="transfer", dedupe_key=key))
