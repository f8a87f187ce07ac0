"""Logging in and out, lockout, passwords, and the session that runs out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone, translation

from qinglian.accounts.forms import LoginForm
from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import body, drop_deleted_cookies

WRONG = "The login name or password is wrong. Both are case-sensitive."


def can_log_in(username, password) -> bool:
    response = Client().post("/accounts/login/", {"username": username, "password": password})
    return response.status_code == 302


@pytest.fixture
def english():
    browser = Client()
    browser.cookies["django_language"] = "en"
    return browser


def test_login_lands_on_the_home_page_and_is_audited(cast, client):
    response = client.post("/accounts/login/", {"username": "secretary", "password": "pw"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert "第一党支部" in body(response)
    assert AuditEvent.objects.filter(action="auth.login", actor=cast.secretary).exists()


def test_login_returns_to_the_page_asked_for(cast, client):
    response = client.get("/orgs/members/")
    assert response["Location"] == "/accounts/login/?next=/orgs/members/"
    response = client.post(response["Location"], {"username": "member", "password": "pw"})
    assert response["Location"] == "/orgs/members/"


def test_wrong_password_is_explained_in_chinese_by_default(cast, client):
    response = client.post("/accounts/login/", {"username": "member", "password": "wrong"})
    page = body(response)
    assert response.status_code == 200
    with translation.override("zh-hans"):
        chinese = str(LoginForm.error_messages["invalid_login"])
    assert chinese in page
    assert 'lang="zh-hans"' in page
    assert 'value="member"' in page  # the login name is kept; only the password is typed again
    assert "_auth_user_id" not in client.session


def test_wrong_password_is_explained_in_english_with_the_language_cookie(cast, english):
    response = english.post("/accounts/login/", {"username": "member", "password": "wrong"})
    assert WRONG in body(response)
    response = english.post("/accounts/login/", {"username": "nobody", "password": "pw"})
    assert WRONG in body(response)  # the same words: no hint whether the login exists


def test_disabled_account_cannot_log_in(cast, english):
    cast.member.is_active = False
    cast.member.save()
    response = english.post("/accounts/login/", {"username": "member", "password": "pw"})
    assert response.status_code == 200
    assert "_auth_user_id" not in english.session


def test_lockout_after_the_configured_number_of_failures(cast, english, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=17)
    for _ in range(2):
        assert english.post("/accounts/login/", {"username": "member", "password": "x"}).status_code == 200
    response = english.post("/accounts/login/", {"username": "member", "password": "x"})
    assert response.status_code == 429
    page = body(response)
    assert "Too many failed attempts" in page
    assert "locked for 17 minutes" in page
    # Locked means locked: the right password does not open it now ...
    response = english.post("/accounts/login/", {"username": "member", "password": "pw"})
    assert response.status_code == 429
    assert "_auth_user_id" not in english.session
    # ... and the lock is on that login, not on everyone behind the same address.
    assert english.post("/accounts/login/", {"username": "secretary", "password": "pw"}).status_code == 302


def test_lockout_uses_the_default_limit(cast, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post("/accounts/login/", {"username": "member", "password": "x"}).status_code == 200
    response = client.post("/accounts/login/", {"username": "member", "password": "x"})
    assert response.status_code == 429
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert str(minutes) in body(response)


def test_logout_is_post_only(cast, client):
    client.force_login(cast.member)
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert client.get("/").status_code == 200  # still logged in
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.filter(action="auth.logout", actor=cast.member).exists()


def test_password_change(cast, english):
    english.force_login(cast.member)
    form = {"old_password": "pw", "new_password1": "Qing-lian-2026", "new_password2": "Qing-lian-2026"}
    response = english.post("/accounts/password/", {**form, "old_password": "wrong"})
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in body(response)
    response = english.post("/accounts/password/", {**form, "new_password1": "12345678", "new_password2": "12345678"})
    assert "This password is entirely numeric." in body(response)
    response = english.post("/accounts/password/", form, follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/password/done/"
    assert "Your password was changed." in body(response)
    assert english.get("/").status_code == 200  # this session stays logged in
    assert can_log_in("member", "Qing-lian-2026")
    assert not can_log_in("member", "pw")


def test_password_reset_by_email_link(cast, client, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "member@example.cn"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["member@example.cn"]
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    assert 'name="new_password1"' in body(response)
    response = client.post(form_url, {"new_password1": "Xin-mima-2026", "new_password2": "Xin-mima-2026"})
    assert response["Location"] == "/accounts/password/reset/complete/"
    assert can_log_in("member", "Xin-mima-2026")
    # The link works once.
    assert 'name="new_password1"' not in body(Client().get(link, follow=True))


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(db, client, mailoutbox):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.cn"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mailoutbox == []


def test_expired_session_lands_on_login_with_the_reason(cast, english):
    english.force_login(cast.member)
    assert english.get("/orgs/members/").status_code == 200
    Session.objects.all().delete()  # what the idle timeout does to the stored session
    response = english.get("/orgs/members/")
    assert response.status_code == 302
    drop_deleted_cookies(english, response)  # as a browser would
    page = body(english.get(response["Location"]))
    assert "Your session expired after a period without activity." in page
    # Logging in again goes back to the page that was open.
    login = english.post(response["Location"], {"username": "member", "password": "pw"})
    assert login["Location"] == "/orgs/members/"


def test_a_first_visit_does_not_claim_a_session_expired(db, english):
    page = body(english.get("/accounts/login/"))
    assert "session expired" not in page
    response = english.get("/orgs/members/")
    assert "session expired" not in body(english.get(response["Location"]))


def test_after_logging_out_the_login_page_does_not_claim_the_session_expired(cast, english):
    english.force_login(cast.member)
    response = english.post("/accounts/logout/")
    drop_deleted_cookies(english, response)
    assert "session expired" not in body(english.get(response["Location"]))


def test_idle_timeout_is_renewed_by_each_request(settings, cast, client):
    client.post("/accounts/login/", {"username": "member", "password": "pw"})
    session = Session.objects.get()
    assert abs((session.expire_date - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 60
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() + timedelta(seconds=30))
    assert client.get("/").status_code == 200
    session.refresh_from_db()
    assert abs((session.expire_date - timezone.now()).total_seconds() - settings.SESSION_COOKIE_AGE) < 60
