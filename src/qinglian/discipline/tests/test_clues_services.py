"""The clue register's services: registering from every source (numbering, deadlines, the reported person, the
sealed reporter), from a portal report (its sealed identity copied, never opened), handlers, changes with their
version, and referral up or down with its deadline in working days."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection

from qinglian.core.models import AuditEvent
from qinglian.core.workdays import add_workdays
from qinglian.discipline.models import Clue, ClueEvent, ClueHandler
from qinglian.discipline.services import clues as services
from qinglian.discipline.tests.factories import clue_make, day, lead_user
from qinglian.discipline.tests.factories_intake import REPORTER, report_make
from qinglian.discipline.vocab import Category, ClueStatus, HandlerRole, ReportStatus, Source
from qinglian.orgs.services import Conflict

SUMMARY = "来信反映王芳在办公用房装修采购中收受供应商购物卡。"


def register(cast, **fields) -> Clue:
    values = {
        "organisation": cast.tree.root,
        "source": Source.LETTER,
        "received_on": day(-3),
        "category": Category.INTEGRITY,
        "summary": SUMMARY,
        "subject_member": cast.members["b1"],
        "actor": cast.inspector,
    }
    values.update(fields)
    return services.clue_register(**values)


# --- numbers ------------------------------------------------------------------------------------------------


def test_clues_are_numbered_in_sequence_per_unit_and_year(cast):
    lead_user(cast)
    first = register(cast)
    second = register(cast, summary="反映刘洋违规使用公车。", subject_member=cast.members["c1"])
    year = day(-3).year
    assert first.number == f"纪线〔{year}〕1号" and second.number == f"纪线〔{year}〕2号"
    earlier = register(
        cast,
        received_on=date(year - 1, 12, 30),
        summary="反映李娜工作日饮酒。",
        subject_member=None,
        subject_name="赵某",
    )
    assert earlier.number == f"纪线〔{year - 1}〕1号" and earlier.year == year - 1


def test_a_number_taken_meanwhile_is_skipped_not_reused(cast, monkeypatch):
    """Two registrations reading the same last number: the unique constraint refuses the second, which retries."""
    register(cast)
    real = services._next_seq
    calls = []

    def stale(org, year):
        calls.append(year)
        return 1 if len(calls) == 1 else real(org, year)

    monkeypatch.setattr(services, "_next_seq", stale)
    clue = register(cast, summary="反映刘洋违规使用公车。", subject_member=cast.members["c1"])
    assert clue.seq == 2 and len(calls) == 2
    assert Clue.objects.filter(organisation=cast.tree.root).count() == 2


def test_numbering_gives_up_after_repeated_clashes(cast, monkeypatch):
    register(cast)
    monkeypatch.setattr(services, "_next_seq", lambda org, year: 1)
    with pytest.raises(IntegrityError):
        register(cast, summary="反映刘洋违规使用公车。", subject_member=cast.members["c1"])


# --- what a registration sets --------------------------------------------------------------------------------


def test_registration_sets_the_deadline_handlers_and_history(cast):
    received = date(2024, 9, 27)  # before the National Day holiday
    clue = register(cast, received_on=received)
    assert clue.dispose_due == add_workdays(received, 30) == date(2024, 11, 13)
    assert clue.status == ClueStatus.REGISTERED and clue.owner == cast.inspector
    assert list(clue.handlers.values_list("user__username", flat=True)) == ["inspector"]
    assert clue.subject_name == "王芳" and clue.subject_unit == cast.tree.branch_b
    assert ClueEvent.objects.filter(clue=clue, action="clue.register").exists()
    event = AuditEvent.objects.get(action="discipline.clue.register")
    assert event.sealed and event.changes["number"] == clue.number


def test_an_owner_other_than_the_registrar_is_a_handler_too(cast):
    lead = lead_user(cast)
    clue = register(cast, owner=lead)
    assert set(clue.handlers.values_list("user__username", flat=True)) == {"inspector", "lead"}
    with pytest.raises(ValidationError) as refused:
        register(cast, owner=cast.office)
    assert "owner" in refused.value.message_dict


def test_a_person_not_on_the_register_is_named_with_their_unit(cast):
    clue = register(
        cast, subject_member=None, subject_name="赵某", subject_unit=cast.tree.branch_c, subject_post="司机"
    )
    assert clue.subject_member is None and clue.subject_name == "赵某" and clue.subject_post == "司机"
    with pytest.raises(ValidationError) as refused:
        register(cast, subject_member=None, subject_name=" ")
    assert "subject_name" in refused.value.message_dict


def test_a_member_outside_the_unit_is_refused(cast):
    from qinglian.orgs.services import org_create

    other = org_create(name="另一个党委", kind="committee", parent=None, actor=None, code="OTHER")
    from qinglian.orgs.services import member_create

    stranger = member_create(organisation=other, name="陌生人", gender="M", actor=None)
    with pytest.raises(ValidationError) as refused:
        register(cast, subject_member=stranger)
    assert "subject_member" in refused.value.message_dict


def test_refusals_save_nothing(cast):
    for fields in (
        {"summary": " "},
        {"category": "gossip"},
        {"received_on": day(1)},
        {"source": Source.PORTAL},
        {"source": Source.INSPECTION, "reporter": {"name": "孙建平"}},
        {"reporter": {"phone": "13907311234"}},
    ):
        with pytest.raises(ValidationError):
            register(cast, **fields)
    assert not Clue.objects.exists() and not AuditEvent.objects.filter(action="discipline.clue.register").exists()


def test_only_intake_registers(cast):
    with pytest.raises(PermissionDenied):
        register(cast, actor=cast.office)
    with pytest.raises(PermissionDenied):
        register(cast, actor=cast.discipline)


# --- the reporter's identity -----------------------------------------------------------------------------------


def _database_text() -> str:
    """Every text value of the clue, event and audit tables, as stored."""
    found = []
    with connection.cursor() as cursor:
        for table in ("discipline_clue", "discipline_clueevent", "core_auditevent", "discipline_report"):
            cursor.execute(f"SELECT * FROM {table}")
            found += [str(value) for row in cursor.fetchall() for value in row]
    return "\n".join(found)


def test_a_real_name_letter_is_sealed_at_once_and_never_in_clear(cast):
    clue = register(cast, reporter=REPORTER)
    assert not clue.is_anonymous and clue.identity_sealed and clue.identity_key
    stored = _database_text()
    for secret in ("孙建平", "13907311234", "宏达建设"):
        assert secret not in stored
    from qinglian.discipline.services.sealing import open_identity

    assert open_identity(Clue.objects.get(pk=clue.pk))["name"] == "孙建平"


def test_an_anonymous_letter_keeps_nothing(cast):
    clue = register(cast, reporter={"name": "", "phone": " "})
    assert clue.is_anonymous and clue.identity_sealed == "" and clue.identity_key == ""


def test_a_portal_report_is_registered_with_its_sealed_identity_as_it_is(cast):
    report = report_make(cast, identity=REPORTER)
    clue = register(
        cast, source=Source.PORTAL, report=report, report_version=report.version, received_on=report.received_at.date()
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.REGISTERED and clue.report == report
    assert (clue.identity_sealed, clue.identity_key, clue.is_anonymous) == (
        report.identity_sealed,
        report.identity_key,
        False,
    )
    assert "孙建平" not in _database_text()
    with pytest.raises(ValidationError):  # registered once
        register(cast, source=Source.PORTAL, report=report, received_on=report.received_at.date())


def test_a_portal_report_changed_meanwhile_is_a_conflict(cast):
    report = report_make(cast)
    with pytest.raises(Conflict):
        register(
            cast,
            source=Source.PORTAL,
            report=report,
            report_version=report.version + 1,
            received_on=report.received_at.date(),
        )
    report.refresh_from_db()
    assert report.status == ReportStatus.NEW and not Clue.objects.exists()


# --- handlers and changes ------------------------------------------------------------------------------------


def test_leaders_assign_and_remove_handlers(cast):
    lead = lead_user(cast)
    clue = clue_make(cast, handlers=("inspector",))
    with pytest.raises(PermissionDenied):
        services.clue_handler_add(clue=clue, user=lead, actor=cast.inspector, version=clue.version)
    services.clue_handler_add(clue=clue, user=lead, role=HandlerRole.LEADER, actor=lead, version=clue.version)
    clue.refresh_from_db()
    assert ClueHandler.objects.get(clue=clue, user=lead).role == HandlerRole.LEADER
    with pytest.raises(ValidationError):  # the office handles no clues
        services.clue_handler_add(clue=clue, user=cast.office, actor=lead, version=clue.version)
    with pytest.raises(ValidationError):  # the owner stays until another is chosen
        services.clue_handler_remove(clue=clue, user=cast.inspector, actor=lead, version=clue.version)
    services.clue_handler_remove(clue=clue, user=lead, actor=lead, version=clue.version)
    assert list(clue.handlers.values_list("user__username", flat=True)) == ["inspector"]
    with pytest.raises(Conflict):
        services.clue_handler_add(clue=clue, user=lead, actor=lead, version=clue.version)


def test_changes_need_the_current_version_and_keep_the_summary_out_of_the_audit_trail(cast):
    clue = clue_make(cast)
    services.clue_update(
        clue=clue,
        actor=cast.inspector,
        version=clue.version,
        summary="改写后的摘要：收受购物卡三千元。",
        category=Category.FOUR_WINDS,
    )
    clue.refresh_from_db()
    assert clue.summary.startswith("改写后的摘要") and clue.category == Category.FOUR_WINDS and clue.version == 2
    event = AuditEvent.objects.filter(action="discipline.clue.update").get()
    assert "改写后的摘要" not in str(event.changes) and event.sealed
    with pytest.raises(Conflict):
        services.clue_update(clue=clue, actor=cast.inspector, version=1, summary="再改")
    lead = lead_user(cast)
    with pytest.raises(ValidationError):  # the owner is one of the handlers
        services.clue_update(clue=clue, actor=cast.inspector, version=clue.version, owner=lead)


def test_a_closed_clue_is_kept_as_it_was(cast):
    clue = clue_make(cast, status=ClueStatus.CLOSED)
    with pytest.raises(ValidationError):
        services.clue_update(clue=clue, actor=cast.inspector, version=clue.version, summary="改")


# --- referral ----------------------------------------------------------------------------------------------


def test_a_referral_falls_due_five_working_days_after_receipt_across_a_holiday(cast):
    received = date(2024, 9, 27)  # Friday; 29 September is a working Sunday, 1-7 October the National Day holiday
    clue = clue_make(cast, received_on=received)
    services.clue_refer(clue=clue, actor=cast.inspector, version=clue.version, to="市纪委监委", direction="up")
    clue.refresh_from_db()
    assert clue.referral_due == date(2024, 10, 10) and clue.status == ClueStatus.REGISTERED
    assert clue.referred_to == "市纪委监委" and clue.referral_direction == "up" and clue.referred_on is None
    assert services.referral_overdue(clue)
    assert services.clue_filter(Clue.objects.all(), overdue=True).filter(pk=clue.pk).exists()


def test_sending_a_referral_moves_the_clue_to_referred(cast):
    clue = clue_make(cast, received_on=day(-3))
    services.clue_refer(
        clue=clue,
        actor=cast.inspector,
        version=clue.version,
        to="第二党支部纪检委员",
        direction="down",
        referred_on=day(-1),
    )
    clue.refresh_from_db()
    assert clue.status == ClueStatus.REFERRED and clue.referred_on == day(-1)
    assert clue.referral_due == services.referral_due(clue.organisation, clue.received_on)
    assert ClueEvent.objects.filter(clue=clue, action="clue.refer", status_to=ClueStatus.REFERRED).exists()
    assert AuditEvent.objects.filter(action="discipline.clue.refer", sealed=True).exists()
    assert not services.referral_overdue(clue)


def test_referral_refusals(cast):
    clue = clue_make(cast, received_on=day(-3))
    for fields, field in (
        ({"to": " ", "direction": "up"}, "to"),
        ({"to": "市纪委", "direction": "sideways"}, "direction"),
        ({"to": "市纪委", "direction": "up", "referred_on": day(1)}, "referred_on"),
        ({"to": "市纪委", "direction": "up", "referred_on": day(-10)}, "referred_on"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.clue_refer(clue=clue, actor=cast.inspector, version=clue.version, **fields)
        assert field in refused.value.message_dict
    verifying = clue_make(cast, status=ClueStatus.VERIFYING, summary="另一条线索")
    with pytest.raises(ValidationError):
        services.clue_refer(
            clue=verifying, actor=cast.inspector, version=verifying.version, to="市纪委", direction="up"
        )
    clue.refresh_from_db()
    assert clue.status == ClueStatus.REGISTERED and clue.referred_to == ""


# --- what other modules see ----------------------------------------------------------------------------------


def test_a_clue_as_a_record_resolves_only_for_those_who_may_open_it(cast):
    from qinglian.core.links import records_resolve

    lead = lead_user(cast)
    clue = clue_make(cast, handlers=("lead",))
    key = ("discipline.clue", clue.pk)
    assert records_resolve(cast.inspector, [key])[key] is None
    assert records_resolve(cast.office, [key])[key] is None
    ref = records_resolve(lead, [key])[key]
    assert ref.label.startswith(clue.number) and ref.url.endswith(f"/clues/{clue.pk}/")
    from qinglian.discipline.records import clue_search

    assert [r.id for r in clue_search(lead, "王芳", 10)] == [clue.pk]
    assert clue_search(cast.inspector, "", 10) == []


def test_facts_about_a_person_name_the_category_and_status_never_the_summary(cast):
    from qinglian.core.registry import FACT_CLUES, registry

    clue_make(cast, summary="收受供应商购物卡三千元", received_on=date(day().year, 1, 5))
    repeat = clue_make(cast, summary="重复举报", status=ClueStatus.REPEATED)
    facts = [f for f in registry.person_facts_of(cast.members["b1"]) if f.topic == FACT_CLUES]
    assert len(facts) == 1 and repeat.number not in str(facts)
    assert "购物卡" not in facts[0].title + facts[0].detail
    assert facts[0].day == date(day().year, 1, 5)
    assert [f for f in registry.person_facts_of(cast.members["b1"], day().year - 1) if f.topic == FACT_CLUES] == []
    assert FACT_CLUES in registry.kept_fact_topics()
