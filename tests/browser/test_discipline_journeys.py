"""Supervision and discipline in a real Chromium: the reporting portal, the sealed identity, need-to-know, phones.

1. An anonymous report filed on the portal from a browser with a distinctive user agent: the receipt code is shown
   once; discipline inspection acknowledges and answers it from the reports inbox; the reporter, with the code (a
   wrong one first), reads the answer and adds information. Neither the browser string nor the reporter's address
   is anywhere in the database, the cache or the server's logs.
2. A real-name report: the name is nowhere readable in the database (nor in its raw bytes). The handler asks for the
   identity with a reason and sees nothing; the head of discipline inspection approves and sees nothing; the handler
   then reads the name. The request, the approval and the reading are sealed events in the audit trail.
3. A member, a branch secretary and the administrator see no discipline entry in the menu and get 404 on every
   discipline page, a clue's page included.
4. The clue page and the portal on a 390×844 phone: no sideways scrolling, a clean console.
"""

from __future__ import annotations

import io
import json
import logging
import pickle
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, RESULTS, Visit
from tests.browser.test_duties_journeys import _as, _message
from tests.browser.test_risks_journeys import _failed_loads

pytestmark = pytest.mark.browser

BROWSER_STRING = "ZZ-Fingerprint-Browser/9.9"
ADDRESS = "127.0.0.1"
WHAT_HAPPENED = "2024年3月，政府采购管理处王芳在办公设备采购中多次收受供应商赠送的购物卡，金额约两万元。"
REAL_NAME, REAL_PHONE = "司徒明远", "13912300456"
REASON = "需当面向举报人核实购物卡的来源和金额，请批准查看举报人身份。"


@pytest.fixture
def visitor(request, browser, live_server):
    """visitor(user_agent=..., phone=...) -> Visit: a browser of the public, not logged in, in English."""
    contexts = []

    def _open(*, user_agent: str | None = None, phone: bool = False) -> Visit:
        context = browser.new_context(viewport=PHONE if phone else DESKTOP, locale="en", user_agent=user_agent)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        visit = Visit(page=page, base=live_server.url)
        page.on("request", lambda r: visit.requests.append(r.url))
        page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: visit.errors.append(str(exc)))
        return visit

    yield _open
    if getattr(request.node, "failed_call", False):
        RESULTS.mkdir(exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                name = re.sub(r"[^\w.-]+", "_", request.node.name)
                page.screenshot(path=RESULTS / f"{name}-visitor-{i}-{j}.png", full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def every_log(caplog):
    """caplog at DEBUG for every logger, those that do not pass records up to the root included."""
    caplog.set_level(logging.DEBUG)
    silent = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in silent:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in silent:
        logger.removeHandler(caplog.handler)


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The portal's rate limits count in the cache, and every browser here comes from the same address."""
    cache.clear()
    yield
    cache.clear()


def _rows() -> list[dict]:
    """Every row of every model (base managers too), as dumpdata writes it."""
    out = io.StringIO()
    call_command("dumpdata", all=True, stdout=out)
    return json.loads(out.getvalue())


def _rows_with(rows: list[dict], needle: str) -> list[dict]:
    return [row for row in rows if needle in json.dumps(row, ensure_ascii=False) or needle in json.dumps(row)]


def _database_bytes() -> bytes:
    """The SQLite database as stored: the file (and its write-ahead log), or the in-memory image."""
    from pathlib import Path

    from django.db import connection

    connection.ensure_connection()
    name = str(connection.settings_dict["NAME"])
    if connection.creation.is_in_memory_db(name):
        return connection.connection.serialize()
    return b"".join(Path(p).read_bytes() for p in (name, name + "-wal") if Path(p).exists())


def _sidebar_discipline_links(visit) -> list[str]:
    return visit.page.locator("#sidebar a[href^='/discipline/']").evaluate_all("links => links.map(a => a.pathname)")


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _file_a_report(page, *, identity: dict | None = None) -> str:
    """Fill in the portal's form, send it, and read the receipt code shown once."""
    from qinglian.orgs.models import Organisation

    root = Organisation.objects.get(parent__isnull=True)
    page.get_by_role("combobox", name="Send the report to").select_option(str(root.pk))
    page.get_by_role("combobox", name="What it is about").select_option("integrity")
    page.get_by_label("Name of the person").fill("王芳")
    page.get_by_label("Their unit or department").fill("政府采购管理处")
    page.get_by_role("textbox", name="What happened").fill(WHAT_HAPPENED)
    if identity:
        page.get_by_label("Under my real name").check()
        page.get_by_label("Your name").fill(identity["name"])
        page.get_by_label("Telephone").fill(identity["phone"])
    else:
        expect(page.get_by_label("Anonymously")).to_be_checked()
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", name="Your report has been received")).to_be_visible()
    code = page.get_by_label("Receipt code").inner_text().strip()
    assert re.fullmatch(r"\d{4}( \d{4}){3}", code), code
    return code


# --- 1. an anonymous report, answered and followed up -----------------------------------------------------------


def test_an_anonymous_report_answered_and_followed_up_leaves_no_trace_of_the_reporters_browser(
    open_page, visitor, cast, every_log
):
    from qinglian.discipline.models import Report

    reply = "您反映的问题已收悉，请补充购物卡的发卡商户名称。"
    more = "购物卡为江州百货商场所发，面值每张一千元。"

    # The reporter files the report from a browser with a telltale user agent and keeps the code shown once.
    reporter = visitor(user_agent=BROWSER_STRING)
    page = reporter.page
    page.goto(reporter.url(reverse("portal:report")))
    code = _file_a_report(page)
    expect(page.get_by_role("alert")).to_contain_text("Write this code down now.")
    report = Report.objects.get()
    assert (report.is_anonymous, report.status, report.identity_sealed) == (True, "new", "")
    assert code.replace(" ", "") not in json.dumps(_rows_with(_rows(), "discipline.report"))  # only a slow hash
    reporter.assert_clean()

    # Intake (the inspector) finds it in the reports inbox, acknowledges receipt and asks for more.
    inspector = _as(open_page, "inspector")
    staff = inspector.page
    staff.locator("#sidebar").get_by_role("link", name="Reports inbox").click()
    row = staff.locator("table tbody tr", has_text="多次收受供应商赠送的购物卡")
    expect(row).to_contain_text("Anonymous")
    row.get_by_role("link").first.click()
    expect(staff).to_have_url(inspector.url(f"/discipline/reports/{report.pk}/"))
    staff.locator("section[aria-labelledby=ack-head]").get_by_role("button", name="Acknowledge").click()
    expect(_message(staff)).to_contain_text("Receipt is acknowledged")
    reply_box = staff.locator("section[aria-labelledby=reply-head]")
    reply_box.get_by_role("textbox").fill(reply)
    reply_box.get_by_role("button", name="Send").click()
    expect(_message(staff)).to_contain_text("The message is sent to the reporter.")
    inspector.assert_clean()

    # The reporter comes back: a wrong code is refused with a clear sentence, the right one opens the report.
    page.goto(reporter.url(reverse("portal:report")))
    page.get_by_role("navigation", name="Reporting portal").get_by_role("link", name=re.compile("^Follow up")).click()
    expect(page).to_have_url(reporter.url(reverse("portal:follow_up")))
    wrong = "".join(str((int(d) + 1) % 10) for d in code.replace(" ", ""))
    page.get_by_label("Receipt code").fill(wrong)
    page.get_by_role("button", name="Open my report").click()
    expect(page.locator("main")).to_contain_text("No report has this receipt code. Check the 16 digits and try again.")
    _failed_loads(reporter, 404)
    page.get_by_label("Receipt code").fill(code)
    page.get_by_role("button", name="Open my report").click()
    expect(page.get_by_role("heading", name="Your report", exact=True)).to_be_visible()
    messages = page.locator("section[aria-labelledby=thread-head]")
    expect(messages).to_contain_text("Your report has been received.")
    expect(messages).to_contain_text(reply)

    # ... and sends more information, which intake reads on the report's page.
    page.get_by_label("Further information").fill(more)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Your message has been sent.")).to_be_visible()
    expect(messages.locator("li.ql-mine")).to_contain_text(more)
    reporter.assert_clean()
    staff.reload()
    expect(staff.locator("section[aria-labelledby=thread-head]")).to_contain_text(more)
    inspector.assert_clean()

    report.refresh_from_db()
    assert report.status == "acknowledged" and report.acknowledged_at is not None

    # Nothing of the reporter's browser is kept: not its string, in any row; not its address, in any row but the
    # staff's own sign-in record (django-axes notes each login's address and browser; the inspector's browser is a
    # plain Chromium on the same 127.0.0.1, so that row is the inspector's, not the reporter's).
    rows = _rows()
    assert _rows_with(rows, BROWSER_STRING) == []
    with_address = _rows_with(rows, ADDRESS)
    staff_logins = [
        r for r in with_address if r["model"].startswith("axes.") and r["fields"].get("username") == "inspector"
    ]
    assert [r for r in with_address if r not in staff_logins] == [], "a row other than a staff login keeps the address"
    assert all(BROWSER_STRING not in json.dumps(r) for r in staff_logins)
    assert not any(r["model"].startswith("discipline.") for r in with_address)
    if hasattr(cache, "_cache"):  # the local-memory cache: the rate limits count under opaque keys
        kept = "\n".join(f"{key} {pickle.loads(value)!r}" for key, value in cache._cache.items())
        assert BROWSER_STRING not in kept and ADDRESS not in kept
    # The server's log is captured (the wrong code's 404 is in it), and names neither.
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in every_log.records)
    assert "Not Found: /report/follow-up/" in logged
    assert BROWSER_STRING not in logged
    assert ADDRESS not in logged


# --- 2. a real-name report: sealed, and opened only after a second person's approval ---------------------------


def test_a_real_name_is_sealed_and_read_only_after_the_head_of_discipline_inspection_approves(open_page, visitor, cast):
    from qinglian.core.models import AuditEvent
    from qinglian.discipline.models import Report, RevealRequest
    from qinglian.discipline.services.clues import clue_register
    from qinglian.discipline.tests.factories import lead_user
    from qinglian.discipline.vocab import Source

    lead = lead_user(cast)

    # A reporter files under their real name.
    reporter = visitor()
    reporter.page.goto(reporter.url(reverse("portal:report")))
    _file_a_report(reporter.page, identity={"name": REAL_NAME, "phone": REAL_PHONE})
    expect(reporter.page.locator("main")).to_contain_text("Under your real name, sealed")
    reporter.assert_clean()
    report = Report.objects.get()
    assert report.is_anonymous is False and report.identity_sealed

    # Intake registers it as a clue: the inspector is its handler, and the sealed identity moves over unopened.
    clue = clue_register(
        organisation=cast.tree.root, source=Source.PORTAL, received_on=timezone.localdate(), category="integrity",
        summary="反映王芳在办公设备采购中收受购物卡。", actor=cast.inspector, subject_member=cast.members["b1"],
        report=report,
    )  # fmt: skip
    assert clue.handlers.filter(user=cast.inspector).exists()

    # The name and the telephone are nowhere readable: not in any row, not in the database's bytes.
    rows = _rows()
    for secret in (REAL_NAME, REAL_PHONE):
        assert _rows_with(rows, secret) == [], secret
    from django.db import connection

    if connection.vendor == "sqlite":
        stored = _database_bytes()
        assert clue.number.encode() in stored  # plain text is findable in these bytes ...
        assert REAL_NAME.encode() not in stored and REAL_PHONE.encode() not in stored  # ... the identity is not
        assert REAL_NAME.encode("utf-16-le") not in stored

    # The handler asks to read the identity from the clue's reporter tab, saying why: nothing is shown yet.
    inspector = _as(open_page, "inspector")
    page = inspector.page
    page.goto(inspector.url(f"/discipline/clues/{clue.pk}/"))
    page.get_by_role("link", name="Reporter", exact=True).click()
    expect(page.locator("main")).to_contain_text("The identity is sealed")
    expect(page.locator("main")).not_to_contain_text(REAL_NAME)
    page.get_by_role("link", name="Ask to read the identity").click()
    page.get_by_label("Why you need the reporter's identity").fill(REASON)
    page.get_by_role("button", name="Send the request").click()
    expect(_message(page)).to_contain_text("Your request is sent.")
    req = RevealRequest.objects.get(clue=clue)
    expect(page).to_have_url(inspector.url(f"/discipline/identity-requests/{req.pk}/"))
    expect(page.get_by_role("status").filter(has_text="Waiting for a second person")).to_be_visible()
    expect(page.get_by_role("link", name="Read the identity")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(REAL_NAME)
    inspector.assert_clean()

    # The head of discipline inspection approves it from the requests awaiting a decision, and sees nothing.
    head = _as(open_page, "lead")
    page = head.page
    page.locator("#sidebar").get_by_role("link", name="Identity requests").click()
    page.locator("table tbody tr", has_text=clue.number).get_by_role("link", name=clue.number).click()
    expect(page).to_have_url(head.url(f"/discipline/identity-requests/{req.pk}/"))
    expect(page.locator("main")).to_contain_text(REASON)
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Note").fill("同意，仅用于核实举报内容。")
    page.get_by_role("button", name="Record the decision").click()
    expect(_message(page)).to_contain_text("Approved. Only the one who asked may read the identity")
    expect(page.locator("main")).not_to_contain_text(REAL_NAME)
    head.assert_clean()

    # The handler now opens the identity: one more deliberate step, then the name.
    page = inspector.page
    page.reload()
    page.get_by_role("link", name="Read the identity").click()
    expect(page.locator("main")).not_to_contain_text(REAL_NAME)
    page.get_by_role("button", name="Show the identity").click()
    identity = page.locator("section[aria-labelledby=id-head]")
    expect(identity).to_contain_text(REAL_NAME)
    expect(identity).to_contain_text(REAL_PHONE)
    inspector.assert_clean()

    def events(action, actor, **more):
        return AuditEvent.objects.filter(
            action=action, actor=actor, object_type="discipline.clue", object_id=str(clue.pk), sealed=True, **more
        )

    assert events("discipline.reveal.request", cast.inspector, reason=REASON).count() == 1
    assert events("discipline.reveal.approve", lead).count() == 1
    assert events("sealed.read", cast.inspector, reason=REASON).count() == 1
    assert not AuditEvent.objects.filter(action="sealed.read", actor=lead, reason=REASON).exists()
    req.refresh_from_db()
    assert (req.status, req.requested_by, req.decided_by) == ("approved", cast.inspector, lead)


# --- 3. need-to-know: the rest of the organisation does not see the module ---------------------------------------


def test_a_member_a_branch_secretary_and_the_administrator_see_no_discipline_page(open_page, cast):
    from qinglian.core.registry import registry
    from qinglian.discipline.tests.factories import clue_make, lead_user

    lead_user(cast)
    clue = clue_make(cast)
    menu = sorted(reverse(item.url_name) for item in registry.nav if item.key.startswith("discipline"))
    assert len(menu) >= 5

    # The head of discipline inspection has them all in the menu, so the menu below is not empty by accident.
    head = _as(open_page, "lead")
    assert sorted(_sidebar_discipline_links(head)) == menu
    head.assert_clean()

    pages = [*menu, f"/discipline/clues/{clue.pk}/", f"/discipline/clues/{clue.pk}/?tab=reporter"]
    for username in ("member", "secretary", "admin"):
        visit = _as(open_page, username)
        assert _sidebar_discipline_links(visit) == [], username
        for path in pages:
            answer = visit.page.goto(visit.url(path))
            assert answer.status == 404, (username, path, answer.status)
            expect(visit.page.locator("body")).not_to_contain_text(clue.number)
        _failed_loads(visit, 404, len(pages))
        visit.assert_clean()


# --- 4. on a phone ---------------------------------------------------------------------------------------------


def test_the_clue_page_and_the_portal_fit_a_phone(open_page, visitor, cast):
    from qinglian.discipline.tests.factories import clue_make

    clue = clue_make(cast, reporter={"name": REAL_NAME, "phone": REAL_PHONE})

    # A handler on a phone: every tab of the clue's page fits the screen.
    inspector = _as(open_page, "inspector", phone=True)
    page = inspector.page
    page.goto(inspector.url(f"/discipline/clues/{clue.pk}/"))
    expect(page.locator("h1")).to_contain_text(clue.number)
    tabs = page.locator("main .nav-tabs a.nav-link").evaluate_all("links => links.map(a => a.href)")
    assert len(tabs) >= 3
    for href in tabs:
        page.goto(href)
        expect(page.locator("main .nav-tabs a[aria-current=page]")).to_have_count(1)
        assert _fits(page), href
    inspector.assert_clean()

    # A reporter on a phone: the form (with the real-name details open), the receipt, the follow-up and the report.
    reporter = visitor(phone=True)
    page = reporter.page
    page.goto(reporter.url(reverse("portal:report")))
    assert _fits(page)
    page.get_by_label("Under my real name").check()
    expect(page.get_by_label("Your name")).to_be_visible()
    assert _fits(page)
    page.get_by_label("Anonymously").check()
    expect(page.get_by_label("Your name")).to_be_hidden()
    code = _file_a_report(page)
    assert _fits(page)
    page.get_by_role("main").get_by_role("link", name=re.compile("^Follow up")).first.click()
    assert _fits(page)
    page.get_by_label("Receipt code").fill(code)
    page.get_by_role("button", name="Open my report").click()
    expect(page.get_by_role("heading", name="Your report", exact=True)).to_be_visible()
    assert _fits(page)
    reporter.assert_clean()
