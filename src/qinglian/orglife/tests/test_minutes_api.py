"""Minutes, attachments and exports over the API: the same rules as the pages, in the API's error format."""

from __future__ import annotations

import io

import pytest
from docx import Document

from qinglian.core.models import Job
from qinglian.orglife.models import Attachment, Minutes
from qinglian.orglife.tests.factories import attend_all, meeting_make, minutes_make
from qinglian.orglife.vocab import MinutesStatus

API = "/api/v1/orglife"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def held(cast):
    return attend_all(meeting_make(cast.tree.branch_a, title="第一支部党员大会"))


def _json(client, method, url, body=None):
    return getattr(client, method)(url, body or {}, content_type="application/json")


def test_the_whole_workflow(cast, held, login):
    client = login(cast.secretary)
    item = {"title": "讨论发展对象", "decision": "同意", "votes": {"for": 2, "against": 0, "abstain": 0}}
    response = _json(client, "put", f"{API}/meetings/{held.pk}/minutes/draft", {"summary": "纪要", "items": [item]})
    assert response.status_code == 200, response.content
    draft = response.json()
    assert draft["number"] == 1 and draft["status"] == "draft" and draft["items"][0]["votes"]["for"] == 2
    assert draft["is_record"] is False
    response = _json(client, "post", f"{API}/minutes/{draft['id']}/submit", {"version": draft["version"]})
    submitted = response.json()
    assert submitted["status"] == "submitted"
    response = _json(client, "post", f"{API}/minutes/{draft['id']}/approve", {"version": submitted["version"]})
    approved = response.json()
    assert approved["status"] == "approved" and approved["is_record"] and approved["approved_by"] == "Secretary"
    current = client.get(f"{API}/meetings/{held.pk}/minutes/current").json()
    assert current["id"] == draft["id"]
    response = _json(
        client,
        "post",
        f"{API}/meetings/{held.pk}/minutes/correct",
        {"reason": "票数记错", "version": approved["version"]},
    )
    assert response.status_code == 201 and response.json()["number"] == 2
    versions = client.get(f"{API}/meetings/{held.pk}/minutes").json()
    assert [(v["number"], v["status"], v["is_record"]) for v in versions] == [
        (2, "draft", False),
        (1, "approved", True),
    ]
    # A member reads the record only.
    reader = login(cast.member).get(f"{API}/meetings/{held.pk}/minutes").json()
    assert [v["number"] for v in reader] == [1]


def test_bad_input_in_the_api_error_format(cast, held, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    too_many = {"title": "表决", "votes": {"for": 3, "against": 0, "abstain": 0}}
    response = _json(client, "put", f"{API}/meetings/{held.pk}/minutes/draft", {"items": [too_many]})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["message"] == (
        "Item 1 “表决”: 3 votes were counted, but only 2 members were present."
    )
    future = meeting_make(cast.tree.branch_a, days=4)
    response = _json(client, "put", f"{API}/meetings/{future.pk}/minutes/draft", {"summary": "提前"})
    assert response.status_code == 422 and "has not happened yet" in response.content.decode()
    minutes = minutes_make(held, actor=cast.secretary)
    response = _json(client, "put", f"{API}/meetings/{held.pk}/minutes/draft", {"summary": "x", "version": 0})
    assert response.status_code == 409 and response.json()["error"]["code"] == "conflict"
    response = _json(client, "post", f"{API}/minutes/{minutes.pk}/return", {"version": minutes.version, "note": "x"})
    assert response.status_code == 422  # a draft cannot be returned
    assert not Minutes.objects.exclude(pk=minutes.pk).exists()


def test_other_units_and_non_approvers_are_refused(cast, held, login):
    minutes = minutes_make(held, actor=cast.secretary)
    other = login(cast.secretary_b)
    assert other.get(f"{API}/meetings/{held.pk}/minutes").status_code == 404
    assert _json(other, "put", f"{API}/meetings/{held.pk}/minutes/draft", {"summary": "越权"}).status_code == 404
    assert _json(other, "post", f"{API}/minutes/{minutes.pk}/submit", {"version": minutes.version}).status_code == 404
    organiser = login(cast.organiser)
    _json(organiser, "post", f"{API}/minutes/{minutes.pk}/submit", {"version": minutes.version})
    minutes.refresh_from_db()
    response = _json(organiser, "post", f"{API}/minutes/{minutes.pk}/approve", {"version": minutes.version})
    assert response.status_code == 404
    minutes.refresh_from_db()
    assert minutes.status == MinutesStatus.SUBMITTED


def test_attachments_over_the_api(cast, held, login):
    client = login(cast.secretary)
    response = client.post(
        f"{API}/meetings/{held.pk}/attachments",
        {"kind": "sign_in", "file": io.BytesIO(PNG)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "image/png" and body["kind"] == "sign_in"
    listed = client.get(f"{API}/meetings/{held.pk}/attachments").json()
    assert [a["id"] for a in listed] == [body["id"]]
    download = client.get(body["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert login(cast.secretary_b).get(body["download_url"]).status_code == 404
    client = login(cast.secretary)
    assert client.delete(f"{API}/attachments/{body['id']}").status_code == 204
    assert not Attachment.objects.exists()


def test_exports_over_the_api(cast, held, login, django_capture_on_commit_callbacks):
    minutes_make(held, actor=cast.secretary, summary="接口导出的纪要", approve_by=cast.secretary)
    client = login(cast.member)
    response = client.get(f"{API}/meetings/{held.pk}/minutes/docx")
    assert response.status_code == 200
    text = "\n".join(
        cell.text for t in Document(io.BytesIO(response.content)).tables for r in t.rows for cell in r.cells
    )
    assert "接口导出的纪要" in text
    year = held.starts_on.year
    with django_capture_on_commit_callbacks(execute=True):
        response = _json(
            client, "post", f"{API}/ledger-exports", {"organisation_id": cast.tree.branch_a.pk, "year": year}
        )
    assert response.status_code == 202
    job_id = response.json()["id"]
    status = client.get(f"{API}/ledger-exports/{job_id}").json()
    assert status["status"] == Job.Status.DONE and status["download_url"]
    assert client.get(status["download_url"]).status_code == 200
    assert login(cast.secretary).get(f"{API}/ledger-exports/{job_id}").status_code == 404  # only its owner
    response = _json(client, "post", f"{API}/ledger-exports", {"organisation_id": cast.tree.branch_b.pk, "year": year})
    assert response.status_code == 404
    response = _json(client, "post", f"{API}/ledger-exports", {"organisation_id": cast.tree.branch_a.pk, "year": 1900})
    assert response.status_code == 422
