"""Following up registered risk points: periodic reviews (which may put a problem on the rectification list)
and linked incidents (which raise a point for review and tell its owners).

Recorded on approved points by the unit's reviewers and managers and by discipline inspection (risks.consult);
each write is one transaction with its PointEvent and audit event.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core import links
from qinglian.core.audit import audit_record
from qinglian.core.lib.dates import add_months
from qinglian.core.notify import notification_send
from qinglian.orgs.access import nearest_holders
from qinglian.rectification.services.items import item_create
from qinglian.rectification.vocab import Source
from qinglian.risks.models import RiskIncident, RiskPoint, RiskReview
from qinglian.risks.services import levels
from qinglian.risks.services.register import (
    REVIEW,
    REVIEW_RECORD_KIND,
    _Errors,
    _text,
    _user,
    lock,
    may_follow_up,
    point_event,
    point_url,
)
from qinglian.risks.vocab import IncidentKind, PointEventKind, PointStatus

# --- periodic reviews --------------------------------------------------------------------------------------


PROBLEM_FIELDS = {"problem": "problem", "measures": "problem_measures", "owner": "problem_owner",
                  "due_on": "problem_due_on"}  # fmt: skip


@transaction.atomic
def review_record(
    *,
    point: RiskPoint,
    reviewed_on: date,
    measures_effective: bool,
    conclusion: str,
    level_after,
    actor,
    problem: dict | None = None,
) -> RiskReview:
    """Record a periodic review of an approved point: were the measures effective, is the level still right.

    Sets the point's level to `level_after` and its next review to `reviewed_on` + the level's review cycle,
    and clears "to be reviewed". A `problem` found (a dict of problem, measures, owner, due_on) is put on the
    unit's rectification list with source "risk review", pointing at this review.
    """
    point = lock(point, None)
    if actor is not None and not may_follow_up(actor, point):
        raise PermissionDenied(
            _("Only the unit's reviewers and managers and discipline inspection review risk points.")
        )
    if point.status != PointStatus.APPROVED:
        raise ValidationError(_("Only a risk point on the register (approved) is reviewed periodically."))
    errors = _Errors()
    if reviewed_on is None:
        errors.add("reviewed_on", _("Give the day of the review."))
    elif reviewed_on > timezone.localdate():
        errors.add("reviewed_on", _("The day of the review cannot be in the future."))
    conclusion = errors.check(_text, conclusion, "conclusion", _("Write the review's conclusion."))
    level_after = errors.check(levels.level_check, level_after)
    if "level" in errors.found:
        errors.found["level_after"] = errors.found.pop("level")
    errors.raise_any()
    reviewer = _user(actor) or point.approved_by or point.created_by
    if reviewer is None:
        raise ValidationError(_("A review needs the person who made it."))
    months = levels.review_months(level_after, org_path=point.organisation.path)
    review = RiskReview.objects.create(
        point=point,
        reviewed_on=reviewed_on,
        reviewer=reviewer,
        measures_effective=bool(measures_effective),
        conclusion=conclusion,
        level_before=point.level,
        level_after=level_after,
        next_review_on=add_months(reviewed_on, months),
    )
    changes = {"review": review.pk, "level": [point.level, level_after], "next_review_on": review.next_review_on}
    point.level, point.review_months, point.next_review_on = level_after, months, review.next_review_on
    point.needs_review, point.needs_review_reason = False, ""
    point.version += 1
    point.save()
    point_event(point, PointEventKind.REVIEW, actor, conclusion, None)
    item = None
    if problem:
        try:
            item = item_create(
                org=point.organisation,
                source=Source.RISK_REVIEW,
                problem=problem.get("problem", ""),
                measures=problem.get("measures", ""),
                owner=problem.get("owner"),
                due_on=problem.get("due_on"),
                source_title=point.title[:200],
                source_kind=REVIEW_RECORD_KIND,
                source_id=review.pk,
                actor=actor,
            )
        except ValidationError as exc:
            messages = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
            raise ValidationError(
                {PROBLEM_FIELDS.get(name, NON_FIELD_ERRORS): errors for name, errors in messages.items()}
            ) from None
        changes["rectification_item"] = item.pk
    audit_record(
        actor=actor,
        action="risks.review_record",
        obj=point,
        changes={**changes, "measures_effective": bool(measures_effective)},
        reason=conclusion,
    )
    review.rectification_item = item
    return review


# --- incidents ---------------------------------------------------------------------------------------------


def _record(actor, kind: str, ref_id) -> tuple[str, int | None]:
    kind = (kind or "").strip()
    if not kind and not ref_id:
        return "", None
    if not kind or not ref_id:
        raise ValidationError({"record_id": _("Give both the kind of record and the record, or neither.")})
    if actor is None:
        links.record_kind(kind)  # the system names a record it knows: only the kind is checked
        return kind, int(ref_id)
    return kind, links.record_check(actor, kind, int(ref_id)).id


@transaction.atomic
def incident_link(
    *,
    point: RiskPoint,
    kind: str,
    description: str,
    occurred_on: date,
    record_kind: str = "",
    record_id: int | None = None,
    actor,
) -> RiskIncident:
    """Link something that happened at a point on the register -- a clue, a rectification item, an audit
    finding -- perhaps pointing at its record (which the actor must be allowed to see). The point's level is
    raised for review, and its measure owners and the unit's reviewers are told."""
    point = lock(point, None)
    if actor is not None and not may_follow_up(actor, point):
        raise PermissionDenied(_("Only the unit's reviewers and managers and discipline inspection link incidents."))
    if point.status != PointStatus.APPROVED:
        raise ValidationError(_("Incidents are linked to risk points on the register (approved)."))
    errors = _Errors()
    if kind not in IncidentKind.values:
        errors.add("kind", _("Choose what kind of incident it is."))
    description = errors.check(_text, description, "description", _("Say what happened."))
    if occurred_on is None:
        errors.add("occurred_on", _("Give the day it happened."))
    elif occurred_on > timezone.localdate():
        errors.add("occurred_on", _("The day it happened cannot be in the future."))
    record = errors.check(_record, actor, record_kind, record_id)
    errors.raise_any()
    record_kind, record_id = record
    noted_by = _user(actor) or point.approved_by or point.created_by
    if noted_by is None:
        raise ValidationError(_("An incident needs the person who links it."))
    incident = RiskIncident.objects.create(
        point=point,
        kind=kind,
        description=description,
        occurred_on=occurred_on,
        record_kind=record_kind,
        record_id=record_id,
        noted_by=noted_by,
    )
    with override(settings.LANGUAGE_CODE):
        reason = _("Level raised for review: {kind} on {day}.").format(
            kind=IncidentKind(kind).label, day=occurred_on.isoformat()
        )
    point.needs_review, point.needs_review_reason = True, reason[:300]
    point.version += 1
    point.save()
    point_event(point, PointEventKind.INCIDENT, actor, description)
    audit_record(
        actor=actor,
        action="risks.incident_link",
        obj=point,
        changes={"incident": incident.pk, "kind": kind, "record": f"{record_kind}#{record_id}" if record_kind else ""},
    )
    _notify_incident(point, incident, actor)
    return incident


def _notify_incident(point: RiskPoint, incident: RiskIncident, actor) -> None:
    actor_pk = getattr(actor, "pk", None)
    owners = [
        m.owner.user
        for m in point.measures.select_related("owner__user")
        if m.owner_id and m.owner.user_id and m.owner.user.is_active
    ]
    users = {u.pk: u for u in [*owners, *nearest_holders(point.organisation, action=REVIEW)] if u.pk != actor_pk}
    if not users:
        return
    with override(settings.LANGUAGE_CODE):
        title = _("Risk point raised for review: {title}").format(title=point.title[:60])
        body = _("{org}: {kind} on {day}. Review whether the level and the measures still hold.").format(
            org=point.organisation.name, kind=incident.get_kind_display(), day=incident.occurred_on.isoformat()
        )
    notification_send(users=users.values(), title=title, body=body, url=point_url(point), kind="risks.incident")
