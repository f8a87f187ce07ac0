"""The four-forms statistics over the API: the tables as JSON, with the page's filters, and the exports.

Only holders of discipline.stats reach these endpoints (404 for everyone else); they count the outcomes on clues
handled where the caller holds it. Aggregates only: no name, no content.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from qinglian.discipline.forms.stats import StatsFilterForm
from qinglian.discipline.services import stats as services
from qinglian.discipline.services import stats_export as exports
from qinglian.discipline.services.access import require_module
from qinglian.reports.docx import CONTENT_TYPE as DOCX_TYPE
from qinglian.reports.xlsx import XLSX_TYPE

router = Router(tags=["discipline"])


class StatsRowOut(Schema):
    key: str
    label: str
    org_id: int | None = None
    total: int
    counts: list[int] = Field(description="persons-times under the first, second, third and fourth form")
    shares: list[float | None] = Field(description="each form's share of the row's total, in %, to one decimal")

    @staticmethod
    def resolve_shares(obj) -> list[float | None]:
        return [obj.share(i) for i in range(4)]


class StatsTableOut(Schema):
    rows: list[StatsRowOut]
    total: StatsRowOut


class CountOut(Schema):
    label: str
    count: int


class HandlingOut(Schema):
    received: list[CountOut]
    received_total: int
    repeated: int = Field(description="repeated reports linked to a clue, not counted as received")
    disposed: list[CountOut]
    disposed_total: int
    cleared: int
    cases_filed: int
    cases_closed: int
    judicial: int
    referred: int

    @staticmethod
    def resolve_received(obj) -> list[dict]:
        return [{"label": label, "count": n} for label, n in obj.received]

    @staticmethod
    def resolve_disposed(obj) -> list[dict]:
        return [{"label": label, "count": n} for label, n in obj.disposed]


class FiltersOut(Schema):
    date_from: date
    date_to: date
    period: str
    org_id: int | None
    level: int
    source: str

    @staticmethod
    def resolve_org_id(obj) -> int | None:
        return obj.org.pk if obj.org else None


class StatsOut(Schema):
    filters: FiltersOut
    summary: str
    units: StatsTableOut
    periods: StatsTableOut
    sources: StatsTableOut
    handling: HandlingOut


class ExportJobOut(Schema):
    job_id: str
    detail: str


def _filters(request, date_from, date_to, period, org_id, level, source) -> services.Filters:
    require_module(request.user)
    if not services.may_see(request.user):
        raise Http404
    data = {"date_from": date_from, "date_to": date_to, "period": period, "org": org_id, "level": level,
            "source": source}  # fmt: skip
    form = StatsFilterForm({k: str(v) for k, v in data.items() if v not in (None, "")}, user=request.user)
    if not form.is_valid():
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    return form.filters()


@router.get("/statistics", response=StatsOut, summary="The four-forms statistics (discipline.stats)")
def stats_get(
    request,
    date_from: date | None = None,
    date_to: date | None = None,
    period: str = "",
    org_id: int | None = None,
    level: int | None = None,
    source: str = "",
):
    """Persons-times under each form by the reported person's unit (rolled up to tree depth `level`), by period
    (`period`: year, quarter or month) and by source, with totals and shares; and the clue-handling counts. Outcomes
    decided between `date_from` and `date_to` (default: this year so far)."""
    return services.statistics(request.user, _filters(request, date_from, date_to, period, org_id, level, source))


@router.get(
    "/statistics/export",
    response={200: None, 202: ExportJobOut},
    summary="The statistics as .xlsx or .docx (a background job when large)",
)
def stats_export(
    request,
    format: str = "xlsx",
    date_from: date | None = None,
    date_to: date | None = None,
    period: str = "",
    org_id: int | None = None,
    level: int | None = None,
    source: str = "",
):
    """The file itself, or 202 with a job whose page (/jobs/<id>/) offers it when done."""
    flt = _filters(request, date_from, date_to, period, org_id, level, source)
    if format not in exports.FORMATS:
        raise ValidationError({"format": _("Choose xlsx or docx.")})
    if services.outcomes_in(request.user, flt).count() > exports.INLINE_MAX:
        job = exports.stats_job_start(owner=request.user, params=flt.as_params(), fmt=format, lang=get_language())
        return Status(202, {"job_id": str(job.pk), "detail": reverse("core:job_detail", args=[job.pk])})
    data = exports.stats_export(user=request.user, stats=services.statistics(request.user, flt), fmt=format)
    response = HttpResponse(data, content_type=XLSX_TYPE if format == "xlsx" else DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, exports.file_name(format))
    return response
