"""Uploads that would cost the server more than they are worth are refused cheaply: a workbook that unpacks to 2 GB
from 2 MB at every spreadsheet import (page and API), a request body larger than the upload limit before it is read,
and a file larger than the upload folder's free space with a clear error and nothing left behind."""

from __future__ import annotations

import io
import os
import subprocess
import tracemalloc
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.urls import reverse
from openpyxl import Workbook

from qinglian.core.models import Job
from qinglian.core.uploads import MediaStorage, StorageFull
from qinglian.evaluation.models import Value
from qinglian.orgs.models import Member, RosterImport
from qinglian.reports.xlsx import XlsxError, read_rows
from qinglian.risks.models import Supplier
from qinglian.risks.names import credit_code_make
from qinglian.risks.services import conflicts as supplier_services
from qinglian.study.models import Question
from tests.fuzz.files import xlsx_bomb

pytestmark = pytest.mark.usefixtures("in_english")

MB = 1024 * 1024


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return xlsx_bomb(2048)


@pytest.fixture
def login(login):
    def _login(user):
        client = login(user)
        client.cookies["django_language"] = "en"
        return client

    return _login


def test_the_bomb_is_what_it_claims(bomb):
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(bomb)).getinfo("xl/worksheets/sheet1.xml")
    assert len(bomb) < 3 * MB and sheet.file_size > 2000 * MB


def test_a_zip_bomb_is_refused_from_the_directory_alone(bomb):
    tracemalloc.start()
    try:
        with pytest.raises(XlsxError, match="unpacks to more than 600 MB"):
            read_rows(bomb, max_rows=1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * MB


def test_a_bomb_whose_directory_lies_is_refused_after_reading_what_it_declared():
    tracemalloc.start()
    try:
        with pytest.raises(XlsxError, match="damaged"):
            read_rows(xlsx_bomb(256, honest=False), max_rows=1000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * MB


def test_a_cell_far_out_is_refused_before_the_reader_builds_its_table():
    from tests.fuzz.files import raw_xlsx

    far = raw_xlsx(
        [],
        sheet_xml='<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>',
    )
    with pytest.raises(XlsxError, match="beyond row 1001 or column BH"):
        read_rows(far, max_rows=1000)


def test_a_large_honest_workbook_still_reads():
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["name", "credit_code", "kind", "business"])
    for n in range(1, 20_001):
        sheet.append([f"恒信达{n}科技有限公司", credit_code_make(f"91110108MA{n:07d}"), "供应商", "办公用品" * (n % 7)])
    out = io.BytesIO()
    book.save(out)
    headers, rows = read_rows(out.getvalue(), max_rows=200_000)
    assert headers == ["name", "credit_code", "kind", "business"]
    assert sum(1 for _ in rows) == 20_000


# -- the bomb at every spreadsheet import, pages and API ----------------------------------------------------------


def _cheap(call):
    """Run `call` and return (its result, the peak of Python memory it took). Called after a first request, so
    that loading templates and translations is not counted."""
    tracemalloc.start()
    try:
        result = call()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_bomb_at_the_supplier_import(cast, login, bomb):
    client = login(cast.inspector)
    client.get(reverse("risks:supplier_import"))
    page, peak = _cheap(
        lambda: client.post(reverse("risks:supplier_import"), {"file": SimpleUploadedFile("s.xlsx", bomb)})
    )
    assert page.status_code == 422 and "unpacks to more than 600 MB" in page.content.decode()
    assert peak < 50 * MB
    api, peak = _cheap(
        lambda: client.post(
            "/api/v1/risks/supplier-imports", {"org_id": cast.tree.root.pk, "file": SimpleUploadedFile("s.xlsx", bomb)}
        )
    )
    assert api.status_code == 422 and "unpacks to more than" in api.content.decode()
    assert peak < 50 * MB
    assert not Supplier.objects.exists()


def test_bomb_at_the_survey_value_import(cast, login, bomb):
    client = login(cast.office)
    client.get(reverse("evaluation:value_import"))
    page, peak = _cheap(
        lambda: client.post(reverse("evaluation:value_import"), {"file": SimpleUploadedFile("v.xlsx", bomb)})
    )
    assert page.status_code == 422 and "unpacks to more than 600 MB" in page.content.decode()
    assert peak < 50 * MB
    api, peak = _cheap(
        lambda: client.post(
            "/api/v1/evaluation/values/import",
            {"organisation_id": cast.tree.root.pk, "file": SimpleUploadedFile("v.xlsx", bomb)},
        )
    )
    assert api.status_code == 422 and "unpacks to more than" in api.content.decode()
    assert peak < 50 * MB
    assert not Value.objects.exists()


def test_bomb_at_the_question_bank_import(cast, login, bomb):
    client = login(cast.secretary)
    client.get(reverse("study:bank_import"))
    page, peak = _cheap(lambda: client.post(reverse("study:bank_import"), {"file": SimpleUploadedFile("q.xlsx", bomb)}))
    job = Job.objects.get(kind="bank.import")
    assert page.status_code == 302 and job.params["state"] == "invalid"
    assert "unpacks to more than 600 MB" in job.params["errors"][0]["message"]
    assert peak < 50 * MB
    api, peak = _cheap(
        lambda: client.post(
            "/api/v1/study/bank/imports",
            {"organisation_id": cast.tree.branch_a.pk, "file": SimpleUploadedFile("q.xlsx", bomb)},
        )
    )
    assert (
        api.status_code == 201 and api.json()["state"] == "invalid" and "unpacks to more than" in api.content.decode()
    )
    assert peak < 50 * MB
    assert not Question.objects.exists()


def test_bomb_at_the_roster_import(cast, login, bomb, django_capture_on_commit_callbacks):
    client = login(cast.organiser)
    client.get(reverse("orgs:import_start"))
    with django_capture_on_commit_callbacks(execute=True):
        page, peak = _cheap(
            lambda: client.post(
                reverse("orgs:import_start"), {"mode": "create", "file": SimpleUploadedFile("r.xlsx", bomb)}
            )
        )
    assert page.status_code == 302
    upload = RosterImport.objects.get()
    assert upload.status == "invalid" and "unpacks to more than 600 MB" in upload.errors[0]["message"]
    assert peak < 50 * MB
    with django_capture_on_commit_callbacks(execute=True):
        api, peak = _cheap(
            lambda: client.post(
                "/api/v1/orgs/imports",
                {"organisation_id": cast.tree.branch_a.pk, "file": SimpleUploadedFile("r.xlsx", bomb)},
            )
        )
    assert api.status_code == 202
    assert RosterImport.objects.get(pk=api.json()["id"]).status == "invalid"
    assert peak < 50 * MB
    assert not Member.objects.filter(joined_on__gte=date(2000, 1, 1), name__startswith="成员").exists()


# -- a body over the limit, refused before it is read ------------------------------------------------------------


class CountingBody:
    """A request body of `size` bytes made as it is read, counting what the server read."""

    def __init__(self, size: int):
        self.size = size
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.read_bytes
        n = left if n is None or n < 0 else min(n, left, MB)
        self.read_bytes += n
        return b"\0" * n

    def readline(self, limit: int = -1) -> bytes:
        return self.read(min(limit, 1024) if limit and limit > 0 else 1024)


@pytest.mark.parametrize("door", ["page", "api"])
def test_a_gigabyte_body_is_refused_before_it_is_read(cast, door):
    path = reverse("risks:supplier_import") if door == "page" else "/api/v1/risks/supplier-imports"
    body = CountingBody(1024 * MB)
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "CONTENT_TYPE": "multipart/form-data; boundary=xyz",
        "CONTENT_LENGTH": str(body.size),
        "HTTP_ACCEPT_LANGUAGE": "en",
    }
    statuses = []
    chunks = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    content = b"".join(chunks).decode()
    assert statuses == ["413 Request Entity Too Large"]
    assert "larger than 50 MB" in content and "Nothing was saved" in content
    assert body.read_bytes == 0


def test_an_upload_over_the_limit_is_refused_with_413_on_pages_and_api(cast, login, settings):
    settings.FILE_UPLOAD_MAX_SIZE = 1 * MB
    client = login(cast.inspector)
    big = SimpleUploadedFile("s.xlsx", b"PK" + b"\0" * (2 * MB))
    page = client.post(reverse("risks:supplier_import"), {"file": big})
    assert page.status_code == 413 and "larger than 1 MB" in page.content.decode()
    big.seek(0)
    api = client.post("/api/v1/risks/supplier-imports", {"org_id": cast.tree.root.pk, "file": big})
    assert api.status_code == 413
    assert api.json()["error"] == {
        "code": "too_large",
        "message": "The upload is larger than 1 MB, the most the server accepts. Nothing was saved.",
    }
    small = client.post(reverse("risks:supplier_import"), {"file": SimpleUploadedFile("s.xlsx", b"PK" + b"\0" * 100)})
    assert small.status_code == 422  # under the limit: the import itself says what is wrong
    assert not Job.objects.exists()


# -- a full disk -------------------------------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path, settings):
    """A real 1 MB file system (tmpfs) as the upload folder; skipped where mounting is not permitted."""
    folder = tmp_path / "media"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {done.stderr.decode().strip()}")
    settings.MEDIA_ROOT = folder
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _files(folder) -> list[str]:
    return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _dirs, names in os.walk(folder) for f in names)


def test_a_full_disk_leaves_no_partial_file(tiny_disk):
    storage = MediaStorage(location=tiny_disk)
    with pytest.raises(StorageFull, match="storage is full; nothing was saved"):
        storage.save("evidence/big.pdf", io.BytesIO(b"%PDF-" + b"x" * (2 * MB)))
    assert _files(tiny_disk) == []
    storage.save("evidence/small.pdf", io.BytesIO(b"%PDF-small"))  # and it still takes what fits
    assert _files(tiny_disk) == ["evidence/small.pdf"]


def test_a_full_disk_during_an_import_is_a_form_error_and_saves_nothing(cast, login, tiny_disk):
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["name", "credit_code", "business"])
    for n in range(1, 6001):  # about 1.5 MB of checked rows to keep: more than the disk holds
        sheet.append([f"恒信达{n}科技有限公司", credit_code_make(f"91110108MA{n:07d}"), "办公用品、" * 20])
    out = io.BytesIO()
    book.save(out)
    client = login(cast.inspector)
    page = client.post(reverse("risks:supplier_import"), {"file": SimpleUploadedFile("s.xlsx", out.getvalue())})
    assert page.status_code == 422
    assert "The server&#x27;s storage is full; nothing was saved. Tell your administrator." in page.content.decode()
    assert not Job.objects.filter(kind=supplier_services.IMPORT_KIND).exists()
    assert not any(name.endswith(".json") for name in _files(tiny_disk))
    api = client.post(
        "/api/v1/risks/supplier-imports",
        {"org_id": cast.tree.root.pk, "file": SimpleUploadedFile("s.xlsx", out.getvalue())},
    )
    assert api.status_code == 507 and api.json()["error"]["code"] == "storage_full"
    assert not Job.objects.filter(kind=supplier_services.IMPORT_KIND).exists()
    assert not any(name.endswith(".json") for name in _files(tiny_disk))
