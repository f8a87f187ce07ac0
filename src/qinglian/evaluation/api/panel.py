"""The panel over the API: one or more indicators' values for the branches of a scope over quarters or years, each
missing value with its reason — the same numbers as the page, within the caller's scope (404 for a scope outside
it, and for everyone without evaluation.view)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Query, Router, Schema

from qinglian.evaluation.permissions import VIEW
from qinglian.evaluation.services import panel as services
from qinglian.evaluation.views.panel import PanelForm, visible_units
from qinglian.orgs.access import has_permission

router = Router(tags=["evaluation"])


class PanelUnitOut(Schema):
    id: int
    name: str
    path: str


class PanelPeriodOut(Schema):
    key: str
    start: date
    end: date
    year: int
    quarter: int | None


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    source: str
    flow: bool


class PanelCellOut(Schema):
    unit_id: int
    period: str
    indicator: str
    value: float | None
    missing: str = ""
    note: str = ""


class PanelOut(Schema):
    scope_id: int
    units: list[PanelUnitOut]
    periods: list[PanelPeriodOut]
    indicators: list[IndicatorOut]
    values: list[PanelCellOut]


@router.get("/panel", response=PanelOut, summary="Panel data: units × periods × indicators")
def panel_get(
    request,
    org_id: int | None = None,
    freq: str = "quarter",
    first: int | None = None,
    last: int | None = None,
    indicator: Query[list[str]] = None,
):
    """Values of the active branches under `org_id` (default: the caller's top unit) for each quarter (`freq=quarter`)
    or year (`freq=year`) from `first` to `last`, for the indicators named (`indicator`, repeatable; default: every
    indicator on offer). A None value comes with the reason in `missing`."""
    if not has_permission(request.user, VIEW):
        raise Http404
    data = {"org": org_id, "freq": freq, "first": first, "last": last}
    form = PanelForm({k: str(v) for k, v in data.items() if v not in (None, "")}, user=request.user)
    if not form.is_valid():
        if "org" in form.errors:
            raise Http404
        raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
    org = form.cleaned_data["org"]
    try:
        built = services.build_panel(
            scope=org, periods=form.periods(), codes=list(indicator) if indicator else None,
            units=visible_units(request.user, org),
        )  # fmt: skip
    except services.PanelError as exc:
        raise ValidationError({"indicator": [str(exc)]}) from None
    cells = [
        {"unit_id": unit.pk, "period": period.key, "indicator": ind.code,
         "value": built.values.get((unit.pk, period.key, ind.code)),
         "missing": built.missing.get((unit.pk, period.key, ind.code), ""),
         "note": built.notes.get((unit.pk, period.key, ind.code), "")}
        for unit in built.units for period in built.periods for ind in built.indicators
    ]  # fmt: skip
    return {
        "scope_id": org.pk,
        "units": [{"id": u.pk, "name": u.name, "path": u.path} for u in built.units],
        "periods": built.periods,
        "indicators": [
            {"code": i.code, "name": i.name, "unit": i.unit, "source": i.source, "flow": i.flow}
            for i in built.indicators
        ],
        "values": cells,
    }
