"""Reminders of the register in people's inboxes (core.registry.add_reminders; the daily task calls each with
the day):

- once a week, each point in force whose periodic review is overdue is brought to the unit's nearest reviewers
  (risks.review; where the unit has none, its nearest managers);
- when an open round's proposals fall due within ROUND_DUE_DAYS days, once per round: each holder of a post
  with no point in the round (who has a login), and the nearest reviewers of each unit with such posts.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core.notify import notification_send
from qinglian.orgs.access import nearest_holders
from qinglian.orgs.models import Member, subtree_q
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.risks.models import Post, RiskRound
from qinglian.risks.services.register import point_url
from qinglian.risks.services.rounds import LIVE_STATUSES, MANAGE, REVIEW, points_in_force
from qinglian.risks.todos import propose_url

ROUND_DUE_DAYS = 3


def _week(today: date) -> str:
    return "{}-W{:02d}".format(*today.isocalendar()[:2])


def _reviewers(org, today: date) -> list:
    return list(nearest_holders(org, action=REVIEW, on=today)) or list(nearest_holders(org, action=MANAGE, on=today))


def review_overdue_reminders(today: date) -> int:
    """Tell the unit's nearest reviewers of each point in force whose review is overdue, once a week."""
    overdue = points_in_force().filter(next_review_on__lt=today).select_related("organisation").order_by("organisation")
    week = _week(today)
    reviewers: dict[int, list] = {}
    sent = 0
    for point in overdue:
        org = point.organisation
        if org.pk not in reviewers:
            reviewers[org.pk] = _reviewers(org, today)
        # Notifications are stored as written: write them in the site's language.
        with override(settings.LANGUAGE_CODE):
            title = _("Risk point review overdue: {title}").format(title=point.title[:60])
            body = _("{org}: the periodic review was due on {day}.").format(
                org=org.name, day=point.next_review_on.isoformat()
            )
        sent += len(
            notification_send(
                users=reviewers[org.pk],
                title=title,
                body=body,
                url=point_url(point),
                kind="risks.review_overdue",
                dedupe_key=f"risks.review_overdue:{point.pk}:{week}",
            )
        )
    return sent


def _uncovered_posts(risk_round: RiskRound) -> list[Post]:
    covered = risk_round.points.filter(status__in=LIVE_STATUSES, post__isnull=False).values("post_id")
    return list(
        Post.objects.active()
        .filter(subtree_q(risk_round.organisation.path, "organisation__"), organisation__is_active=True)
        .exclude(pk__in=covered)
        .select_related("organisation")
    )


def _holders(posts: list[Post], root) -> dict[int, list]:
    """Post id -> the active logins of its holders (one query for all the posts)."""
    people = (
        Member.objects.filter(subtree_q(root.path, "organisation__"), status__in=ON_REGISTER)
        .filter(post__in={p.name for p in posts}, user__isnull=False, user__is_active=True)
        .select_related("organisation", "user")
    )
    found: dict[int, list] = {p.pk: [] for p in posts}
    for member in people:
        for post in posts:
            if (
                member.post == post.name
                and member.organisation.path.startswith(post.organisation.path)
                and (post.department_id is None or post.department_id == member.department_id)
            ):
                found[post.pk].append(member.user)
    return found


def round_due_reminders(today: date) -> int:
    """Remind the holders of posts with nothing proposed, and their units' reviewers, that an open round's
    proposals fall due within ROUND_DUE_DAYS days (once per round)."""
    rounds = (
        RiskRound.objects.open()
        .filter(Q(due_on__gte=today, due_on__lte=today + timedelta(days=ROUND_DUE_DAYS)))
        .select_related("organisation")
    )
    sent = 0
    for risk_round in rounds:
        posts = _uncovered_posts(risk_round)
        if not posts:
            continue
        holders = _holders(posts, risk_round.organisation)
        key = f"risks.round_due:{risk_round.pk}"
        with override(settings.LANGUAGE_CODE):
            for post in posts:
                title = _("Propose the risk points of your post “{post}” by {day}").format(
                    post=post, day=risk_round.due_on.isoformat()
                )
                body = _(
                    "The identification round “{round}” asks each post holder to propose the integrity risks of "
                    "their post."
                ).format(round=risk_round.title)
                sent += len(
                    notification_send(
                        users=holders[post.pk],
                        title=title,
                        body=body,
                        url=propose_url(post),
                        kind="risks.round_due",
                        dedupe_key=f"{key}:post:{post.pk}",
                    )
                )
            units: dict[int, list[Post]] = {}
            for post in posts:
                units.setdefault(post.organisation_id, []).append(post)
            for unit_posts in units.values():
                org = unit_posts[0].organisation
                names = "、".join(str(p) for p in unit_posts[:10])
                title = _("{n} posts of {org} have proposed no risk point yet").format(n=len(unit_posts), org=org.name)
                body = _("Proposals for “{round}” are due on {day}: {posts}.").format(
                    round=risk_round.title, day=risk_round.due_on.isoformat(), posts=names
                )
                sent += len(
                    notification_send(
                        users=_reviewers(org, today),
                        title=title,
                        body=body,
                        url=reverse("risks:round_detail", args=[risk_round.pk]),
                        kind="risks.round_due",
                        dedupe_key=f"{key}:unit:{org.pk}",
                    )
                )
    return sent
