"""Integrity opinion replies over the API: the list with filters and paging, compiling, one reply with its facts,
changing a draft with its version, signing, deleting, the letter as .docx, and 404 for everyone but discipline
inspection."""

from __future__ import annotations

import io

import docx as python_docx
import pytest
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.reports.docx import CONTENT_TYPE
from qinglian.risks.models import OpinionReply
from qinglian.risks.tests.factories_opinion import cadre, conflict_confirmed, file_make, reply_make

pytestmark = pytest.mark.usefixtures("in_english")
BASE = "/api/v1/risks"
YEAR = timezone.localdate().year


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"

    def call(user, method, path, data=None):
        client.force_login(user)
        send = getattr(client, method)
        if method in ("post", "patch"):
            return send(BASE + path, data or {}, content_type="application/json")
        return send(BASE + path, data or {})

    return call


@pytest.fixture
def b1(cast):
    return cadre(cast.members["b1"])


def test_compile_read_change_sign_and_export(cast, api, b1):
    file_make(b1, YEAR)
    conflict_confirmed(b1, by=cast.inspector)
    payload = {"member_id": b1.pk, "purpose": "promotion", "requested_by": "机关党委组织部", "years": 2}
    response = api(cast.inspector, "post", "/opinions", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["member_name"] == "王芳" and body["status"] == "draft" and body["concerns"] == ["conflicts"]
    assert body["facts"]["years"] == [YEAR - 1, YEAR] and "青莲建材有限公司" in body["body"]
    reply_id = body["id"]

    detail = api(cast.inspector, "get", f"/opinions/{reply_id}").json()
    assert detail["facts"]["declared"]["gifts"][0]["items"] == "购物卡"
    assert AuditEvent.objects.filter(action="risks.opinion.view", object_id=str(reply_id)).count() == 1

    changed = api(cast.inspector, "patch", f"/opinions/{reply_id}", {"version": 1, "body": "经审核，提请综合考虑。"})
    assert changed.status_code == 200 and changed.json()["body"] == "经审核，提请综合考虑。"
    stale = api(cast.inspector, "patch", f"/opinions/{reply_id}", {"version": 1, "body": "晚到的修改"})
    assert stale.status_code == 409

    sign = {"version": 2, "number": "纪检组廉复〔2026〕3号", "signer_title": "中共机关纪律检查委员会"}
    signed = api(cast.inspector, "post", f"/opinions/{reply_id}/sign", sign)
    assert (
        signed.status_code == 200 and signed.json()["status"] == "signed" and signed.json()["signed_by"] == "inspector"
    )
    again = api(cast.inspector, "patch", f"/opinions/{reply_id}", {"version": 3, "body": "再改"})
    assert again.status_code == 422 and "a signed reply no longer changes" in again.content.decode()

    letter = api(cast.inspector, "get", f"/opinions/{reply_id}/export")
    assert letter.status_code == 200 and letter["Content-Type"] == CONTENT_TYPE
    text = "\n".join(p.text for p in python_docx.Document(io.BytesIO(letter.content)).paragraphs)
    assert "王芳" in text and "纪检组廉复〔2026〕3号" in text and "经审核，提请综合考虑。" in text


def test_a_duplicate_number_and_bad_input_are_refused(cast, api, b1):
    a1 = cadre(cast.members["a1"])
    first, second = reply_make(b1, cast.inspector), reply_make(a1, cast.inspector)
    sign = {"version": 1, "number": "廉复〔2026〕1号", "signer_title": "机关纪委"}
    assert api(cast.inspector, "post", f"/opinions/{first.pk}/sign", sign).status_code == 200
    duplicate = api(cast.inspector, "post", f"/opinions/{second.pk}/sign", sign)
    assert duplicate.status_code == 422 and "already on a reply signed in" in duplicate.content.decode()
    payload = {"member_id": b1.pk, "purpose": "promotion", "requested_by": "", "years": 3}
    assert api(cast.inspector, "post", "/opinions", payload).status_code == 422
    assert (
        api(cast.inspector, "post", "/opinions", {**payload, "requested_by": "人事处", "years": 20}).status_code == 422
    )
    not_cadre = {**payload, "requested_by": "人事处", "member_id": cast.members["c1"].pk}
    assert api(cast.inspector, "post", "/opinions", not_cadre).status_code == 422
    assert OpinionReply.objects.count() == 2


def test_the_list_filters_and_pages_in_a_constant_number_of_queries(cast, api, client, b1):
    a1 = cadre(cast.members["a1"])
    reply_make(b1, cast.inspector)
    reply_make(a1, cast.inspector, purpose="commendation")
    assert api(cast.inspector, "get", "/opinions").json()["count"] == 2
    assert [r["member_name"] for r in api(cast.inspector, "get", "/opinions", {"q": "王"}).json()["items"]] == ["王芳"]
    assert api(cast.inspector, "get", "/opinions", {"purpose": "commendation"}).json()["count"] == 1
    assert api(cast.inspector, "get", "/opinions", {"status": "signed"}).json()["count"] == 0
    client.get(BASE + "/opinions")
    few = count_queries(lambda: client.get(BASE + "/opinions"))
    for _n in range(5):
        reply_make(b1, cast.inspector)
    assert count_queries(lambda: client.get(BASE + "/opinions")) == few


def test_everyone_but_discipline_inspection_gets_404(cast, api, b1):
    reply = reply_make(b1, cast.inspector)
    for user in (cast.secretary_b, cast.secretary, cast.office, cast.admin, cast.auditor, cast.outsider):
        assert api(user, "get", "/opinions").json()["count"] == 0
        assert api(user, "get", f"/opinions/{reply.pk}").status_code == 404
        assert api(user, "get", f"/opinions/{reply.pk}/export").status_code == 404
        assert api(user, "patch", f"/opinions/{reply.pk}", {"version": 1, "body": "越权"}).status_code == 404
        sign = {"version": 1, "number": "越权1号", "signer_title": "越权"}
        assert api(user, "post", f"/opinions/{reply.pk}/sign", sign).status_code == 404
        assert api(user, "delete", f"/opinions/{reply.pk}?version=1").status_code == 404
        payload = {"member_id": b1.pk, "purpose": "promotion", "requested_by": "越权", "years": 3}
        assert api(user, "post", "/opinions", payload).status_code == 404
    reply.refresh_from_db()
    assert reply.version == 1 and OpinionReply.objects.count() == 1
    assert api(cast.inspector, "delete", f"/opinions/{reply.pk}?version=1").status_code == 204
