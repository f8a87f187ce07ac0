"""Roster import and export: the template, every row checked and named by row and column,
all-or-nothing saves, update mode, bad files, neutralised formulas, and refusals."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from qinglian.core.audit import audit_verify
from qinglian.core.lib import idcard
from qinglian.core.models import AuditEvent, Job
from qinglian.core.tests.web import count_queries
from qinglian.orgs.models import Member, RosterImport
from qinglian.orgs.services import imports as roster
from qinglian.orgs.services.imports import ROSTER_COLUMNS, roster_check, roster_confirm, roster_import, roster_upload
from qinglian.reports.xlsx import Sheet, workbook_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = [str(c.header) for c in ROSTER_COLUMNS]


pytestmark = pytest.mark.usefixtures("in_english")  # messages are matched in English


@pytest.fixture
def login(login):
    """The pages and the API in English, as the assertions read."""

    def _login(user):
        client = login(user)
        client.cookies["django_language"] = "en"
        return client

    return _login


@pytest.fixture
def branch_a_code(cast):
    cast.tree.branch_a.code = "A001"
    cast.tree.branch_a.save(update_fields=["code"])
    return "A001"


def person(n: int, *, born=date(1990, 3, 7), male=True) -> str:
    return idcard.make("110101", born, 2 * n + (1 if male else 0))


def row(n: int, org: str = "A001", **overrides) -> list:
    values = {
        "name": f"成员{n}",
        "gender": "男",
        "ethnicity": "汉族",
        "birth_date": date(1990, 3, 7),
        "id_number": person(n),
        "native_place": "北京市",
        "education": "大学本科",
        "phone": "13800000000",
        "organisation": org,
        "post": "科员",
        "rank": "",
        "category": "正式",
        "joined_on": date(2015, 7, 1),
        "full_member_on": date(2016, 7, 1),
        "status": "正常",
        "is_mobile": "否",
        "is_lost_contact": "否",
        "is_cadre": "否",
        "cadre_level": "",
    }
    values.update(overrides)
    return [values[c.key] for c in ROSTER_COLUMNS]


def book(rows, headers=HEADERS) -> bytes:
    return workbook_bytes([Sheet("roster", headers, rows)])


def upload_file(user, org, data: bytes, *, mode="create", name="roster.xlsx"):
    upload = roster_upload(owner=user, organisation=org, mode=mode, file=SimpleUploadedFile(name, data))
    return roster_check(upload=upload)


def save(upload, user):
    upload = roster_confirm(upload=upload, actor=user)
    return roster_import(upload=upload, actor=user)


# -- the journey, through the pages ----------------------------------------------------------


def test_new_user_downloads_template_fixes_the_wrong_cell_and_the_members_appear(
    cast, login, branch_a_code, django_capture_on_commit_callbacks
):
    client = login(cast.organiser)
    page = client.get(reverse("orgs:import_start"))
    assert page.status_code == 200
    assert reverse("orgs:import_template") in page.content.decode()
    template = client.get(reverse("orgs:import_template"))
    assert template["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(template.content))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    assert headers[0] == "* Name" and "* ID number" in headers and "Ethnicity" in headers
    assert ws.max_row == 2  # the example row
    covered = {str(dv.sqref).split(":")[0] for dv in ws.data_validations.dataValidation}
    assert {"B2", "C2", "L2"} <= covered  # gender, ethnicity, category
    assert [s.title for s in wb.worksheets][1:] == ["Notes"]

    # Fill 3 rows in the template itself (replacing the example), one with a mistyped identity number.
    wrong = person(3)[:-1] + ("0" if person(3)[-1] != "0" else "1")
    ws_rows = [row(1), row(2, gender="女", id_number=person(2, male=False)), row(3, id_number=wrong)]
    filled = book(ws_rows, headers=headers)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("orgs:import_start"), {"mode": "create", "file": SimpleUploadedFile("r.xlsx", filled)}
        )
    upload = RosterImport.objects.get(owner=cast.organiser)
    assert response["Location"] == reverse("orgs:import_detail", args=[upload.pk])
    assert upload.status == "invalid" and upload.error_count == 1
    assert upload.errors == [
        {"row": 4, "column": "ID number", "value": idcard.mask(wrong), "message": str(roster.ID_PROBLEMS["checksum"])}
    ]
    page = client.get(response["Location"]).content.decode()
    assert "1 problem found" in page and "checksum" in page and ">4<" in page
    assert not Member.objects.filter(name__startswith="成员").exists()

    ws_rows[2] = row(3)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("orgs:import_start"),
            {"mode": "create", "file": SimpleUploadedFile("r2.xlsx", book(ws_rows, headers))},
        )
    upload = RosterImport.objects.get(owner=cast.organiser, file_name="r2.xlsx")
    assert upload.status == "ready" and upload.total_rows == 3
    page = client.get(response["Location"]).content.decode()
    assert "成员2" in page and idcard.mask(person(2, male=False)) in page and "Confirm" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("orgs:import_confirm", args=[upload.pk]))
    upload.refresh_from_db()
    assert (upload.status, upload.created_count, upload.updated_count) == ("done", 3, 0)
    page = client.get(reverse("orgs:import_detail", args=[upload.pk])).content.decode()
    assert "3 members added" in page and reverse("orgs:member_list") in page
    members = Member.objects.filter(name__startswith="成员").order_by("name")
    assert [m.name for m in members] == ["成员1", "成员2", "成员3"]
    m2 = members[1]
    assert (m2.gender, m2.organisation, m2.category, m2.joined_on) == (
        "F",
        cast.tree.branch_a,
        "full",
        date(2015, 7, 1),
    )
    assert m2.id_number_masked == idcard.mask(person(2, male=False)) and m2.name_pinyin == "cheng yuan 2"
    assert person(2, male=False) not in m2.id_number_cipher
    listed = client.get(reverse("orgs:member_list")).content.decode()
    assert "成员3" in listed
    # One audit event for the whole import, and the chain is intact.
    assert AuditEvent.objects.filter(action="roster.import").count() == 1
    assert AuditEvent.objects.filter(action="member.create").count() == 4  # only the cast's own
    assert audit_verify().ok
    # The uploaded files, which hold ID numbers in the clear, are gone.
    assert not list((roster.imports_dir()).iterdir())


def test_progress_partial_polls_while_running_and_refreshes_when_done(cast, login, branch_a_code):
    upload = roster_upload(
        owner=cast.organiser, organisation=cast.tree.branch_a, mode="create",
        file=SimpleUploadedFile("r.xlsx", book([row(1)])),
    )  # fmt: skip
    client = login(cast.organiser)
    url = reverse("orgs:import_detail", args=[upload.pk])
    partial = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in partial.content.decode()
    assert "Checking every row" in client.get(url).content.decode()
    roster_check(upload=upload)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


# -- every row checked --------------------------------------------------------------------------


def test_every_problem_is_named_by_row_and_column(cast, branch_a_code):
    cast.tree.branch_b.code = "B001"
    cast.tree.branch_b.save(update_fields=["code"])
    rows = [
        row(1),
        row(2, id_number=person(1)),  # the same person as row 2
        row(3, org="NOPE"),
        row(4, category="预备"),  # probationary with a full-member date
        row(5, joined_on=date(1989, 1, 1)),  # joined before birth
        row(6, joined_on=date(2016, 7, 1), full_member_on=date(2015, 7, 1)),
        row(7, birth_date=date(1991, 1, 1)),  # not the date in the ID number
        row(8, gender="女"),  # the ID number says male
        row(9, category="候补", education="博士"),
        row(10, id_number="11010119900307123"),  # 17 characters
        row(11, joined_on="someday"),
        row(12, cadre_level="县处级"),
        row(13, name=""),
        row(14, joined_on=date(2005, 1, 1)),  # aged 14
        row(15, org="第二党支部"),  # by full name: fine
        row(16, org="直属党支部"),  # exists, outside branch_a
    ]
    upload = upload_file(cast.office, cast.tree.gb, book(rows))
    found = {(e["row"], e["column"]): e["message"] for e in upload.errors}
    expected = {
        (2, "ID number"): "row 3",
        (3, "ID number"): "row 2",
        (4, "Organisation"): "No organisation",
        (5, "Date made a full member"): "probationary member has no date",
        (6, "Date joined the Party"): "after the date of birth",
        (7, "Date made a full member"): "cannot be before",
        (8, "Date of birth"): "1990-03-07",
        (9, "Gender"): "other gender",
        (10, "Category"): "allowed values",
        (10, "Education"): "allowed values",
        (11, "ID number"): "18 characters",
        (12, "Date joined the Party"): "Not a date",
        (13, "Cadre level"): "cadre column",
        (14, "Name"): "required",
        (15, "Date joined the Party"): "18 or older",
        (17, "Organisation"): "No organisation",
    }
    assert set(found) == set(expected)
    for key, fragment in expected.items():
        assert fragment in found[key], (key, found[key])
    assert upload.status == "invalid" and upload.error_count == len(expected)
    assert [e["row"] for e in upload.errors] == sorted(e["row"] for e in upload.errors)


def test_organiser_may_not_import_above_their_branch(cast, branch_a_code):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        upload_file(cast.organiser, cast.tree.gb, book([row(1)]))


def test_create_mode_refuses_a_member_already_on_the_register(cast, branch_a_code):
    first = save(upload_file(cast.organiser, cast.tree.branch_a, book([row(1)])), cast.organiser)
    assert first.created_count == 1
    again = upload_file(cast.organiser, cast.tree.branch_a, book([row(2), row(1, name="重复")]))
    assert again.status == "invalid"
    assert [(e["row"], e["column"]) for e in again.errors] == [(3, "ID number")]
    assert "already on the register (in 第一党支部)" in again.errors[0]["message"]


def test_a_duplicate_outside_the_users_scope_is_not_named(cast, branch_a_code):
    from qinglian.core import crypto
    from qinglian.orgs.services import member_create

    member_create(
        organisation=cast.tree.branch_b, name="别处", gender="M", actor=None,
        id_number_index=crypto.blind_index(person(1)), id_number_masked=idcard.mask(person(1)),
    )  # fmt: skip
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(1)]))
    assert "outside your scope" in upload.errors[0]["message"] and "第二党支部" not in upload.errors[0]["message"]


def test_update_mode_updates_found_members_and_adds_the_rest(cast, branch_a_code):
    save(upload_file(cast.organiser, cast.tree.branch_a, book([row(1), row(2)])), cast.organiser)
    before = Member.objects.get(name="成员1")
    rows = [row(1, name="成员一", post="处长", category="正式"), row(3)]
    upload = save(upload_file(cast.organiser, cast.tree.branch_a, book(rows), mode="update"), cast.organiser)
    assert (upload.created_count, upload.updated_count) == (1, 1)
    after = Member.objects.get(pk=before.pk)
    assert (after.name, after.post, after.name_pinyin, after.version) == ("成员一", "处长", "cheng yuan yi", 2)
    assert after.id_number_cipher == before.id_number_cipher
    assert Member.objects.filter(name__startswith="成员").count() == 3
    event = AuditEvent.objects.get(action="roster.import", changes__updated=1)
    assert event.changes["created"] == 1


def test_update_mode_does_not_move_members_between_organisations(cast, branch_a_code):
    save(upload_file(cast.organiser, cast.tree.branch_a, book([row(1)])), cast.organiser)
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(1, org="第一党小组")]), mode="update")
    assert upload.status == "invalid" and "is a transfer" in upload.errors[0]["message"]


# -- all or nothing ---------------------------------------------------------------------------------


def test_an_error_in_the_last_row_saves_nothing(cast, branch_a_code):
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(1), row(2), row(3, joined_on="2015-13-01")]))
    assert upload.status == "invalid"
    with pytest.raises(Exception, match="not ready"):
        roster_confirm(upload=upload, actor=cast.organiser)
    assert not Member.objects.filter(name__startswith="成员").exists()


def test_a_failure_during_the_save_leaves_the_register_unchanged(
    cast, branch_a_code, monkeypatch, django_capture_on_commit_callbacks
):
    from qinglian.orgs import tasks

    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(1), row(2), row(3)]))
    before = (Member.objects.count(), AuditEvent.objects.count())
    real_bulk_insert = roster.bulk_insert

    def insert_then_break(model, columns, rows, **kwargs):
        real_bulk_insert(model, columns, rows, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(roster, "bulk_insert", insert_then_break)
    upload = roster_confirm(upload=upload, actor=cast.organiser)
    audit_before_save = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        tasks.roster_import_job.call(str(upload.job_id))
    assert Member.objects.count() == before[0]
    assert AuditEvent.objects.count() == audit_before_save
    upload.refresh_from_db()
    assert upload.status == "failed" and "Nothing was saved" in upload.errors[0]["message"]
    assert Job.objects.get(pk=upload.job_id).status == "failed"


def test_the_register_changing_between_check_and_save_saves_nothing(cast, branch_a_code):
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(1), row(2)]))
    save(upload_file(cast.organiser, cast.tree.branch_a, book([row(2)])), cast.organiser)  # someone else was quicker
    upload = save(upload, cast.organiser)
    assert upload.status == "invalid" and upload.errors[0]["row"] == 3
    assert Member.objects.filter(name__startswith="成员").count() == 1


# -- bad files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("roster.xlsx", b"name,id\nx,y\n", "not an Excel workbook"),
        ("roster.xlsx", b"PK\x03\x04 truncated", "cannot be read"),
        ("roster.xlsx", workbook_bytes([Sheet("s", ["Name", "Colour"], [["a", "b"]])]), "unknown columns: Colour"),
        ("roster.xlsx", workbook_bytes([Sheet("s", HEADERS, [])]), "no rows"),
    ],
    # Fixed ids: generated workbooks differ byte for byte between processes (zip timestamps), and
    # test ids made from them would differ between xdist workers.
    ids=["csv", "broken-zip", "wrong-headers", "no-rows"],
)
def test_a_bad_file_is_refused_with_a_message_and_the_register_unchanged(cast, branch_a_code, name, data, message):
    count = Member.objects.count()
    upload = upload_file(cast.organiser, cast.tree.branch_a, data, name=name)
    assert upload.status == "invalid" and upload.error_count == 1
    assert upload.errors[0]["row"] is None and message in upload.errors[0]["message"]
    assert Member.objects.count() == count


def test_a_file_that_is_not_xlsx_or_too_big_is_refused_at_upload(cast, login, branch_a_code, settings):
    client = login(cast.organiser)
    response = client.post(reverse("orgs:import_start"), {"mode": "create", "file": SimpleUploadedFile("r.xls", b"x")})
    assert "is not an Excel workbook (.xlsx)" in response.content.decode()
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    big = SimpleUploadedFile("big.xlsx", b"PK" + b"0" * (1024 * 1024 + 1))
    response = client.post(reverse("orgs:import_start"), {"mode": "create", "file": big})
    assert "at most 1 MB can be uploaded" in response.content.decode()
    assert not RosterImport.objects.exists()


def test_too_many_rows_are_refused(cast, branch_a_code, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROWS", 2)
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(1), row(2), row(3)]))
    # Refused as the sheet is scanned, before any row is read (reports.xlsx.package_check).
    assert "at most 2 rows" in upload.errors[0]["message"]


def test_only_the_first_thousand_errors_are_kept_with_the_count(cast, branch_a_code, monkeypatch):
    monkeypatch.setattr(roster, "ERRORS_KEPT", 5)
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(i, category="X") for i in range(8)]))
    assert (upload.error_count, len(upload.errors)) == (8, 5)


# -- export ---------------------------------------------------------------------------------------


def _export(client, capture, query=""):
    with capture(execute=True):
        response = client.post(reverse("orgs:member_export") + query)
    job = Job.objects.filter(kind="member.export").latest("created_at")
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.status == "done", job.message
    download = client.get(reverse("core:job_download", args=[job.pk]))
    return load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]


def test_export_neutralises_formulas_and_masks_ids_without_view_id(
    cast, login, branch_a_code, django_capture_on_commit_callbacks
):
    save(upload_file(cast.organiser, cast.tree.branch_a, book([row(1, name="=HYPERLINK(1)"), row(2, post="+1")])),
         cast.organiser)  # fmt: skip
    # The administrator may import and export but does not hold member.view_id.
    ws = _export(login(cast.admin), django_capture_on_commit_callbacks, "?q=")
    values = {ws.cell(r, 1).value: [c.value for c in ws[r]] for r in range(2, ws.max_row + 1)}
    assert "'=HYPERLINK(1)" in values
    assert values["成员2"][9] == "'+1"
    assert all(cell.data_type != "f" for r in ws.iter_rows() for cell in r)
    assert values["成员2"][4] == idcard.mask(person(2))
    event = AuditEvent.objects.filter(action="member.export").latest("seq")
    assert event.changes["full_id_numbers"] == 0


def test_export_shows_full_ids_to_view_id_holders_audited_once_and_follows_filters(
    cast, login, branch_a_code, django_capture_on_commit_callbacks
):
    save(upload_file(cast.organiser, cast.tree.branch_a, book([row(1), row(2, category="预备", full_member_on="")])),
         cast.organiser)  # fmt: skip
    ws = _export(login(cast.organiser), django_capture_on_commit_callbacks, "?category=probationary")
    assert [[c.value for c in r][:5] for r in ws.iter_rows(min_row=2)] == [
        ["成员2", "男", "汉族", ws.cell(2, 4).value, person(2)]
    ]
    events = AuditEvent.objects.filter(action="member.export")
    assert events.count() == 1 and events.get().changes["full_id_numbers"] == 1
    assert events.get().changes["filters"] == {"category": "probationary"}


def test_exported_file_imports_again_in_update_mode(cast, login, branch_a_code, django_capture_on_commit_callbacks):
    save(upload_file(cast.organiser, cast.tree.branch_a, book([row(1), row(2)])), cast.organiser)
    ws = _export(login(cast.organiser), django_capture_on_commit_callbacks)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2) if str(r[0].value).startswith("成员")]
    upload = upload_file(cast.organiser, cast.tree.branch_a, book(rows), mode="update")
    assert upload.status == "ready", upload.errors
    assert save(upload, cast.organiser).updated_count == 2


# -- who may ---------------------------------------------------------------------------------------


def test_import_pages_are_refused_to_outsiders_and_other_branches(cast, login, branch_a_code):
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(1)]))
    for name in ("outsider", "secretary_b", "member", "secretary"):
        client = login(getattr(cast, name))
        for url in (
            reverse("orgs:import_start"),
            reverse("orgs:import_template"),
            reverse("orgs:import_detail", args=[upload.pk]),
        ):
            assert client.get(url).status_code == 404, (name, url)
        assert client.post(reverse("orgs:import_confirm", args=[upload.pk])).status_code == 404
        assert client.post(reverse("orgs:member_export")).status_code == 404
    # Another importer (the committee office, above branch_a) does not see someone else's upload.
    assert login(cast.office).get(reverse("orgs:import_detail", args=[upload.pk])).status_code == 404
    upload.refresh_from_db()
    assert upload.status == "ready"


def test_import_detail_query_count_does_not_grow_with_errors(cast, login, branch_a_code):
    few = upload_file(cast.organiser, cast.tree.branch_a, book([row(1, category="X")]))
    many = upload_file(cast.organiser, cast.tree.branch_a, book([row(i, category="X") for i in range(300)]))
    client = login(cast.organiser)
    client.get(reverse("orgs:import_detail", args=[few.pk]))  # warm the session and caches
    counts = [count_queries(lambda u=u: client.get(reverse("orgs:import_detail", args=[u.pk]))) for u in (few, many)]
    assert counts[0] == counts[1] and counts[0] <= 12


# -- API ------------------------------------------------------------------------------------------


def test_api_upload_status_errors_and_confirm(cast, login, branch_a_code, django_capture_on_commit_callbacks):
    client = login(cast.organiser)
    template = client.get("/api/v1/orgs/imports/template")
    assert template.status_code == 200 and template["Content-Type"] == XLSX
    bad = book([row(1), row(2, category="X")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/orgs/imports",
            {"organisation_id": cast.tree.branch_a.pk, "mode": "create", "file": SimpleUploadedFile("r.xlsx", bad)},
        )
    assert response.status_code == 202, response.content
    detail = client.get(f"/api/v1/orgs/imports/{response.json()['id']}").json()
    assert detail["status"] == "invalid" and detail["error_count"] == 1
    assert detail["errors"] == [
        {"row": 3, "column": "Category", "value": "X", "message": "Not one of the allowed values: 正式、预备."}
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/orgs/imports",
            {"organisation_id": cast.tree.branch_a.pk, "file": SimpleUploadedFile("r.xlsx", book([row(1), row(2)]))},
        )
    import_id = response.json()["id"]
    assert client.get(f"/api/v1/orgs/imports/{import_id}").json()["status"] == "ready"
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(f"/api/v1/orgs/imports/{import_id}/confirm")
    assert confirmed.status_code == 202
    detail = client.get(f"/api/v1/orgs/imports/{import_id}").json()
    assert (detail["status"], detail["created_count"]) == ("done", 2)


def test_api_paginates_errors(cast, login, branch_a_code):
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(i, category="X") for i in range(150)]))
    client = login(cast.organiser)
    first = client.get(f"/api/v1/orgs/imports/{upload.pk}").json()
    second = client.get(f"/api/v1/orgs/imports/{upload.pk}?page=2").json()
    assert (len(first["errors"]), len(second["errors"]), first["errors_pages"]) == (100, 50, 2)
    assert second["errors"][0]["row"] == 102


def test_api_refuses_outsiders_and_other_branches(cast, login, branch_a_code):
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(1)]))
    for name in ("outsider", "secretary_b", "office"):
        client = login(getattr(cast, name))
        assert client.get(f"/api/v1/orgs/imports/{upload.pk}").status_code == 404, name
        assert client.post(f"/api/v1/orgs/imports/{upload.pk}/confirm").status_code == 404, name
    client = login(cast.secretary_b)
    assert client.get("/api/v1/orgs/imports/template").status_code == 404
    response = client.post(
        "/api/v1/orgs/imports",
        {"organisation_id": cast.tree.branch_a.pk, "file": SimpleUploadedFile("r.xlsx", book([row(5)]))},
    )
    assert response.status_code == 404
    upload.refresh_from_db()
    assert upload.status == "ready"


def test_member_list_offers_the_export_carrying_its_filters(cast, login, branch_a_code):
    client = login(cast.organiser)
    page = client.get(reverse("orgs:member_list") + "?category=probationary").content.decode()
    assert reverse("orgs:member_export") + "?category=probationary" in page and "Export .xlsx" in page
    assert "Export .xlsx" not in login(cast.secretary).get(reverse("orgs:member_list")).content.decode()
    client = login(cast.organiser)
    response = client.post(reverse("orgs:member_export"), {"category": "full"}, headers={"HX-Request": "true"})
    assert response.status_code == 204, response.status_code
    job = Job.objects.get(kind="member.export")
    assert response["HX-Redirect"] == reverse("core:job_detail", args=[job.pk])
    assert job.params["filters"] == {"category": "full"}
