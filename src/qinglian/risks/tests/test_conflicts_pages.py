"""The conflict-of-interest pages as a user meets them: the supplier register with its search, forms that keep
what was typed, the import from upload to saved, running a check and following it, the evidence side by side, and
decisions with their note — in Chinese and in English, on the scope chosen in the top bar."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.orgs.models import Role
from qinglian.orgs.services import role_assign
from qinglian.reports.xlsx import Sheet, workbook_bytes
from qinglian.risks.models import ConflictCheck, ConflictMatch, Supplier
from qinglian.risks.services.conflicts import check_execute, check_run, match_decide, supplier_token
from qinglian.risks.tests.factories_conflicts import (
    branch_names,
    business_row,
    code,
    declare,
    family_row,
    id_number,
    supplier_make,
)


@pytest.fixture
def inspector(cast, client):
    client.force_login(cast.inspector)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def check(cast):
    """A finished check of the agency: b1's husband's company is a supplier, and so is a look-alike of it."""
    b1 = cast.members["b1"]
    declare(
        b1,
        family=[family_row("spouse", "李强", id_number=id_number(11), employer="北京恒信达科技有限公司")],
        businesses=[business_row("spouse", "李强", "北京恒信达科技有限公司", role="legal_representative")],
    )
    supplier_make(cast.tree.root, "恒信达科技（北京）有限公司", credit_code=code(1), legal_representative="李强",
                  legal_rep_id_number=id_number(11))  # fmt: skip
    supplier_make(cast.tree.root, "恒信达科技发展有限公司", credit_code=code(2))
    supplier_make(cast.tree.root, "华泰达建设工程有限公司", credit_code=code(3))
    return check_execute(check=check_run(organisation=cast.tree.root, actor=cast.inspector))


# --- the register -----------------------------------------------------------------------------------------------


def test_the_register_lists_and_finds_suppliers_by_name_key_or_code(cast, inspector):
    for i in range(35):
        supplier_make(cast.tree.root, f"宏图{i:02d}号贸易有限公司", credit_code=code(i + 10))
    supplier_make(cast.tree.branch_b, "北京恒信达科技有限公司", credit_code=code(1))
    page = inspector.get(reverse("risks:supplier_list")).content.decode()
    assert "Supplier register" in page and "36 in all" in page
    found = inspector.get(reverse("risks:supplier_list"), {"q": "恒信达科技（北京）"}).content.decode()
    assert "北京恒信达科技有限公司" in found and "宏图" not in found and "第二党支部" in found
    by_code = inspector.get(reverse("risks:supplier_list"), {"q": code(12).lower()}).content.decode()
    assert "宏图02号贸易有限公司" in by_code and "宏图03号" not in by_code


def test_the_register_costs_the_same_queries_for_a_long_page(cast, inspector):
    supplier_make(cast.tree.root, "北京恒信达科技有限公司")
    url = reverse("risks:supplier_list")
    inspector.get(url)
    few = count_queries(lambda: inspector.get(url))
    for i in range(40):
        supplier_make(cast.tree.branch_b, f"宏图{i:02d}号贸易有限公司")
    assert count_queries(lambda: inspector.get(url)) == few


def test_the_pages_speak_chinese_by_default(cast, client, check):
    client.force_login(cast.inspector)
    for url in (reverse("risks:supplier_list"), reverse("risks:conflict_check_list"),
                reverse("risks:conflict_check_detail", args=[check.pk]), reverse("risks:supplier_import")):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200
        assert '<html lang="zh-hans"' in response.content.decode()


def test_a_supplier_form_refuses_a_bad_code_and_keeps_what_was_typed(cast, inspector):
    wrong = code(1)[:17] + ("0" if code(1)[17] != "0" else "1")
    data = {"name": "华泰建设工程有限公司", "credit_code": wrong, "kind": "contractor", "legal_representative": "钱勇"}
    response = inspector.post(reverse("risks:supplier_create"), data)
    page = response.content.decode()
    assert response.status_code == 422
    assert f"should be “{code(1)[17]}”" in page
    assert 'value="华泰建设工程有限公司"' in page and f'value="{wrong}"' in page and 'value="钱勇"' in page
    assert not Supplier.objects.exists()
    data["credit_code"] = code(1)
    assert inspector.post(reverse("risks:supplier_create"), data).status_code == 302
    assert Supplier.objects.get().organisation == cast.tree.root


def test_an_edit_over_someone_elses_is_refused(cast, inspector):
    supplier = supplier_make(cast.tree.root, "华泰建设工程有限公司", legal_representative="钱勇",
                             legal_rep_id_number=id_number(5))  # fmt: skip
    url = reverse("risks:supplier_edit", args=[supplier.pk])
    page = inspector.get(url).content.decode()
    assert "110101" in page and "Leave empty to keep it" in page
    stale = supplier_token(supplier)
    data = {"name": "华泰建设工程有限公司", "kind": "supplier", "legal_representative": "钱勇", "token": stale}
    assert inspector.post(url, {**data, "business": "维修"}).status_code == 302
    response = inspector.post(url, {**data, "business": "绿化"})
    assert response.status_code == 409 and "Someone else changed this supplier" in response.content.decode()
    supplier.refresh_from_db()
    assert supplier.business == "维修" and supplier.legal_rep_id_index


def test_a_supplier_with_a_decided_match_is_kept_with_a_message(cast, inspector, check):
    match = check.found.get(basis="credit_code") if check.found.filter(basis="credit_code") else check.found.first()
    inspector.post(reverse("risks:conflict_match_decide", args=[match.pk]),
                   {"status": "confirmed", "note": "属实", "version": match.version})  # fmt: skip
    response = inspector.post(reverse("risks:supplier_delete", args=[match.supplier_id]), follow=True)
    assert "stays on the register" in response.content.decode()
    assert Supplier.objects.filter(pk=match.supplier_id).exists()


# --- the import -------------------------------------------------------------------------------------------------


def xlsx(rows, name="供应商名录.xlsx"):
    headers = ["企业名称", "统一社会信用代码", "法定代表人", "法定代表人身份证号"]
    return SimpleUploadedFile(name, workbook_bytes([Sheet("供应商", headers, rows)]))


def test_an_import_from_upload_to_preview_to_saved(cast, inspector):
    rows = [["恒信达科技有限公司", code(1), "", ""], ["华泰建设工程有限公司", "", "", ""]]
    response = inspector.post(reverse("risks:supplier_import"), {"file": xlsx(rows)})
    assert response.status_code == 302
    detail = inspector.get(response["Location"]).content.decode()
    assert "2 suppliers checked: no problems" in detail and "华泰建设工程有限公司" in detail
    assert not Supplier.objects.exists()  # nothing before the confirmation
    confirm = reverse("risks:supplier_import_confirm", args=[response["Location"].rstrip("/").split("/")[-1]])
    done = inspector.post(confirm, follow=True).content.decode()
    assert "Imported: 2 suppliers added, 0 updated." in done
    assert Supplier.objects.count() == 2


def test_an_import_with_bad_rows_lists_them_by_row_and_column(cast, inspector):
    rows = [["恒信达科技有限公司", code(1)[:17] + "Z", "", ""], ["", "", "钱勇", "110101197804120000"]]
    response = inspector.post(reverse("risks:supplier_import"), {"file": xlsx(rows)}, follow=True)
    page = response.content.decode()
    assert "problems found. Nothing was saved" in page
    for text in ("Unified social credit code", "Company name", "Legal representative&#x27;s ID number", "“Z”"):
        assert text in page, text
    assert "Confirm" not in page and not Supplier.objects.exists()


def test_a_file_that_is_not_a_workbook_is_refused_on_the_form(cast, inspector):
    response = inspector.post(reverse("risks:supplier_import"), {"file": SimpleUploadedFile("名录.xlsx", b"hello")})
    assert response.status_code == 422
    assert "not an Excel workbook" in response.content.decode()


def test_the_template_downloads(inspector):
    response = inspector.get(reverse("risks:supplier_template"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")


# --- checks -----------------------------------------------------------------------------------------------------


def test_running_a_check_leads_to_its_progress_then_its_leads(cast, inspector, django_capture_on_commit_callbacks):
    supplier_make(cast.tree.root, "恒信达科技有限公司")
    declare(cast.members["a1"], businesses=[business_row("spouse", "甲", "北京恒信达科技有限公司")])
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = inspector.post(reverse("risks:conflict_check_run"))
    check = ConflictCheck.objects.get()
    assert response["Location"] == reverse("risks:conflict_check_detail", args=[check.pk])
    page = inspector.get(response["Location"]).content.decode()
    assert "Comparing the declarations with the supplier register" in page
    again = inspector.post(reverse("risks:conflict_check_run"), follow=True).content.decode()
    assert "already running" in again and ConflictCheck.objects.count() == 1
    for callback in queued:
        callback()
    poll = inspector.get(response["Location"], {"progress": 1}, headers={"HX-Request": "true"})
    assert poll.status_code == 204 and poll["HX-Refresh"] == "true"
    page = inspector.get(response["Location"]).content.decode()
    assert "a lead to check, not a finding" in page and "Nothing here is sent to the cadre" in page
    assert "张伟" in page and "恒信达科技有限公司" in page


def test_a_lead_shows_the_declaration_beside_the_supplier_record(cast, inspector, check):
    page = inspector.get(reverse("risks:conflict_check_detail", args=[check.pk])).content.decode()
    assert "What was declared" in page and "What the supplier register says" in page
    assert "恒信达科技（北京）有限公司" in page and "恒信达科技发展有限公司" in page
    assert "same once place, brackets and company form are set aside" in page
    assert "The identity number declared for 李强 is the supplier&#x27;s legal representative&#x27;s." in page
    assert "similarity 0.93, where 0.85 is enough" in page
    assert "华泰达" not in page  # no lead there
    assert AuditEvent.objects.filter(action="risks.conflict_check_view", object_id=str(check.pk)).exists()


def test_leads_filter_by_status_and_basis(cast, inspector, check):
    url = reverse("risks:conflict_check_detail", args=[check.pk])
    similar = inspector.get(url, {"basis": "name_similar"}).content.decode()
    assert "恒信达科技发展有限公司" in similar and "恒信达科技（北京）有限公司" not in similar
    assert "No possible conflict matches these filters" in inspector.get(url, {"status": "confirmed"}).content.decode()


def test_the_leads_page_costs_the_same_queries_for_more_leads(cast, inspector, check):
    url = reverse("risks:conflict_check_detail", args=[check.pk])
    inspector.get(url)
    few = count_queries(lambda: inspector.get(url))
    for name in branch_names():
        supplier_make(cast.tree.root, name)
    more = check_execute(check=check_run(organisation=cast.tree.root, actor=cast.inspector))
    assert more.matches > check.matches
    assert count_queries(lambda: inspector.get(reverse("risks:conflict_check_detail", args=[more.pk]))) == few


def test_a_decision_needs_a_note_and_keeps_what_was_typed(cast, inspector, check):
    match = check.found.order_by("pk").first()
    url = reverse("risks:conflict_match_decide", args=[match.pk])
    response = inspector.post(url, {"status": "dismissed", "note": "", "version": match.version})
    assert response.status_code == 422 and "Say what you checked" in response.content.decode()
    response = inspector.post(url, {"status": "dismissed", "note": "同名企业，经核实无关", "version": match.version})
    assert response.status_code == 302 and response["Location"].endswith(f"#match-{match.pk}")
    stale = inspector.post(url, {"status": "confirmed", "note": "属实，待处理", "version": match.version})
    assert stale.status_code == 409 and "属实，待处理" in stale.content.decode()
    match.refresh_from_db()
    assert (match.status, match.note, match.decided_by) == ("dismissed", "同名企业，经核实无关", cast.inspector)


def test_a_decision_through_htmx_comes_back_as_the_card(cast, inspector, check):
    match = check.found.order_by("pk").first()
    url = reverse("risks:conflict_match_decide", args=[match.pk])
    headers = {"HX-Request": "true"}
    refused = inspector.post(url, {"status": "confirmed", "note": " ", "version": 1}, headers=headers)
    assert refused.status_code == 200 and "Say what you checked" in refused.content.decode()
    done = inspector.post(url, {"status": "confirmed", "note": "配偶任法定代表人", "version": 1}, headers=headers)
    page = done.content.decode()
    assert page.lstrip().startswith("<article") and "Confirmed conflict" in page and "配偶任法定代表人" in page
    assert ConflictMatch.objects.get(pk=match.pk).status == "confirmed"


def test_the_check_list_shows_what_is_left_to_check(cast, inspector, check):
    page = inspector.get(reverse("risks:conflict_check_list")).content.decode()
    assert "Run a check now" in page and f"{check.matches}</span>" in page
    assert "leads for discipline inspection to check, not findings" in page


def test_the_menu_offers_the_register_and_checks_to_discipline_inspection_only(cast, client):
    client.force_login(cast.inspector)
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("risks:supplier_list") in page and reverse("risks:conflict_check_list") in page
    client.force_login(cast.office)
    page = client.get(reverse("core:home")).content.decode()
    assert reverse("risks:supplier_list") not in page and reverse("risks:conflict_check_list") not in page


def test_discipline_inspection_of_a_branch_sees_only_its_own(cast, client, check, django_user_model):
    user = django_user_model.objects.create_user("inspector_a")
    role_assign(user=user, role=Role.objects.get(code="discipline_staff"), organisation=cast.tree.branch_a,
                include_subtree=True, actor=None)  # fmt: skip
    supplier_make(cast.tree.branch_a, "第一支部的供应商有限公司")
    client.force_login(user)
    page = client.get(reverse("risks:supplier_list")).content.decode()
    assert "第一支部的供应商有限公司" in page and "恒信达科技（北京）" not in page
    assert client.get(reverse("risks:conflict_check_detail", args=[check.pk])).status_code == 404
    match = check.found.first()
    assert client.post(reverse("risks:conflict_match_decide", args=[match.pk]),
                       {"status": "dismissed", "note": "越权", "version": 1}).status_code == 404  # fmt: skip
    assert client.get(reverse("risks:supplier_edit", args=[match.supplier_id])).status_code == 404


def test_leads_still_to_check_come_before_decided_ones(cast, inspector, check):
    strongest = check.found.get(basis="person_id")
    match_decide(match=strongest, status="dismissed", note="已核实", actor=cast.inspector, version=1)
    page = inspector.get(reverse("risks:conflict_check_detail", args=[check.pk])).content.decode()
    assert page.index("↔ 恒信达科技发展有限公司") < page.index("↔ 恒信达科技（北京）有限公司")
