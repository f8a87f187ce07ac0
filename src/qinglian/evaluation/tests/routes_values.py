"""Survey and manual values: rows of the route table.

branch_b has a survey value with an evidence file (evaluation_values_b) and the office a checked import
(evaluation_values_job). Only the committee office (evaluation.manage) reaches the values; manager_a (committee
office on branch_a's subtree) does not reach branch_b's value; the evidence is read by branch_b's readers.
"""

from __future__ import annotations

from qinglian.core.tests.web import Route

NO_MANAGE = ("outsider", "member", "liaison", "organiser", "secretary", "secretary_b", "auditor", "inspector")
EVIDENCE_REFUSED = ("outsider", "member", "liaison", "organiser", "secretary", "manager_a")


def world_extend(world) -> None:
    from datetime import date

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from qinglian.core.jobs import job_create
    from qinglian.evaluation.models import Indicator, Value
    from qinglian.evaluation.services.values import IMPORT_KIND

    stored = default_storage.save("evaluation/evidence/route-test.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    indicator = Indicator.objects.filter(code="perceptions.internal").order_by("-version").first()
    value = Value.objects.create(
        indicator=indicator, organisation=world.cast.tree.branch_b, period_start=date(2002, 1, 1),
        period_end=date(2002, 12, 31), value=88, evidence=stored, evidence_name="问卷汇总.pdf",
    )  # fmt: skip
    job = job_create(
        owner=world.cast.office, kind=IMPORT_KIND, title="import",
        params={"scope": world.cast.tree.root.pk, "state": "invalid", "errors": [], "error_count": 0, "total": 1},
    )  # fmt: skip
    world.extra.update(evaluation_values_b=value, evaluation_values_job=job)


def _value(world) -> dict:
    return {"pk": world.extra["evaluation_values_b"].pk}


def _job(world) -> dict:
    return {"pk": world.extra["evaluation_values_job"].pk}


ROUTES = [
    Route("evaluation:value_list", refused=NO_MANAGE, allowed="office"),
    Route("evaluation:value_create", refused=NO_MANAGE, allowed="office"),
    Route("evaluation:value_edit", kwargs=_value, refused=(*NO_MANAGE, "manager_a"), allowed="office"),
    Route("evaluation:value_evidence", kwargs=_value, refused=EVIDENCE_REFUSED, allowed="secretary_b"),
    Route("evaluation:value_template", refused=NO_MANAGE, allowed="office"),
    Route("evaluation:value_import", refused=NO_MANAGE, allowed="office"),
    Route("evaluation:value_import_detail", kwargs=_job, refused=(*NO_MANAGE, "manager_a"), allowed="office"),
    Route("evaluation:value_import_confirm", "post", kwargs=_job, refused=(*NO_MANAGE, "manager_a"), allowed="office"),
]
