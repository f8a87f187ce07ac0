"""Chinese by default, English on request: the same pages in both languages.

Chinese wording comes from the catalogue, which is maintained on its own; these tests assert the
page language and Chinese that comes from data, and exact English wording.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from qinglian.core.tests.web import body


def lang_of(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


@pytest.fixture
def english():
    """A second browser, set to English (the `client` fixture stays on the default language)."""
    browser = Client()
    browser.cookies["django_language"] = "en"
    return browser


def test_pages_are_chinese_by_default(cast, client):
    client.force_login(cast.admin)
    response = client.get("/orgs/")
    page = body(response)
    assert lang_of(page) == "zh-hans"
    assert response.headers["Content-Language"] == "zh-hans"
    assert "机关党委" in page and "第一党总支" in page
    assert ">Organisations<" not in page.replace("\n", "").replace(" ", "")


def test_the_language_cookie_switches_to_english(cast, english):
    english.force_login(cast.admin)
    response = english.get("/orgs/")
    page = body(response)
    assert lang_of(page) == "en"
    assert response.headers["Content-Language"] == "en"
    assert re.search(r"</i>\s*Organisations\s*</a>", page), "the menu entry for organisations"
    assert "Members" in page and "Administration" in page
    assert "机关党委" in page  # data stays as entered


def test_choices_and_role_names_follow_the_language(cast, client, english):
    client.force_login(cast.admin)
    english.force_login(cast.admin)
    assert "系统管理员" in body(client.get("/accounts/me/"))
    page = body(english.get("/accounts/me/"))
    assert "Administrator" in page and "系统管理员" not in page
    page = body(english.get(f"/orgs/{cast.tree.branch_a.pk}/"))
    assert "Party branch" in page


def test_the_login_page_in_both_languages(db, client):
    assert lang_of(body(client.get("/accounts/login/"))) == "zh-hans"
    client.cookies["django_language"] = "en"
    page = body(client.get("/accounts/login/"))
    assert lang_of(page) == "en"
    assert "Forgotten your password?" in page


def test_switching_language_from_the_page_sets_the_cookie(cast, client):
    client.force_login(cast.member)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/orgs/members/"})
    assert response["Location"] == "/orgs/members/"
    assert client.cookies["django_language"].value == "en"
    assert lang_of(body(client.get("/orgs/members/"))) == "en"
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert lang_of(body(client.get("/"))) == "zh-hans"


def test_api_errors_follow_the_language(cast, english, client):
    english.force_login(cast.member)
    error = english.get("/api/v1/orgs/999999").json()["error"]
    assert error["message"] == "No such record, or it is not within your organisations."
    client.force_login(cast.member)
    assert client.get("/api/v1/orgs/999999").headers["Content-Language"] == "zh-hans"
