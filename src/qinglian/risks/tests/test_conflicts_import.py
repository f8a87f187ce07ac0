"""Importing the supplier register: the template round trip, every bad row named by row and column with nothing
saved, files that are not the template refused at once, codes already in the register updated, and a large file
saved by the worker with progress."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from qinglian.core.models import AuditEvent, Job
from qinglian.orgs.models import Role
from qinglian.orgs.services import role_assign
from qinglian.reports.xlsx import Sheet, workbook_bytes
from qinglian.risks.models import Supplier
from qinglian.risks.services import conflicts as services
from qinglian.risks.tests.factories_conflicts import code, id_number, supplier_make

pytestmark = pytest.mark.usefixtures("in_english")

HEADERS = ["企业名称", "统一社会信用代码", "类别", "法定代表人", "法定代表人身份证号", "股东", "业务往来"]


def book(rows, headers=HEADERS) -> bytes:
    return workbook_bytes([Sheet("供应商", headers, rows)])


def upload(cast, data: bytes, name: str = "供应商名录.xlsx") -> Job:
    return services.supplier_import_upload(organisation=cast.tree.root, actor=cast.inspector, name=name, data=data)


def save(cast, job: Job) -> Job:
    job = services.supplier_import_confirm(job=job, actor=cast.inspector)
    return services.supplier_import_start(job=job, actor=cast.inspector)


def test_the_template_fills_in_and_imports(cast):
    sheet = openpyxl.load_workbook(io.BytesIO(services.supplier_template())).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers[0].startswith("* ")  # the required column is marked
    example = [cell.value for cell in sheet[2]]
    rows = [example, ["华泰建设工程有限公司", code(2), "承包商", "钱勇", id_number(5), "钱勇，孙丽", "办公楼维修"]]
    job = upload(cast, book(rows, headers))
    assert job.params["state"] == "ready" and job.params["total"] == 2
    assert [r["name"] for r in job.params["preview"]] == ["北京恒信达科技有限公司", "华泰建设工程有限公司"]
    job = save(cast, job)
    assert (job.params["state"], job.params["created"], job.params["updated"]) == ("done", 2, 0)
    huatai = Supplier.objects.get(credit_code=code(2))
    assert (huatai.kind, huatai.name_key, huatai.shareholders) == ("contractor", "华泰建设工程", "钱勇、孙丽")
    assert huatai.legal_rep_id_masked.endswith(id_number(5)[-4:]) and huatai.legal_rep_id_index
    assert huatai.batch.startswith("供应商名录.xlsx")
    assert AuditEvent.objects.filter(action="risks.supplier_import", changes__created=2).exists()


def test_english_headers_are_accepted(cast):
    headers = ["Company name", "Unified social credit code", "Kind", "Legal representative",
               "Legal representative's ID number", "Shareholders", "Business with the agency"]  # fmt: skip
    job = upload(cast, book([["Acme科技有限公司", code(3), "supplier", "", "", "", ""]], headers))
    assert job.params["state"] == "ready"
    save(cast, job)
    assert Supplier.objects.get().name_key == "ACME科技"


def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_saved(cast):
    wrong = code(4)[:17] + ("0" if code(4)[17] != "0" else "1")
    rows = [
        ["恒信达科技有限公司", code(1), "", "", "", "", ""],  # row 2: fine
        ["", code(5), "", "", "", "", ""],  # row 3: no name
        ["华泰建设工程有限公司", wrong, "", "", "", "", ""],  # row 4: bad check character
        ["鑫源物流有限公司", "", "", "赵强", "110101197804120000", "", ""],  # row 5: bad identity number
        ["宏图贸易有限公司", code(1), "", "", "", "", ""],  # row 6: the code of row 2 again
        ["远航咨询有限公司", "", "朋友", "", "", "", ""],  # row 7: not a kind
        ["锦程印务有限公司", "", "", "", id_number(8), "", ""],  # row 8: a number without a name
    ]
    job = upload(cast, book(rows))
    assert job.params["state"] == "invalid" and "stored_as" not in job.params
    problems = {(e["row"], e["column"]): e["message"] for e in job.params["errors"]}
    assert set(problems) == {
        (3, "Company name"),
        (4, "Unified social credit code"),
        (5, "Legal representative's ID number"),
        (6, "Unified social credit code"),
        (7, "Kind"),
        (8, "Legal representative"),
    }
    assert f"should be “{code(4)[17]}”" in problems[(4, "Unified social credit code")]
    assert "row 2" in problems[(6, "Unified social credit code")]
    with pytest.raises(ValidationError):
        services.supplier_import_confirm(job=job, actor=cast.inspector)
    assert not Supplier.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("供应商.txt", b"name,code\n", "Excel workbook"),
        ("供应商.xlsx", b"this is not a workbook", "not an Excel workbook"),
        ("供应商.xlsx", b"PK\x03\x04broken", "cannot be read"),
        ("供应商.xlsx", book([["恒信达科技有限公司", "x"]], ["公司", "代码"]), "headers do not match"),
        ("供应商.xlsx", book([], HEADERS), "holds no suppliers"),
    ],
    # Named ids: a workbook's bytes carry the time it was made, which would differ between test processes.
    ids=["not xlsx", "not a workbook", "broken zip", "wrong headers", "no rows"],
)
def test_a_file_that_is_not_the_template_is_refused_at_once(cast, name, data, message):
    jobs = Job.objects.count()
    with pytest.raises(ValidationError) as refused:
        upload(cast, data, name)
    assert message in " ".join(refused.value.messages)
    assert Job.objects.count() == jobs and not Supplier.objects.exists()


def test_a_code_already_in_the_register_updates_that_supplier(cast):
    kept = supplier_make(cast.tree.root, "恒信达科技有限公司", credit_code=code(1), legal_representative="赵强")
    job = upload(cast, book([["北京恒信达科技股份有限公司", code(1), "服务商", "钱勇", "", "", "运维"],
                             ["华泰建设工程有限公司", "", "", "", "", "", ""]]))  # fmt: skip
    assert job.params["updates"] == 1 and [r["update"] for r in job.params["preview"]] == [True, False]
    job = save(cast, job)
    assert (job.params["created"], job.params["updated"]) == (1, 1)
    kept.refresh_from_db()
    assert (kept.name, kept.kind, kept.legal_representative, kept.business) == (
        "北京恒信达科技股份有限公司", "service", "钱勇", "运维",
    )  # fmt: skip
    assert Supplier.objects.count() == 2


def test_an_import_is_confirmed_once_and_only_by_who_uploaded_it(cast, django_user_model):
    job = upload(cast, book([["恒信达科技有限公司", "", "", "", "", "", ""]]))
    other = django_user_model.objects.create_user("inspector2")
    role_assign(user=other, role=Role.objects.get(code="discipline_staff"), organisation=cast.tree.root,
                include_subtree=True, actor=None)  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.supplier_import_confirm(job=job, actor=other)
    save(cast, job)
    with pytest.raises(ValidationError):
        services.supplier_import_confirm(job=job, actor=cast.inspector)
    assert Supplier.objects.count() == 1


def test_a_large_file_is_saved_by_the_worker_with_progress(cast, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "INLINE_ROWS", 5)
    rows = [[f"恒信{i:03d}科技有限公司", code(100 + i), "", "", "", "", ""] for i in range(12)]
    job = upload(cast, book(rows))
    with django_capture_on_commit_callbacks(execute=True):
        job = save(cast, job)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.params["state"] == "done"
    assert (job.done, job.total) == (12, 12) and "12 suppliers added" in job.message
    assert Supplier.objects.count() == 12
