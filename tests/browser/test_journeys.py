"""The main journeys in a real Chromium against the live server: log in, change language and
organisation, use the phone menu, and enrol in two-factor authentication."""

from __future__ import annotations

import re
from base64 import b32encode

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PASSWORD = "pw"  # the shared cast's password (conftest.py at the top of the project)


def log_in(visit, username: str, password: str = PASSWORD) -> None:
    page = visit.page
    page.goto(visit.url("/accounts/login/"))
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("form button[type=submit]").click()


def test_secretary_switches_language_and_organisation(open_page, cast):
    visit = open_page()
    page = visit.page
    log_in(visit, "secretary")
    expect(page).to_have_url(visit.url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # The top bar's language button turns the whole page into English.
    page.get_by_role("button", name="EN").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Hello, Secretary")).to_be_visible()
    expect(page.get_by_text("My to-do list")).to_be_visible()
    expect(page.locator("#sidebar").get_by_role("link", name="Organisations")).to_be_visible()

    # Work in the Party group below the branch: the selector submits itself on change.
    page.locator("#sidebar").get_by_role("link", name="Organisations").click()
    expect(page).to_have_url(visit.url("/orgs/"))
    expect(page.locator("#scope-select")).to_have_value(str(cast.tree.branch_a.pk))
    page.select_option("#scope-select", str(cast.tree.group_a.pk))
    expect(page.locator("#scope-select")).to_have_value(str(cast.tree.group_a.pk))
    expect(page).to_have_url(visit.url("/orgs/"))

    page.locator("#sidebar").get_by_role("link", name="Home").click()
    expect(page).to_have_url(visit.url("/"))
    expect(page.locator(".ql-page-head")).to_contain_text(cast.tree.group_a.name)
    expect(page.locator("#scope-select")).to_have_value(str(cast.tree.group_a.pk))
    # Still in English after moving around.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    visit.assert_clean()


def test_phone_opens_the_menu(open_page, cast):
    visit = open_page(phone=True)
    page = visit.page
    log_in(visit, "member")
    expect(page).to_have_url(visit.url("/"))
    sidebar = page.locator("#sidebar")
    members_link = sidebar.locator("a[href='/orgs/members/']")
    expect(members_link).to_be_hidden()
    # Nothing is wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.locator("button[data-bs-toggle='offcanvas']").click()
    expect(sidebar).to_have_class(re.compile(r"\bshow\b"))
    expect(members_link).to_be_visible()
    sidebar.locator("button[data-bs-dismiss='offcanvas']").click()
    expect(members_link).to_be_hidden()
    page.locator("button[data-bs-toggle='offcanvas']").click()
    members_link.click()
    expect(page).to_have_url(visit.url("/orgs/members/"))
    expect(page.get_by_text(cast.members["a1"].name)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    visit.assert_clean()


def test_wrong_password_is_refused_with_a_message(open_page, cast):
    visit = open_page()
    page = visit.page
    page.goto(visit.url("/accounts/login/"))
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    log_in(visit, "secretary", "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("The login name or password is wrong")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("#id_username")).to_have_value("secretary")
    # The failed login answers 200 with the form again: no console errors, nothing external.
    visit.assert_clean()


def test_administrator_must_enrol_in_two_factor(open_page, cast, settings):
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.TWO_FACTOR_REQUIRED = True
    visit = open_page(locale="en")
    page = visit.page
    log_in(visit, "admin")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/"))
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for the authenticator app")).to_be_visible()

    # Any other page sends the administrator back to enrolment until it is done.
    page.goto(visit.url("/orgs/"))
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/"))

    # Be the authenticator app: compute the current code from the key the page shows.
    device = TOTPDevice.objects.get(user=cast.admin, confirmed=False)
    shown_key = re.sub(r"\s", "", page.locator("#otp-key").inner_text())
    assert shown_key == b32encode(device.bin_key).decode()
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    page.fill("#id_code", f"{code:0{device.digits}d}")
    page.get_by_role("button", name="Turn on").click()

    expect(page).to_have_url(re.compile(r"/orgs/$"))
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    page.locator("#sidebar").get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="Hello, Admin")).to_be_visible()
    device.refresh_from_db()
    assert device.confirmed
    visit.assert_clean()


def test_api_docs_render_from_local_files_under_the_csp(open_page, cast):
    visit = open_page(locale="en")
    page = visit.page
    log_in(visit, "auditor")
    expect(page).to_have_url(visit.url("/"))
    page.goto(visit.url("/api/v1/docs"))
    expect(page.get_by_role("heading", name=re.compile("Qinglian API"))).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    visit.assert_clean()
