"""Retention: what is due for deletion and why, what stands in the way (an open case, an open original or repeat),
and the deletion itself — by a background job, each record an audit event naming it by number only, its case,
outcomes, report and files going with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone

from qinglian.core.lib.dates import add_years
from qinglian.core.models import AuditEvent, Job
from qinglian.discipline.models import Case, Clue, Outcome, Report, ReportAttachment, RevealRequest
from qinglian.discipline.services import retention
from qinglian.discipline.tests.factories import clue_make, lead_user
from qinglian.discipline.tests.factories_sealed import ended_clue, report_make
from qinglian.discipline.vocab import CaseStage, ClueStatus, ReportStatus


def today():
    """The day the test runs (a run can cross midnight after collection)."""
    return timezone.localdate()


def years_ago(n: int, days: int = 0):
    return add_years(today(), -n) - timedelta(days=days)


@pytest.fixture
def lead(cast):
    return lead_user(cast)


def test_the_due_list_follows_the_rule_for_each_kind(cast, lead):
    due = [
        ended_clue(cast, ended_on=years_ago(5, 1), number="了结5年"),
        ended_clue(cast, status=ClueStatus.REFERRED, ended_on=years_ago(6), number="移送6年"),
        ended_clue(cast, status=ClueStatus.REPEATED, ended_on=years_ago(7), number="重复7年"),
        ended_clue(cast, ended_on=years_ago(31), measures=("criticism",), number="处理31年"),
    ]
    kept = [
        ended_clue(cast, ended_on=years_ago(4), number="了结4年"),
        ended_clue(cast, ended_on=years_ago(10), measures=("criticism",), number="处理10年"),
        ended_clue(cast, ended_on=years_ago(6), measures=("clarified",), number="澄清6年"),  # no form: 5 years
        clue_make(cast, status=ClueStatus.VERIFYING, received_on=years_ago(9), number="在办9年"),
    ]
    numbers = set(retention.clues_due(lead).values_list("number", flat=True))
    assert numbers == {c.number for c in due} | {"澄清6年"}
    assert not numbers & {c.number for c in kept[:2] + kept[3:]}
    row = retention.describe_due([Clue.objects.get(number="处理31年")])[0]
    assert (row.rule, row.years, row.outcomes, row.blockers) == ("clue_with_measure", 30, 1, [])
    assert row.due_on == add_years(years_ago(31), 30)


def test_reports_not_accepted_are_due_two_years_after_they_came_in(cast, lead):
    old = report_make(cast, received_on=years_ago(2, 1))
    report_make(cast, received_on=years_ago(1))
    report_make(cast, status=ReportStatus.ACKNOWLEDGED, received_on=years_ago(3))
    assert list(retention.reports_due(lead)) == [old]
    (row,) = retention.describe_due([old])
    assert (row.rule, row.years, row.blockers) == ("report_not_accepted", 2, [])
    assert str(old.pk) in row.number and "王芳" not in row.number


def test_only_holders_of_retention_see_anything_due(cast, lead):
    ended_clue(cast, ended_on=years_ago(6))
    report_make(cast, received_on=years_ago(3))
    assert retention.clues_due(lead).count() == 1 and retention.reports_due(lead).count() == 1
    for name in ("inspector", "admin", "office", "secretary", "discipline"):
        user = cast.users[name]
        assert not retention.clues_due(user).exists() and not retention.reports_due(user).exists(), name


def test_what_stands_in_the_way_is_said_for_each_clue(cast, lead, in_english):
    original = ended_clue(cast, ended_on=years_ago(6), number="原件")
    clue_make(cast, status=ClueStatus.REGISTERED, number="重复件在办")
    Clue.objects.filter(number="重复件在办").update(repeat_of=original)
    open_original = clue_make(cast, status=ClueStatus.VERIFYING, number="原件在核")
    repeat = ended_clue(
        cast, status=ClueStatus.REPEATED, ended_on=years_ago(6), number="重复件", repeat_of=open_original
    )
    appealed = ended_clue(cast, ended_on=years_ago(6), case_stage=CaseStage.APPEAL, number="申诉中")
    blocked = {row.number: row.blockers for row in retention.describe_due([original, repeat, appealed])}
    assert blocked["原件"] == ["Its repeated report 重复件在办 is still open."]
    assert blocked["重复件"] == ["It repeats clue 原件在核, which is still open."]
    assert blocked["申诉中"][0].startswith("Its case") and "is not closed" in blocked["申诉中"][0]
    assert set(retention.clues_due(lead).filter(retention.blocked_q()).values_list("number", flat=True)) == set(blocked)
    # A repeat whose original is closed but still under an appeal stays too.
    under_case = ended_clue(
        cast, status=ClueStatus.REPEATED, ended_on=years_ago(6), number="重复件2", repeat_of=appealed
    )
    assert "whose case is still open" in retention.clue_blockers(under_case)[0]


def test_a_blocked_clue_is_refused_and_nothing_goes(cast, lead, in_english):
    clue = ended_clue(cast, ended_on=years_ago(6), case_stage=CaseStage.APPEAL, measures=("clarified",))
    with pytest.raises(ValidationError) as refused:
        retention.retention_delete(kind="clue", pk=clue.pk, actor=lead)
    assert "was not deleted" in " ".join(refused.value.messages)
    assert Clue.objects.filter(pk=clue.pk).exists() and Outcome.objects.filter(clue=clue).exists()
    assert not AuditEvent.objects.filter(action="discipline.retention.delete").exists()


def test_a_clue_not_due_or_not_ones_own_is_refused(cast, lead, in_english):
    young = ended_clue(cast, ended_on=years_ago(1))
    with pytest.raises(ValidationError) as refused:
        retention.retention_delete(kind="clue", pk=young.pk, actor=lead)
    assert "is not due" in " ".join(refused.value.messages)
    old = ended_clue(cast, ended_on=years_ago(6))
    with pytest.raises(ValidationError):
        retention.retention_delete(kind="clue", pk=old.pk, actor=cast.inspector)
    assert Clue.objects.filter(pk__in=[young.pk, old.pk]).count() == 2


def test_deleting_a_clue_takes_its_case_outcomes_report_and_files_and_audits_the_number_only(
    cast, lead, django_capture_on_commit_callbacks
):
    report = report_make(cast, status=ReportStatus.REGISTERED, received_on=years_ago(32), files=2,
                         reporter={"name": "欧阳娜娜"})  # fmt: skip
    clue = ended_clue(cast, ended_on=years_ago(31), measures=("party_warning", "admin_demerit"), report=report,
                      summary="反映其收受购物卡的详细情况")  # fmt: skip
    RevealRequest.objects.create(clue=clue, requested_by=cast.inspector, reason="核实需要联系举报人")
    names = list(ReportAttachment.objects.filter(report=report).values_list("file", flat=True))
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        changes = retention.retention_delete(kind="clue", pk=clue.pk, actor=lead)
    assert not Clue.objects.filter(pk=clue.pk).exists()
    assert not Case.objects.filter(clue_id=clue.pk).exists() and not Outcome.objects.filter(clue_id=clue.pk).exists()
    assert not Report.objects.filter(pk=report.pk).exists() and not RevealRequest.objects.exists()
    assert not any(default_storage.exists(n) for n in names)
    event = AuditEvent.objects.get(action="discipline.retention.delete")
    assert (event.object_type, event.object_id, event.object_repr, event.sealed) == (
        "discipline.clue", str(clue.pk), clue.number, True,
    )  # fmt: skip
    assert event.changes["outcomes"] == 2 and event.changes["attachments"] == 2 and event.changes["case"]
    assert changes["rule"] == "clue_with_measure"
    text = str(event.changes) + event.object_repr
    for content in ("王芳", "购物卡", "欧阳娜娜"):
        assert content not in text


def test_a_report_not_accepted_goes_with_its_files(cast, lead, django_capture_on_commit_callbacks):
    report = report_make(cast, received_on=years_ago(3), files=1)
    name = ReportAttachment.objects.get(report=report).file.name
    with django_capture_on_commit_callbacks(execute=True):
        retention.retention_delete(kind="report", pk=report.pk, actor=lead)
    assert not Report.objects.filter(pk=report.pk).exists() and not default_storage.exists(name)
    event = AuditEvent.objects.get(action="discipline.retention.delete")
    assert event.object_type == "discipline.report" and "王芳" not in event.object_repr


def test_the_impact_says_what_goes_and_which_years_statistics_change(cast, lead):
    ended_clue(cast, ended_on=years_ago(31), measures=("criticism", "party_warning"))
    ended_clue(cast, ended_on=years_ago(6))
    ended_clue(cast, ended_on=years_ago(6), case_stage=CaseStage.REVIEW, number="审理中")
    report_make(cast, received_on=years_ago(3), files=2)
    impact = retention.impact_of(lead, None)
    assert (impact.clues, impact.reports, impact.cases, impact.outcomes, impact.attachments) == (2, 1, 1, 2, 2)
    assert impact.outcome_years == [years_ago(31).year]
    assert impact.blocked == 1 and impact.blocked_rows[0].number == "审理中"


def test_the_job_deletes_what_may_go_and_says_why_the_rest_stays(cast, lead, django_capture_on_commit_callbacks):
    free = ended_clue(cast, ended_on=years_ago(6), number="可删")
    stuck = ended_clue(cast, ended_on=years_ago(6), case_stage=CaseStage.REVIEW, number="审理中")
    report = report_make(cast, received_on=years_ago(3))
    with django_capture_on_commit_callbacks(execute=True):
        job = retention.retention_start(actor=lead, keys=None, lang="en")
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and (job.done, job.total) == (3, 3)
    assert job.params["deleted"] == ["可删", retention.report_label(report)]
    assert [r["key"] for r in job.params["refused"]] == [f"clue-{stuck.pk}"]
    assert "审理中" in job.params["refused"][0]["reason"]
    assert not Clue.objects.filter(pk=free.pk).exists() and Clue.objects.filter(pk=stuck.pk).exists()
    assert AuditEvent.objects.filter(action="discipline.retention.delete").count() == 2
    assert AuditEvent.objects.filter(action="discipline.retention.start").count() == 1


def test_a_run_with_nothing_due_is_refused(cast, lead, in_english):
    young = ended_clue(cast, ended_on=years_ago(1))
    with pytest.raises(ValidationError) as refused:
        retention.retention_start(actor=lead, keys=[("clue", young.pk)], lang="en")
    assert "Nothing selected" in " ".join(refused.value.messages)
    assert not Job.objects.exists()


def test_parse_keys_keeps_only_well_formed_keys():
    assert retention.parse_keys(["clue-3", "report-4", "clue-3", "case-1", "clue-x", "7"]) == [
        ("clue", 3), ("report", 4),
    ]  # fmt: skip
