"""Writes to organisations' committees: terms (届) and the posts members hold on them."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.lib.dates import add_years
from qinglian.core.rules import RuleMissing, rule_value
from qinglian.orgs.models import CommitteePost, CommitteeTerm, Member, Organisation
from qinglian.orgs.vocab import PartyPost

# Posts one person holds at a time on a committee; the others (委员, 副书记, ...) may be several.
SINGLE_SEAT = {PartyPost.SECRETARY, PartyPost.ORGANISATION, PartyPost.PROPAGANDA, PartyPost.DISCIPLINE}


def term_years(org: Organisation, *, on: date) -> int:
    """Years a committee term lasts for this organisation, from the rule in force on `on`."""
    try:
        value = rule_value("orgs.committee_term_years", org_path=org.path, on=on)
    except RuleMissing:
        raise ValidationError(
            _("No rule on committee terms is in force on {day}: an administrator must add one.").format(day=on)
        ) from None
    if isinstance(value, dict):
        key = "village_or_community" if org.is_village_or_community else "default"
        return int(value.get(key, value["default"]))
    return int(value)


def term_end(org: Organisation, elected_on: date) -> date:
    """The day the term elected on `elected_on` ends: the same day N years on."""
    return add_years(elected_on, term_years(org, on=elected_on))


@transaction.atomic
def term_start(*, org: Organisation, elected_on: date, actor) -> CommitteeTerm:
    """Record a newly elected committee (换届): closes the current term, opens the next with its end date."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    if not org.is_active:
        raise ValidationError(_("“{name}” is dissolved.").format(name=org.name))
    current = CommitteeTerm.objects.filter(organisation=org, closed_on__isnull=True).first()
    if current is not None:
        if elected_on <= current.elected_on:
            raise ValidationError(
                _("The new term must start after the current one ({day}).").format(day=current.elected_on)
            )
        CommitteePost.objects.filter(term=current, ends_on__isnull=True).update(ends_on=elected_on)
        CommitteeTerm.objects.filter(pk=current.pk).update(closed_on=elected_on)
    number = (CommitteeTerm.objects.filter(organisation=org).aggregate(m=Max("number"))["m"] or 0) + 1
    term = CommitteeTerm.objects.create(
        organisation=org, number=number, elected_on=elected_on, ends_on=term_end(org, elected_on)
    )
    audit_record(
        actor=actor,
        action="org.term_start",
        obj=org,
        changes={"term": number, "elected_on": elected_on, "ends_on": term.ends_on, "closed": current and current.pk},
    )
    return term


@transaction.atomic
def post_assign(
    *, term: CommitteeTerm, member: Member, post: str, actor, starts_on: date | None = None
) -> CommitteePost:
    """Seat a member of the organisation's subtree on the current term in a post."""
    term = CommitteeTerm.objects.select_for_update().select_related("organisation").get(pk=term.pk)
    org = term.organisation
    if term.closed_on is not None:
        raise ValidationError(_("This term is closed; posts are assigned on the current term."))
    if not member.organisation.path.startswith(org.path):
        raise ValidationError(
            _("{name} is not a member of {org} or its subordinate units.").format(name=member.name, org=org.name)
        )
    if post not in PartyPost.values:
        raise ValidationError(_("Unknown post."))
    holding = CommitteePost.objects.filter(term=term, ends_on__isnull=True)
    if holding.filter(member=member, post=post).exists():
        raise ValidationError(_("{name} already holds this post.").format(name=member.name))
    if post in SINGLE_SEAT and holding.filter(post=post).exists():
        raise ValidationError(
            _("The post of {post} is already filled: end the current holder's post first.").format(
                post=PartyPost(post).label
            )
        )
    seat = CommitteePost.objects.create(term=term, member=member, post=post, starts_on=starts_on or term.elected_on)
    audit_record(
        actor=actor,
        action="org.post_assign",
        obj=org,
        changes={"term": term.number, "member": member.pk, "name": member.name, "post": post},
    )
    return seat


@transaction.atomic
def post_end(*, seat: CommitteePost, ends_on: date, actor, reason: str = "") -> CommitteePost:
    """End a member's post (resignation, transfer, dismissal) before the term closes."""
    seat = CommitteePost.objects.select_for_update().select_related("term__organisation", "member").get(pk=seat.pk)
    if seat.ends_on is not None:
        raise ValidationError(_("This post has already ended."))
    if ends_on < seat.starts_on:
        raise ValidationError(_("A post cannot end before it starts."))
    seat.ends_on = ends_on
    seat.save(update_fields=["ends_on"])
    audit_record(
        actor=actor,
        action="org.post_end",
        obj=seat.term.organisation,
        reason=reason,
        changes={"term": seat.term.number, "member": seat.member_id, "name": seat.member.name, "post": seat.post},
    )
    return seat
