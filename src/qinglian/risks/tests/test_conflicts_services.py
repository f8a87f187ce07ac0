"""The supplier register and the check as services: clear refusals with nothing saved, a check run end to end
through its job, which declarations it reads, decisions carried over to the next check, version clashes, and
that nobody but discipline inspection hears of a match."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qinglian.core.models import AuditEvent, Job, Notification
from qinglian.orgs.services import Conflict, member_set_id_number
from qinglian.risks.models import ConflictCheck, ConflictMatch, Supplier
from qinglian.risks.services.conflicts import (
    check_run,
    check_state,
    match_decide,
    supplier_create,
    supplier_delete,
    supplier_token,
    supplier_update,
)
from qinglian.risks.tests.factories_conflicts import (
    business_row,
    code,
    declare,
    family_row,
    id_number,
    supplier_make,
)
from qinglian.risks.vocab import SectionStatus

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def run(cast, django_capture_on_commit_callbacks):
    """Run a check of the whole agency as the inspector, the job done by the time it returns."""

    def _run(organisation=None):
        with django_capture_on_commit_callbacks(execute=True):
            check = check_run(organisation=organisation or cast.tree.root, actor=cast.inspector, lang="en")
        check.refresh_from_db()
        return check

    return _run


def matches_of(check):
    return list(ConflictMatch.objects.filter(check_run=check).order_by("pk"))


# --- the register -----------------------------------------------------------------------------------------------


def test_a_supplier_is_added_with_its_key_masked_identity_number_and_an_audit_event(cast):
    supplier = supplier_create(
        organisation=cast.tree.root, actor=cast.inspector, name="恒信达科技（北京）有限公司",
        credit_code=code(1).lower(), kind="contractor", legal_representative="赵强", legal_rep_id_number=id_number(7),
        shareholders="赵强, 钱勇，孙丽",
    )  # fmt: skip
    assert (supplier.name_key, supplier.credit_code) == ("恒信达科技", code(1))
    assert supplier.legal_rep_id_masked.startswith("110101") and "*" in supplier.legal_rep_id_masked
    assert supplier.legal_rep_id_index and id_number(7) not in supplier.legal_rep_id_index
    assert supplier.shareholders == "赵强、钱勇、孙丽"
    assert AuditEvent.objects.filter(action="risks.supplier_create", object_id=str(supplier.pk)).exists()


def test_a_bad_check_character_is_refused_naming_the_right_one(cast):
    wrong = code(1)[:17] + ("0" if code(1)[17] != "0" else "1")
    with pytest.raises(ValidationError) as refused:
        supplier_create(organisation=cast.tree.root, actor=cast.inspector, name="恒信达科技有限公司", credit_code=wrong)
    assert f"should be “{code(1)[17]}”" in refused.value.message_dict["credit_code"][0]
    assert not Supplier.objects.exists()


def test_bad_input_is_refused_field_by_field_and_nothing_saved(cast):
    root, inspector = cast.tree.root, cast.inspector
    supplier_make(root, credit_code=code(1))
    cases = [
        ({"name": " "}, "name"),
        ({"name": "有限公司"}, "name"),
        ({"name": "华泰建设工程有限公司", "credit_code": "ABC"}, "credit_code"),
        ({"name": "华泰建设工程有限公司", "credit_code": code(1)}, "credit_code"),  # already in the register
        ({"name": "华泰建设工程有限公司", "legal_representative": "钱勇", "legal_rep_id_number": "110101197804120000"},
         "legal_rep_id_number"),
        ({"name": "华泰建设工程有限公司", "legal_rep_id_number": id_number(3)}, "legal_representative"),
        ({"name": "华泰建设工程有限公司", "kind": "friend"}, "kind"),
    ]  # fmt: skip
    for values, field in cases:
        with pytest.raises(ValidationError) as refused:
            supplier_create(organisation=root, actor=inspector, **values)
        assert field in refused.value.message_dict, (values, refused.value)
    assert Supplier.objects.count() == 1


def test_only_discipline_inspection_keeps_the_register(cast):
    for user in (cast.office, cast.secretary_b, cast.discipline, cast.outsider):
        with pytest.raises(PermissionDenied):
            supplier_create(organisation=cast.tree.branch_b, actor=user, name="华泰建设工程有限公司")
    assert not Supplier.objects.exists()


def test_an_edit_made_meanwhile_wins_over_a_stale_form(cast):
    supplier = supplier_make(cast.tree.root, legal_representative="赵强", legal_rep_id_number=id_number(7))
    token = supplier_token(supplier)
    supplier_update(supplier=supplier, actor=cast.inspector, token=token, name="恒信达科技有限公司",
                    legal_representative="赵强", business="办公家具")  # fmt: skip
    with pytest.raises(Conflict):
        supplier_update(supplier=supplier, actor=cast.inspector, token=token, name="别的名字科技有限公司")
    supplier.refresh_from_db()
    assert (supplier.name, supplier.business) == ("恒信达科技有限公司", "办公家具")
    assert supplier.legal_rep_id_index  # kept: the same legal representative, no number typed
    supplier_update(supplier=supplier, actor=cast.inspector, token=supplier_token(supplier), name="恒信达科技有限公司",
                    legal_representative="钱勇")  # fmt: skip
    supplier.refresh_from_db()
    assert (supplier.legal_rep_id_index, supplier.legal_rep_id_masked) == ("", "")  # another person's number is unknown


# --- the check --------------------------------------------------------------------------------------------------


@pytest.fixture
def declared(cast):
    """b1 (王芳) declared her husband's company and her husband with his identity number; a2 a company that is a
    near-miss of a supplier."""
    b1, a2 = cast.members["b1"], cast.members["a2"]
    declare(
        b1,
        family=[family_row("spouse", "李强", id_number=id_number(11)), family_row("son", "李明", employer="某某大学")],
        businesses=[business_row("spouse", "李强", "北京恒信达科技有限公司")],
    )
    declare(a2, businesses=[business_row("son", "周杰", "华泰建设工程有限公司", credit_code=code(50))])
    root = cast.tree.root
    return {
        "company": supplier_make(root, "恒信达科技（北京）有限责任公司", credit_code=code(1)),
        "husband": supplier_make(
            root, "鑫源物流有限公司", legal_representative="李强", legal_rep_id_number=id_number(11)
        ),
        "near_miss": supplier_make(root, "华泰达建设工程有限公司", credit_code=code(2)),
        "namesake": supplier_make(
            root, "宏图贸易有限公司", legal_representative="李强", legal_rep_id_number=id_number(12)
        ),
    }


def test_a_check_runs_through_its_job_and_lists_each_lead_with_evidence(cast, declared, run):
    check = run()
    job = Job.objects.get(pk=check.job_id)
    assert job.status == Job.Status.DONE and "2 possible conflicts" in job.message
    assert check.finished_at and (check.suppliers, check.matches) == (4, 2)
    assert check.declarations == 4  # two family members, two businesses
    found = {m.supplier_id: m for m in matches_of(check)}
    assert set(found) == {declared["company"].pk, declared["husband"].pk}
    company = found[declared["company"].pk]
    assert (company.member, company.basis, company.score, company.status) == (cast.members["b1"], "name_exact", 1.0,
                                                                              "pending")  # fmt: skip
    assert company.evidence["supplier"]["name"] == "恒信达科技（北京）有限责任公司"
    assert company.evidence["reasons"][0]["declared_key"] == "恒信达科技"
    husband = found[declared["husband"].pk]
    assert (husband.basis, husband.declared, husband.relation) == ("person_id", "李强", "spouse")
    assert AuditEvent.objects.filter(action="risks.conflict_check_finish", object_id=str(check.pk)).exists()


def test_nothing_is_sent_to_anyone_when_leads_are_found_or_decided(cast, declared, run):
    before = Notification.objects.count()
    match = matches_of(run())[0]
    match_decide(match=match, status="confirmed", note="核实属实", actor=cast.inspector, version=match.version)
    assert Notification.objects.count() == before


def test_the_check_reads_the_latest_section_submitted_at_least_once(cast, run):
    a1, a2, c1 = cast.members["a1"], cast.members["a2"], cast.members["c1"]
    supplier_make(cast.tree.root, "北京恒信达科技有限公司")
    supplier_make(cast.tree.root, "华泰建设工程有限公司")
    declare(a1, year=2023, businesses=[business_row("spouse", "甲", "恒信达科技有限公司")])
    declare(a1, year=2024, businesses=[business_row("spouse", "甲", "华泰建设工程有限公司")],
            status=SectionStatus.RETURNED)  # fmt: skip
    declare(a1, year=2025, businesses=[business_row("spouse", "甲", "恒信达科技有限公司")], status=SectionStatus.DRAFT)
    declare(a2, businesses=[business_row("spouse", "乙", "恒信达科技有限公司")], status=SectionStatus.DRAFT)
    declare(c1, businesses=[business_row("spouse", "丙", "恒信达科技有限公司")], status=SectionStatus.ARCHIVED)
    found = {(m.member_id, m.declared) for m in matches_of(run())}
    assert found == {(a1.pk, "华泰建设工程有限公司"), (c1.pk, "恒信达科技有限公司")}


def test_a_check_of_a_branch_sees_only_its_cadres_and_suppliers(cast, run):
    b1, a1 = cast.members["b1"], cast.members["a1"]
    for member in (a1, b1):
        declare(member, businesses=[business_row("spouse", "甲", "恒信达科技有限公司")])
    supplier_make(cast.tree.branch_b, "恒信达科技有限公司")
    supplier_make(cast.tree.branch_a, "恒信达科技有限公司")
    check = run(cast.tree.branch_b)
    assert [(m.member_id, m.organisation_id) for m in matches_of(check)] == [(b1.pk, cast.tree.branch_b.pk)]
    assert check.suppliers == 1


def test_the_cadre_as_a_suppliers_legal_representative_is_found_from_the_register(cast, run):
    a1 = cast.members["a1"]
    member_set_id_number(member=a1, number=id_number(21), actor=None)
    declare(a1, family=[])
    supplier = supplier_make(
        cast.tree.root, "鑫源物流有限公司", legal_representative="张伟", legal_rep_id_number=id_number(21)
    )
    (match,) = matches_of(run())
    assert (match.member_id, match.supplier_id, match.basis, match.relation) == (
        a1.pk,
        supplier.pk,
        "person_id",
        "self",
    )


def test_decisions_carry_over_to_identical_matches_and_not_to_changed_ones(cast, declared, run):
    first = {m.supplier_id: m for m in matches_of(run())}
    company, husband = first[declared["company"].pk], first[declared["husband"].pk]
    match_decide(match=company, status="dismissed", note="同名不同企业，已核实", actor=cast.inspector, version=1)
    match_decide(match=husband, status="confirmed", note="配偶为法定代表人", actor=cast.inspector, version=1)
    supplier = declared["company"]
    supplier_update(supplier=supplier, actor=cast.inspector, token=None, name=supplier.name,
                    credit_code=supplier.credit_code, legal_representative="新法人")  # fmt: skip
    second = {m.supplier_id: m for m in matches_of(run())}
    carried = second[husband.supplier_id]
    assert (carried.status, carried.note, carried.decided_by) == ("confirmed", "配偶为法定代表人", cast.inspector)
    assert carried.evidence["carried_from"] == husband.pk
    assert second[company.supplier_id].status == "pending"  # the supplier's record changed: look again
    third = {m.supplier_id: m for m in matches_of(run())}
    assert third[husband.supplier_id].status == "confirmed"


def test_a_second_check_waits_for_the_first(cast, declared):
    check_run(organisation=cast.tree.root, actor=cast.inspector)  # queued, not run: no commit in this test
    with pytest.raises(ValidationError):
        check_run(organisation=cast.tree.root, actor=cast.inspector)
    assert ConflictCheck.objects.count() == 1


def test_only_discipline_inspection_runs_checks(cast):
    for user in (cast.office, cast.secretary, cast.auditor, cast.outsider):
        with pytest.raises(PermissionDenied):
            check_run(organisation=cast.tree.root, actor=user)
    assert not ConflictCheck.objects.exists()


# --- decisions --------------------------------------------------------------------------------------------------


def test_a_decision_needs_a_note_and_a_known_status(cast, declared, run):
    match = matches_of(run())[0]
    with pytest.raises(ValidationError) as refused:
        match_decide(match=match, status="confirmed", note="  ", actor=cast.inspector, version=1)
    assert "note" in refused.value.message_dict
    with pytest.raises(ValidationError):
        match_decide(match=match, status="pending", note="看看", actor=cast.inspector, version=1)
    match.refresh_from_db()
    assert (match.status, match.version) == ("pending", 1)


def test_two_people_deciding_at_once_cannot_both_win(cast, declared, run):
    match = matches_of(run())[0]
    match_decide(match=match, status="confirmed", note="属实", actor=cast.inspector, version=1)
    with pytest.raises(Conflict):
        match_decide(match=match, status="dismissed", note="不属实", actor=cast.inspector, version=1)
    match.refresh_from_db()
    assert (match.status, match.note, match.version) == ("confirmed", "属实", 2)
    event = AuditEvent.objects.get(action="risks.conflict_match_decide")
    assert event.changes["status"] == ["pending", "confirmed"]
    changed = match_decide(match=match, status="dismissed", note="复核后排除", actor=cast.inspector, version=2)
    assert (changed.status, changed.version) == ("dismissed", 3)


def test_only_discipline_inspection_decides(cast, declared, run):
    match = matches_of(run())[0]
    for user in (cast.office, cast.secretary_b, cast.outsider):
        with pytest.raises(PermissionDenied):
            match_decide(match=match, status="dismissed", note="越权", actor=user, version=1)
    match.refresh_from_db()
    assert match.status == "pending"


def test_a_supplier_with_a_decided_match_stays_on_the_register(cast, declared, run):
    found = {m.supplier_id: m for m in matches_of(run())}
    company = declared["company"]
    match_decide(match=found[company.pk], status="dismissed", note="已核实", actor=cast.inspector, version=1)
    with pytest.raises(ValidationError):
        supplier_delete(supplier=company, actor=cast.inspector)
    supplier_delete(supplier=declared["husband"], actor=cast.inspector)  # its match is still undecided
    assert set(Supplier.objects.values_list("pk", flat=True)) == {company.pk, declared["near_miss"].pk,
                                                                  declared["namesake"].pk}  # fmt: skip


def test_a_check_abandoned_by_a_stopped_worker_blocks_no_new_one(cast, declared):
    stuck = check_run(organisation=cast.tree.root, actor=cast.inspector)  # queued; the worker never comes
    ConflictCheck.objects.filter(pk=stuck.pk).update(started_at=timezone.now() - timedelta(hours=2))
    stuck.refresh_from_db()
    assert check_state(stuck) == "failed"
    assert check_run(organisation=cast.tree.root, actor=cast.inspector).pk != stuck.pk


def test_a_check_that_breaks_off_saves_nothing_and_says_so(cast, declared, run, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ConflictMatch.objects, "bulk_create", broken)
    check = run()
    job = Job.objects.get(pk=check.job_id)
    assert job.status == Job.Status.FAILED and "disk full" in job.message
    assert check.finished_at is None and check_state(check) == "failed"
    assert not ConflictMatch.objects.exists()
    assert not AuditEvent.objects.filter(action="risks.conflict_check_finish").exists()


def test_next_years_file_repeating_a_declaration_keeps_its_decision(cast, declared, run):
    first = {m.supplier_id: m for m in matches_of(run())}
    husband = first[declared["husband"].pk]
    match_decide(match=husband, status="confirmed", note="配偶为法定代表人", actor=cast.inspector, version=1)
    declare(cast.members["b1"], year=timezone.localdate().year + 1,
            family=[family_row("spouse", "李强", id_number=id_number(11))])  # fmt: skip
    again = {m.supplier_id: m for m in matches_of(run())}
    assert again[husband.supplier_id].status == "confirmed"
