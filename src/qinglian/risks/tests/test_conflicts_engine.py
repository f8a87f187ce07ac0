"""The matching engine on plain data: each basis, what must not match (near-misses, another person of the same
name, a name without corroboration, another company of the same name elsewhere), and one match per cadre and
supplier with every reason in its evidence."""

from __future__ import annotations

import pytest

from qinglian.risks.matching import (
    BUSINESS,
    FAMILY,
    SELF,
    Declaration,
    SupplierIndex,
    SupplierRecord,
    find_matches,
)
from qinglian.risks.names import credit_code_make, normalise_company

THRESHOLD = 0.85
CODE = credit_code_make("91110108MA0000001")
OTHER_CODE = credit_code_make("91110108MA0000002")


def supplier(pk, name, *, code="", rep="", rep_index="", holders=()):
    return SupplierRecord(pk, name, normalise_company(name), code, rep, rep_index, "110101********1234" if rep_index
                          else "", tuple(holders))  # fmt: skip


def business(company, *, code="", member=1, relation="spouse", person="李娜"):
    return Declaration(member, BUSINESS, relation=relation, person=person, company=company, credit_code=code)


def family(person, *, index="", employer="", member=1, relation="spouse"):
    return Declaration(member, FAMILY, relation=relation, person=person, person_index=index, employer=employer)


def run(declarations, suppliers):
    return find_matches(declarations, suppliers, min_similarity=THRESHOLD)


def only(matches):
    assert len(matches) == 1, matches
    return matches[0]


def test_the_same_credit_code_matches_whatever_the_name():
    match = only(run([business("恒信达", code=CODE.lower())], [supplier(7, "华泰建设工程有限公司", code=CODE)]))
    assert (match.supplier_id, match.basis, match.score) == (7, "credit_code", 1.0)
    assert match.evidence["declared"]["company"] == "恒信达"
    assert match.evidence["supplier"]["credit_code"] == CODE


def test_the_same_key_matches_as_the_same_name():
    match = only(run([business("北京恒信达科技有限公司")], [supplier(3, "恒信达科技（北京）有限责任公司")]))
    assert (match.basis, match.score, match.declared, match.relation) == ("name_exact", 1.0, "北京恒信达科技有限公司",
                                                                         "spouse")  # fmt: skip
    reason = match.evidence["reasons"][0]
    assert reason["declared_key"] == reason["supplier_key"] == "恒信达科技"


def test_a_similar_name_matches_with_its_similarity():
    match = only(run([business("恒信达科技发展有限公司")], [supplier(3, "北京恒信达科技有限公司")]))
    assert match.basis == "name_similar"
    assert THRESHOLD <= match.score < 1
    assert match.evidence["reasons"][0]["similarity"] == match.score


def test_near_misses_are_not_matched():
    suppliers = [
        supplier(1, "恒信科技有限公司"),
        supplier(2, "华泰达建设工程有限公司"),
        supplier(3, "恒新达科技有限公司"),
    ]
    assert run([business("恒信达科技有限公司"), business("华泰建设工程有限公司")], suppliers) == []


def test_a_family_members_identity_number_matches_the_legal_representative():
    match = only(
        run(
            [family("李娜", index="digest-1")],
            [supplier(5, "华泰达建设工程有限公司", rep="李 娜", rep_index="digest-1")],
        )
    )
    assert (match.basis, match.score, match.declared) == ("person_id", 1.0, "李娜")
    assert match.evidence["reasons"][0]["matched"] == "legal_representative"
    assert "digest-1" not in repr(match.evidence)  # digests stay out of the evidence


def test_the_cadre_as_legal_representative_is_found_through_the_register():
    declaration = Declaration(9, SELF, relation=SELF, person="张伟", person_index="digest-9")
    match = only(run([declaration], [supplier(5, "华泰达建设工程有限公司", rep="张伟", rep_index="digest-9")]))
    assert (match.member_id, match.basis, match.relation) == (9, "person_id", "self")


def test_the_same_name_with_another_identity_number_is_never_a_match():
    suppliers = [supplier(5, "北京恒信达科技有限公司", rep="李娜", rep_index="digest-2")]
    assert run([family("李娜", index="digest-1", employer="北京恒信达科技有限公司")], suppliers) == []


def test_a_name_alone_is_not_a_match_however_common():
    suppliers = [supplier(i, f"华泰{i}号贸易有限公司", rep="王芳") for i in range(200)]
    assert run([family("王芳"), family("王芳", employer="某某中学")], suppliers) == []


def test_a_name_corroborated_by_the_declared_employer_is_a_weak_lead():
    suppliers = [supplier(1, "北京恒信达科技有限公司", rep="李 娜"), supplier(2, "华泰建设工程有限公司", rep="李娜")]
    match = only(run([family("李娜", employer="恒信达科技（北京）有限公司")], suppliers))
    assert (match.supplier_id, match.basis) == (1, "person_name")
    assert 0 < match.score <= 0.5
    assert match.evidence["reasons"][0]["matched"] == "legal_representative"


def test_a_shareholder_of_the_same_name_at_the_declared_employer_is_a_weak_lead():
    suppliers = [supplier(1, "北京恒信达科技有限公司", rep="赵强", holders=("赵强", "李娜"))]
    match = only(run([family("李娜", index="digest-1", employer="北京恒信达科技有限公司")], suppliers))
    assert (match.basis, match.evidence["reasons"][0]["matched"]) == ("person_name", "shareholder")


def test_different_credit_codes_keep_two_companies_of_one_name_apart():
    suppliers = [
        supplier(1, "北京恒信达科技有限公司", code=OTHER_CODE),
        supplier(2, "恒信达科技发展有限公司", code=OTHER_CODE),
    ]
    assert run([business("北京恒信达科技有限公司", code=CODE)], suppliers) == []


def test_the_same_name_registered_in_another_province_is_another_company():
    assert run([business("北京恒信达科技有限公司")], [supplier(1, "上海恒信达科技有限公司")]) == []
    # a city and its province agree; a name without a place agrees with any
    assert len(run([business("广东恒信达科技有限公司")], [supplier(1, "深圳市恒信达科技有限公司")])) == 1
    assert len(run([business("恒信达科技有限公司")], [supplier(1, "上海恒信达科技有限公司")])) == 1


def test_one_match_per_cadre_and_supplier_with_every_reason_strongest_first():
    declarations = [
        business("北京恒信达科技有限公司", code=CODE),
        family("李娜", index="digest-1", employer="恒信达科技"),
        business("恒信达科技", member=2),
    ]
    suppliers = [supplier(4, "恒信达科技（北京）有限公司", code=CODE, rep="李娜", rep_index="digest-1")]
    first, second = run(declarations, suppliers)
    assert (first.member_id, first.basis) == (1, "credit_code")
    assert [r["basis"] for r in first.evidence["reasons"]] == ["credit_code", "person_id", "name_exact"]
    assert (second.member_id, second.basis) == (2, "name_exact")


def test_identical_inputs_give_identical_signatures_and_a_changed_supplier_another():
    declarations = [business("北京恒信达科技有限公司")]
    before = only(run(declarations, [supplier(4, "恒信达科技有限公司", rep="赵强")]))
    again = only(run(declarations, [supplier(4, "恒信达科技有限公司", rep="赵强")]))
    changed = only(run(declarations, [supplier(4, "恒信达科技有限公司", rep="钱勇")]))
    assert before.signature == again.signature != changed.signature
    next_year = Declaration(1, BUSINESS, relation="spouse", person="李娜", company="北京恒信达科技有限公司", year=2027)
    assert only(run([next_year], [supplier(4, "恒信达科技有限公司", rep="赵强")])).signature == before.signature


def test_an_index_built_once_serves_many_runs_and_reports_progress():
    index = SupplierIndex([supplier(i, f"恒信{i:04d}科技有限公司") for i in range(1000)])
    seen = []
    declarations = [business(f"恒信{i:04d}科技有限公司", member=i) for i in range(1200)]
    matches = find_matches(declarations, index, min_similarity=THRESHOLD, progress=seen.append)
    assert len(index) == 1000
    assert {m.member_id for m in matches if m.basis == "name_exact"} == set(range(1000))
    assert seen == [500, 1000]


@pytest.mark.parametrize("threshold", [0.7, 0.85, 0.95])
def test_the_threshold_decides_what_is_similar_enough(threshold):
    matches = find_matches(
        [business("恒信达科技发展有限公司")], [supplier(1, "恒信达科技有限公司")], min_similarity=threshold
    )
    assert bool(matches) == (threshold <= 0.9333)
