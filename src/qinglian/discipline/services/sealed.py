"""Revealing a reporter's identity, by two people: one who handles the clue asks with a stated reason, a second
person — one who leads discipline inspection over the clue's unit, not the one who asked — approves or refuses, and
only then, for a limited time (rule `discipline.reveal`), may the one who asked read it. The approver does not see it
by approving. Every step is an audit event and every reading is a sealed read with the request's reason.

Nothing here ever writes the identity anywhere: it is opened (services.sealing) only to be shown to the requester.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.audit import audit_record, audit_sealed_read
from qinglian.core.crypto import CryptoError
from qinglian.core.models import AuditEvent
from qinglian.core.notify import notification_send
from qinglian.core.rules import rule_value
from qinglian.discipline.models import Clue, RevealRequest
from qinglian.discipline.permissions import LEAD
from qinglian.discipline.services.access import can_open, clue_q, in_module, is_leader
from qinglian.discipline.services.sealing import IDENTITY_FIELDS, open_identity
from qinglian.discipline.vocab import RevealStatus
from qinglian.orgs import access
from qinglian.orgs.models import subtree_q

REASON_MIN = 10
SEALED_VIEW = "sealed.view"
NOTE_KIND = "discipline.reveal"


def reveal_rule(clue: Clue, on: date | None = None) -> dict:
    """The rule `discipline.reveal` for the clue's unit: valid_hours (after approval), pending_days."""
    return rule_value("discipline.reveal", org_path=clue.organisation.path, on=on or timezone.localdate())


def identity_holder(clue: Clue):
    """Where the clue's reporter identity is sealed: on its portal report when that report has one, else on the
    clue itself (a letter, a visit, a call registered with the reporter's name)."""
    report = clue.report if clue.report_id else None
    if report is not None and report.has_identity:
        return report
    return clue


def has_identity(clue: Clue) -> bool:
    return identity_holder(clue).has_identity


def clue_url(clue: Clue) -> str:
    """The clue's page (written by the clues area; empty while that area is not installed)."""
    try:
        return reverse("discipline:clue_detail", args=[clue.pk])
    except NoReverseMatch:
        return ""


def request_url(req: RevealRequest) -> str:
    return reverse("discipline:reveal_detail", args=[req.pk])


# --- who sees which requests ------------------------------------------------------------------------------------


def lead_q(user, prefix: str = "") -> Q:
    """Clues at units where the user leads discipline inspection (path ranges for subtree grants)."""
    q = Q(pk__in=[])
    for grant in access.grants(user):
        if LEAD not in grant.permissions:
            continue
        if grant.subtree:
            q |= subtree_q(grant.path, f"{prefix}organisation__")
        else:
            q |= Q(**{f"{prefix}organisation_id": grant.org_id})
    return q


def requests_visible(user) -> QuerySet[RevealRequest]:
    """Requests on the clues the user may open (their handlers' and their leaders')."""
    if not in_module(user):
        return RevealRequest.objects.none()
    clues = Clue.objects.filter(clue_q(user)).values("pk")
    return RevealRequest.objects.filter(clue_id__in=clues)


def requests_to_approve(user) -> QuerySet[RevealRequest]:
    """Pending requests of others on clues at units the user leads: what awaits this user's decision."""
    if not in_module(user) or not access.has_permission(user, LEAD):
        return RevealRequest.objects.none()
    clues = Clue.objects.filter(lead_q(user)).values("pk")
    return RevealRequest.objects.filter(clue_id__in=clues, status=RevealStatus.PENDING).exclude(requested_by=user)


def request_or_404(user, pk, *, queryset=None) -> RevealRequest:
    """The request, when the user may open its clue; 404 otherwise (never says whether it exists)."""
    qs = queryset if queryset is not None else RevealRequest.objects.all()
    qs = qs.select_related("clue", "clue__organisation", "clue__report", "requested_by", "decided_by")
    req = qs.filter(pk=pk).first() if str(pk).isdigit() else None
    if req is None or not can_open(user, req.clue):
        raise Http404(_("No such record, or it is not within your organisations."))
    return req


def may_decide(user, req: RevealRequest) -> bool:
    """Whether the user is a second person who may approve or refuse the request now."""
    return (
        req.status == RevealStatus.PENDING
        and user.pk != req.requested_by_id
        and is_leader(user, req.clue)
        and access.can(user, SEALED_VIEW, req.clue)
        and can_open(user, req.clue)
    )


@dataclass(frozen=True)
class Window:
    """Whether the requester may read the identity now, and if not, why."""

    open: bool
    reason: str = ""


def viewing_window(req: RevealRequest, *, now: datetime | None = None) -> Window:
    now = now or timezone.now()
    if req.status == RevealStatus.PENDING:
        return Window(False, _("The request has not been approved yet: a second person must approve it first."))
    if req.status == RevealStatus.REFUSED:
        return Window(False, _("The request was refused, so the identity cannot be shown."))
    if req.status == RevealStatus.EXPIRED:
        return Window(False, _("The request expired without a decision. Ask again if you still need the identity."))
    if req.valid_until is None or now > req.valid_until:
        return Window(
            False,
            _("The approval ran out at {time}. Ask again if you still need the identity.").format(
                time=timezone.localtime(req.valid_until).strftime("%Y-%m-%d %H:%M") if req.valid_until else "—"
            ),
        )
    return Window(True)


def reads_of(req: RevealRequest) -> QuerySet[AuditEvent]:
    """The audit events of the requester's readings under this request."""
    if req.decided_at is None:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(
        action="sealed.read",
        object_type="discipline.clue",
        object_id=str(req.clue_id),
        actor_id=req.requested_by_id,
        reason=req.reason,
        at__gte=req.decided_at,
    ).order_by("seq")


# --- the steps ----------------------------------------------------------------------------------------------------


def _notify(users, *, title: str, body: str, url: str, key: str) -> None:
    notification_send(users=users, title=title, body=body, url=url, kind=NOTE_KIND, dedupe_key=key)


@transaction.atomic
def reveal_ask(*, clue: Clue, actor, reason: str) -> RevealRequest:
    """Ask to read the reporter's identity of a clue the actor may open, saying why."""
    if not can_open(actor, clue):
        raise PermissionDenied
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationError(
            {
                "reason": _(
                    "Say why you need the reporter's identity, in at least {n} characters: the approver and the "
                    "audit trail read it."
                ).format(n=REASON_MIN)
            }
        )
    clue = Clue.objects.select_for_update(of=("self",)).select_related("organisation", "report").get(pk=clue.pk)
    if not has_identity(clue):
        raise ValidationError(_("This clue was reported anonymously: there is no identity to reveal."))
    mine = RevealRequest.objects.filter(clue=clue, requested_by=actor)
    if mine.filter(status=RevealStatus.PENDING).exists():
        raise ValidationError(_("You already have a request for this identity awaiting approval."))
    if any(viewing_window(r).open for r in mine.filter(status=RevealStatus.APPROVED)):
        raise ValidationError(_("You already have an approved request for this identity: open it to view."))
    req = RevealRequest.objects.create(clue=clue, requested_by=actor, reason=reason)
    audit_record(
        actor=actor,
        action="discipline.reveal.request",
        obj=clue,
        changes={"request": req.pk},
        reason=reason,
        sealed=True,
    )
    approvers = [
        user
        for user in access.holders(clue.organisation, action=LEAD)
        if user.pk != actor.pk and access.can(user, SEALED_VIEW, clue)
    ]
    with override(settings.LANGUAGE_CODE):
        title = _("An identity request awaits your approval: clue {number}").format(number=clue.number)
        body = _("{name} asks to read the reporter's identity. Read the reason, then approve or refuse.").format(
            name=actor.get_full_name() or actor.get_username()
        )
    _notify(approvers, title=title, body=body, url=request_url(req), key=f"reveal-ask-{req.pk}")
    return req


def _locked(req: RevealRequest) -> RevealRequest:
    return (
        RevealRequest.objects.select_for_update(of=("self",))
        .select_related("clue", "clue__organisation", "requested_by")
        .get(pk=req.pk)
    )


def _check_decider(req: RevealRequest, actor) -> None:
    if actor.pk == req.requested_by_id:
        raise ValidationError(
            _("You cannot decide on your own request: a second person who leads discipline inspection must.")
        )
    if req.status != RevealStatus.PENDING:
        raise ValidationError(
            _("This request was already decided ({status}); it cannot be decided again.").format(
                status=req.get_status_display()
            )
        )
    if not (is_leader(actor, req.clue) and access.can(actor, SEALED_VIEW, req.clue) and can_open(actor, req.clue)):
        raise ValidationError(
            _("Only one who leads discipline inspection over the clue's unit may approve or refuse this request.")
        )


@transaction.atomic
def reveal_approve(*, req: RevealRequest, actor, note: str) -> RevealRequest:
    """A second person approves: the requester may read the identity for the rule's hours. The approver sees
    nothing by approving."""
    req = _locked(req)
    _check_decider(req, actor)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write a note with your approval: what the identity may be used for.")})
    now = timezone.now()
    hours = int(reveal_rule(req.clue)["valid_hours"])
    req.status = RevealStatus.APPROVED
    req.decided_by, req.decided_at, req.decision_note = actor, now, note
    req.valid_until = now + timedelta(hours=hours)
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "valid_until"])
    audit_record(
        actor=actor,
        action="discipline.reveal.approve",
        obj=req.clue,
        changes={"request": req.pk, "valid_until": req.valid_until},
        reason=note,
        sealed=True,
    )
    with override(settings.LANGUAGE_CODE):
        title = _("Your identity request was approved: clue {number}").format(number=req.clue.number)
        body = _("You may read the reporter's identity until {time}; each reading is recorded.").format(
            time=timezone.localtime(req.valid_until).strftime("%Y-%m-%d %H:%M")
        )
    _notify([req.requested_by], title=title, body=body, url=request_url(req), key=f"reveal-approve-{req.pk}")
    return req


@transaction.atomic
def reveal_refuse(*, req: RevealRequest, actor, note: str) -> RevealRequest:
    """A second person refuses, saying why."""
    req = _locked(req)
    _check_decider(req, actor)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say why you refuse: the one who asked reads it.")})
    req.status = RevealStatus.REFUSED
    req.decided_by, req.decided_at, req.decision_note = actor, timezone.now(), note
    req.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action="discipline.reveal.refuse",
        obj=req.clue,
        changes={"request": req.pk},
        reason=note,
        sealed=True,
    )
    with override(settings.LANGUAGE_CODE):
        title = _("Your identity request was refused: clue {number}").format(number=req.clue.number)
    _notify([req.requested_by], title=title, body=note, url=request_url(req), key=f"reveal-refuse-{req.pk}")
    return req


@transaction.atomic
def reveal_open(*, req: RevealRequest, actor) -> dict:
    """The identity, for the requester within the approved window: each call is a sealed read in the audit trail
    with the request's reason. Refused with a clear reason otherwise; nothing is shown on a wrong sealing key."""
    req = RevealRequest.objects.select_related("clue", "clue__organisation", "clue__report").get(pk=req.pk)
    if actor.pk != req.requested_by_id:
        raise ValidationError(
            _("Only the person who asked may read the identity, within the approved time. Approving shows nothing.")
        )
    if not can_open(actor, req.clue):
        raise PermissionDenied
    window = viewing_window(req)
    if not window.open:
        raise ValidationError(window.reason)
    try:
        identity = open_identity(identity_holder(req.clue))
    except CryptoError:
        raise ValidationError(
            _(
                "The identity cannot be opened: the sealing key this server uses is not the one that sealed it. "
                "Nothing is shown. Ask the administrator to restore the sealing key (QINGLIAN_SEALED_KEY or its key "
                "file) that was in use when the report came in."
            )
        ) from None
    audit_sealed_read(actor=actor, obj=req.clue, reason=req.reason)
    return {field: identity.get(field, "") for field in IDENTITY_FIELDS}


@transaction.atomic
def reveal_expire(*, now: datetime | None = None) -> int:
    """Requests left pending longer than the rule's days expire (EXPIRED); returns how many."""
    now = now or timezone.now()
    expired = 0
    pending = RevealRequest.objects.select_for_update(of=("self",)).select_related("clue", "clue__organisation")
    for req in pending.filter(status=RevealStatus.PENDING).order_by("pk"):
        days = int(reveal_rule(req.clue, on=timezone.localdate(now))["pending_days"])
        if req.created_at + timedelta(days=days) > now:
            continue
        req.status = RevealStatus.EXPIRED
        req.decided_at = now
        req.save(update_fields=["status", "decided_at"])
        audit_record(
            actor=None,
            action="discipline.reveal.expire",
            obj=req.clue,
            changes={"request": req.pk, "pending_days": days},
            sealed=True,
        )
        expired += 1
    return expired


def reveal_daily(today: date) -> int:
    """The daily reminders' hook: expire stale requests."""
    return reveal_expire()
