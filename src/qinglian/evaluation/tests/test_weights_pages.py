"""The weights pages: the pairwise form keeps what was typed on error and names the refused cell, the live check
shows the CR and the most inconsistent pair, managers compute and freeze, a frozen cycle refuses edits, and an
expert of another subtree gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from qinglian.evaluation.models import Cycle, Judgment, WeightSet

YEAR = timezone.localdate().year


@pytest.fixture
def cycle(cast):
    return Cycle.objects.create(organisation=cast.tree.root, year=YEAR, name="机关党委年度考评")


def english(client):
    client.cookies["django_language"] = "en"
    return client


def judge_url(cycle, node="layers"):
    return reverse("evaluation:weights_judge", kwargs={"pk": cycle.pk, "node": node})


def test_an_expert_judges_the_layers(cast, cycle, login):
    client = english(login(cast.inspector))
    page = client.get(judge_url(cycle))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="a_0_1"' in html and 'name="a_1_2"' in html and "extremely more important than" in html
    assert "1/9" in html
    response = client.post(judge_url(cycle), {"a_0_1": "2", "a_0_2": "4", "a_1_2": "2", "version": ""})
    assert response.status_code == 302
    judgment = Judgment.objects.get(expert=cast.inspector, node="")
    assert judgment.matrix[0][2] == 4 and judgment.cr == pytest.approx(0, abs=1e-9)
    again = client.get(judge_url(cycle)).content.decode()
    assert '<option value="4" selected>' in again  # the saved judgments come back
    weights = client.get(reverse("evaluation:weights", kwargs={"pk": cycle.pk})).content.decode()
    assert "inspector" in weights and "CR 0.000" in weights


def test_the_live_check_names_the_most_inconsistent_pair(cast, cycle, login):
    client = english(login(cast.inspector))
    url = reverse("evaluation:weights_check", kwargs={"pk": cycle.pk, "node": "layers"})
    html = client.post(url, {"a_0_1": "3", "a_0_2": "1/3", "a_1_2": "3"}).content.decode()
    assert "CR " in html and "not acceptable" in html and "least consistent" in html
    assert "nearest step of the scale" in html
    ok = client.post(url, {"a_0_1": "2", "a_0_2": "4", "a_1_2": "2"}).content.decode()
    assert "acceptable" in ok and "not acceptable" not in ok


def test_a_refused_judgment_keeps_what_was_typed(cast, cycle, login):
    client = english(login(cast.inspector))
    response = client.post(judge_url(cycle), {"a_0_1": "5", "a_0_2": "0", "a_1_2": "1/3", "version": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert "“Work done” compared with “Perceptions”" in html and "positive" in html
    assert '<option value="5" selected>' in html and '<option value="1/3" selected>' in html
    assert not Judgment.objects.exists()


def test_managers_compute_and_freeze_then_edits_are_refused(cast, cycle, login):
    client = english(login(cast.office))
    client.post(judge_url(cycle), {"a_0_1": "2", "a_0_2": "4", "a_1_2": "2", "version": ""})
    compute = reverse("evaluation:weights_compute", kwargs={"pk": cycle.pk})
    assert client.post(compute, {"kind": "subjective"}).status_code == 302
    ws = WeightSet.objects.get(cycle=cycle)
    page = client.get(reverse("evaluation:weights", kwargs={"pk": cycle.pk})).content.decode()
    assert "Provenance" in page and "office" in page and "ahp-eigen" in page
    freeze = reverse("evaluation:weights_freeze", kwargs={"pk": cycle.pk})
    assert client.post(freeze, {"weight_set": ws.pk, "version": cycle.version}).status_code == 302
    cycle.refresh_from_db()
    assert cycle.status == "frozen" and cycle.weight_set == ws
    page = client.get(reverse("evaluation:weights", kwargs={"pk": cycle.pk})).content.decode()
    assert "Frozen on" in page and "Change my judgments" not in page
    judgment = Judgment.objects.get()
    refused = client.post(judge_url(cycle), {"a_0_1": "1", "a_0_2": "1", "a_1_2": "1", "version": judgment.version})
    assert refused.status_code == 422 and "frozen" in refused.content.decode()
    judgment.refresh_from_db()
    assert judgment.matrix[0][1] == 2


def test_an_expert_of_another_subtree_gets_404(cast, cycle, login, django_user_model):
    from qinglian.orgs.models import Role
    from qinglian.orgs.services import role_assign

    expert = django_user_model.objects.create_user("expert_a", "expert_a@example.cn", "pw")
    role_assign(user=expert, role=Role.objects.get(code="discipline_staff"), organisation=cast.tree.branch_a,
                include_subtree=True, actor=None)  # fmt: skip
    client = login(expert)
    assert client.get(judge_url(cycle)).status_code == 404
    assert client.get(reverse("evaluation:weights", kwargs={"pk": cycle.pk})).status_code == 404
    assert client.post(judge_url(cycle), {"a_0_1": "2", "a_0_2": "4", "a_1_2": "2"}).status_code == 404
    assert login(cast.auditor).get(judge_url(cycle)).status_code == 404  # reads, does not judge
    assert login(cast.inspector).get(judge_url(cycle, "incidents")).status_code == 404  # not a node to judge
