"""The contribution analysis: rows of the route table.

branch_b has a stored analysis (evaluation_contribution_b) and a campaign (evaluation_contribution_campaign): read by
those who hold evaluation.view over branch_b (secretary_b, the office, the inspector, the auditor); branch_a's
secretary, members and outsiders get 404. Only the committee office (evaluation.manage) runs analyses and records
campaigns.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

NO_VIEW = ("outsider", "member", "liaison", "organiser")
B_REFUSED = (*NO_VIEW, "secretary", "manager_a")
MANAGE_REFUSED = (*NO_VIEW, "secretary", "secretary_b", "auditor", "inspector")
TITLE = "内部评价与学习学时的关联（测试）"
CAMPAIGN = "警示教育月（测试）"


def world_extend(world) -> None:
    from qinglian.evaluation.models import Analysis, Campaign

    branch_b = world.cast.tree.branch_b
    analysis = Analysis.objects.create(
        organisation=branch_b, kind="twfe", title=TITLE, params={"lag": 1},
        result={"estimates": [{"name": "x", "label": "x", "coef": 0.5, "se": 0.1, "p_value": 0.01, "ci_low": 0.3,
                               "ci_high": 0.7, "verdict": "evidence"}],
                "n": 40, "units": 10, "periods": 4, "inference": "cluster", "grade": "associational",
                "verdict": "evidence", "caveats": ["association"], "level": 0.95},
    )  # fmt: skip
    campaign = Campaign.objects.create(organisation=branch_b, name=CAMPAIGN)
    world.extra.update(evaluation_contribution_b=analysis, evaluation_contribution_campaign=campaign)


ROUTES = [
    Route("evaluation:contribution_list", refused=NO_VIEW, allowed="secretary_b", secret=lambda w: TITLE),
    Route("evaluation:contribution_run", refused=MANAGE_REFUSED, allowed="office"),
    Route(
        "evaluation:contribution_detail",
        kwargs=lambda w: {"pk": w.extra["evaluation_contribution_b"].pk},
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: TITLE,
    ),
    Route("evaluation:campaign_create", refused=MANAGE_REFUSED, allowed="office"),
    Route(
        "evaluation:campaign_detail",
        kwargs=lambda w: {"pk": w.extra["evaluation_contribution_campaign"].pk},
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: CAMPAIGN,
    ),
]
