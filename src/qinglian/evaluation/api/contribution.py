"""The contribution analysis over the API: the stored analyses (list, one) and running one. The same services and
access rules as the pages: reading needs evaluation.view over the analysis's unit, running evaluation.manage over
the units analysed (404 otherwise); a refusal of the data (too few units, no variation) answers 400 with the
reason."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404
from ninja import Field, Router, Schema, Status

from qinglian.evaluation.models import Analysis, Campaign
from qinglian.evaluation.permissions import MANAGE, VIEW
from qinglian.evaluation.services import contribution as services
from qinglian.evaluation.services.panel import PanelError, quarters, years
from qinglian.orgs.access import can, get_visible_or_404, has_permission, scope_q
from qinglian.orgs.models import Organisation

router = Router(tags=["evaluation"])


class AnalysisOut(Schema):
    id: int
    organisation_id: int
    kind: str
    title: str
    params: dict
    result: dict = Field(
        description="estimates (coef, se, p_value, ci_low, ci_high, verdict), n, units, periods, inference, grade, "
        "verdict, caveats (keys; their texts in caveat_texts), events for a campaign"
    )
    caveat_texts: list[str]
    created_at: datetime

    @staticmethod
    def resolve_caveat_texts(obj) -> list[str]:
        return services.caveat_texts(obj.result.get("caveats", []))


class ContributionRunIn(Schema):
    kind: Literal["twfe", "shapley", "did"]
    organisation_id: int | None = Field(None, description="the unit whose branches are analysed (twfe, shapley)")
    campaign_id: int | None = Field(None, description="the campaign (did)")
    outcome: str
    inputs: list[str] = []
    groups: list[str] = []
    lag: int = Field(1, ge=0, le=4)
    frequency: Literal["q", "y"] = "q"
    first_year: int = Field(..., ge=1900, le=2999)
    last_year: int = Field(..., ge=1900, le=2999)


class ErrorOut(Schema):
    detail: str


def _visible(user):
    return Analysis.objects.filter(scope_q(user, VIEW, model=Analysis))


@router.get("/contribution/analyses", response=list[AnalysisOut])
def analysis_list(request, limit: int = 100):
    if not has_permission(request.user, VIEW):
        raise Http404
    return list(_visible(request.user)[: max(1, min(limit, 500))])


@router.get("/contribution/analyses/{analysis_id}", response=AnalysisOut)
def analysis_get(request, analysis_id: int):
    if not has_permission(request.user, VIEW):
        raise Http404
    return get_visible_or_404(Analysis.objects.all(), request.user, VIEW, pk=analysis_id)


@router.post("/contribution/analyses", response={201: AnalysisOut, 400: ErrorOut})
def analysis_run(request, payload: ContributionRunIn):
    user = request.user
    if not has_permission(user, MANAGE):
        raise Http404
    if payload.first_year > payload.last_year:
        return Status(400, {"detail": "first_year is after last_year"})
    periods = (quarters if payload.frequency == "q" else years)(payload.first_year, payload.last_year)
    try:
        if payload.kind == "did":
            campaign = get_visible_or_404(Campaign.objects.all(), user, MANAGE, pk=payload.campaign_id)
            analysis = services.campaign_effect(campaign=campaign, outcome=payload.outcome, periods=periods, actor=user)
        else:
            scope = Organisation.objects.filter(pk=payload.organisation_id, is_active=True).first()
            if scope is None or not can(user, MANAGE, scope):
                raise Http404
            if payload.kind == "twfe":
                analysis = services.fixed_effects(
                    scope=scope, outcome=payload.outcome, inputs=payload.inputs, lag=payload.lag, periods=periods,
                    actor=user,
                )  # fmt: skip
            else:
                analysis = services.shapley_shares(
                    scope=scope, outcome=payload.outcome, groups=payload.groups, lag=payload.lag, periods=periods,
                    actor=user,
                )  # fmt: skip
    except (services.ContributionError, PanelError) as error:
        return Status(400, {"detail": str(error)})
    return Status(201, analysis)
