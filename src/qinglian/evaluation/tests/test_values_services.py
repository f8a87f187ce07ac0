"""Survey and manual values: one value with its checks and evidence, the version guard, and the import — errors by
row (range, unknown unit or indicator, outside scope, computed indicator, duplicates), nothing saved on error."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from qinglian.evaluation.models import Indicator, Value
from qinglian.evaluation.services import values as services
from qinglian.orgs.services import Conflict

HEADERS = ["Unit", "Period", "Indicator code", "Value", "Respondents", "Standard error"]


def workbook(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _ind(code):
    return Indicator.objects.filter(code=code).order_by("-version").first()


def test_period_parse():
    assert services.period_parse("2025Q3").start.isoformat() == "2025-07-01"
    assert services.period_parse("2025q4").end.isoformat() == "2025-12-31"
    assert services.period_parse(2025.0).key == "2025"
    with pytest.raises(ValidationError):
        services.period_parse("Q3 2025")


def test_value_entry_checks_and_evidence(cast, in_english):
    internal, credibility, meetings = (
        _ind("perceptions.internal"),
        _ind("incidents.credibility"),
        _ind("work.orglife.meetings"),
    )
    org = cast.tree.branch_a
    with pytest.raises(ValidationError, match="between 0 and 100"):
        services.value_create(indicator=internal, organisation=org, period="2025", value=120, actor=cast.office)
    with pytest.raises(ValidationError, match="negative"):
        services.value_create(indicator=internal, organisation=org, period="2025", value=-1, actor=cast.office)
    with pytest.raises(ValidationError, match="computed from the records"):
        services.value_create(indicator=meetings, organisation=org, period="2025", value=0.5, actor=cast.office)
    with pytest.raises(ValidationError, match="evidence"):
        services.value_create(indicator=credibility, organisation=org, period="2025", value=1, actor=cast.office)
    pdf = SimpleUploadedFile("通报.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    row = services.value_create(
        indicator=credibility, organisation=org, period="2025", value=1, evidence=pdf, actor=cast.office
    )
    assert row.evidence and row.evidence_name == "通报.pdf"
    survey = services.value_create(
        indicator=internal, organisation=org, period="2025Q2", value=86, respondents=40, std_error=1.5,
        actor=cast.office,
    )  # fmt: skip
    assert (survey.period_start.month, survey.period_end.month) == (4, 6)
    with pytest.raises(ValidationError):  # the same unit, indicator and period again
        services.value_create(indicator=internal, organisation=org, period="2025Q2", value=80, actor=cast.office)
    services.value_update(row=survey, version=1, value=87, respondents=40, std_error=1.5, actor=cast.office)
    with pytest.raises(Conflict):
        services.value_update(row=survey, version=1, value=88, actor=cast.office)
    assert Value.objects.get(pk=survey.pk).value == 87


def test_import_errors_by_row_and_nothing_saved(cast, in_english):
    t = cast.tree
    data = workbook(
        [
            ["ROOT", "2025", "perceptions.internal", 90, 100, 1.2],  # fine
            ["第一党支部", "2025Q3", "perceptions.internal", 130, None, None],  # out of range
            ["不存在的支部", "2025", "perceptions.internal", 80, None, None],  # unknown unit
            ["第一党支部", "2025", "perceptions.nope", 80, None, None],  # unknown indicator
            ["第一党支部", "2025", "work.orglife.meetings", 0.8, None, None],  # computed
            ["ROOT", "2025", "perceptions.internal", 91, None, None],  # duplicate of row 2
            ["第二党支部", "2025", "perceptions.external", -3, None, None],  # negative
            ["第二党支部", "2025/3", "perceptions.external", 70, None, None],  # bad period
        ]
    )
    job = services.value_import_check(scope=t.root, actor=cast.office, name="survey.xlsx", data=data)
    errors = job.params["errors"]
    assert job.params["state"] == "invalid"
    assert [e["row"] for e in errors] == [3, 4, 5, 6, 7, 8, 9]
    messages = {e["row"]: e["message"] for e in errors}
    assert "between 0 and 100" in messages[3] and "No unit" in messages[4] and "No indicator" in messages[5]
    assert "computed" in messages[6] and "row 2" in messages[7] and "negative" in messages[8]
    assert "quarter" in messages[9]
    assert not Value.objects.exists()
    with pytest.raises(ValidationError):
        services.value_import_confirm(job=job, actor=cast.office)
    assert not Value.objects.exists()


def test_import_outside_scope_refused(cast, in_english):
    manager = cast.secretary_b  # no evaluation.manage: refused outright
    with pytest.raises(Exception):
        services.value_import_check(scope=cast.tree.branch_b, actor=manager, name="s.xlsx", data=workbook([]))
    # the office of branch_a's subtree cannot import for branch_b
    from qinglian.orgs.models import Role
    from qinglian.orgs.services import role_assign

    user = type(cast.office).objects.create_user("mgr_a", "m@example.cn", "pw")
    role_assign(user=user, role=Role.objects.get(code="committee_office"), organisation=cast.tree.branch_a,
                include_subtree=True, actor=None)  # fmt: skip
    data = workbook([["第二党支部", "2025", "perceptions.internal", 80, None, None]])
    job = services.value_import_check(scope=cast.tree.branch_a, actor=user, name="s.xlsx", data=data)
    assert job.params["state"] == "invalid" and "No unit" in job.params["errors"][0]["message"]


def test_import_confirm_saves_all(cast):
    data = workbook(
        [
            ["ROOT", "2025", "perceptions.internal", 90, 100, 1.2],
            ["第二党支部", "2025Q3", "perceptions.external", 75.5, 30, None],
        ]
    )
    job = services.value_import_check(scope=cast.tree.root, actor=cast.office, name="survey.xlsx", data=data)
    assert job.params["state"] == "ready" and not job.params["errors"]
    assert services.value_import_confirm(job=job, actor=cast.office) == 2
    assert Value.objects.count() == 2
    job.refresh_from_db()
    assert job.params["state"] == "done"
    with pytest.raises(ValidationError):  # not twice
        services.value_import_confirm(job=job, actor=cast.office)


def test_template_is_a_workbook(cast):
    data = services.value_template()
    job = services.value_import_check(scope=cast.tree.root, actor=cast.office, name="t.xlsx", data=data)
    assert job.params["total"] == 1  # the example row reads back
