"""The demo's integrity risks: the register and both rounds, the files' story, the planted conflicts and the reply."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from docx import Document

from qinglian.core.models import AuditEvent
from qinglian.core.registry import registry
from qinglian.orgs import demo as orgs_demo
from qinglian.orgs import demo_structure
from qinglian.reports.docx import document_bytes
from qinglian.risks import demo, demo_data
from qinglian.risks.exports_opinion import reply_document
from qinglian.risks.models import ConflictMatch, FileSection, OpinionReply, RiskPoint, RiskRound
from qinglian.risks.vocab import MatchStatus, PointStatus, ReplyStatus


@pytest.fixture
def loaded(db):
    orgs_demo.load(members=120)
    demo_structure.load()
    return demo.load()


def test_the_register_has_last_years_round_closed_and_this_years_open(loaded):
    assert loaded["loaded"]
    last, current = RiskRound.objects.order_by("year")
    assert (last.status, current.status) == ("closed", "open") and current.previous_id == last.pk
    register = RiskPoint.objects.filter(round=last)
    assert set(register.values_list("status", flat=True)) == {PointStatus.APPROVED}
    assert set(register.values_list("level", flat=True)) == {1, 2, 3}
    assert all(p.discipline_opinion and p.measures.exclude(owner=None).exists() for p in register)
    states = set(RiskPoint.objects.filter(round=current).values_list("status", flat=True))
    assert {PointStatus.DRAFT, PointStatus.PROPOSED, PointStatus.REVIEWED, PointStatus.APPROVED} <= states
    assert {PointStatus.RETURNED, PointStatus.WITHDRAWN} <= states
    assert RiskPoint.objects.filter(round=current, copied_from=None).count() == len(demo_data.NEW_RISKS)
    assert register.filter(needs_review=True).count() == 1
    assert demo.load() == {"loaded": False}


def test_the_conflict_check_finds_the_two_planted_conflicts_and_not_the_near_miss(loaded):
    matches = ConflictMatch.objects.select_related("supplier")
    found = {m.supplier.name: m for m in matches}
    assert demo_data.CONFLICT_BUSINESS["supplier"] in found
    assert demo_data.CONFLICT_SON["company"] in found
    assert demo_data.NEAR_MISS["supplier"] not in found
    assert found[demo_data.CONFLICT_BUSINESS["supplier"]].basis == "credit_code"
    assert found[demo_data.CONFLICT_SON["company"]].basis == "person_id"
    assert found[demo_data.CONFLICT_BUSINESS["supplier"]].status == MatchStatus.CONFIRMED
    assert matches.count() == 2


def test_the_secretarys_basics_were_returned_fixed_and_archived_and_every_view_is_logged(loaded):
    section = FileSection.objects.get(file__member__user__username="secretary", file__year=_this_year(), kind="basics")
    assert section.status == "archived"
    story = list(section.events.order_by("at", "pk").values_list("kind", flat=True))
    assert [k for k in story if k != "saved"] == ["submitted", "returned", "submitted", "accepted", "archived"]
    assert section.events.get(kind="returned").reason == demo_data.RETURN_REASON
    assert section.data["responsibilities"]
    inspector = get_user_model().objects.get(username="inspector")
    views = AuditEvent.objects.filter(action="risks.file.view", actor=inspector)
    assert views.filter(object_id=str(section.file_id)).exists() or views.filter(object_id=str(section.pk)).exists()


def test_the_signed_opinion_reply_opens_in_word_with_the_cadres_facts(loaded):
    reply = OpinionReply.objects.get(status=ReplyStatus.SIGNED)
    text = "\n".join(p.text for p in Document(io.BytesIO(document_bytes(reply_document(reply)))).paragraphs)
    assert reply.member.name in text and reply.number in text
    assert "廉政档案" in text
    draft = OpinionReply.objects.get(status=ReplyStatus.DRAFT)
    assert demo_data.CONFLICT_BUSINESS["supplier"] in draft.body  # the confirmed conflict is in the draft


def test_the_demo_runs_after_responsibility():
    orders = {fn.__module__: order for order, fn in registry.demo}
    assert orders["qinglian.risks.demo"] > orders["qinglian.rectification.demo"]
    assert orders["qinglian.risks.demo"] > orders["qinglian.duties.demo"]


def _this_year() -> int:
    from django.utils import timezone

    return timezone.localdate().year
