"""Integrity opinion replies: compiling gathers the files, declarations, person facts and confirmed conflicts and
drafts a conclusion that depends on them; drafts change, signed replies never do; numbers are required and unique
in the year; two people cannot both win; every file read is audited."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from qinglian.core.models import AuditEvent
from qinglian.core.registry import FACT_CLUES, FACT_SANCTIONS, FACT_TALKS
from qinglian.orgs.services import Conflict
from qinglian.risks.models import OpinionReply
from qinglian.risks.services import opinion as services
from qinglian.risks.tests.factories_opinion import (
    cadre,
    conflict_confirmed,
    file_make,
    person_facts,
    reply_make,
    this_year,
)
from qinglian.risks.vocab import ReplyStatus

YEAR = timezone.localdate().year


def _sign(reply, actor, number: str, version: int, title: str = "机关纪委"):
    return services.reply_sign(reply=reply, signer_title=title, number=number, actor=actor, version=version)


def _update(reply, actor, body: str, version: int, number: str = "", requested_by: str = "人事处"):
    return services.reply_update(
        reply=reply, body=body, number=number, requested_by=requested_by, actor=actor, version=version
    )


@pytest.fixture
def b1(cast):
    return cadre(cast.members["b1"])


def test_compile_gathers_the_file_the_declarations_a_talk_and_a_confirmed_conflict(cast, b1, without_discipline):
    now_file = file_make(b1, YEAR)
    last_file = file_make(b1, YEAR - 1, wedding=False, gift=False)
    old_file = file_make(b1, YEAR - 5)  # outside the three years: not read
    conflict_confirmed(b1, by=cast.inspector)
    talk = [(FACT_TALKS, this_year(), "廉政谈话", "由纪委书记谈话")]
    with person_facts({b1.pk: talk}, topics=(FACT_TALKS,)), translation.override("zh-hans"):
        reply = reply_make(b1, cast.inspector)

    facts = reply.facts
    assert facts["years"] == [YEAR - 2, YEAR - 1, YEAR]
    assert [f["year"] for f in facts["files"]] == [YEAR - 1, YEAR]
    assert {s["status"] for s in facts["files"][1]["sections"]} == {"submitted"}
    assert [w["occasion"] for w in facts["declared"]["weddings"]] == ["wedding"]
    assert [g["items"] for g in facts["declared"]["gifts"]] == ["购物卡"]
    assert len(facts["declared"]["trips"]) == 2  # one each year
    assert [b["year"] for b in facts["declared"]["businesses"]] == [YEAR]  # declared again each year: one fact
    assert [t["title"] for t in facts["topics"]["talks"]["items"]] == ["廉政谈话"]
    assert facts["topics"]["talks"]["held"] and not facts["topics"]["clues"]["held"]
    assert [c["supplier"] for c in facts["conflicts"]] == ["青莲建材有限公司"]
    assert facts["concerns"] == ["conflicts"]

    body = reply.body  # drafted in the site's language, Chinese
    assert body.startswith("你单位关于征求王芳同志党风廉政意见的函收悉")
    for text in ("操办婚礼", "购物卡", "上交机关纪委", "廉政谈话", "青莲建材有限公司", "确认存在利益冲突1项"):
        assert text in body, text
    assert "违反党风廉政建设规定的问题" not in body  # a confirmed conflict: no "nothing was found"
    assert "本系统尚未存有问题线索记录" in body and "本系统尚未存有党纪政务处分记录" in body

    reads = AuditEvent.objects.filter(action="risks.file.view", object_type="risks.integrityfile")
    assert sorted(int(e.object_id) for e in reads) == sorted([now_file.pk, last_file.pk])
    assert str(old_file.pk) not in {e.object_id for e in reads}
    assert all(e.actor_id == cast.inspector.pk for e in reads)
    assert AuditEvent.objects.filter(action="risks.opinion.compile", object_id=str(reply.pk)).count() == 1


def test_an_english_draft_names_the_same_facts(cast, b1, in_english, without_discipline):
    file_make(b1, YEAR)
    conflict_confirmed(b1, by=cast.inspector)
    reply = reply_make(b1, cast.inspector, purpose="commendation")
    assert "Comrade 王芳" in reply.body
    assert "Weddings and funerals held: 1" in reply.body and "1000 yuan" in reply.body
    assert "a confirmed conflict of interest" in reply.body
    assert "no violation" not in reply.body and "no objection" not in reply.body
    assert "The system holds no records of problem clues" in reply.body


def test_a_sanction_never_gets_a_clean_conclusion(cast, b1, in_english):
    file_make(b1, YEAR)
    sanction = [(FACT_SANCTIONS, this_year(4, 2), "党内警告处分", "违反廉洁纪律")]
    with person_facts({b1.pk: sanction}, topics=(FACT_CLUES, FACT_SANCTIONS)):
        reply = reply_make(b1, cast.inspector)
    assert reply.facts["concerns"] == ["sanctions"]
    assert "党内警告处分" in reply.body and "a disciplinary or administrative sanction" in reply.body
    assert "no violation" not in reply.body and "no objection" not in reply.body
    with person_facts({b1.pk: sanction}, topics=(FACT_CLUES, FACT_SANCTIONS)):
        chinese = services.reply_draft(reply.facts, purpose="promotion", language="zh-hans")
    assert "未发现王芳同志有违反党风廉政建设规定" not in chinese and "鉴于王芳同志受到党纪政务处分" in chinese


def test_a_clean_record_says_so_only_when_clues_and_sanctions_are_kept(cast, b1, in_english, without_discipline):
    file_make(b1, YEAR)
    with person_facts({}, topics=(FACT_CLUES, FACT_SANCTIONS)):
        kept = reply_make(b1, cast.inspector)
    assert kept.facts["concerns"] == []
    assert "no violation of the rules on Party conduct and integrity by Comrade 王芳 has been found" in kept.body
    assert "no objection to their promotion or appointment" in kept.body
    assert "No report or problem clue concerning them was received" in kept.body
    chinese = services.reply_draft(kept.facts, purpose="promotion", language="zh-hans")
    assert "未发现王芳同志有违反党风廉政建设规定的问题，对其提拔任用无不同意见" in chinese

    unkept = reply_make(b1, cast.inspector)  # no module keeps clues or sanctions
    assert "no objection" not in unkept.body
    assert "the system holds no records of problem clues and sanctions" in unkept.body


def test_a_clue_also_bars_the_clean_conclusion(cast, b1):
    clue = [(FACT_CLUES, this_year(6, 1), "反映其违规收受礼金", "正在核查")]
    with person_facts({b1.pk: clue}, topics=(FACT_CLUES, FACT_SANCTIONS)), translation.override("zh-hans"):
        reply = reply_make(b1, cast.inspector)
    assert reply.facts["concerns"] == ["clues"]
    assert "反映其违规收受礼金" in reply.body and "有反映其问题的线索" in reply.body
    assert "无不同意见" not in reply.body


def test_compile_refuses_bad_requests_and_saves_nothing(cast, b1, in_english):
    with pytest.raises(PermissionDenied):
        reply_make(b1, cast.secretary_b)
    with pytest.raises(PermissionDenied):
        reply_make(b1, cast.office)
    with pytest.raises(ValidationError, match="not marked as a cadre"):
        reply_make(cast.members["c1"], cast.inspector)
    with pytest.raises(ValidationError, match="Name the unit"):
        reply_make(b1, cast.inspector, requested_by="  ")
    with pytest.raises(ValidationError, match="what the opinion is asked for"):
        reply_make(b1, cast.inspector, purpose="transfer")
    with pytest.raises(ValidationError, match="between 1 and 10"):
        reply_make(b1, cast.inspector, years=0)
    assert not OpinionReply.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="risks.opinion").exists()


def test_a_draft_changes_and_a_signed_reply_never_does(cast, b1, in_english):
    reply = reply_make(b1, cast.inspector)
    reply = services.reply_update(
        reply=reply, body="修改后的意见。", number="", requested_by="人事处", actor=cast.inspector, version=1
    )
    assert (reply.body, reply.requested_by, reply.version) == ("修改后的意见。", "人事处", 2)
    with pytest.raises(ValidationError, match="cannot be empty"):
        services.reply_update(reply=reply, body=" ", number="", requested_by="人事处", actor=cast.inspector, version=2)

    signed = services.reply_sign(
        reply=reply,
        signer_title="中共机关纪律检查委员会",
        number="纪检组廉复〔2026〕3号",
        actor=cast.inspector,
        version=2,
    )
    assert signed.status == ReplyStatus.SIGNED and signed.signed_by == cast.inspector and signed.signed_at
    for attempt in (
        lambda: services.reply_update(
            reply=signed, body="再改", number="", requested_by="人事处", actor=cast.inspector, version=signed.version
        ),
        lambda: services.reply_sign(
            reply=signed, signer_title="别的", number="别的号", actor=cast.inspector, version=signed.version
        ),
        lambda: services.reply_delete(reply=signed, actor=cast.inspector, version=signed.version),
    ):
        with pytest.raises(ValidationError, match="a signed reply no longer changes"):
            attempt()
    signed.refresh_from_db()
    assert (signed.body, signed.number, signed.signer_title) == (
        "修改后的意见。",
        "纪检组廉复〔2026〕3号",
        "中共机关纪律检查委员会",
    )
    assert AuditEvent.objects.filter(action="risks.opinion.sign", object_id=str(signed.pk)).count() == 1


def test_the_number_is_required_and_unique_in_the_year(cast, b1, in_english):
    a1 = cadre(cast.members["a1"])
    first, second = reply_make(b1, cast.inspector), reply_make(a1, cast.inspector)
    with pytest.raises(ValidationError, match="Give the reply its number"):
        services.reply_sign(reply=first, signer_title="机关纪委", number=" ", actor=cast.inspector, version=1)
    with pytest.raises(ValidationError, match="Name the body"):
        services.reply_sign(reply=first, signer_title="", number="廉复〔2026〕1号", actor=cast.inspector, version=1)
    services.reply_sign(reply=first, signer_title="机关纪委", number="廉复〔2026〕1号", actor=cast.inspector, version=1)
    assert services.reply_number_suggest(a1) == "廉复〔2026〕2号"
    with pytest.raises(ValidationError, match="already on a reply signed in"):
        services.reply_sign(
            reply=second, signer_title="机关纪委", number="廉复〔2026〕1号", actor=cast.inspector, version=1
        )
    with pytest.raises(ValidationError, match="already on a reply signed in"):
        services.reply_update(
            reply=second, body="意见", number="廉复〔2026〕1号", requested_by="人事处", actor=cast.inspector, version=1
        )
    second.refresh_from_db()
    assert second.status == ReplyStatus.DRAFT and second.number == ""
    services.reply_sign(
        reply=second, signer_title="机关纪委", number="廉复〔2026〕2号", actor=cast.inspector, version=1
    )


def test_two_people_cannot_both_win(cast, b1):
    reply = reply_make(b1, cast.inspector)
    services.reply_update(
        reply=reply, body="甲的修改", number="", requested_by="人事处", actor=cast.inspector, version=1
    )
    with pytest.raises(Conflict):
        services.reply_sign(reply=reply, signer_title="机关纪委", number="廉复1号", actor=cast.inspector, version=1)
    with pytest.raises(Conflict):
        services.reply_delete(reply=reply, actor=cast.inspector, version=1)
    reply.refresh_from_db()
    assert reply.status == ReplyStatus.DRAFT and reply.body == "甲的修改"


def test_a_draft_is_deleted_with_an_audit_event(cast, b1):
    reply = reply_make(b1, cast.inspector)
    with pytest.raises(PermissionDenied):
        services.reply_delete(reply=reply, actor=cast.secretary_b, version=1)
    services.reply_delete(reply=reply, actor=cast.inspector, version=1)
    assert not OpinionReply.objects.exists()
    assert AuditEvent.objects.filter(action="risks.opinion.delete", object_id=str(reply.pk)).exists()


def test_only_discipline_inspection_sees_replies(cast, b1):
    reply = reply_make(b1, cast.inspector)
    assert list(services.replies_visible_to(cast.inspector)) == [reply]
    for user in (cast.secretary_b, cast.secretary, cast.office, cast.admin, cast.auditor, cast.outsider):
        assert not services.replies_visible_to(user).exists(), user
    assert list(services.cadres_for(cast.inspector, cast.tree.root)) == [b1]
