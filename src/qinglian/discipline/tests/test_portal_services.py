"""The portal's services as the pages, the API and the demo call them: deadlines from the rules, receipt codes that
cost the same to check whether right or wrong, and nothing half-saved when a file is refused."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone

from qinglian.core.audit import audit_verify
from qinglian.core.lib.dates import add_months
from qinglian.core.models import AuditEvent, Rule
from qinglian.core.rules import rule_revise
from qinglian.discipline.models import Report, ReportAttachment
from qinglian.discipline.services import portal as services
from qinglian.discipline.services import ratelimit
from qinglian.discipline.tests.factories_portal import EXE, TEXT, jpeg_with_exif, png_with_text, report_make, upload


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def test_deadlines_count_from_the_day_received_under_the_units_rule(cast):
    rule = Rule.objects.get(key="discipline.portal")
    rule_revise(rule=rule, value={**rule.value, "ack_days": 5, "feedback_months": 2},
                effective_from=date(2020, 1, 1), source="本单位规定", actor=None, reason="本单位从严",
                org_path=cast.tree.branch_c.path)  # fmt: skip
    received = timezone.make_aware(datetime(2025, 1, 31, 9, 30))
    strict, _code = report_make(cast, organisation=cast.tree.branch_c, received_at=received)
    usual, _code = report_make(cast, organisation=cast.tree.gb, received_at=received)
    assert (strict.ack_due, strict.feedback_due) == (date(2025, 2, 5), date(2025, 3, 31))
    assert (usual.ack_due, usual.feedback_due) == (date(2025, 2, 7), add_months(date(2025, 1, 31), 3))
    assert usual.received_at == received


def test_a_report_is_audited_without_anything_about_the_reporter(cast):
    report, _code = report_make(cast, identity={"name": "孙建平", "phone": "13907311234"})
    event = AuditEvent.objects.get(action="discipline.report.file")
    assert event.sealed and event.actor is None and event.actor_label == "portal"
    assert event.object_id == str(report.pk) and event.changes == {
        "anonymous": False, "category": "four_winds", "attachments": 0,
    }  # fmt: skip
    assert "孙建平" not in str(event.__dict__) and audit_verify().ok


def test_receipt_codes_are_random_sixteen_digits_and_grouped_for_reading(cast):
    codes = {services.receipt_new() for _ in range(50)}
    assert len(codes) == 50 and all(len(c) == 16 and c.isdigit() for c in codes)
    assert services.receipt_format("1234567890123456") == "1234 5678 9012 3456"
    assert services.receipt_digits("１２３４-5678 9012 3456") == "1234567890123456"


def test_a_wrong_code_costs_the_same_slow_hashing_as_a_right_one(cast, monkeypatch):
    report, code = report_make(cast)
    calls = []
    real = hashlib.scrypt

    def counted(password, **kwargs):
        calls.append(kwargs["n"])
        return real(password, **kwargs)

    monkeypatch.setattr(services.hashlib, "scrypt", counted)
    assert services.receipt_lookup(code, "client-a") == report
    right = len(calls)
    for wrong in ("0000000000000001", "12345", ""):
        calls.clear()
        with pytest.raises(services.ReceiptUnknown):
            services.receipt_lookup(wrong, "client-b")
        assert len(calls) == right >= 1, wrong
    assert set(calls) == {2**14}


def test_failures_lock_a_client_and_a_right_code_does_not_clear_them(cast):
    _report, code = report_make(cast)
    for _ in range(2):
        with pytest.raises(services.ReceiptUnknown):
            services.receipt_lookup("0000000000000009", "guesser")
    services.receipt_lookup(code, "guesser")  # holding one code must not reset the count
    for _ in range(2):
        with pytest.raises(services.ReceiptUnknown):
            services.receipt_lookup("0000000000000009", "guesser")
    with pytest.raises(ratelimit.Limited) as locked:
        services.receipt_lookup("0000000000000009", "guesser")
    assert locked.value.code == "locked"
    with pytest.raises(ratelimit.Limited):
        services.receipt_lookup(code, "guesser")
    assert services.receipt_lookup(code, "someone-else").pk == _report.pk


def test_a_bad_file_among_good_ones_saves_nothing(cast, settings, in_english):
    files = [upload("照片.jpg", jpeg_with_exif(), "image/jpeg"), upload("说明.pdf", EXE, "application/pdf")]
    with pytest.raises(ValidationError) as refused:
        report_make(cast, files=files)
    assert "“说明.pdf” is not a photo" in str(refused.value.message_dict["files"])
    assert not Report.objects.exists() and not ReportAttachment.objects.exists()
    assert not (settings.MEDIA_ROOT / "discipline").exists()


def test_files_written_before_a_failure_are_removed(cast, settings, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the audit trail is unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    files = [upload("图.png", png_with_text(), "image/png")]
    with pytest.raises(RuntimeError):
        report_make(cast, files=files)
    assert not Report.objects.exists()
    assert not any((settings.MEDIA_ROOT / "discipline").rglob("*.png"))


def test_a_message_needs_text_and_keeps_to_the_limit(cast, in_english):
    report, _code = report_make(cast)
    Rule.objects.filter(key="discipline.portal").update(value={**services.portal_rules(), "max_text_chars": 20})
    with pytest.raises(ValidationError) as empty:
        services.reporter_message(report=report, body="  ")
    assert empty.value.message_dict == {"body": ["Write the message first."]}
    with pytest.raises(ValidationError) as long:
        services.reporter_message(report=report, body="补" * 21)
    assert "at most 20 can be sent at once" in long.value.message_dict["body"][0]
    assert services.reporter_message(report=report, body="好的").body == "好的"


def test_the_reporters_text_may_quote_comparisons_and_mention_online(cast):
    text = TEXT + " 金额<5000元且>3000元，他说“online=随时在线”，one = 一个人。"
    report, _code = report_make(cast, text=text)
    assert report.text == text
