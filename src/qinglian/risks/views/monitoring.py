"""Monitoring's pages: the warnings of the scope (reviews overdue and due, measures without an owner, posts
without any identified risk, points raised for review) and the heat map (unit × business process, and the
likelihood × impact matrix), both over the user's scope and the units where they hold risks.view."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from qinglian.core.views import permission_required
from qinglian.orgs.access import can
from qinglian.orgs.middleware import scope_or_404
from qinglian.risks.services import monitoring
from qinglian.risks.services.rounds import MANAGE, REVIEW, VIEW, rounds_in_force


@permission_required(VIEW)
def warnings(request):
    root = scope_or_404(request)
    today = timezone.localdate()
    cards = monitoring.warnings(root, today=today, user=request.user)
    for card in cards:
        for row in card.rows:
            if card.key == "posts_uncovered":
                row.may_record = can(request.user, REVIEW, row) or can(request.user, MANAGE, row)
            elif card.key == "reviews_overdue":
                row.days_overdue = (today - row.next_review_on).days
    context = {"root": root, "today": today, "cards": cards, "due_days": monitoring.DUE_DAYS}
    return render(request, "risks/monitoring_warnings.html", context)


@permission_required(VIEW)
def heat_map(request):
    root = scope_or_404(request)
    in_force = rounds_in_force(root)
    context = {
        "root": root,
        "heat": monitoring.heat_map(root, user=request.user),
        "matrix": monitoring.risk_matrix(root, user=request.user),
        "in_force": in_force,
        # The register's cells link to the register of the round in force, when one round makes it up.
        "round": in_force[0] if len(in_force) == 1 else None,
    }
    return render(request, "risks/heatmap.html", context)


urls = [
    path("warnings/", warnings, name="warnings"),
    path("heat-map/", heat_map, name="heat_map"),
]
