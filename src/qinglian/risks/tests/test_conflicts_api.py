"""The conflict-of-interest API: the same services through a second door, with the same refusals."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from qinglian.core.tests.web import count_queries
from qinglian.reports.xlsx import Sheet, workbook_bytes
from qinglian.risks.models import ConflictCheck, ConflictMatch, Supplier
from qinglian.risks.services.conflicts import check_execute, check_run
from qinglian.risks.tests.factories_conflicts import (
    branch_names,
    business_row,
    code,
    declare,
    id_number,
    supplier_make,
)

JSON = "application/json"


@pytest.fixture
def api(cast, client):
    client.force_login(cast.inspector)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def check(cast):
    declare(cast.members["b1"], businesses=[business_row("spouse", "李强", "北京恒信达科技有限公司")])
    supplier_make(cast.tree.branch_b, "恒信达科技（北京）有限公司", credit_code=code(1))
    return check_execute(check=check_run(organisation=cast.tree.root, actor=cast.inspector))


def test_suppliers_are_added_listed_changed_and_removed(cast, api):
    payload = {"organisation_id": cast.tree.root.pk, "name": "华泰建设工程有限公司", "credit_code": code(2),
               "kind": "contractor", "legal_representative": "钱勇", "legal_rep_id_number": id_number(5),
               "shareholders": "钱勇,孙丽"}  # fmt: skip
    created = api.post("/api/v1/risks/suppliers", payload, JSON)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name_key"], body["shareholders"], body["kind"]) == ("华泰建设工程", ["钱勇", "孙丽"], "contractor")
    assert body["legal_rep_id_masked"].endswith(id_number(5)[-4:]) and "legal_rep_id_index" not in body
    listed = api.get("/api/v1/risks/suppliers", {"q": "华泰建设"}).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    url = f"/api/v1/risks/suppliers/{body['id']}"
    changed = api.patch(url, {"token": body["token"], "business": "办公楼维修"}, JSON)
    assert changed.status_code == 200 and changed.json()["business"] == "办公楼维修"
    assert changed.json()["legal_rep_id_masked"] == body["legal_rep_id_masked"]
    stale = api.patch(url, {"token": body["token"], "business": "绿化"}, JSON)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    assert api.delete(url).status_code == 204
    assert not Supplier.objects.exists()


def test_a_bad_code_is_refused_with_the_expected_check_character(cast, api):
    wrong = code(2)[:17] + ("0" if code(2)[17] != "0" else "1")
    payload = {"organisation_id": cast.tree.root.pk, "name": "华泰建设工程有限公司", "credit_code": wrong}
    response = api.post("/api/v1/risks/suppliers", payload, JSON)
    assert response.status_code == 422
    (detail,) = response.json()["error"]["details"]
    assert detail["field"] == "credit_code" and f"“{code(2)[17]}”" in detail["message"]
    assert not Supplier.objects.exists()


def test_an_import_is_checked_then_confirmed(cast, api):
    data = workbook_bytes([Sheet("供应商", ["企业名称", "统一社会信用代码"], [["恒信达科技有限公司", code(1)]])])
    upload = api.post("/api/v1/risks/supplier-imports", {"org_id": cast.tree.root.pk,
                                                         "file": SimpleUploadedFile("名录.xlsx", data)})  # fmt: skip
    assert upload.status_code == 201, upload.content
    body = upload.json()
    assert (body["state"], body["total"], body["preview"][0]["name"]) == ("ready", 1, "恒信达科技有限公司")
    assert api.get(f"/api/v1/risks/supplier-imports/{body['id']}").json()["state"] == "ready"
    done = api.post(f"/api/v1/risks/supplier-imports/{body['id']}/confirm")
    assert done.status_code == 200 and (done.json()["state"], done.json()["created"]) == ("done", 1)
    assert Supplier.objects.get().credit_code == code(1)


def test_a_file_that_is_not_a_workbook_is_refused(cast, api):
    response = api.post("/api/v1/risks/supplier-imports", {"org_id": cast.tree.root.pk,
                                                           "file": SimpleUploadedFile("名录.xlsx", b"x")})  # fmt: skip
    assert response.status_code == 422 and "not an Excel workbook" in response.content.decode()


def test_rows_with_errors_come_back_by_row_and_column(cast, api):
    data = workbook_bytes([Sheet("供应商", ["企业名称", "统一社会信用代码"], [["", code(1)], ["华泰", "123"]])])
    payload = {"org_id": cast.tree.root.pk, "file": SimpleUploadedFile("名录.xlsx", data)}
    body = api.post("/api/v1/risks/supplier-imports", payload).json()
    assert body["state"] == "invalid"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "Company name"), (3, "Unified social credit code")]
    refused = api.post(f"/api/v1/risks/supplier-imports/{body['id']}/confirm")
    assert refused.status_code == 422 and not Supplier.objects.exists()


def test_a_check_is_run_followed_and_its_leads_decided(cast, api, django_capture_on_commit_callbacks):
    declare(cast.members["b1"], businesses=[business_row("spouse", "李强", "北京恒信达科技有限公司")])
    supplier_make(cast.tree.root, "恒信达科技（北京）有限公司", credit_code=code(1))
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post("/api/v1/risks/conflicts/checks", {"organisation_id": cast.tree.root.pk}, JSON)
    assert started.status_code == 201 and started.json()["state"] == "running"
    check_id = started.json()["id"]
    check = api.get(f"/api/v1/risks/conflicts/checks/{check_id}").json()
    assert (check["state"], check["matches"], check["pending"], check["suppliers"]) == ("done", 1, 1, 1)
    assert api.get("/api/v1/risks/conflicts/checks").json()["items"][0]["id"] == check_id
    (match,) = api.get(f"/api/v1/risks/conflicts/checks/{check_id}/matches").json()["items"]
    assert (match["basis"], match["member_name"], match["relation"]) == ("name_exact", "王芳", "spouse")
    assert match["evidence"]["supplier"]["name"] == "恒信达科技（北京）有限公司"
    url = f"/api/v1/risks/conflicts/matches/{match['id']}/decide"
    assert api.post(url, {"status": "dismissed", "note": "", "version": 1}, JSON).status_code == 422
    decided = api.post(url, {"status": "dismissed", "note": "同名企业，已核实", "version": 1}, JSON)
    assert decided.status_code == 200 and (decided.json()["status"], decided.json()["version"]) == ("dismissed", 2)
    assert api.post(url, {"status": "confirmed", "note": "再议", "version": 1}, JSON).status_code == 409
    filtered = api.get(f"/api/v1/risks/conflicts/checks/{check_id}/matches", {"status": "pending"}).json()
    assert filtered["count"] == 0


def test_lists_cost_the_same_queries_for_more_rows(cast, api, check):
    supplier_make(cast.tree.root, "华泰建设工程有限公司")
    api.get("/api/v1/risks/suppliers")  # the session and the caller's roles, read once
    few = count_queries(lambda: api.get("/api/v1/risks/suppliers"))
    checks = count_queries(lambda: api.get("/api/v1/risks/conflicts/checks"))
    matches = count_queries(lambda: api.get(f"/api/v1/risks/conflicts/checks/{check.pk}/matches"))
    for name in branch_names():
        supplier_make(cast.tree.root, name)
    more = check_execute(check=check_run(organisation=cast.tree.root, actor=cast.inspector))
    assert more.matches > 1
    assert count_queries(lambda: api.get("/api/v1/risks/suppliers")) == few
    assert count_queries(lambda: api.get("/api/v1/risks/conflicts/checks")) == checks
    assert count_queries(lambda: api.get(f"/api/v1/risks/conflicts/checks/{more.pk}/matches")) == matches


def test_everyone_else_is_refused_everything(cast, client, check):
    supplier = Supplier.objects.get()
    match = ConflictMatch.objects.get()
    calls = [
        ("get", "/api/v1/risks/suppliers", None),
        ("post", "/api/v1/risks/suppliers", {"organisation_id": cast.tree.branch_b.pk, "name": "越权科技有限公司"}),
        ("get", f"/api/v1/risks/suppliers/{supplier.pk}", None),
        ("patch", f"/api/v1/risks/suppliers/{supplier.pk}", {"token": "x", "name": "改"}),
        ("delete", f"/api/v1/risks/suppliers/{supplier.pk}", None),
        ("get", "/api/v1/risks/conflicts/checks", None),
        ("post", "/api/v1/risks/conflicts/checks", {"organisation_id": cast.tree.branch_b.pk}),
        ("get", f"/api/v1/risks/conflicts/checks/{check.pk}", None),
        ("get", f"/api/v1/risks/conflicts/checks/{check.pk}/matches", None),
        ("post", f"/api/v1/risks/conflicts/matches/{match.pk}/decide", {"status": "dismissed", "note": "越权",
                                                                          "version": 1}),
    ]  # fmt: skip
    for name in ("secretary_b", "office", "discipline", "auditor", "admin", "outsider"):
        client.force_login(getattr(cast, name))
        for method, url, payload in calls:
            response = getattr(client, method)(url, payload, JSON) if payload else getattr(client, method)(url)
            assert response.status_code == 404, (name, method, url, response.status_code)
            assert "恒信达" not in response.content.decode()
    assert Supplier.objects.count() == 1 and ConflictCheck.objects.count() == 1
    assert ConflictMatch.objects.get().status == "pending"
