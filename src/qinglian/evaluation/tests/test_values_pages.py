"""The values pages: entering a survey value, the computed indicators named with their source, the version guard
on edit, and the survey import with its errors by row."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from qinglian.evaluation.models import Indicator, Value
from qinglian.evaluation.tests.test_values_services import workbook


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_enter_and_edit_a_value(cast):
    office = client_for(cast.office)
    page = office.get(reverse("evaluation:value_create")).content.decode()
    assert "orglife.meeting_compliance_rate" in page  # where a computed value comes from
    internal = Indicator.objects.filter(code="perceptions.internal").first()
    data = {"organisation": cast.tree.branch_a.pk, "indicator": internal.pk, "period": "2025Q1", "value": "150"}
    response = office.post(reverse("evaluation:value_create"), data)
    assert response.status_code == 422 and "between 0 and 100" in response.content.decode()
    assert 'value="150"' in response.content.decode()  # what was typed is kept
    data["value"] = "85"
    assert office.post(reverse("evaluation:value_create"), data).status_code == 302
    row = Value.objects.get()
    edit = reverse("evaluation:value_edit", args=[row.pk])
    assert office.post(edit, {"value": "86", "version": 1}).status_code == 302
    stale = office.post(edit, {"value": "87", "version": 1})
    assert stale.status_code == 409 and "someone else" in stale.content.decode()
    assert Value.objects.get().value == 86


def test_import_shows_errors_then_saves(cast):
    office = client_for(cast.office)
    bad = workbook([["ROOT", "2025", "perceptions.internal", 101, None, None]])
    response = office.post(reverse("evaluation:value_import"), {"file": SimpleUploadedFile("s.xlsx", bad)}, follow=True)
    page = response.content.decode()
    assert "between 0 and 100" in page and "nothing was saved" in page
    good = workbook([["ROOT", "2025", "perceptions.internal", 91, 50, 1.1]])
    response = office.post(reverse("evaluation:value_import"), {"file": SimpleUploadedFile("s.xlsx", good)})
    assert response.status_code == 302
    confirm = response["Location"].rstrip("/") + "/confirm/"
    assert office.post(confirm).status_code == 302
    assert Value.objects.get().value == 91
    assert office.get(reverse("evaluation:value_template")).status_code == 200
