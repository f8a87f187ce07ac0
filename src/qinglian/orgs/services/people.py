"""Writes to the member register: each a keyword-only function that checks, saves and audits itself."""

from __future__ import annotations

import secrets
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from qinglian.core import crypto
from qinglian.core.audit import audit_record
from qinglian.core.lib import idcard
from qinglian.orgs.models import Member, MemberStatusChange, Organisation, Role
from qinglian.orgs.vocab import MemberStatus


class Conflict(Exception):
    """Someone else saved the record since the caller read it (a stale `version`)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def full_pinyin(name: str) -> str:
    return " ".join(lazy_pinyin(name)).lower()


# Register fields a form or the API may change directly; the ID number, status and probation
# have their own services because each has rules and an audit event of its own.
EDITABLE = (
    "name",
    "gender",
    "ethnicity",
    "birth_date",
    "native_place",
    "education",
    "phone",
    "department",
    "post",
    "rank",
    "party_post",
    "category",
    "joined_on",
    "full_member_on",
    "is_mobile",
    "is_lost_contact",
    "is_cadre",
    "cadre_level",
)


def id_number_error(code: str) -> str:
    messages = {
        "shape": _("An ID number has 18 characters: 17 digits, then a digit or X."),
        "date": _("The date of birth inside the ID number (characters 7 to 14) is not a real date."),
        "checksum": _("The ID number's last character does not match the others: look for a mistyped digit."),
    }
    return messages[code]


def _plain(value):
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "pk"):
        return value.pk
    return value


@transaction.atomic
def member_create(
    *, organisation: Organisation, name: str, gender: str, actor, id_number: str = "", **fields
) -> Member:
    """Put a member on an organisation's register (with their ID number, when given)."""
    member = Member(
        organisation=organisation, name=name.strip(), gender=gender, name_pinyin=full_pinyin(name), **fields
    )
    if not member.status_since:
        member.status_since = member.joined_on
    member.full_clean()
    member.save()
    audit_record(
        actor=actor, action="member.create", obj=member, changes={"name": member.name, "organisation": organisation.pk}
    )
    member.warnings = member_set_id_number(member=member, number=id_number, actor=actor) if id_number else []
    return member


@transaction.atomic
def member_update(*, member: Member, actor, version: int, id_number: str | None = None, **fields) -> Member:
    """Change register fields; refuses if someone else saved the member since `version` was read.

    `id_number` (when not None and different) goes through member_set_id_number.
    """
    fresh = Member.objects.select_for_update().select_related("organisation").get(pk=member.pk)
    if fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this member while you were editing, so your changes were not saved. "
                "Reload the page to see their changes, then make yours again."
            )
        )
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    changes = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(fresh, name) != value:
            changes[name] = [_plain(getattr(fresh, name)), _plain(value)]
            setattr(fresh, name, value)
    if "name" in changes:
        fresh.name_pinyin = full_pinyin(fresh.name)
    fresh.version += 1
    fresh.full_clean()
    fresh.save()
    audit_record(actor=actor, action="member.update", obj=fresh, changes=changes)
    fresh.warnings = []
    if id_number is not None and idcard.normalise(id_number) and not _same_number(fresh, id_number):
        fresh.warnings = member_set_id_number(member=fresh, number=id_number, actor=actor)
    return fresh


def _same_number(member: Member, number: str) -> bool:
    return bool(member.id_number_index) and member.id_number_index == crypto.blind_index(idcard.normalise(number))


@transaction.atomic
def member_set_id_number(*, member: Member, number: str, actor) -> list[str]:
    """Check, encrypt and store a member's ID number; returns warnings (the number is still saved).

    Refuses a malformed number (saying which check failed) and one already on the register. Fills
    the date of birth and gender from the number when they are empty, and warns when they disagree.
    """
    from qinglian.orgs.access import can  # access imports the models this module uses

    try:
        normal = idcard.validate(number)
    except idcard.IdNumberError as exc:
        raise ValidationError({"id_number": id_number_error(exc.code)}) from None
    index = crypto.blind_index(normal)
    holder = Member.objects.filter(id_number_index=index).exclude(pk=member.pk).select_related("organisation").first()
    if holder is not None:
        if actor is not None and can(actor, "member.view", holder):
            message = _("This ID number is already on the register: {name}, {organisation}.").format(
                name=holder.name, organisation=holder.organisation.name
            )
        else:
            message = _("This ID number is already on the register of an organisation outside your scope.")
        raise ValidationError({"id_number": message})
    warnings = []
    born, gender = idcard.birth_date(normal), idcard.gender(normal)
    if member.birth_date is None:
        member.birth_date = born
    elif member.birth_date != born:
        warnings.append(
            _("The date of birth on the register ({given}) differs from the one in the ID number ({born}).").format(
                given=member.birth_date.isoformat(), born=born.isoformat()
            )
        )
    if not member.gender:
        member.gender = gender
    elif member.gender != gender:
        warnings.append(_("The gender on the register differs from the one the ID number gives."))
    member.id_number_cipher = crypto.encrypt(normal)
    member.id_number_index = index
    member.id_number_masked = idcard.mask(normal)
    member.save(update_fields=["id_number_cipher", "id_number_index", "id_number_masked", "birth_date", "gender"])
    audit_record(actor=actor, action="member.id_set", obj=member, changes={"id_number": member.id_number_masked})
    return warnings


@transaction.atomic
def member_reveal_id_number(*, member: Member, actor, reason: str) -> str:
    """The member's full ID number, for a holder of member.view_id who says why; the read is audited."""
    from qinglian.orgs.access import can

    if not can(actor, "member.view_id", member):
        raise PermissionError("member.view_id")
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you need the full ID number.")})
    if not member.id_number_cipher:
        raise ValidationError(_("No ID number is on the register for this member."))
    audit_record(actor=actor, action="member.id_viewed", obj=member, reason=reason.strip())
    return crypto.decrypt(member.id_number_cipher)


# status -> the statuses it may change to. 出党 and 去世 are final; 转出 is set by a transfer.
STATUS_MOVES: dict[str, set[str]] = {
    MemberStatus.NORMAL: {
        MemberStatus.RETAINED,
        MemberStatus.SUSPENDED,
        MemberStatus.LEFT,
        MemberStatus.DECEASED,
        MemberStatus.TRANSFERRED_OUT,
    },
    MemberStatus.RETAINED: {MemberStatus.RESTORED, MemberStatus.LEFT, MemberStatus.DECEASED},
    MemberStatus.SUSPENDED: {MemberStatus.RESTORED, MemberStatus.LEFT, MemberStatus.DECEASED},
    MemberStatus.LEFT: set(),
    MemberStatus.DECEASED: set(),
    MemberStatus.TRANSFERRED_OUT: set(),
}
STATUS_MOVES[MemberStatus.RESTORED] = STATUS_MOVES[MemberStatus.NORMAL]


@transaction.atomic
def member_change_status(
    *, member: Member, status: str, effective_on: date, reason: str, actor, version: int | None = None
) -> MemberStatusChange:
    """Change a member's status from a date, keeping the dated history; 出党 and 去世 take them off the register."""
    fresh = Member.objects.select_for_update().get(pk=member.pk)
    if version is not None and fresh.version != version:
        raise Conflict(_("Someone else changed this member while you were editing. Reload and try again."))
    if status not in STATUS_MOVES.get(fresh.status, set()):
        raise ValidationError(
            {
                "status": _("A member whose status is “{current}” cannot change to “{new}”.").format(
                    current=MemberStatus(fresh.status).label, new=MemberStatus(status).label
                )
            }
        )
    if effective_on > timezone.localdate():
        raise ValidationError({"effective_on": _("The date cannot be in the future.")})
    if fresh.status_since and effective_on < fresh.status_since:
        raise ValidationError(
            {
                "effective_on": _("The date cannot be before the current status began ({day}).").format(
                    day=fresh.status_since.isoformat()
                )
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the status changes.")})
    change = MemberStatusChange.objects.create(
        member=fresh, status=status, effective_on=effective_on, reason=reason.strip(), actor=_user_or_none(actor)
    )
    before = fresh.status
    Member.objects.filter(pk=fresh.pk).update(status=status, status_since=effective_on, version=fresh.version + 1)
    member.status, member.status_since, member.version = status, effective_on, fresh.version + 1
    audit_record(
        actor=actor,
        action="member.status",
        obj=fresh,
        reason=reason.strip(),
        changes={"status": [before, status], "effective_on": effective_on},
    )
    return change


def _user_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def member_create_login(*, member: Member, username: str, actor) -> tuple[object, str]:
    """Create the member's login (one person, one login) with a one-time password; returns (user, password).

    The new login holds the ordinary member role on the member's organisation.
    """
    from qinglian.orgs.services.roles import role_assign

    fresh = Member.objects.select_for_update().get(pk=member.pk)
    if fresh.user_id:
        raise ValidationError(_("This member already has a login."))
    User = get_user_model()
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("Give the login a name.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The login name “{name}” is taken.").format(name=username)})
    password = secrets.token_urlsafe(9)
    user = User.objects.create_user(username=username, password=password, first_name=fresh.name)
    Member.objects.filter(pk=fresh.pk).update(user=user, version=fresh.version + 1)
    member.user, member.version = user, fresh.version + 1
    role_assign(
        user=user,
        role=Role.objects.get(code="member"),
        organisation=fresh.organisation,
        include_subtree=False,
        actor=actor,
    )
    audit_record(actor=actor, action="member.login_create", obj=fresh, changes={"username": username})
    return user, password


def members_rekey(*, actor, batch: int = 2000, progress=None) -> int:
    """Re-encrypt every member's identity number and recompute its blind index under the configured suite.

    Run after switching QINGLIAN_CRYPTO (e.g. to the national algorithms): values written under
    the old suite stay readable, but lookups by number use the new suite's index and would miss
    them until this has run. Returns how many members were rewritten; audited once.
    """
    done = 0
    last = 0
    while True:
        rows = list(
            Member.objects.filter(pk__gt=last).exclude(id_number_cipher="").order_by("pk")
            .only("pk", "id_number_cipher")[:batch]
        )  # fmt: skip
        if not rows:
            break
        with transaction.atomic():
            for member in rows:
                number = crypto.decrypt(member.id_number_cipher)
                member.id_number_cipher = crypto.encrypt(number)
                member.id_number_index = crypto.blind_index(number)
            Member.objects.bulk_update(rows, ["id_number_cipher", "id_number_index"], batch_size=500)
        done += len(rows)
        last = rows[-1].pk
        if progress:
            progress(done)
    audit_record(
        actor=actor,
        action="member.rekey",
        object_type="orgs.member",
        changes={"members": done, "suite": crypto.suite()},
    )
    return done
