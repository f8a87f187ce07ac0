"""A risk point's way through an identification round: proposed by the post holder, reviewed by the branch,
given discipline inspection's opinion, approved by the committee -- or returned with a reason, or withdrawn.

    draft ──propose──▶ proposed ──review──▶ reviewed ──approve──▶ approved
      ▲                   │  ▲                 │
      └──── returned ◀────┴──┼──── return ─────┘         consult: discipline inspection's opinion,
              │ propose      │                                    while proposed or reviewed
              └──────────────┘                           withdraw: any point still being worked on

Every move goes through `point_transition`, which checks ALLOWED, who acts and the row's version, and writes a
PointEvent, an audit event and the notifications in the same transaction.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import override

from qinglian.core.audit import audit_record
from qinglian.core.lib.dates import add_months
from qinglian.core.notify import notification_send
from qinglian.orgs.access import can, nearest_holders
from qinglian.risks.models import RiskPoint
from qinglian.risks.services import levels
from qinglian.risks.services.register import (
    CONSULT,
    MANAGE,
    REVIEW,
    is_proposer,
    lock,
    may_manage_unit,
    owner_in_place,
    point_event,
    point_url,
)
from qinglian.risks.vocab import WORKING_STATUSES, PointEventKind, PointStatus, RoundStatus

S = PointStatus
# action -> (the statuses it starts from, the status it leads to; None: the status stays)
ALLOWED: dict[str, tuple[frozenset[str], str | None]] = {
    "propose": (frozenset({S.DRAFT, S.RETURNED}), S.PROPOSED),
    "review": (frozenset({S.PROPOSED}), S.REVIEWED),
    "consult": (frozenset({S.PROPOSED, S.REVIEWED}), None),
    "approve": (frozenset({S.REVIEWED}), S.APPROVED),
    "return": (frozenset({S.PROPOSED, S.REVIEWED}), S.RETURNED),
    "withdraw": (frozenset(WORKING_STATUSES), S.WITHDRAWN),
}
ACTIONS = tuple(ALLOWED)
# What the person who made the move is told.
DONE = {
    "propose": _lazy("The risk point is proposed: the branch reviews it next."),
    "review": _lazy(
        "The risk point is reviewed: discipline inspection gives its opinion, then the committee approves."
    ),
    "consult": _lazy("Discipline inspection's opinion is recorded."),
    "approve": _lazy("The risk point is approved and on the register."),
    "return": _lazy("The risk point is returned to its proposer."),
    "withdraw": _lazy("The risk point is withdrawn."),
}
EVENTS = {
    "propose": PointEventKind.PROPOSED,
    "review": PointEventKind.REVIEWED,
    "consult": PointEventKind.CONSULTED,
    "approve": PointEventKind.APPROVED,
    "return": PointEventKind.RETURNED,
    "withdraw": PointEventKind.WITHDRAWN,
}


def may_act(user, action: str, point: RiskPoint) -> bool:
    """Whether the user's place lets them take `action` on the point (its status is checked apart)."""
    if action in ("propose", "withdraw"):
        return is_proposer(user, point) or may_manage_unit(user, point)
    if action == "review":
        return can(user, REVIEW, point)
    if action == "consult":
        return can(user, CONSULT, point)
    if action == "approve":
        return can(user, MANAGE, point)
    if action == "return":
        return may_manage_unit(user, point)
    return False


def point_actions(user, point: RiskPoint) -> list[str]:
    """The moves this user may make on the point now, in ACTIONS order (for the page's buttons and the API).

    Approval is offered only once discipline inspection has given its opinion.
    """
    if point.round.status != RoundStatus.OPEN:
        return []
    found = []
    for action, (sources, _target) in ALLOWED.items():
        if point.status not in sources or not may_act(user, action, point):
            continue
        if action == "approve" and not point.discipline_opinion:
            continue
        found.append(action)
    return found


def _refuse_status(point: RiskPoint, action: str) -> None:
    messages = {
        "propose": _("Only a draft or a returned risk point can be proposed."),
        "review": _("Only a proposed risk point can be reviewed by the branch."),
        "consult": _("Discipline inspection gives its opinion while the point is proposed or reviewed."),
        "approve": _("Only a risk point reviewed by the branch can be approved."),
        "return": _("Only a proposed or reviewed risk point can be returned."),
        "withdraw": _("Only a risk point still being worked on can be withdrawn."),
    }
    raise ValidationError(
        "{} {}".format(
            messages[action],
            _("This one is “{status}”.").format(status=point.get_status_display()),
        )
    )


def _check_measures_owned(point: RiskPoint) -> None:
    """A point goes forward only with measures whose owners are still on the unit's register."""
    measures = list(point.measures.select_related("owner__organisation"))
    if not measures:
        raise ValidationError(_("Add at least one prevention and control measure before proposing the point."))
    missing = [n for n, m in enumerate(measures, start=1) if not owner_in_place(m.owner, point.organisation)]
    if missing:
        raise ValidationError(
            _("Measure {n} has no owner on the unit's register: name the member responsible for it first.").format(
                n=missing[0]
            )
        )


@transaction.atomic
def point_transition(
    *, point: RiskPoint, action: str, actor, version: int | None, comment: str = "", opinion: str = ""
) -> RiskPoint:
    """Move a point along ALLOWED (or record discipline inspection's opinion, which leaves the status as it is).

    propose: the proposer, a holder of the post, or the unit's reviewers and managers; review: risks.review;
    consult: risks.consult, with `opinion`; approve: risks.manage, once the opinion is given (the next review
    falls due the level's review cycle from today); return: reviewers and managers, with `comment` as the reason;
    withdraw: the proposer or reviewers and managers. A stale `version` raises Conflict.
    """
    if action not in ALLOWED:
        raise ValidationError(_("Unknown action “{action}”.").format(action=action))
    point = lock(point, version)
    sources, target = ALLOWED[action]
    if actor is not None and not may_act(actor, action, point):
        raise PermissionDenied(_("Your roles at this unit do not let you do this."))
    if point.round.status != RoundStatus.OPEN:
        raise ValidationError(
            _("The round “{round}” is closed: its register no longer changes.").format(round=point.round.title)
        )
    if point.status not in sources:
        _refuse_status(point, action)
    comment, opinion = (comment or "").strip(), (opinion or "").strip()
    now, today = timezone.now(), timezone.localdate()
    user = actor if getattr(actor, "is_authenticated", False) else None
    changes: dict = {"status": [point.status, target]} if target else {}
    if action == "propose":
        _check_measures_owned(point)
        point.proposed_at = now
        if point.proposed_by_id is None:
            point.proposed_by = user
        point.return_reason = ""
    elif action == "review":
        point.reviewed_by, point.reviewed_at = user, now
    elif action == "consult":
        if not opinion:
            raise ValidationError({"opinion": _("Write discipline inspection's opinion.")})
        changes["discipline_opinion"] = [point.discipline_opinion, opinion]
        point.discipline_opinion, point.consulted_by, point.consulted_at = opinion, user, now
        comment = opinion
    elif action == "approve":
        if not point.discipline_opinion:
            raise ValidationError(
                _("Discipline inspection has not given its opinion on this point yet: it cannot be approved.")
            )
        _check_measures_owned(point)
        months = levels.review_months(point.level, org_path=point.organisation.path)
        point.approved_by, point.approved_at = user, now
        point.review_months, point.next_review_on = months, add_months(today, months)
        changes["next_review_on"] = point.next_review_on
    elif action == "return":
        if not comment:
            raise ValidationError({"comment": _("Say why the risk point is returned.")})
        point.return_reason = comment
        # A returned point is reviewed, and given an opinion, afresh once it is changed and proposed again.
        point.reviewed_by = point.reviewed_at = None
        point.discipline_opinion, point.consulted_by, point.consulted_at = "", None, None
    if target:
        point.status = target
    point.version += 1
    point.save()
    point_event(point, EVENTS[action], actor, comment)
    audit_record(actor=actor, action=f"risks.point_{action}", obj=point, changes=changes, reason=comment)
    _notify(point, action, actor, comment)
    return point


def _notify(point: RiskPoint, action: str, actor, comment: str) -> None:
    """Tell the unit's nearest reviewers a point awaits them, and the proposer that it was returned or approved."""
    actor_pk = getattr(actor, "pk", None)
    if action == "propose":
        users = [u for u in nearest_holders(point.organisation, action=REVIEW) if u.pk != actor_pk]
    elif action in ("return", "approve"):
        proposer = point.proposed_by
        users = [proposer] if proposer is not None and proposer.is_active and proposer.pk != actor_pk else []
    else:
        return
    if not users:
        return
    with override(settings.LANGUAGE_CODE):
        title = {
            "propose": _("Risk point to review: {title}"),
            "return": _("Risk point returned: {title}"),
            "approve": _("Risk point approved: {title}"),
        }[action].format(title=point.title[:60])
        if action == "propose":
            body = _("{org}: proposed for the round “{round}”.").format(
                org=point.organisation.name, round=point.round.title
            )
        elif action == "approve":
            body = _("On the register at level {level}; next review by {day}.").format(
                level=point.level, day=point.next_review_on.isoformat()
            )
        else:
            body = comment
    notification_send(users=users, title=title, body=body, url=point_url(point), kind=f"risks.point_{action}")
