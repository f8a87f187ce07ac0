"""The evaluation dashboard: ranking among peers, one unit's layers on a radar, its trend over the years, the tree
coloured by score and the latest contribution findings with their intervals; each chart with its table.

Without a cycle (`?cycle=`) the page opens the latest cycle the viewer may see. Everything is read within the
viewer's scope.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import path

from qinglian.core.views import permission_required
from qinglian.evaluation.permissions import VIEW
from qinglian.evaluation.services import dashboards as services


def cycle_visible_or_404(user, pk: int):
    cycle = services.cycles_visible(user).filter(pk=pk).first()
    if cycle is None:
        raise Http404
    return cycle


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _render(request, cycle):
    context = {"cycle": cycle}
    if cycle is not None:
        board = services.board_read(
            user=request.user,
            cycle=cycle,
            org_id=_int(request.GET.get("org")),
            peer_group=request.GET.get("peers") or None,
        )
        context.update(board=board, charts=services.chart_data(board))
    return render(request, "evaluation/dashboard.html", context)


@permission_required(VIEW)
def dashboard(request):
    pk = _int(request.GET.get("cycle"))
    if pk is not None:
        return _render(request, cycle_visible_or_404(request.user, pk))
    return _render(request, services.cycle_latest(request.user))


@permission_required(VIEW)
def dashboard_cycle(request, pk: int):
    return _render(request, cycle_visible_or_404(request.user, pk))


urls = [
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/<int:pk>/", dashboard_cycle, name="dashboard_cycle"),
]
