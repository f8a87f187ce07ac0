"""Personal API tokens: made and shown once, kept only as a digest, refused clearly when bad."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from qinglian.accounts.models import ApiToken
from qinglian.accounts.services import token_create
from qinglian.core import crypto
from qinglian.core.tests.web import body

TOKEN_RE = re.compile(r"ql_[A-Za-z0-9]{10}_[A-Za-z0-9_-]{30,}")


def bearer(text: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {text}"})


def refused(response, code: str):
    assert response.status_code == 401, response.content
    assert set(response.json()) == {"error"}
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]


def test_token_made_on_the_page_is_shown_once(cast, login):
    client = login(cast.secretary)
    response = client.post("/accounts/tokens/", {"name": "报表脚本", "days": 30})
    assert response.status_code == 200
    [text] = TOKEN_RE.findall(body(response))
    token = ApiToken.objects.get(user=cast.secretary)
    assert token.name == "报表脚本"
    assert text.startswith(f"ql_{token.prefix}_")
    assert (token.expires_at - timezone.now()).days in (29, 30)
    page = body(client.get("/accounts/tokens/"))
    assert text not in page
    assert TOKEN_RE.findall(page) == []
    assert f"ql_{token.prefix}_…" in page  # recognisable by its prefix only


def test_only_a_digest_of_the_token_is_stored(cast):
    token, text = token_create(user=cast.member, name="x", days=5)
    token.refresh_from_db()
    stored = {str(value) for value in vars(token).values()}
    assert text not in stored
    assert not any(text.split("_")[-1] in value for value in stored)
    assert token.digest == crypto.digest(text)


def test_token_made_through_the_api_works_as_bearer(cast, login):
    response = login(cast.secretary).post("/api/v1/accounts/tokens", {"name": "同步", "days": 7}, "application/json")
    assert response.status_code == 201
    made = response.json()
    assert TOKEN_RE.fullmatch(made["token"])
    client = bearer(made["token"])
    me = client.get("/api/v1/accounts/me").json()
    assert me["username"] == "secretary"
    # The token acts with its owner's roles, no more.
    assert {o["name"] for o in client.get("/api/v1/orgs/").json()["items"]} == {"第一党支部", "第一党小组"}
    listed = login(cast.secretary).get("/api/v1/accounts/tokens").json()
    assert [t["name"] for t in listed] == ["同步"]
    assert "token" not in listed[0]
    assert ApiToken.objects.get().last_used_at is not None


def test_a_bearer_token_needs_no_csrf_token(cast):
    _token, text = token_create(user=cast.member, name="x", days=5)
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {text}"})
    assert client.post("/api/v1/notifications/read", {}, "application/json").json() == {"marked": 0}


def test_token_lifetime_must_be_positive(cast, login):
    client = login(cast.member)
    for days in (0, -5):
        response = client.post("/api/v1/accounts/tokens", {"name": "x", "days": days}, "application/json")
        assert response.status_code == 422, days
        assert response.json()["error"]["details"][0]["field"] == "days"
    assert not ApiToken.objects.exists()
    response = login(cast.member).post("/accounts/tokens/", {"name": "x", "days": 0})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_token_lifetime_is_capped_by_the_setting(cast, settings):
    settings.API_TOKEN_MAX_DAYS = 10
    token, _text = token_create(user=cast.member, name="x", days=300)
    assert (token.expires_at - timezone.now()).days in (9, 10)


def test_revoked_token_is_refused(cast, login):
    token, text = token_create(user=cast.member, name="x", days=5)
    assert bearer(text).get("/api/v1/accounts/me").status_code == 200
    client = login(cast.member)
    client.cookies["django_language"] = "en"
    response = client.post(f"/accounts/tokens/{token.pk}/revoke/", follow=True)
    page = body(response)
    assert "The token “x” no longer works." in page
    assert "Revoked" in page
    refused(bearer(text).get("/api/v1/accounts/me"), "token_revoked")


def test_revoking_through_the_api(cast, login):
    token, text = token_create(user=cast.member, name="x", days=5)
    assert login(cast.member).delete(f"/api/v1/accounts/tokens/{token.pk}").status_code == 204
    refused(bearer(text).get("/api/v1/accounts/me"), "token_revoked")


def test_expired_token_is_refused(cast):
    token, text = token_create(user=cast.member, name="x", days=5)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused(bearer(text).get("/api/v1/accounts/me"), "token_expired")


@pytest.mark.parametrize("text", ["abc", "ql_short_x", "Basic-looking", "ql_0123456789_tooshort"])
def test_malformed_token_is_refused(text, db):
    refused(bearer(text).get("/api/v1/accounts/me"), "token_malformed")


def test_unknown_token_is_refused(cast):
    token, _text = token_create(user=cast.member, name="x", days=5)
    refused(bearer(f"ql_{'0' * 10}_{'a' * 43}").get("/api/v1/accounts/me"), "token_unknown")
    # The right prefix with a wrong secret is unknown too: the prefix alone proves nothing.
    refused(bearer(f"ql_{token.prefix}_{'b' * 43}").get("/api/v1/accounts/me"), "token_unknown")


def test_token_of_a_disabled_account_is_refused(cast):
    _token, text = token_create(user=cast.member, name="x", days=5)
    cast.member.is_active = False
    cast.member.save()
    refused(bearer(text).get("/api/v1/accounts/me"), "token_inactive")


def test_each_refusal_has_its_own_code(cast):
    codes = set()
    for text in ("abc", f"ql_{'0' * 10}_{'a' * 43}"):
        codes.add(bearer(text).get("/api/v1/orgs/").json()["error"]["code"])
    revoked, revoked_text = token_create(user=cast.member, name="r", days=5)
    revoked.revoked_at = timezone.now()
    revoked.save()
    expired, expired_text = token_create(user=cast.member, name="e", days=5)
    expired.expires_at = timezone.now() - timedelta(days=1)
    expired.save()
    for text in (revoked_text, expired_text):
        codes.add(bearer(text).get("/api/v1/orgs/").json()["error"]["code"])
    codes.add(Client().get("/api/v1/orgs/").json()["error"]["code"])
    assert codes == {"token_malformed", "token_unknown", "token_revoked", "token_expired", "not_authenticated"}


def test_one_cannot_revoke_someone_elses_token(cast, login):
    token, text = token_create(user=cast.member, name="x", days=5)
    assert login(cast.secretary).post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    assert bearer(text).get("/api/v1/accounts/me").status_code == 200
