"""Probation (预备期): its dates from the rules, and the steps that end it -- confirm, extend once, cancel.

The rules are data (`orgs/fixtures/rules/probation.json`, from 《中国共产党发展党员工作细则》
第二十六条至第三十一条): probation lasts `orgs.probation_months` from admission; the member applies
`orgs.probation_application_lead_days` before it ends; the higher committee approves within
`orgs.probation_approval_months` after; probation may be extended once by
`orgs.probation_extension_months` {"min", "max"}.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.lib.dates import add_months
from qinglian.core.models import Rule
from qinglian.core.rules import RuleMissing
from qinglian.orgs.models import Member, MemberStatusChange
from qinglian.orgs.services.people import Conflict, _user_or_none
from qinglian.orgs.vocab import ON_REGISTER, MemberStatus

PROBATION_RULES = (
    "orgs.probation_months",
    "orgs.probation_application_lead_days",
    "orgs.probation_approval_months",
    "orgs.probation_extension_months",
)


class RuleBook:
    """The probation rules read once, then resolved in memory as `rule_get` does (for lists and reminders)."""

    def __init__(self):
        self.rows = list(Rule.objects.filter(key__in=PROBATION_RULES).order_by("version"))

    def value(self, key: str, org_path: str, on: date):
        def matching(day):
            return [
                r
                for r in self.rows
                if r.key == key
                and org_path.startswith(r.org_path)
                and r.effective_from <= day
                and (r.effective_to is None or r.effective_to >= day)
            ]

        # Admissions before the rule's first version use the version in force today.
        candidates = matching(on) or matching(timezone.localdate())
        if not candidates:
            raise RuleMissing(f"no version of rule {key!r} is in force on {on}")
        return max(candidates, key=lambda r: (len(r.org_path), r.version)).value


def _rule(key: str, member: Member, on: date, book: RuleBook | None = None):
    return (book or RuleBook()).value(key, member.organisation.path, on)


@dataclass(frozen=True)
class ProbationDates:
    """The milestones of one member's probation."""

    admitted_on: date
    ends_on_originally: date
    ends_on: date
    application_due: date
    approval_deadline: date
    extended: bool

    def step(self, today: date) -> str:
        """Which step is due: '' (not yet), 'apply', 'ended' or 'overdue'."""
        if today > self.approval_deadline:
            return "overdue"
        if today >= self.ends_on:
            return "ended"
        if today >= self.application_due:
            return "apply"
        return ""


def probation_dates(member: Member, book: RuleBook | None = None) -> ProbationDates | None:
    """The member's probation milestones from the rules in force at admission, or None if not on probation.

    Pass one RuleBook when computing the dates of many members: the rules are then read once.
    """
    if member.category != Member.Category.PROBATIONARY or member.joined_on is None:
        return None
    book = book or RuleBook()
    admitted = member.joined_on
    original_end = add_months(admitted, int(_rule("orgs.probation_months", member, admitted, book)))
    end = member.probation_extended_to or original_end
    lead = int(_rule("orgs.probation_application_lead_days", member, admitted, book))
    approval = int(_rule("orgs.probation_approval_months", member, admitted, book))
    return ProbationDates(
        admitted_on=admitted,
        ends_on_originally=original_end,
        ends_on=end,
        application_due=end - timedelta(days=lead),
        approval_deadline=add_months(end, approval),
        extended=member.probation_extended_to is not None,
    )


def _locked_probationer(member: Member, version: int | None) -> tuple[Member, ProbationDates]:
    fresh = Member.objects.select_for_update().select_related("organisation").get(pk=member.pk)
    if version is not None and fresh.version != version:
        raise Conflict(_("Someone else changed this member while you were editing. Reload and try again."))
    dates = probation_dates(fresh)
    if dates is None or fresh.status not in ON_REGISTER:
        raise ValidationError(_("This member is not a probationary member on the register."))
    return fresh, dates


def _sync(member: Member, fresh: Member) -> None:
    for name in ("category", "full_member_on", "probation_extended_to", "status", "status_since", "version"):
        setattr(member, name, getattr(fresh, name))


@transaction.atomic
def member_confirm_full(*, member: Member, on: date, actor, version: int | None = None) -> Member:
    """Make a probationary member a full member from `on` (no earlier than the end of probation)."""
    fresh, dates = _locked_probationer(member, version)
    if on < dates.ends_on:
        raise ValidationError(
            {"on": _("Probation ends on {day}: full membership cannot start earlier.").format(day=dates.ends_on)}
        )
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    fresh.category, fresh.full_member_on = Member.Category.FULL, on
    fresh.version += 1
    fresh.save(update_fields=["category", "full_member_on", "version", "updated_at"])
    audit_record(actor=actor, action="member.probation_confirm", obj=fresh, changes={"full_member_on": on})
    _sync(member, fresh)
    return member


@transaction.atomic
def member_extend_probation(*, member: Member, until: date, actor, reason: str, version: int | None = None) -> Member:
    """Extend probation once, to a date 6 to 12 months (by the rule) after it would have ended."""
    fresh, dates = _locked_probationer(member, version)
    if dates.extended:
        raise ValidationError(_("Probation can be extended only once, and this member's already was."))
    span = _rule("orgs.probation_extension_months", fresh, dates.admitted_on)
    earliest = add_months(dates.ends_on_originally, int(span["min"]))
    latest = add_months(dates.ends_on_originally, int(span["max"]))
    if not earliest <= until <= latest:
        raise ValidationError(
            {
                "until": _(
                    "An extension lasts {low} to {high} months: choose a date from {earliest} to {latest}."
                ).format(low=span["min"], high=span["max"], earliest=earliest, latest=latest)
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why probation is extended.")})
    fresh.probation_extended_to = until
    fresh.version += 1
    fresh.save(update_fields=["probation_extended_to", "version", "updated_at"])
    audit_record(
        actor=actor,
        action="member.probation_extend",
        obj=fresh,
        reason=reason.strip(),
        changes={"until": until, "was_to_end": dates.ends_on_originally},
    )
    _sync(member, fresh)
    return member


@transaction.atomic
def member_cancel_probation(
    *, member: Member, on: date, actor, reason: str, version: int | None = None
) -> MemberStatusChange:
    """Cancel a probationary member's qualification (取消预备党员资格): they leave the register."""
    fresh, _dates = _locked_probationer(member, version)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the qualification is cancelled.")})
    if on > timezone.localdate() or on < fresh.joined_on:
        raise ValidationError({"on": _("The date must lie between admission and today.")})
    change = MemberStatusChange.objects.create(
        member=fresh, status=MemberStatus.LEFT, effective_on=on, reason=reason.strip(), actor=_user_or_none(actor)
    )
    fresh.status, fresh.status_since = MemberStatus.LEFT, on
    fresh.version += 1
    fresh.save(update_fields=["status", "status_since", "version", "updated_at"])
    audit_record(actor=actor, action="member.probation_cancel", obj=fresh, reason=reason.strip(), changes={"on": on})
    _sync(member, fresh)
    return change
