"""The rectification ledger (整改台账): a unit's items by unit and source with their closure figures, and its
exports as .xlsx and .docx (written by a background job)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from qinglian.core.views import permission_required
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.models import Organisation
from qinglian.rectification.exports import FORMATS, ledger_items
from qinglian.rectification.services.items import VIEW
from qinglian.rectification.stats import ledger_table
from qinglian.rectification.tasks import ledger_job_start
from qinglian.rectification.views.common import scope_for, units_for, year_param

UNITS_SHOWN = 300


def _ledger_org(request, scope: Organisation) -> Organisation:
    chosen = request.GET.get("org") or request.POST.get("org") or ""
    if chosen.isdigit() and int(chosen) != scope.pk:
        return get_visible_or_404(Organisation.objects, request.user, VIEW, pk=int(chosen))
    if not can(request.user, VIEW, scope):
        unit = units_for(request.user, scope, VIEW).first()
        if unit is None:
            raise Http404
        return unit
    return scope


def _year(raw) -> int | None:
    """A year, or None for every year ("all")."""
    if raw == "all":
        return None
    return year_param(raw) or timezone.localdate().year


@permission_required(VIEW)
def ledger(request):
    """The unit's items by responsible unit and source: how many, being rectified, overdue, awaiting
    verification, closed, the closure rate and the median days to close."""
    scope = scope_for(request, VIEW)
    org = _ledger_org(request, scope)
    year = _year(request.GET.get("year"))
    today = timezone.localdate()
    table = ledger_table(ledger_items(request.user, org, year), today=today)
    options = list(units_for(request.user, scope, VIEW)[:UNITS_SHOWN])
    if org.pk not in {o.pk for o in options}:
        options.insert(0, org)
    context = {
        "org": org,
        "year": year,
        "years": range(today.year, today.year - 6, -1),
        "table": table,
        "rows": [
            (line, [line.cells.get(value) for value, _label in table.sources]) for line in table.units[:UNITS_SHOWN]
        ],
        "footer": [table.by_source[value] for value, _label in table.sources],
        "cut": len(table.units) > UNITS_SHOWN,
        "options": options if len(options) > 1 else [],
        "formats": FORMATS,
        "today": today,
    }
    return render(request, "rectification/ledger.html", context)


@permission_required(VIEW)
@require_POST
def ledger_export(request):
    """Start the ledger export as a background job and go to its progress page."""
    org = _ledger_org(request, scope_for(request, VIEW))
    fmt = request.POST.get("format", "")
    if fmt not in FORMATS:
        raise Http404
    year = _year(request.POST.get("year"))
    job = ledger_job_start(owner=request.user, org=org, year=year, fmt=fmt, lang=get_language())
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("core:job_detail", args=[job.pk])
        return response
    return redirect("core:job_detail", pk=job.pk)


urls = [
    path("ledger/", ledger, name="ledger"),
    path("ledger/export/", ledger_export, name="ledger_export"),
]
