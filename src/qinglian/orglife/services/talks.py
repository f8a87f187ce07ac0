"""Talks (谈心谈话): recording, correcting and removing them, and who may read which.

A talk is readable by the holders of `orglife.talk_view` at its unit and by the two people in it.
It is recorded by a holder of `orglife.talk_record` at the unit, or by a member for a talk they took
part in. Talks carry no version: corrections are rare and made only by whoever recorded the talk
(within RECORDER_EDIT_DAYS) or the unit's recorders (see `talk_may_update`); the last save wins and the
audit trail keeps each change. An actor of None is the system (demo data, imports), whose writes are
not checked against roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.orglife.models import Talk
from qinglian.orglife.people import committee_members, member_of
from qinglian.orglife.vocab import TalkKind
from qinglian.orgs.access import can, scope_q
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.vocab import ON_REGISTER

# Whoever recorded a talk may correct it for this many days; the unit's recorders always may.
RECORDER_EDIT_DAYS = 30


def talks_readable(user):
    """Talks the user may read: those at units where they hold `orglife.talk_view`, and their own."""
    q = scope_q(user, "orglife.talk_view", model=Talk)
    me = member_of(user)
    if me is not None:
        q |= Q(initiator=me) | Q(counterpart=me)
    return Talk.objects.filter(q)


def talk_may_update(user, talk: Talk, *, today: date | None = None) -> bool:
    """The unit's recorders; or whoever recorded it, within RECORDER_EDIT_DAYS of recording it."""
    if can(user, "orglife.talk_record", talk):
        return True
    today = today or timezone.localdate()
    return (
        talk.recorded_by_id is not None
        and talk.recorded_by_id == getattr(user, "pk", None)
        and timezone.localtime(talk.created_at).date() + timedelta(days=RECORDER_EDIT_DAYS) >= today
    )


def talk_may_remove(user, talk: Talk) -> bool:
    return can(user, "orglife.talk_record", talk)


def record_units(user):
    """Units where the user may record a talk: where they hold talk_record, and their own (with its branch,
    when they are registered with a Party group)."""
    units = Organisation.objects.visible_to(user, "orglife.talk_record")
    me = member_of(user)
    if me is not None:
        own = [me.organisation_id]
        if me.organisation.kind == Organisation.Kind.GROUP and me.organisation.parent_id:
            own.append(me.organisation.parent_id)
        units = Organisation.objects.filter(Q(pk__in=units.values("pk")) | Q(pk__in=own))
    return units.active()


def _check(
    *, org: Organisation, kind: str, talked_on: date | None, initiator: Member | None, counterpart: Member | None,
    summary: str,
) -> str:  # fmt: skip
    if kind not in TalkKind.values:
        raise ValidationError({"kind": _("Unknown kind of talk: {kind}.").format(kind=kind)})
    if talked_on is None:
        raise ValidationError({"talked_on": _("Give the day of the talk.")})
    if talked_on > timezone.localdate():
        raise ValidationError({"talked_on": _("A talk is recorded after it took place: the date is in the future.")})
    if initiator is None:
        raise ValidationError({"initiator": _("Say who held the talk.")})
    if counterpart is None:
        raise ValidationError({"counterpart": _("Say with whom the talk was held.")})
    if initiator.pk == counterpart.pk:
        raise ValidationError({"counterpart": _("A talk is between two different members.")})

    def belongs(member: Member) -> bool:
        return member.status in ON_REGISTER and member.organisation.is_within(org)

    if not belongs(counterpart):
        raise ValidationError(
            {"counterpart": _("{name} is not a member of {org}.").format(name=counterpart.name, org=org.name)}
        )
    if not belongs(initiator) and not committee_members(org).filter(pk=initiator.pk).exists():
        raise ValidationError(
            {
                "initiator": _("{name} is neither a member of {org} nor on its committee.").format(
                    name=initiator.name, org=org.name
                )
            }
        )
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Write a summary of the talk.")})
    return summary


def _may_record(actor, org: Organisation, initiator: Member, counterpart: Member) -> None:
    if actor is None or can(actor, "orglife.talk_record", org):
        return
    me = member_of(actor)
    if me is None or me.pk not in (initiator.pk, counterpart.pk):
        raise PermissionDenied(_("You may record only talks you took part in."))


@transaction.atomic
def talk_record(
    *,
    org: Organisation,
    talked_on: date | None,
    initiator: Member | None,
    counterpart: Member | None,
    summary: str,
    actor,
    kind: str = TalkKind.HEART_TO_HEART,
    place: str = "",
    follow_up: str = "",
) -> Talk:
    """Record a talk at the unit where it counts: two different members of the unit (the initiator may
    instead sit on its committee), held on a day that has passed, with a summary."""
    if not org.is_active:
        raise ValidationError(_("“{name}” is dissolved.").format(name=org.name))
    summary = _check(
        org=org, kind=kind, talked_on=talked_on, initiator=initiator, counterpart=counterpart, summary=summary
    )
    _may_record(actor, org, initiator, counterpart)
    talk = Talk.objects.create(
        organisation=org,
        kind=kind,
        talked_on=talked_on,
        initiator=initiator,
        counterpart=counterpart,
        place=(place or "").strip(),
        summary=summary,
        follow_up=(follow_up or "").strip(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="orglife.talk_record",
        obj=talk,
        changes={"kind": kind, "talked_on": talked_on, "initiator": initiator.name, "counterpart": counterpart.name},
    )
    return talk


@transaction.atomic
def talk_record_several(
    *, org: Organisation, counterparts: Iterable[Member], initiator: Member | None, actor, **fields
) -> list[Talk]:
    """One initiator's talks with several members on the same day: one talk each, all or none saved."""
    people = list(counterparts)
    if not people:
        raise ValidationError({"counterpart": _("Choose at least one member the talk was held with.")})
    return [talk_record(org=org, initiator=initiator, counterpart=person, actor=actor, **fields) for person in people]


@transaction.atomic
def talk_update(
    *,
    talk: Talk,
    actor,
    talked_on: date | None,
    initiator: Member | None,
    counterpart: Member | None,
    summary: str,
    kind: str,
    place: str = "",
    follow_up: str = "",
) -> Talk:
    """Correct a talk's record (see `talk_may_update` for who may)."""
    talk = Talk.objects.select_for_update().select_related("organisation").get(pk=talk.pk)
    if actor is not None and not talk_may_update(actor, talk):
        raise PermissionDenied(
            _("Only the unit's recorders, or whoever recorded the talk within {n} days, may correct it.").format(
                n=RECORDER_EDIT_DAYS
            )
        )
    summary = _check(
        org=talk.organisation, kind=kind, talked_on=talked_on, initiator=initiator, counterpart=counterpart,
        summary=summary,
    )  # fmt: skip
    new = {
        "kind": kind,
        "talked_on": talked_on,
        "initiator_id": initiator.pk,
        "counterpart_id": counterpart.pk,
        "place": (place or "").strip(),
        "summary": summary,
        "follow_up": (follow_up or "").strip(),
    }
    changes = {k: [getattr(talk, k), v] for k, v in new.items() if getattr(talk, k) != v}
    for key, value in new.items():
        setattr(talk, key, value)
    talk.save()
    audit_record(actor=actor, action="orglife.talk_update", obj=talk, changes=changes)
    return talk


@transaction.atomic
def talk_remove(*, talk: Talk, actor, reason: str = "") -> None:
    """Delete a talk recorded in error (holders of `orglife.talk_record` at the unit); the audit keeps who and when,
    not what was said."""
    talk = Talk.objects.select_for_update().select_related("organisation", "initiator", "counterpart").get(pk=talk.pk)
    if actor is not None and not talk_may_remove(actor, talk):
        raise PermissionDenied(_("Only the unit's recorders of talks may remove one."))
    audit_record(
        actor=actor,
        action="orglife.talk_remove",
        obj=talk,
        changes={
            "kind": talk.kind,
            "talked_on": talk.talked_on,
            "initiator": talk.initiator.name,
            "counterpart": talk.counterpart.name,
        },
        reason=(reason or "").strip(),
    )
    talk.delete()
