"""The reporting portal in the browser: filing a report anonymously or under one's real name, the receipt code shown
once, following the report up with the code, and the refusals (web page code, disguised or oversized files, a form
sent twice, wrong codes, too many reports)."""

from __future__ import annotations

import hashlib
import re
import secrets

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from qinglian.core import crypto
from qinglian.core.lib.dates import add_months
from qinglian.core.models import Rule
from qinglian.discipline.models import Report, ReportAttachment, ReportMessage
from qinglian.discipline.services.sealing import open_identity
from qinglian.discipline.tests.factories_portal import (
    EXE,
    SECRET,
    TEXT,
    jpeg_segments,
    jpeg_with_exif,
    reply_make,
    report_make,
    upload,
)
from qinglian.discipline.vocab import MessageSide, ReportStatus

REPORT, FOLLOW_UP, THREAD = "/report/", "/report/follow-up/", "/report/follow-up/report/"
RECEIPT = re.compile(r"\b(\d{4} \d{4} \d{4} \d{4})\b")


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def form_data(cast, **extra) -> dict:
    page = {
        "organisation": cast.tree.root.pk,
        "category": "four_winds",
        "subject_name": "王芳",
        "subject_unit": "政府采购管理处",
        "subject_post": "副处长",
        "text": TEXT,
        "mode": "anonymous",
        "once": secrets.token_hex(8),  # each form sent once, unless a test sends the same twice
    }
    page.update(extra)
    return page


def rule_set(key: str, **values) -> None:
    rule = Rule.objects.get(key=key)
    rule.value = {**rule.value, **values}
    rule.save()


def page(response) -> str:
    return response.content.decode()


def test_the_portal_explains_confidentiality_and_offers_the_top_units(cast, en):
    response = en.get(REPORT)
    assert response.status_code == 200
    html = page(response)
    assert "Report a breach of discipline" in html and "No IP address, no browser details" in html
    assert "Acknowledged within 7 days" in html and "Feedback within 3 months" in html
    # The top committee and its direct children, not the branches below them.
    assert "机关党委" in html and "第一党总支" in html and "直属党支部" in html and "第一党支部" not in html
    # Not "no-referrer": browsers would then send `Origin: null` with the form, and the CSRF check refuse it.
    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "same-origin"
    assert reverse("accounts:login") not in html and "ql-sidebar" not in html
    assert 'lang="en"' in html and 'value="zh-hans"' in html


def test_the_portal_is_in_chinese_by_default(cast, client):
    html = page(client.get(REPORT))
    assert 'lang="zh-hans"' in html and "清廉" in html


def test_an_anonymous_report_is_filed_and_its_receipt_shown_once(cast, en):
    response = en.post(REPORT, form_data(cast))
    assert response.status_code == 201, page(response)
    html = page(response)
    (shown,) = set(RECEIPT.findall(html))
    digits = shown.replace(" ", "")
    assert "Write this code down now" in html and "no-store" in response["Cache-Control"]
    assert "Location" not in response and digits not in response.wsgi_request.get_full_path()
    report = Report.objects.get()
    salt = bytes.fromhex(crypto.mac("qinglian-portal-receipt-salt", key=settings.SEALED_KEY))
    expected = hashlib.scrypt(digits.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()
    assert report.receipt_hash == expected
    assert report.is_anonymous and not report.identity_sealed and report.status == ReportStatus.NEW
    today = timezone.localdate()
    assert report.ack_due == today + timezone.timedelta(days=7) and report.feedback_due == add_months(today, 3)
    assert (report.subject_name, report.subject_unit, report.subject_post) == ("王芳", "政府采购管理处", "副处长")
    assert digits not in str(list(Report.objects.values()))
    # The follow-up page does not show it again.
    assert shown not in page(en.get(FOLLOW_UP)) and shown not in page(en.get(REPORT))


def test_a_real_name_reporter_is_sealed(cast, en):
    data = form_data(cast, mode="real_name", reporter_name="孙建平", reporter_phone="13907311234",
                     reporter_id_number="110101199003071233", reporter_unit="宏达建设")  # fmt: skip
    response = en.post(REPORT, data)
    assert response.status_code == 201, page(response)
    report = Report.objects.get()
    assert not report.is_anonymous and report.identity_sealed
    assert open_identity(report)["name"] == "孙建平"
    rows = str(list(Report.objects.values()))
    assert "孙建平" not in rows and "13907311234" not in rows
    assert "Under your real name, sealed" in page(response)


def test_details_given_with_anonymous_are_refused_not_kept(cast, en):
    response = en.post(REPORT, form_data(cast, reporter_name="孙建平"))
    assert response.status_code == 422
    html = page(response)
    assert "You chose to report anonymously but filled in details about yourself" in html
    assert TEXT in html and 'value="孙建平"' in html
    assert not Report.objects.exists()


def test_a_real_name_report_needs_a_name_and_a_way_to_reach_the_reporter(cast, en):
    response = en.post(REPORT, form_data(cast, mode="real_name", reporter_name="孙建平", reporter_id_number="123"))
    assert response.status_code == 422
    html = page(response)
    assert "Give a telephone number or an e-mail address" in html and "An ID number has 18 characters" in html
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", TEXT + "<script>alert(document.cookie)</script>"),
        ("text", TEXT + '<img src=x onerror="alert(1)">'),
        ("text", TEXT + " 详见 javascript:alert(1)"),
        ("text", TEXT + " <b>重要</b>"),
        ("subject_name", "王芳<iframe src=//evil>"),
        ("subject_unit", "采购处 onmouseover=alert(1)"),
    ],
    ids=["script", "event-attribute", "javascript-link", "any-tag", "iframe-in-name", "event-in-unit"],
)
def test_web_page_code_is_refused_and_what_was_typed_kept(cast, en, field, value):
    response = en.post(REPORT, form_data(cast, **{field: value}))
    assert response.status_code == 422
    html = page(response)
    assert "contains web page code" in html
    assert "<script>alert" not in html and "<iframe src=//evil>" not in html  # shown escaped, never live
    assert TEXT[:20] in html and "政府采购管理处" in html
    assert not Report.objects.exists()


def test_the_text_is_limited_by_the_rule(cast, en):
    rule_set("discipline.portal", max_text_chars=50)
    response = en.post(REPORT, form_data(cast, text="情况" * 40))
    assert response.status_code == 422
    assert "The text has 80 characters; at most 50 can be sent at once" in page(response)


def test_an_exe_named_pdf_is_refused_and_nothing_is_saved(cast, en, settings):
    response = en.post(REPORT, form_data(cast, files=[upload("材料.pdf", EXE, "application/pdf")]))
    assert response.status_code == 422
    html = page(response)
    assert "“材料.pdf” is not a photo (JPEG, PNG, GIF, WebP), PDF, Word (.docx) or Excel (.xlsx) file." in html
    assert "choose your files again" in html and TEXT in html
    assert not Report.objects.exists() and not ReportAttachment.objects.exists()
    assert not (settings.MEDIA_ROOT / "discipline").exists()


def test_too_many_or_too_big_files_are_refused_before_anything_is_saved(cast, en, settings):
    rule_set("discipline.portal", max_attachments=2)
    rule_set("discipline.portal_caps", max_file_mb=1, max_total_mb=3)
    photos = [upload(f"照片{i}.jpg", jpeg_with_exif(), "image/jpeg") for i in range(3)]
    response = en.post(REPORT, form_data(cast, files=photos))
    assert response.status_code == 422 and "At most 2 files can be attached at once." in page(response)
    big = upload("扫描件.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10), "application/pdf")
    response = en.post(REPORT, form_data(cast, files=[big]))
    assert response.status_code == 422 and "“扫描件.pdf” is 1.0 MB; each file may be at most 1 MB." in page(response)
    assert not Report.objects.exists() and not (settings.MEDIA_ROOT / "discipline").exists()


def test_a_body_over_the_cap_is_refused_unread(cast, en):
    rule_set("discipline.portal_caps", max_total_mb=1)
    huge = upload("录像.pdf", b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024 + 10), "application/pdf")
    response = en.post(REPORT, form_data(cast, files=[huge]))
    assert response.status_code == 413
    assert "the files may come to at most 1 MB together. Nothing was saved." in page(response)
    assert not Report.objects.exists()


def test_a_photo_is_stored_without_its_exif(cast, en, settings):
    response = en.post(REPORT, form_data(cast, files=[upload("现场.jpg", jpeg_with_exif(), "image/jpeg")]))
    assert response.status_code == 201, page(response)
    attachment = ReportAttachment.objects.get()
    assert attachment.metadata_stripped and attachment.name == "现场.jpg" and attachment.message is None
    stored = (settings.MEDIA_ROOT / attachment.file.name).read_bytes()
    assert SECRET.encode() not in stored and b"Exif" not in stored and b"GPS" not in stored
    assert jpeg_segments(stored) == [0xE0, 0xDB, 0xC9, 0xCC, 0xDA]
    assert "现场" not in attachment.file.name  # stored under a random name


def test_a_form_sent_twice_files_one_report(cast, en):
    data = form_data(cast, once="the-same-form")
    assert en.post(REPORT, data).status_code == 201
    again = en.post(REPORT, data)
    assert again.status_code == 409
    assert "This report has already been filed" in page(again) and not RECEIPT.search(page(again))
    assert Report.objects.count() == 1


def test_a_refused_form_can_be_sent_again_once_corrected(cast, en):
    data = form_data(cast, once="corrected-form", text="<b>太短</b>")
    assert en.post(REPORT, data).status_code == 422
    assert en.post(REPORT, {**data, "text": TEXT}).status_code == 201


def _open(client, code: str, **extra):
    return client.post(FOLLOW_UP, {"code": code}, **extra)


def test_the_reporter_follows_up_reads_the_reply_and_adds_information(cast, en, settings):
    report, code = report_make(cast)
    reply = reply_make(report, cast.inspector, "请补充宴请的具体日期。")
    response = _open(en, code)
    assert response.status_code == 303 and response["Location"] == THREAD
    cookie = response.cookies["ql_report"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/report/"
    assert int(cookie["max-age"]) == 30 * 60 and code not in cookie.value
    thread = en.get(THREAD)
    html = page(thread)
    assert thread.status_code == 200 and "no-store" in thread["Cache-Control"]
    assert TEXT in html and "Received" in html and "waiting to be read" in html
    assert "请补充宴请的具体日期。" in html and "Discipline inspection" in html
    assert cast.inspector.first_name not in html and cast.inspector.username not in html
    assert f"{report.ack_due:%Y}" in html
    reply.refresh_from_db()
    assert reply.read_at is not None

    photo = upload("收据.jpg", jpeg_with_exif(), "image/jpeg")
    sent = en.post(THREAD, {"body": "宴请日期是2月2日晚上。", "files": [photo]})
    assert sent.status_code == 303 and sent["Location"] == THREAD + "?sent=1"
    message = ReportMessage.objects.get(side=MessageSide.REPORTER)
    assert message.report == report and message.body == "宴请日期是2月2日晚上。" and message.author is None
    attachment = message.attachments.get()
    assert attachment.report == report and attachment.metadata_stripped
    assert SECRET.encode() not in (settings.MEDIA_ROOT / attachment.file.name).read_bytes()
    after = page(en.get(THREAD + "?sent=1"))
    assert "Your message has been sent" in after and "宴请日期是2月2日晚上。" in after and "收据.jpg" in after


def test_a_reporter_message_with_web_page_code_is_refused(cast, en):
    _report, code = report_make(cast)
    _open(en, code)
    response = en.post(THREAD, {"body": "补充<script>x</script>"})
    assert response.status_code == 422 and "contains web page code" in page(response)
    assert "补充&lt;script&gt;x&lt;/script&gt;" in page(response)
    assert not ReportMessage.objects.exists()


def test_status_words_and_the_reason_a_report_was_not_accepted(cast, en):
    report, code = report_make(cast)
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.NOT_ACCEPTED, not_accepted_reason="不属于纪检监察机关受理范围。"
    )
    _open(en, code)
    html = page(en.get(THREAD))
    assert "Not accepted" in html and "不属于纪检监察机关受理范围。" in html


def test_a_wrong_code_is_refused_counted_and_locks_after_five(cast, en):
    _report, code = report_make(cast)
    wrong = "1234 5678 9012 3456" if code != "1234567890123456" else "6543 2109 8765 4321"
    for attempt in range(4):
        response = _open(en, wrong)
        assert response.status_code == 404, attempt
        assert "No report has this receipt code" in page(response)
        assert wrong in page(response)  # kept to correct a typo
    locked = _open(en, wrong)
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 25 * 60
    assert "Too many wrong receipt codes were entered" in page(locked)
    # Even the right code waits now; another connection is not affected.
    assert _open(en, code).status_code == 429
    assert _open(en, code, REMOTE_ADDR="198.51.100.9").status_code == 303


def test_a_malformed_code_is_explained(cast, en):
    response = _open(en, "1234 5678")
    assert response.status_code == 422 and "A receipt code has 16 digits; this has 8." in page(response)


def test_the_report_page_asks_for_the_code_without_a_valid_cookie(cast, en):
    report, code = report_make(cast)
    html = page(en.get(THREAD))
    assert "Open my report" in html and TEXT not in html
    en.cookies["ql_report"] = "forged"
    html = page(en.get(THREAD))
    assert "Open my report" in html and TEXT not in html and "access to a report ends" in html
    _open(en, code)
    assert TEXT in page(en.get(THREAD))
    # The cookie is bound to the code's hash as well as signed: with another hash it opens nothing.
    Report.objects.filter(pk=report.pk).update(receipt_hash="0" * 64)
    assert TEXT not in page(en.get(THREAD))


def test_access_ends_after_thirty_minutes_or_on_leaving(cast, en, monkeypatch):
    from qinglian.discipline.views import portal as views

    _report, code = report_make(cast)
    _open(en, code)
    assert TEXT in page(en.get(THREAD))
    left = en.post(THREAD, {"leave": "1"})
    assert left.status_code == 303 and left.cookies["ql_report"]["max-age"] == 0
    en.cookies.pop("ql_report")
    assert TEXT not in page(en.get(THREAD))
    _open(en, code)
    monkeypatch.setattr(views, "ACCESS_MINUTES", 0)
    assert TEXT not in page(en.get(THREAD))
    late = en.post(THREAD, {"body": "写了很久的补充材料，访问已经结束。"})
    assert late.status_code == 200 and "Your message was not sent." in page(late)
    assert "写了很久的补充材料，访问已经结束。" in page(late) and not ReportMessage.objects.exists()


def test_too_many_reports_from_one_connection_or_from_everywhere_are_refused(cast, en):
    rule_set("discipline.portal", reports_per_hour=2)
    rule_set("discipline.portal_caps", all_reports_per_hour=3)
    for n in range(2):
        assert en.post(REPORT, form_data(cast, once=f"a{n}")).status_code == 201
    refused = en.post(REPORT, form_data(cast, once="a3"))
    assert refused.status_code == 429 and int(refused["Retry-After"]) <= 3600
    assert "Too many reports have come from your connection this hour" in page(refused) and TEXT in page(refused)
    assert en.post(REPORT, form_data(cast, once="b1"), REMOTE_ADDR="198.51.100.1").status_code == 201
    busy = en.post(REPORT, form_data(cast, once="c1"), REMOTE_ADDR="198.51.100.2")
    assert busy.status_code == 429 and "receiving an unusual number of reports" in page(busy)
    assert Report.objects.count() == 3


def test_the_portal_creates_no_session(cast, en):
    _report, code = report_make(cast)
    en.get(REPORT)
    en.post(REPORT, form_data(cast))
    _open(en, code)
    en.post(THREAD, {"body": "补充材料稍后寄出。"})
    en.get(THREAD)
    assert not Session.objects.exists()
    assert settings.SESSION_COOKIE_NAME not in en.cookies


def test_the_form_passes_the_csrf_check_a_browser_makes(cast):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True, HTTP_ORIGIN="http://testserver")
    browser.cookies["django_language"] = "en"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page(browser.get(REPORT))).group(1)
    assert browser.post(REPORT, {**form_data(cast), "csrfmiddlewaretoken": token}).status_code == 201
    assert browser.post(REPORT, form_data(cast)).status_code == 403  # without the token


def test_a_logged_in_member_may_file_too(cast, client):
    client.force_login(cast.member)
    client.cookies["django_language"] = "en"
    assert client.post(REPORT, form_data(cast)).status_code == 201
    assert Report.objects.get().is_anonymous
