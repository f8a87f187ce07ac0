"""The four-forms statistics page (tables by unit, period and source, the clue-handling counts, one chart) and its
exports (.xlsx, .docx): for those who hold discipline.stats, over the clues handled where they hold it."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from qinglian.core.views import permission_required
from qinglian.discipline.forms.stats import StatsFilterForm
from qinglian.discipline.permissions import STATS
from qinglian.discipline.services import stats as services
from qinglian.discipline.services import stats_export as exports
from qinglian.discipline.services.access import require_module
from qinglian.discipline.vocab import FORM_SHORT, Form
from qinglian.reports.docx import CONTENT_TYPE as DOCX_TYPE
from qinglian.reports.xlsx import XLSX_TYPE

FORM_COLOURS = ["#43a047", "#fb8c00", "#e53935", "#6d1b7b"]


def _chart(stats: services.Statistics) -> dict:
    """The chart's data: persons-times under each form by period (the table under it holds the same numbers)."""
    return {
        "periods": [row.label for row in stats.periods.rows],
        "series": [
            {
                "name": str(FORM_SHORT[form]),
                "colour": FORM_COLOURS[i],
                "values": [r.counts[i] for r in stats.periods.rows],
            }
            for i, form in enumerate(Form)
        ],
    }


@permission_required(STATS)
def stats_table(request):
    require_module(request.user)
    form = StatsFilterForm(request.GET or None, user=request.user)
    stats = services.statistics(request.user, form.filters())
    context = {
        "form": form,
        "stats": stats,
        "forms": [FORM_SHORT[f] for f in Form],
        "chart": _chart(stats),
        "query": request.GET.urlencode(),
        "tables": [
            ("units", _("By the unit of the person"), _("Unit"), stats.units),
            ("periods", _("By period"), _("Period"), stats.periods),
            ("sources", _("By source"), _("Source"), stats.sources),
        ],
    }
    return render(request, "discipline/stats_table.html", context)


@permission_required(STATS)
def stats_export(request, fmt: str):
    require_module(request.user)
    if fmt not in exports.FORMATS:
        raise Http404
    form = StatsFilterForm(request.GET or None, user=request.user)
    flt = form.filters()
    if services.outcomes_in(request.user, flt).count() > exports.INLINE_MAX:
        job = exports.stats_job_start(owner=request.user, params=flt.as_params(), fmt=fmt, lang=get_language())
        return redirect("core:job_detail", pk=job.pk)
    data = exports.stats_export(user=request.user, stats=services.statistics(request.user, flt), fmt=fmt)
    response = HttpResponse(data, content_type=XLSX_TYPE if fmt == "xlsx" else DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, exports.file_name(fmt))
    return response


urls = [
    path("statistics/", stats_table, name="stats_table"),
    path("statistics/export.<str:fmt>", stats_export, name="stats_export"),
]
