"""Identification rounds and monitoring on people's home pages (core.registry.add_todos).

- a post holder: each post of theirs with no point in the open round ("propose risk points for your post by
  <due>"), and the points copied from last year for their post still to be confirmed or changed;
- the branch's reviewers (nearest holders of risks.review): proposed points awaiting their review (their own
  proposals left out: someone else reviews those);
- discipline inspection (nearest holders of risks.consult): points reviewed by the branch awaiting its opinion;
- the committee (nearest holders of risks.manage): reviewed points with discipline's opinion awaiting approval;
- the unit's reviewers: periodic reviews overdue on the register in force.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.registry import TodoItem
from qinglian.orgs.access import has_permission, nearest_q
from qinglian.risks.models import RiskPoint, RiskRound
from qinglian.risks.services.register import member_of, open_round, point_url, posts_held
from qinglian.risks.services.rounds import (
    CONSULT,
    LIVE_STATUSES,
    MANAGE,
    REVIEW,
    points_in_force,
)
from qinglian.risks.vocab import PointStatus

TODO_MAX = 20


def _open_points():
    return RiskPoint.objects.filter(round__in=RiskRound.objects.open())


def propose_url(post) -> str:
    """Where a post holder records a risk point for their post."""
    return reverse("risks:point_create") + f"?unit={post.organisation_id}&post={post.pk}"


def holder_todos(user) -> list[TodoItem]:
    """The post holder's posts with nothing proposed in the open round, and last year's points to confirm."""
    posts = list(posts_held(member_of(user)).select_related("organisation", "department"))
    # A member may hold a post of the same name at their group and at its branch: name the unit to tell them apart.
    names = [str(post) for post in posts]
    found: list[TodoItem] = []
    for post in posts:
        label = f"{post} · {post.organisation.display_name}" if names.count(str(post)) > 1 else str(post)
        risk_round = open_round(post.organisation)
        if risk_round is None:
            continue
        points = list(
            risk_round.points.filter(post=post, status__in=LIVE_STATUSES).only("pk", "title", "status", "copied_from")
        )
        if not points:
            found.append(
                TodoItem(
                    title=_("Propose the risk points of your post “{post}” for “{round}”").format(
                        post=label, round=risk_round.title
                    ),
                    url=propose_url(post),
                    due=risk_round.due_on,
                    kind=_("Risk identification"),
                    overdue=bool(risk_round.due_on and risk_round.due_on < timezone.localdate()),
                )
            )
            continue
        for point in points:
            if point.status == PointStatus.DRAFT and point.copied_from_id:
                found.append(
                    TodoItem(
                        title=_("Confirm or change last year's risk point: {title}").format(title=point.title[:60]),
                        url=point_url(point),
                        due=risk_round.due_on,
                        kind=_("Risk identification"),
                        overdue=bool(risk_round.due_on and risk_round.due_on < timezone.localdate()),
                    )
                )
    return found[:TODO_MAX]


def _waiting(user, action: str, q: Q, title: str, kind: str) -> list[TodoItem]:
    if not has_permission(user, action):
        return []
    points = (
        _open_points()
        .filter(q)
        .filter(nearest_q(user, action, model=RiskPoint))
        .select_related("organisation", "round")
        .order_by("round__due_on", "pk")[:TODO_MAX]
    )
    return [
        TodoItem(
            title=title.format(title=p.title[:50], org=p.organisation.display_name),
            url=point_url(p),
            due=p.round.due_on,
            kind=kind,
        )
        for p in points
    ]


def reviewer_todos(user) -> list[TodoItem]:
    """Proposed points awaiting the branch's review (not the reviewer's own proposals)."""
    mine = Q(proposed_by=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])
    return _waiting(
        user,
        REVIEW,
        Q(status=PointStatus.PROPOSED) & ~mine,
        _("Review the proposed risk point: {title} ({org})"),
        _("Risk points to review"),
    )


def consult_todos(user) -> list[TodoItem]:
    """Points reviewed by the branch that await discipline inspection's opinion."""
    return _waiting(
        user,
        CONSULT,
        Q(status=PointStatus.REVIEWED, discipline_opinion=""),
        _("Give discipline inspection's opinion: {title} ({org})"),
        _("Risk points for an opinion"),
    )


def approver_todos(user) -> list[TodoItem]:
    """Reviewed points with discipline inspection's opinion that await the committee's approval."""
    return _waiting(
        user,
        MANAGE,
        Q(status=PointStatus.REVIEWED) & ~Q(discipline_opinion=""),
        _("Approve the risk point: {title} ({org})"),
        _("Risk points to approve"),
    )


def review_overdue_todos(user) -> list[TodoItem]:
    """Periodic reviews overdue on the register in force, for the unit's nearest reviewers."""
    if not has_permission(user, REVIEW):
        return []
    today = timezone.localdate()
    points = (
        points_in_force()
        .filter(next_review_on__lt=today)
        .filter(nearest_q(user, REVIEW, model=RiskPoint))
        .select_related("organisation")
        .order_by("next_review_on", "pk")[:TODO_MAX]
    )
    return [
        TodoItem(
            title=_("Periodic review overdue: {title} ({org})").format(
                title=p.title[:50], org=p.organisation.display_name
            ),
            url=point_url(p),
            due=p.next_review_on,
            kind=_("Risk reviews"),
            overdue=True,
        )
        for p in points
    ]
