"""Integrity files through the API: the second door onto the same services and the same strict access."""

from __future__ import annotations

import pytest
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.core.tests.web import count_queries
from qinglian.risks.models import FileReviewer, IntegrityFile
from qinglian.risks.services import files as services
from qinglian.risks.tests import factories_files as f
from qinglian.risks.vocab import SectionKind, SectionStatus

YEAR = timezone.localdate().year
JSON = "application/json"


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_cadre_reads_their_files_and_a_section_with_numbers_masked(cast, login):
    file = f.file_open(cast.members["a1"])
    family = f.family_saved(file)
    client = login(cast.member)
    (mine,) = client.get("/api/v1/risks/files/mine").json()
    assert mine["year"] == YEAR and len(mine["sections"]) == 7
    detail = client.get(f"/api/v1/risks/files/{file.pk}").json()
    assert [s["kind"] for s in detail["section_data"]] == SectionKind.values
    got = client.get(f"/api/v1/risks/sections/{family.pk}").json()
    spouse = got["data"]["members"][0]
    assert spouse["name"] == "赵敏" and spouse["id_number"] == family.data["members"][0]["id_number_masked"]
    assert f.SPOUSE_ID not in str(detail) + str(got) and "id_number_cipher" not in str(got)
    assert [t["topic"] for t in detail["facts"]] == ["talks", "appraisal", "assessment", "clues", "sanctions"]
    via = list(AuditEvent.objects.filter(action=services.VIEW_ACTION).order_by("seq").values_list("changes", flat=True))
    assert via == [{"what": "file", "via": "api"}, {"what": "section", "via": "api"}]


def test_the_story_through_the_api(cast, login, english):
    file = f.file_open(cast.members["a1"])
    family = f.section(file, SectionKind.FAMILY)
    cadre = login(cast.member)
    url = f"/api/v1/risks/sections/{family.pk}"
    saved = cadre.put(url, {"version": family.version, "data": f.family()}, JSON)
    assert saved.status_code == 200, saved.content
    version = saved.json()["version"]
    step = f"{url}/steps"
    submitted = cadre.post(step, {"action": "submit", "version": version}, JSON).json()
    assert submitted["status"] == "submitted"
    twice = cadre.post(step, {"action": "submit", "version": submitted["version"]}, JSON)
    assert twice.status_code == 422 and "already submitted on" in twice.json()["error"]["details"][0]["message"]
    assert cadre.post(step, {"action": "accept", "version": submitted["version"]}, JSON).status_code == 404

    inspector = login(cast.inspector)
    no_reason = inspector.post(step, {"action": "return", "version": submitted["version"]}, JSON)
    assert no_reason.status_code == 422 and no_reason.json()["error"]["details"][0]["field"] == "reason"
    returned = inspector.post(step, {"action": "return", "version": submitted["version"], "reason": "补充"}, JSON)
    assert returned.json()["status"] == "returned" and returned.json()["return_reason"] == "补充"

    cadre = login(cast.member)
    read = cadre.get(url).json()
    read["data"]["members"][1]["id_number"] = f.SON_ID
    fixed = cadre.put(url, {"version": read["version"], "data": read["data"]}, JSON).json()
    again = cadre.post(step, {"action": "submit", "version": fixed["version"]}, JSON).json()

    inspector = login(cast.inspector)
    stale = inspector.post(step, {"action": "accept", "version": again["version"] - 1}, JSON)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "conflict"
    accepted = inspector.post(step, {"action": "accept", "version": again["version"]}, JSON).json()
    archived = inspector.post(step, {"action": "archive", "version": accepted["version"]}, JSON).json()
    assert archived["status"] == SectionStatus.ARCHIVED and archived["archived_at"]
    family.refresh_from_db()
    assert family.data["members"][1]["id_number_masked"].endswith(f.SON_ID[-4:])


def test_bad_content_is_refused_naming_row_and_field_and_nothing_is_saved(cast, login, english):
    file = f.file_open(cast.members["a1"])
    family = f.family_saved(file)
    client = login(cast.member)
    data = {"members": [{"relation": "spouse", "name": "赵敏", "birth_date": "not a date"}], "pets": []}
    response = client.put(f"/api/v1/risks/sections/{family.pk}", {"version": family.version, "data": data}, JSON)
    assert response.status_code == 422
    details = {d["field"]: d["message"] for d in response.json()["error"]["details"]}
    assert "Family members, row 1" in details["members.1.birth_date"]
    assert "“pets” is not part of the section" in details["pets"]
    before = family.data
    family.refresh_from_db()
    assert family.data == before


def test_discipline_inspection_lists_cadres_opens_files_and_names_reviewers(cast, login, english):
    for key in ("a1", "b1"):
        f.cadre(cast.members[key])
    f.submitted(f.file_open(cast.members["a1"]), SectionKind.GIFTS)
    client = login(cast.inspector)
    listed = client.get("/api/v1/risks/files", {"year": YEAR}).json()["items"]
    assert [(c["name"], c["file"] is not None) for c in listed] == [("张伟", True), ("王芳", False)]
    awaiting = client.get("/api/v1/risks/files", {"status": "awaiting"}).json()["items"]
    assert [c["name"] for c in awaiting] == ["张伟"]
    opened = client.post("/api/v1/risks/files", {"member_id": cast.members["b1"].pk, "year": YEAR}, JSON)
    assert opened.status_code == 201 and opened.json()["member_name"] == "王芳"
    again = client.post("/api/v1/risks/files", {"member_id": cast.members["b1"].pk, "year": YEAR}, JSON)
    assert again.status_code == 422 and "open already" in again.json()["error"]["details"][0]["message"]
    assert client.post("/api/v1/risks/files/open-all", {"org_id": cast.tree.root.pk, "year": YEAR - 1},
                       JSON).json() == {"opened": 2}  # fmt: skip

    file = IntegrityFile.objects.get(member=cast.members["a1"], year=YEAR)
    f.plain_user("zuzhibu")
    granted = client.post(f"/api/v1/risks/files/{file.pk}/reviewers", {"username": "zuzhibu", "reason": "考察"}, JSON)
    assert granted.status_code == 201 and granted.json()["current"]
    assert [r["username"] for r in client.get(f"/api/v1/risks/files/{file.pk}/reviewers").json()] == ["zuzhibu"]
    revoked = client.post(f"/api/v1/risks/reviewers/{granted.json()['id']}/revoke").json()
    assert revoked["current"] is False and FileReviewer.objects.current().count() == 0


def test_the_list_is_discipline_inspections_and_reads_a_constant_number_of_queries(cast, login):
    client = login(cast.secretary)
    assert client.get("/api/v1/risks/files").status_code == 404
    assert client.post("/api/v1/risks/files/open-all", {"org_id": cast.tree.branch_a.pk, "year": YEAR},
                       JSON).status_code == 404  # fmt: skip
    client = login(cast.inspector)
    f.file_open(cast.members["a1"])
    client.get("/api/v1/risks/files")
    one = count_queries(lambda: client.get("/api/v1/risks/files"))
    for key in ("a2", "b1", "c1"):
        f.submitted(f.file_open(cast.members[key]), SectionKind.GIFTS)
    assert count_queries(lambda: client.get("/api/v1/risks/files")) == one


def test_a_sibling_branch_s_discipline_commissioner_and_a_colleague_are_refused(cast, login):
    file = f.file_open(cast.members["a1"])
    gifts = f.submitted(file, SectionKind.GIFTS)
    colleague = f.colleague(cast)
    for user in (cast.discipline, cast.secretary_b, colleague, cast.admin):
        client = login(user)
        for method, url, body in (
            ("get", f"/api/v1/risks/files/{file.pk}", None),
            ("get", f"/api/v1/risks/files/{file.pk}/reviewers", None),
            ("put", f"/api/v1/risks/sections/{gifts.pk}", {"version": gifts.version, "data": {}}),
            ("post", f"/api/v1/risks/sections/{gifts.pk}/steps", {"action": "accept", "version": gifts.version}),
            ("post", "/api/v1/risks/files", {"member_id": cast.members["a1"].pk, "year": YEAR - 1}),
        ):
            response = getattr(client, method)(url, body, JSON) if body is not None else client.get(url)
            assert response.status_code == 404, (user.username, url)
    gifts.refresh_from_db()
    assert gifts.status == "submitted" and IntegrityFile.objects.count() == 1
