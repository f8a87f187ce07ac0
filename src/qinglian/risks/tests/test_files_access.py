"""Who may open an integrity file, on the pages and through the API: the cadre, discipline inspection at the
cadre's unit and a current named reviewer -- nobody else, not the administrator (nor a superuser), the committee
office, the auditor, the branch secretary, the cadre's colleague, or a reviewer whose grant expired or was revoked.
Every opening is an audit event, which the file's access log and the auditor's trail both show."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglian.core.models import AuditEvent
from qinglian.risks.services import files as services
from qinglian.risks.tests import factories_files as f
from qinglian.risks.vocab import SectionKind

SPOUSE = "赵秀英"


@pytest.fixture
def world(cast):
    """a1's file with the family declared; a colleague with a login; a current, an expired and a revoked reviewer."""
    file = f.file_open(cast.members["a1"])
    f.family_saved(file, spouse=SPOUSE)
    a1 = file.member
    named = f.plain_user("named")
    f.reviewer(a1, named, by=cast.inspector)
    expired = f.plain_user("expired")
    old = f.reviewer(a1, expired, by=cast.inspector, days=1)
    old.expires_on = timezone.localdate() - timedelta(days=1)
    old.save(update_fields=["expires_on"])
    revoked = f.plain_user("revoked")
    services.reviewer_revoke(reviewer=f.reviewer(a1, revoked, by=cast.inspector), actor=cast.inspector)
    superuser = f.plain_user("root")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save(update_fields=["is_superuser", "is_staff"])
    users = {
        **cast.users,
        "colleague": f.colleague(cast),
        "named": named,
        "expired": expired,
        "revoked": revoked,
        "superuser": superuser,
    }
    return file, f.section(file, SectionKind.FAMILY), users


READERS = ("member", "inspector", "named")
REFUSED = (
    "admin", "superuser", "office", "auditor", "liaison", "secretary", "organiser", "discipline", "secretary_b",
    "outsider", "colleague", "expired", "revoked",
)  # fmt: skip


def _pages(file, section):
    return {
        "file": reverse("risks:file_detail", args=[file.pk]),
        "print": reverse("risks:file_print", args=[file.pk]),
        "section": reverse("risks:section_print", args=[section.pk]),
    }


def _api(file, section):
    return {
        "file": f"/api/v1/risks/files/{file.pk}",
        "facts": f"/api/v1/risks/files/{file.pk}/facts",
        "section": f"/api/v1/risks/sections/{section.pk}",
    }


def test_the_cadre_discipline_inspection_and_a_named_reviewer_read_the_file(world, client):
    file, section, users = world
    for name in READERS:
        client.force_login(users[name])
        for what, url in {**_pages(file, section), **_api(file, section)}.items():
            response = client.get(url)
            assert response.status_code == 200, (name, what)
            text = (
                json.dumps(response.json(), ensure_ascii=False)
                if url.startswith("/api/")
                else response.content.decode()
            )
            if what != "facts":
                assert SPOUSE in text, (name, what)


def test_everyone_else_gets_404_on_pages_and_api_and_nothing_is_recorded_as_read(world, client):
    file, section, users = world
    before = AuditEvent.objects.filter(action=services.VIEW_ACTION).count()
    for name in REFUSED:
        client.force_login(users[name])
        for what, url in _pages(file, section).items():
            response = client.get(url)
            assert response.status_code == 404, (name, what)
            assert SPOUSE not in response.content.decode()
        for what, url in _api(file, section).items():
            response = client.get(url)
            assert response.status_code == 404, (name, what)
            assert response.json()["error"]["code"] == "not_found"
        listed = client.get("/api/v1/risks/files/mine").json()
        assert listed == []
    assert AuditEvent.objects.filter(action=services.VIEW_ACTION).count() == before


def test_a_file_that_does_not_exist_answers_the_same(world, client):
    file, _section, users = world
    client.force_login(users["colleague"])
    missing = client.get(reverse("risks:file_detail", args=[file.pk + 999]))
    hidden = client.get(reverse("risks:file_detail", args=[file.pk]))
    assert missing.status_code == hidden.status_code == 404

    def main(response):  # the page's own content (the top bar repeats the address asked for)
        return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)

    assert main(missing) == main(hidden)


def test_only_the_cadre_fills_in_and_only_discipline_inspection_reviews_and_names(world, client):
    file, section, users = world
    edit = reverse("risks:section_edit", args=[section.pk])
    for name in ("inspector", "named", "admin", "colleague"):
        client.force_login(users[name])
        assert client.get(edit).status_code == 404, name
        assert client.post(edit, {"version": section.version, "f-x": "1"}).status_code == 404, name
        assert client.post(reverse("risks:section_submit", args=[section.pk]),
                           {"version": section.version}).status_code == 404, name  # fmt: skip
    for name in ("member", "named", "admin", "secretary"):
        client.force_login(users[name])
        grant = client.post(reverse("risks:reviewer_grant", args=[file.pk]), {"username": "outsider", "reason": "x"})
        assert grant.status_code == 404, name
        api = client.post(f"/api/v1/risks/files/{file.pk}/reviewers", {"username": "outsider", "reason": "x"},
                          "application/json")  # fmt: skip
        assert api.status_code == 404, name
    section.refresh_from_db()
    assert section.status == "draft"
    assert not services.file_can_read(users["outsider"], file.member)


def test_the_access_log_shows_every_opening_to_the_cadre_and_discipline_inspection(world, client):
    file, section, users = world
    client.force_login(users["named"])
    client.get(reverse("risks:file_detail", args=[file.pk]))
    client.get(f"/api/v1/risks/sections/{section.pk}")
    client.force_login(users["inspector"])
    client.get(reverse("risks:section_print", args=[section.pk]))
    views = AuditEvent.objects.filter(action=services.VIEW_ACTION).order_by("seq")
    assert [(e.actor_label, e.changes["what"], e.changes["via"]) for e in views] == [
        ("named", "file", "page"), ("named", "section", "api"), ("inspector", "print", "page")
    ]  # fmt: skip
    assert not any(e.sealed for e in views)
    client.cookies["django_language"] = "en"
    client.force_login(users["member"])
    page = client.get(reverse("risks:file_log", args=[file.pk])).content.decode()
    assert page.count("Opened the file") == 1 and "Opened a section" in page and "Printed" in page
    # Each person by their name, not their login.
    assert users["named"].get_full_name() in page and users["inspector"].get_full_name() in page
    assert "Named a reviewer" in page
    log = client.get(f"/api/v1/risks/files/{file.pk}/log").json()["items"]
    assert log[0]["what"] == "Read the access log" and log[0]["actor"] == "member"  # this very reading, first
    assert {"Opened the file", "Opened a section", "Printed"} <= {row["what"] for row in log}
    # A named reviewer reads the file, not who else did.
    client.force_login(users["named"])
    assert client.get(reverse("risks:file_log", args=[file.pk])).status_code == 404
    assert client.get(f"/api/v1/risks/files/{file.pk}/log").status_code == 404
    assert "Access log" not in client.get(reverse("risks:file_detail", args=[file.pk])).content.decode()


def test_the_auditor_sees_the_openings_in_the_audit_trail(world, client):
    file, _section, users = world
    client.force_login(users["inspector"])
    client.get(reverse("risks:file_detail", args=[file.pk]))
    client.force_login(users["auditor"])
    page = client.get(reverse("core:audit_list"), {"action": "risks.file.view"}).content.decode()
    assert "risks.file.view" in page and str(file) in page
