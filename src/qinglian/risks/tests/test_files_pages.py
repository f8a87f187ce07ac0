"""Integrity files in the browser: My integrity file, filling in a section with its rows (adding and removing rows
with and without scripts), refusals that keep what was typed, the review on the file page (return with a reason
shown to the cadre, accept, archive), the review list with its filters and bulk opening, named reviewers, the print
view, and the pages in Chinese and in English."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglian.core.tests.web import count_queries
from qinglian.risks.models import FileReviewer, IntegrityFile
from qinglian.risks.tests import factories_files as f
from qinglian.risks.vocab import SectionKind, SectionStatus

YEAR = timezone.localdate().year


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _page(response) -> str:
    return response.content.decode()


def _family_post(section, rows: list[dict], **extra) -> dict:
    data = {"version": section.version, **extra}
    for n, row in enumerate(rows, start=1):
        for key, value in row.items():
            data[f"members-{n}-{key}"] = value
    return data


# --- My integrity file -------------------------------------------------------------------------------------


def test_my_file_says_when_the_login_has_no_member_record_or_is_no_cadre(cast, login, english):
    client = login(cast.outsider)
    page = _page(client.get(reverse("risks:file_mine")))
    assert "not linked to a member on the register" in page
    assert client.post(reverse("risks:file_open_mine")).status_code == 404
    client = login(cast.member)
    page = _page(client.get(reverse("risks:file_mine")))
    assert "not marked as a cadre" in page and "Open my file" not in page
    response = client.post(reverse("risks:file_open_mine"), follow=True)
    assert "not marked as a cadre" in _page(response)
    assert not IntegrityFile.objects.exists()


def test_a_cadre_opens_this_years_file_and_sees_its_sections(cast, login, english):
    f.cadre(cast.members["a1"])
    client = login(cast.member)
    assert f"Open my file for {YEAR}" in _page(client.get(reverse("risks:file_mine")))
    response = client.post(reverse("risks:file_open_mine"))
    file = IntegrityFile.objects.get(member=cast.members["a1"], year=YEAR)
    assert response["Location"] == reverse("risks:file_detail", args=[file.pk])
    page = _page(client.get(response["Location"]))
    for label in ("Basic information", "Family members", "Report on personal matters", "Income and property"):
        assert label in page
    assert "财务处处长" in page  # the post from the register
    mine = _page(client.get(reverse("risks:file_mine")))
    assert f"Integrity file {YEAR}" in mine and "7 drafts" in mine and "Open my file" not in mine


# --- filling in a section ----------------------------------------------------------------------------------


def test_the_cadre_fills_in_rows_and_identity_numbers_are_masked_on_the_pages(cast, login, english):
    file = f.file_open(cast.members["a1"])
    section = f.section(file, SectionKind.FAMILY)
    client = login(cast.member)
    url = reverse("risks:section_edit", args=[section.pk])
    page = _page(client.get(url))
    assert 'name="members-1-name"' in page and "Add a row" in page
    rows = f.family()["members"]
    response = client.post(url, _family_post(section, rows, save="1"))
    assert response.status_code == 302
    section.refresh_from_db()
    assert [row["name"] for row in section.data["members"]] == ["赵敏", "李小明"]
    for page in (
        _page(client.get(url)),
        _page(client.get(reverse("risks:file_detail", args=[file.pk]))),
        _page(client.get(reverse("risks:section_print", args=[section.pk]))),
    ):
        assert f.SPOUSE_ID not in page and f.SPOUSE_ID[:6] + "********" + f.SPOUSE_ID[-4:] in page
    # Sent back as shown, the masked number keeps the stored one; a removed row goes.
    edit = _page(client.get(url))
    masked = re.search(r'name="members-1-id_number" value="([^"]+)"', edit)[1]
    data = _family_post(section, [{**rows[0], "id_number": masked}, rows[1]], save="1")
    data["members-2-DELETE"] = "on"
    assert client.post(url, data).status_code == 302
    section.refresh_from_db()
    assert [row["name"] for row in section.data["members"]] == ["赵敏"]
    assert section.data["members"][0]["id_number_masked"] == masked


def test_a_row_is_added_without_scripts_and_with_htmx_and_nothing_is_saved_meanwhile(cast, login, english):
    file = f.file_open(cast.members["a1"])
    section = f.section(file, SectionKind.GIFTS)
    client = login(cast.member)
    url = reverse("risks:section_edit", args=[section.pk])
    typed = {"version": section.version, "gifts-1-giver": "某公司", "gifts-2-giver": "", "add_row": "gifts"}
    page = _page(client.post(url, typed))
    assert page.count('name="gifts-') > 0 and len(re.findall(r'name="gifts-\d+-giver"', page)) == 3
    assert 'value="某公司"' in page  # what was typed is kept
    section.refresh_from_db()
    assert section.data == {} and section.version == 1
    row = _page(client.get(reverse("risks:section_row", args=[section.pk]), {"list": "gifts"}, HTTP_HX_REQUEST="true"))
    assert "<html" not in row and len(re.findall(r'name="gifts-\d+-giver"', row)) == 1
    assert client.get(reverse("risks:section_row", args=[section.pk]), {"list": "nonsense"}).status_code == 404


def test_bad_rows_come_back_with_the_row_and_field_named_what_was_typed_kept_and_nothing_saved(cast, login, english):
    file = f.file_open(cast.members["a1"])
    section = f.section(file, SectionKind.FAMILY)
    client = login(cast.member)
    url = reverse("risks:section_edit", args=[section.pk])
    rows = [
        {"relation": "spouse", "name": "赵敏", "birth_date": "1982-02-30", "id_number": "110101198203141234"},
        {"relation": "son", "name": ""},
    ]
    response = client.post(url, _family_post(section, rows, submit="1"))
    assert response.status_code == 422
    page = _page(response)
    assert "Nothing was saved" in page
    assert "Family members, row 1: “date of birth” must be a date" in page
    assert "Family members, row 1: “identity number” is not a valid identity number" in page
    assert "Family members, row 2: fill in “name”." in page
    assert 'value="110101198203141234"' in page and 'value="赵敏"' in page
    section.refresh_from_db()
    assert section.data == {} and section.status == SectionStatus.DRAFT


def test_save_and_submit_then_a_second_submission_is_refused(cast, login, english):
    file = f.file_open(cast.members["a1"])
    section = f.section(file, SectionKind.FAMILY)
    client = login(cast.member)
    response = client.post(reverse("risks:section_edit", args=[section.pk]),
                           _family_post(section, f.family()["members"], submit="1"))  # fmt: skip
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.status == SectionStatus.SUBMITTED
    again = client.post(reverse("risks:section_submit", args=[section.pk]), {"version": section.version})
    assert again.status_code == 422
    assert "was already submitted on" in _page(again)
    page = _page(client.get(reverse("risks:section_edit", args=[section.pk])))
    assert "it can be changed again only if discipline inspection returns it" in page and "Save draft" not in page


# --- review on the file page -------------------------------------------------------------------------------


def test_the_demo_story_in_the_browser(cast, login, english):
    """A cadre submits a section, discipline inspection returns it, the cadre fixes it, it is archived; the access
    log shows every view."""
    file = f.file_open(cast.members["a1"])
    section = f.section(file, SectionKind.GIFTS)
    detail = reverse("risks:file_detail", args=[file.pk])
    cadre = login(cast.member)
    gifts = {"version": section.version, "gifts-1-date": f"{YEAR}-02-01", "gifts-1-giver": "某供应商",
             "gifts-1-items": "购物卡", "gifts-1-handed_to": "机关纪委", "submit": "1"}  # fmt: skip
    assert cadre.post(reverse("risks:section_edit", args=[section.pk]), gifts).status_code == 302

    inspector = login(cast.inspector)
    page = _page(inspector.get(detail))
    assert "Return it to the cadre" in page and "Accept" in page
    section.refresh_from_db()
    refused = inspector.post(reverse("risks:section_return", args=[section.pk]), {"version": section.version})
    assert refused.status_code == 422 and "Say why the section is returned" in _page(refused)
    response = inspector.post(reverse("risks:section_return", args=[section.pk]),
                              {"version": section.version, "reason": "请注明购物卡面值"})  # fmt: skip
    assert response.status_code == 302

    cadre = login(cast.member)
    page = _page(cadre.get(detail))
    assert "Discipline inspection returned a section" in page and "请注明购物卡面值" in page
    edit = reverse("risks:section_edit", args=[section.pk])
    assert "请注明购物卡面值" in _page(cadre.get(edit))
    section.refresh_from_db()
    assert cadre.post(edit, {**gifts, "version": section.version, "gifts-1-value": "1000"}).status_code == 302

    inspector = login(cast.inspector)
    section.refresh_from_db()
    inspector.post(reverse("risks:section_accept", args=[section.pk]), {"version": section.version})
    section.refresh_from_db()
    assert section.status == SectionStatus.ACCEPTED
    assert "Discipline inspection accepted this section: it no longer changes." in _page(login(cast.member).get(edit))
    inspector = login(cast.inspector)
    assert "Archive" in _page(inspector.get(detail))
    inspector.post(reverse("risks:section_archive", args=[section.pk]), {"version": section.version})
    section.refresh_from_db()
    assert section.status == SectionStatus.ARCHIVED

    cadre = login(cast.member)
    assert "This section is archived" in _page(cadre.get(edit))
    log = _page(cadre.get(reverse("risks:file_log", args=[file.pk])))
    for words in ("Opened the file", "Opened a section", "Submitted", "Returned", "Accepted", "Archived"):
        assert words in log, words
    assert cast.inspector.get_full_name() in log and "请注明购物卡面值" in log


def test_a_stale_review_is_refused_with_a_clear_message(cast, login, english):
    file = f.file_open(cast.members["a1"])
    section = f.submitted(file, SectionKind.GIFTS)
    client = login(cast.inspector)
    response = client.post(reverse("risks:section_accept", args=[section.pk]), {"version": section.version - 1})
    assert response.status_code == 409 and "Someone else changed this section" in _page(response)


# --- the review list ---------------------------------------------------------------------------------------


def test_the_review_list_filters_and_opens_every_cadres_file(cast, login, english):
    for key in ("a1", "a2", "b1"):
        f.cadre(cast.members[key])
    f.submitted(f.file_open(cast.members["a1"]), SectionKind.GIFTS)
    client = login(cast.inspector)
    url = reverse("risks:file_list")
    page = _page(client.get(url))
    assert "张伟" in page and "李娜" in page and "王芳" in page and "刘洋" not in page  # c1 is no cadre
    assert "1 to review" in page and "No file yet" in page
    page = _page(client.get(url, {"status": "awaiting"}))
    assert "张伟" in page and "李娜" not in page
    page = _page(client.get(url, {"q": "wang f"}))
    assert "王芳" in page and "张伟" not in page
    page = _page(client.get(url, {"unit": cast.tree.branch_b.pk}))
    assert "王芳" in page and "张伟" not in page
    response = client.post(reverse("risks:file_open_all"), {"year": YEAR}, follow=True)
    assert "2 files opened" in _page(response)
    assert IntegrityFile.objects.filter(year=YEAR).count() == 3


def test_the_review_list_reads_a_constant_number_of_queries(cast, login):
    client = login(cast.inspector)
    f.file_open(cast.members["a1"])
    url = reverse("risks:file_list")
    client.get(url)
    one = count_queries(lambda: client.get(url))
    for key in ("a2", "b1", "c1"):
        f.submitted(f.file_open(cast.members[key]), SectionKind.GIFTS)
    assert count_queries(lambda: client.get(url)) == one


def test_the_branch_secretary_has_no_review_list(cast, login):
    assert login(cast.secretary).get(reverse("risks:file_list")).status_code == 404


# --- named reviewers ---------------------------------------------------------------------------------------


def test_discipline_inspection_names_and_revokes_a_reviewer_from_the_file_page(cast, login, english):
    file = f.file_open(cast.members["a1"])
    reader = f.plain_user("zuzhibu")
    client = login(cast.inspector)
    detail = reverse("risks:file_detail", args=[file.pk])
    refused = client.post(reverse("risks:reviewer_grant", args=[file.pk]), {"username": "nobody", "reason": "考察"})
    assert refused.status_code == 422 and "No active login is called “nobody”" in _page(refused)
    response = client.post(reverse("risks:reviewer_grant", args=[file.pk]),
                           {"username": "zuzhibu", "reason": "拟提拔考察", "expires_on": ""})  # fmt: skip
    assert response.status_code == 302
    assert "拟提拔考察" in _page(client.get(detail))
    reader_client = login(reader)
    page = _page(reader_client.get(detail))
    assert "You read this file as a reviewer named by discipline inspection" in page
    assert "Return it to the cadre" not in page and "Name a reviewer" not in page
    grant = FileReviewer.objects.get(user=reader)
    client = login(cast.inspector)
    assert client.post(reverse("risks:reviewer_revoke", args=[grant.pk]), {"file": file.pk}).status_code == 302
    assert login(reader).get(detail).status_code == 404


# --- languages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_speak_both_languages(cast, login, client, language):
    file = f.file_open(cast.members["a1"])
    f.family_saved(file)
    client.cookies["django_language"] = language
    family = f.section(file, SectionKind.FAMILY)
    words = {"zh-hans": 'lang="zh-hans"', "en": 'lang="en"'}[language]
    for user, names in (
        (cast.member, ("risks:file_mine",)),
        (cast.inspector, ("risks:file_list",)),
    ):
        login(user)
        for name in names:
            page = _page(client.get(reverse(name)))
            assert words in page
    login(cast.member)
    for url in (
        reverse("risks:file_detail", args=[file.pk]),
        reverse("risks:file_print", args=[file.pk]),
        reverse("risks:file_log", args=[file.pk]),
        reverse("risks:section_edit", args=[family.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200 and words in _page(response)
        assert "赵敏" in _page(response) or url.endswith("/log/")
    if language == "en":
        assert "Integrity file of 张伟" in _page(client.get(reverse("risks:file_detail", args=[file.pk])))
