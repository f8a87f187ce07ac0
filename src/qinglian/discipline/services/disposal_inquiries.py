"""Talks and written inquiries (谈话函询) and shelved clues due for review (暂存待查): the disposal work between
approval forms.

A talk is recorded with its record; a letter with its text and the day it was sent, its written reply falling due
`inquiry_reply_workdays` working days later (rule `discipline.time_limits`, counted by the working-day calendar), and
the reply with the day it came. A reply not come by its day is overdue. A shelved clue untouched for more than the
unit's `shelved_review_days` is due for review (a list, to-dos and weekly reminders); reopening it is a new disposal
form. Every write touches the clue through `flow.touch` (history row, version, sealed audit event).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.rules import rule_value
from qinglian.core.workdays import add_workdays
from qinglian.discipline.models import Clue, Inquiry
from qinglian.discipline.services import flow
from qinglian.discipline.services.access import can_open
from qinglian.discipline.vocab import OPEN_CLUE_STATUSES, InquiryMode
from qinglian.discipline.vocab import ClueStatus as S

TEXT_MAX = 20000


def clues_visible(user):
    """The clues the user may open, each once (need-to-know: handlers and leaders)."""
    return Clue.objects.filter(pk__in=Clue.objects.visible_to(user).values("pk"))


def _require_open(actor, clue: Clue) -> None:
    if not can_open(actor, clue):
        raise PermissionDenied(_("No such record, or it is not within your organisations."))


# --- talks and written inquiries ----------------------------------------------------------------------------


def reply_workdays(clue: Clue, *, on: date | None = None) -> int:
    """Working days the person has to answer a letter (rule `discipline.time_limits`)."""
    value = rule_value("discipline.time_limits", org_path=clue.organisation.path, on=on)
    return int(value.get("inquiry_reply_workdays", 15))


def inquiry_state(inquiry: Inquiry, today: date | None = None) -> str:
    """talk; for a letter: awaiting (the reply not yet due), overdue, received, or late (received after the due day)."""
    if inquiry.mode != InquiryMode.LETTER:
        return "talk"
    if inquiry.reply_on:
        return "late" if inquiry.reply_due and inquiry.reply_on > inquiry.reply_due else "received"
    today = today or timezone.localdate()
    return "overdue" if inquiry.reply_due and inquiry.reply_due < today else "awaiting"


def inquiries_visible(user):
    return Inquiry.objects.filter(clue__in=clues_visible(user).values("pk"))


def replies_overdue(queryset=None, *, today: date | None = None):
    """Letters whose written reply is past due and not received."""
    today = today or timezone.localdate()
    qs = queryset if queryset is not None else Inquiry.objects.all()
    return qs.filter(mode=InquiryMode.LETTER, reply_on__isnull=True, reply_due__lt=today)


def inquiry_or_404(user, pk) -> Inquiry:

    inquiry = Inquiry.objects.select_related("clue__organisation").filter(pk=pk).first() if str(pk).isdigit() else None
    if inquiry is None or not can_open(user, inquiry.clue):
        raise Http404(_("No such record, or it is not within your organisations."))
    return inquiry


@transaction.atomic
def inquiry_record(*, clue: Clue, mode: str, held_on: date, record: str, actor, version: int | None = None) -> Inquiry:
    """Record a talk (its record) or a written inquiry (the letter and the day it was sent; the written reply falls
    due `reply_workdays` working days later) on a clue under talk or inquiry."""
    _require_open(actor, clue)
    clue = flow.lock(clue, version)
    if clue.status != S.TALK_INQUIRY:
        raise ValidationError(
            _("Talks and letters are recorded while the clue is under talk or inquiry; this one is “{status}”.").format(
                status=clue.get_status_display()
            )
        )
    if mode not in InquiryMode.values:
        raise ValidationError({"mode": _("Choose a talk or a letter.")})
    today = timezone.localdate()
    if held_on > today:
        raise ValidationError({"held_on": _("A talk or a letter cannot be dated in the future.")})
    if held_on < clue.received_on:
        raise ValidationError(
            {"held_on": _("This is before the clue was received ({day}).").format(day=clue.received_on)}
        )
    record = (record or "").strip()
    if not record:
        message = _("Write the record of the talk.") if mode == InquiryMode.TALK else _("Write the letter's text.")
        raise ValidationError({"record": message})
    if len(record) > TEXT_MAX:
        raise ValidationError({"record": _("The text is too long: at most {n} characters.").format(n=TEXT_MAX)})
    due = add_workdays(held_on, reply_workdays(clue, on=held_on)) if mode == InquiryMode.LETTER else None
    inquiry = Inquiry.objects.create(
        clue=clue, mode=mode, held_on=held_on, record=record, reply_due=due, created_by=actor
    )
    note = ("谈话" if mode == InquiryMode.TALK else "函询") + f"：{held_on.isoformat()}"
    changes = {"inquiry": inquiry.pk, "mode": mode, "held_on": held_on.isoformat()}
    if due:
        changes["reply_due"] = due.isoformat()
    flow.touch(clue, "disposal.inquiry", actor=actor, note=note, changes=changes)
    return inquiry


@transaction.atomic
def inquiry_reply(*, inquiry: Inquiry, reply_on: date, reply: str, actor, version: int | None = None) -> Inquiry:
    """Record the written reply to a letter (the day it was received and its text)."""
    _require_open(actor, inquiry.clue)
    clue = flow.lock(inquiry.clue, version)
    inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    if inquiry.mode != InquiryMode.LETTER:
        raise ValidationError(_("A talk has no written reply: its record is the answer."))
    if inquiry.reply_on:
        raise ValidationError(
            _("The reply to this letter is already recorded (received on {day}).").format(day=inquiry.reply_on)
        )
    if clue.status not in OPEN_CLUE_STATUSES:
        raise ValidationError(
            _("The clue is “{status}”: nothing more is recorded on it.").format(status=clue.get_status_display())
        )
    if reply_on > timezone.localdate():
        raise ValidationError({"reply_on": _("A reply cannot be received in the future.")})
    if reply_on < inquiry.held_on:
        raise ValidationError(
            {"reply_on": _("The reply cannot come before the letter was sent ({day}).").format(day=inquiry.held_on)}
        )
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": _("Write what the reply says.")})
    if len(reply) > TEXT_MAX:
        raise ValidationError({"reply": _("The text is too long: at most {n} characters.").format(n=TEXT_MAX)})
    inquiry.reply_on, inquiry.reply = reply_on, reply
    inquiry.save(update_fields=["reply_on", "reply"])
    late = "（逾期）" if inquiry.reply_due and reply_on > inquiry.reply_due else ""
    flow.touch(
        clue,
        "disposal.reply",
        actor=actor,
        note=f"函询回复：{reply_on.isoformat()}{late}",
        changes={"inquiry": inquiry.pk, "reply_on": reply_on.isoformat()},
    )
    return inquiry


# --- shelved clues due for review ---------------------------------------------------------------------------


def review_days(path: str, *, on: date | None = None) -> int:
    value = rule_value("discipline.time_limits", org_path=path, on=on)
    return int(value.get("shelved_review_days", 30))


def shelved_for_review(user=None, *, now=None):
    """Shelved clues untouched for more than the unit's `shelved_review_days` (those the user may open, when given),
    longest untouched first."""
    now = now or timezone.now()
    shelved = Clue.objects.filter(status=S.SHELVED)
    if user is not None:
        shelved = shelved.filter(pk__in=Clue.objects.visible_to(user).values("pk"))
    units = shelved.order_by().values_list("organisation_id", "organisation__path").distinct()
    due = Q(pk__in=[])
    today = timezone.localdate(now)
    for org_id, path in units:
        due |= Q(organisation_id=org_id, touched_at__lt=now - timedelta(days=review_days(path, on=today)))
    return shelved.filter(due).order_by("touched_at", "pk")
