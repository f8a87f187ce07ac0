"""Integrity files through the services: opening a year's file from the register, what a section may hold, the
review (submit, return with reason, fix, resubmit, accept, archive) with its events, audit and notifications,
named reviewers, the facts other modules hold, to-dos and the submission indicator."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qinglian.core import crypto
from qinglian.core.lib import idcard
from qinglian.core.models import AuditEvent, Notification
from qinglian.core.registry import registry
from qinglian.orgs.services import Conflict, post_assign, term_start
from qinglian.risks.models import FileSection, IntegrityFile, SectionEvent
from qinglian.risks.services import files as services
from qinglian.risks.services import section_data
from qinglian.risks.tests import factories_files as f
from qinglian.risks.vocab import SectionKind, SectionStatus

pytestmark = pytest.mark.usefixtures("in_english")
YEAR = timezone.localdate().year
BAD_CHECK = f.SON_ID[:-1] + ("1" if f.SON_ID[-1] != "1" else "2")
POSTS = {"posts": [{"start": "2020-01-01", "unit": "财务处", "post": "处长"}]}


def _messages(exc) -> dict:
    return exc.value.message_dict


# --- opening files -----------------------------------------------------------------------------------------


def test_a_file_opens_with_a_draft_of_every_section_and_the_register_filled_in(cast):
    a1 = f.cadre(cast.members["a1"], post="财务处处长", rank="正处级")
    a1.joined_on = date(2001, 7, 1)
    a1.save(update_fields=["joined_on"])
    term = term_start(org=cast.tree.branch_a, elected_on=date(YEAR - 1, 3, 1), actor=None)
    post_assign(term=term, member=a1, post="纪检委员", actor=None)
    file = services.file_open(member=a1, year=YEAR, actor=cast.member)
    sections = {s.kind: s for s in file.sections.all()}
    assert set(sections) == set(SectionKind.values)
    assert {s.status for s in sections.values()} == {SectionStatus.DRAFT}
    basics = sections[SectionKind.BASICS].data
    assert basics["post"] == "财务处处长" and basics["rank"] == "正处级" and basics["joined_on"] == "2001-07-01"
    posts = sections[SectionKind.POSTS].data["posts"]
    assert {"unit": "第一党支部", "post": "纪检委员", "start": f"{YEAR - 1}-03-01", "end": ""} in posts
    assert {"unit": "第一党支部", "post": "财务处处长", "start": "", "end": ""} in posts
    assert AuditEvent.objects.filter(action="risks.file_open", object_id=str(file.pk)).exists()


def test_a_file_is_opened_once_a_year_for_cadres_by_the_cadre_or_discipline_inspection(cast, in_english):
    a1 = cast.members["a1"]
    with pytest.raises(ValidationError, match="not marked as a cadre"):
        services.file_open(member=a1, year=YEAR, actor=cast.inspector)
    f.cadre(a1)
    with pytest.raises(PermissionDenied):
        services.file_open(member=a1, year=YEAR, actor=cast.secretary)
    services.file_open(member=a1, year=YEAR, actor=cast.inspector)
    with pytest.raises(ValidationError, match="open already"):
        services.file_open(member=a1, year=YEAR, actor=cast.member)
    with pytest.raises(ValidationError, match="Choose a year"):
        services.file_open(member=a1, year=1999, actor=cast.member)
    assert IntegrityFile.objects.filter(member=a1).count() == 1


def test_discipline_inspection_opens_the_files_of_every_cadre_of_a_scope_at_once(cast):
    for key in ("a1", "a2", "b1"):
        f.cadre(cast.members[key])
    f.file_open(cast.members["a1"])
    assert services.files_open_for_cadres(org=cast.tree.gb, year=YEAR, actor=cast.inspector) == 2
    assert set(IntegrityFile.objects.filter(year=YEAR).values_list("member__name", flat=True)) == {
        "张伟",
        "李娜",
        "王芳",
    }
    assert services.files_open_for_cadres(org=cast.tree.gb, year=YEAR, actor=cast.inspector) == 0
    with pytest.raises(PermissionDenied):
        services.files_open_for_cadres(org=cast.tree.gb, year=YEAR, actor=cast.secretary)


# --- the whole story ---------------------------------------------------------------------------------------


def test_submit_return_fix_resubmit_accept_archive(cast, in_english):
    file = f.file_open(cast.members["a1"])
    family = f.section(file, SectionKind.FAMILY)
    family = services.section_save(section=family, data=f.family(), actor=cast.member, version=family.version)
    family = services.section_submit(section=family, version=family.version, actor=cast.member)
    assert family.status == SectionStatus.SUBMITTED and family.submitted_at
    told = Notification.objects.get(user=cast.inspector, kind="risks.section_submit")
    assert "张伟" in told.title

    family = services.section_return(
        section=family, version=family.version, reason="请补充儿子的身份证号码", actor=cast.inspector
    )
    assert family.status == SectionStatus.RETURNED and family.return_reason == "请补充儿子的身份证号码"
    note = Notification.objects.get(user=cast.member, kind="risks.section_return")
    assert note.body == "请补充儿子的身份证号码" and f"/sections/{family.pk}/" in note.url

    fixed = f.family(son_id=f.SON_ID)
    fixed["members"][0]["id_number"] = family.data["members"][0]["id_number_masked"]  # left as shown
    family = services.section_save(section=family, data=fixed, actor=cast.member, version=family.version)
    assert family.status == SectionStatus.RETURNED  # still to be handed in again
    family = services.section_submit(section=family, version=family.version, actor=cast.member)
    assert family.return_reason == ""
    family = services.section_accept(section=family, version=family.version, actor=cast.inspector)
    assert family.reviewed_by == cast.inspector
    family = services.section_archive(section=family, version=family.version, actor=cast.inspector)
    assert family.status == SectionStatus.ARCHIVED and family.archived_at
    assert Notification.objects.filter(user=cast.member, kind="risks.section_archive").exists()

    kinds = list(SectionEvent.objects.filter(section=family).values_list("kind", "reason"))
    assert kinds == [
        ("saved", ""), ("submitted", ""), ("returned", "请补充儿子的身份证号码"), ("saved", ""), ("submitted", ""),
        ("accepted", ""), ("archived", ""),
    ]  # fmt: skip
    actions = list(AuditEvent.objects.filter(object_type="risks.filesection", object_id=str(family.pk))
                   .order_by("seq").values_list("action", flat=True))  # fmt: skip
    assert actions == [
        "risks.section_save", "risks.section_submit", "risks.section_return", "risks.section_save",
        "risks.section_submit", "risks.section_accept", "risks.section_archive",
    ]  # fmt: skip
    # Archived for good.
    with pytest.raises(ValidationError, match="archived"):
        services.section_save(section=family, data=f.family(), actor=cast.member, version=family.version)
    with pytest.raises(ValidationError, match="archived"):
        services.section_return(section=family, version=family.version, reason="再看看", actor=cast.inspector)


def test_a_section_submitted_twice_is_refused_and_nothing_changes(cast, in_english):
    file = f.file_open(cast.members["a1"])
    gifts = f.submitted(file, SectionKind.GIFTS)
    before = (gifts.version, gifts.submitted_at, SectionEvent.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.section_submit(section=gifts, version=gifts.version, actor=cast.member)
    day = timezone.localtime(gifts.submitted_at).date().isoformat()
    assert f"already submitted on {day}" in exc.value.messages[0]
    gifts.refresh_from_db()
    assert (gifts.version, gifts.submitted_at, SectionEvent.objects.count(), AuditEvent.objects.count()) == before
    accepted = services.section_accept(section=gifts, version=gifts.version, actor=cast.inspector)
    with pytest.raises(ValidationError, match="already submitted"):
        services.section_submit(section=accepted, version=accepted.version, actor=cast.member)


def test_only_the_cadre_fills_in_and_submits_and_only_discipline_inspection_reviews(cast, in_english):
    file = f.file_open(cast.members["a1"])
    gifts = f.section(file, SectionKind.GIFTS)
    with pytest.raises(PermissionDenied):
        services.section_save(section=gifts, data={"gifts": []}, actor=cast.inspector, version=gifts.version)
    with pytest.raises(PermissionDenied):
        services.section_submit(section=gifts, version=gifts.version, actor=cast.secretary)
    gifts = services.section_submit(section=gifts, version=gifts.version, actor=cast.member)
    for user in (cast.secretary, cast.discipline, cast.office, cast.admin):
        with pytest.raises(PermissionDenied):
            services.section_accept(section=gifts, version=gifts.version, actor=user)
    with pytest.raises(ValidationError, match="Only an accepted section can be archived"):
        services.section_archive(section=gifts, version=gifts.version, actor=cast.inspector)
    draft = f.section(file, SectionKind.FAMILY)
    with pytest.raises(ValidationError, match="Only a submitted section can be returned or accepted"):
        services.section_accept(section=draft, version=draft.version, actor=cast.inspector)


def test_discipline_inspection_never_reviews_its_own_file(cast, in_english):
    f.cadre(cast.members["b1"])
    own = f.login_for(cast, cast.members["b1"], "inspector_b", role="discipline_staff")
    file = f.file_open(cast.members["b1"])
    gifts = f.submitted(file, SectionKind.GIFTS)
    with pytest.raises(ValidationError, match="your own integrity file"):
        services.section_accept(section=gifts, version=gifts.version, actor=own)


def test_a_return_needs_a_reason_and_a_stale_version_is_refused(cast, in_english):
    file = f.file_open(cast.members["a1"])
    gifts = f.submitted(file, SectionKind.GIFTS)
    with pytest.raises(ValidationError) as exc:
        services.section_return(section=gifts, version=gifts.version, reason="  ", actor=cast.inspector)
    assert "Say why" in _messages(exc)["reason"][0]
    with pytest.raises(Conflict):
        services.section_accept(section=gifts, version=gifts.version - 1, actor=cast.inspector)
    gifts.refresh_from_db()
    assert gifts.status == SectionStatus.SUBMITTED


# --- what a section may hold -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "key", "words"),
    [
        ({"relation": "spouse", "name": ""}, "members.2.name", "Family members, row 2: fill in “name”"),
        ({"relation": "son", "name": "李四", "birth_date": "2008-13-01"}, "members.2.birth_date",
         "row 2: “date of birth” must be a date (YYYY-MM-DD), not “2008-13-01”"),
        ({"relation": "son", "name": "李四", "id_number": BAD_CHECK}, "members.2.id_number",
         "row 2: “identity number” is not a valid identity number: its check digit is wrong"),
        ({"relation": "son", "name": "李四", "id_number": "12345"}, "members.2.id_number",
         "it must have 18 characters"),
        ({"relation": "cousin", "name": "李四"}, "members.2.relation", "“cousin” is not one of the choices"),
        ({"relation": "son", "name": "李四", "salary": "1"}, "members.2.salary",
         "row 2: “salary” is not a field of this list"),
    ],
)  # fmt: skip
def test_bad_rows_are_refused_naming_the_row_and_field_and_nothing_is_saved(cast, in_english, row, key, words):
    file = f.file_open(cast.members["a1"])
    family = f.family_saved(file)
    stored, version, audit = family.data, family.version, AuditEvent.objects.count()
    data = {"members": [{"relation": "spouse", "name": "赵敏"}, row]}
    with pytest.raises(ValidationError) as exc:
        services.section_save(section=family, data=data, actor=cast.member, version=family.version)
    messages = _messages(exc)
    assert key in messages and words in messages[key][0]
    family.refresh_from_db()
    assert (family.data, family.version, AuditEvent.objects.count()) == (stored, version, audit)


def test_money_numbers_flags_and_unknown_keys(cast, in_english):
    file = f.file_open(cast.members["a1"])
    weddings = f.section(file, SectionKind.WEDDINGS_FUNERALS)
    good = {"events": [{"occasion": "wedding", "date": f"{YEAR}-05-01", "guests": "80", "gifts": "3,000.5",
                        "reported": "on"}, {"occasion": "", "date": "", "note": ""}]}  # fmt: skip
    weddings = services.section_save(section=weddings, data=good, actor=cast.member, version=weddings.version)
    (event,) = weddings.data["events"]  # the blank row is dropped
    assert (event["guests"], event["gifts"], event["reported"]) == ("80", "3000.50", True)
    bad = {"events": [{"occasion": "wedding", "date": f"{YEAR}-05-01", "gifts": "-5"}], "extra": "x"}
    with pytest.raises(ValidationError) as exc:
        services.section_save(section=weddings, data=bad, actor=cast.member, version=weddings.version)
    messages = _messages(exc)
    assert "“extra” is not part of the section “Weddings and funerals held”" in messages["extra"][0]
    assert "must be an amount in yuan" in messages["events.1.gifts"][0]


def test_the_income_section_asks_what_the_units_rule_requires(cast, in_english):
    file = f.file_open(cast.members["a1"])
    income = f.section(file, SectionKind.INCOME_PROPERTY)
    income = services.section_save(section=income, data={"salary": "180000", "housing": "自住房一套，120平方米"},
                                   actor=cast.member, version=income.version)  # fmt: skip
    assert income.data["salary"] == "180000.00" and income.data["housing"].startswith("自住房")
    with pytest.raises(ValidationError, match="not part of the section"):
        services.section_save(section=income, data={"car": "一辆"}, actor=cast.member, version=income.version)


def test_identity_numbers_are_stored_encrypted_and_an_unchanged_one_keeps_its_cipher(cast):
    file = f.file_open(cast.members["a1"])
    family = f.family_saved(file)
    spouse = family.data["members"][0]
    assert f.SPOUSE_ID not in str(FileSection.objects.filter(pk=family.pk).values_list("data", flat=True)[0])
    assert crypto.decrypt(spouse["id_number_cipher"]) == f.SPOUSE_ID
    assert spouse["id_number_index"] == crypto.blind_index(idcard.normalise(f.SPOUSE_ID))
    assert spouse["id_number_masked"] == idcard.mask(f.SPOUSE_ID) and "*" in spouse["id_number_masked"]
    assert family.data["members"][1]["id_number_index"] == ""  # none given
    # The conflict check reads these keys.
    assert {"name", "relation", "id_number_index"} <= set(spouse)
    shown = section_data.section_plain(family)
    assert shown["members"][0]["id_number"] == spouse["id_number_masked"]
    shown["members"][1]["position"] = "学生"
    again = services.section_save(section=family, data=shown, actor=None, version=family.version)
    assert again.data["members"][0]["id_number_cipher"] == spouse["id_number_cipher"]
    shown["members"][0]["id_number"] = "110101********9999"  # a masked number that stands for nothing on file
    with pytest.raises(ValidationError, match="enter the full"):
        services.section_save(section=again, data=shown, actor=None, version=again.version)


def test_businesses_keep_the_keys_the_conflict_check_reads(cast):
    file = f.file_open(cast.members["a1"])
    matters = f.section(file, SectionKind.PERSONAL_MATTERS)
    data = {"businesses": [{"relation": "spouse", "person": "赵敏", "company": "青莲建材有限公司",
                            "credit_code": "91110000MA01234567", "role": "owner"}]}  # fmt: skip
    matters = services.section_save(section=matters, data=data, actor=None, version=matters.version)
    (row,) = matters.data["businesses"]
    assert {key: row[key] for key in ("company", "credit_code", "person", "relation")} == {
        "company": "青莲建材有限公司", "credit_code": "91110000MA01234567", "person": "赵敏", "relation": "spouse"
    }  # fmt: skip


def test_submitting_checks_the_content_again(cast, in_english):
    file = f.file_open(cast.members["a1"])
    basics = f.section(file, SectionKind.BASICS)
    basics.data = {**basics.data, "post": ""}  # e.g. the register had no post
    basics.save(update_fields=["data"])
    with pytest.raises(ValidationError) as exc:
        services.section_submit(section=basics, version=basics.version, actor=cast.member)
    assert "fill in “post”" in _messages(exc)["post"][0]


# --- named reviewers ---------------------------------------------------------------------------------------


def test_a_named_reviewer_reads_until_the_grant_ends_or_is_revoked(cast, in_english):
    a1 = f.cadre(cast.members["a1"])
    reader = f.plain_user("zuzhibu")
    assert not services.file_can_read(reader, a1)
    grant = f.reviewer(a1, reader, by=cast.inspector, days=0)
    assert services.file_can_read(reader, a1)
    assert Notification.objects.filter(user=reader, kind="risks.reviewer_grant").exists()
    with pytest.raises(ValidationError, match="named reviewer of 张伟's file already"):
        f.reviewer(a1, reader, by=cast.inspector)
    services.reviewer_revoke(reviewer=grant, actor=cast.inspector)
    assert not services.file_can_read(reader, a1)
    with pytest.raises(ValidationError, match="revoked already"):
        services.reviewer_revoke(reviewer=grant, actor=cast.inspector)
    expired = f.reviewer(a1, reader, by=cast.inspector, days=1)
    expired.expires_on = timezone.localdate() - timedelta(days=1)
    expired.save(update_fields=["expires_on"])
    assert not services.file_can_read(reader, a1)


def test_only_discipline_inspection_names_reviewers_and_with_a_reason(cast, in_english):
    a1 = f.cadre(cast.members["a1"])
    with pytest.raises(PermissionDenied):
        services.reviewer_grant(member=a1, user=cast.office, reason="考察", expires_on=None, actor=cast.secretary)
    with pytest.raises(ValidationError) as exc:
        services.reviewer_grant(member=a1, user=cast.office, reason=" ", expires_on=None, actor=cast.inspector)
    assert "reason" in _messages(exc)
    with pytest.raises(ValidationError) as exc:
        services.reviewer_grant(member=a1, user=cast.member, reason="x", expires_on=None, actor=cast.inspector)
    assert "own file" in _messages(exc)["user"][0]
    past = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError, match="in the past"):
        services.reviewer_grant(member=a1, user=cast.office, reason="考察", expires_on=past, actor=cast.inspector)


# --- facts from other modules ------------------------------------------------------------------------------


def test_facts_are_grouped_by_topic_and_a_topic_nobody_keeps_says_so(cast, in_english, without_discipline):
    from qinglian.orglife.tests.factories import talk_make

    a1 = f.cadre(cast.members["a1"])
    talk_make(cast.tree.branch_a, cast.members["a2"], a1, kind="integrity", days=-3)
    talk_make(cast.tree.branch_a, a1, cast.members["a2"], kind="reminder", days=-2)  # held, not received
    groups = {g.topic: g for g in services.file_facts(a1, YEAR)}
    assert [g.topic for g in services.file_facts(a1, YEAR)] == [
        "talks",
        "appraisal",
        "assessment",
        "clues",
        "sanctions",
    ]
    (talk,) = groups["talks"].facts
    assert talk.title == "Integrity talk" and "李娜" in talk.detail
    assert groups["appraisal"].recorded and groups["appraisal"].facts == []
    assert groups["assessment"].recorded
    assert not groups["clues"].recorded and not groups["sanctions"].recorded  # no discipline module yet
    assert services.file_facts(a1, YEAR - 3)[0].facts == []


def test_orglife_supplies_the_appraisal_grade_of_the_year(cast, in_english):
    from qinglian.orglife.models import AppraisalEntry
    from qinglian.orglife.tests.factories import appraisal_round_at

    a1 = f.cadre(cast.members["a1"])
    appraisal_round_at(cast.tree.branch_a, "notified", grade="合格")
    assert AppraisalEntry.objects.filter(member=a1, final_grade="合格").exists()
    (fact,) = [x for x in registry.person_facts_of(a1, YEAR) if x.topic == "appraisal"]
    assert fact.title == f"Democratic appraisal {YEAR}: Qualified" and fact.detail == "第一党支部"
    assert [x for x in registry.person_facts_of(a1, YEAR - 1) if x.topic == "appraisal"] == []


def test_duties_supplies_the_assessment_of_the_units_on_whose_committee_the_member_sat(cast, in_english):
    from qinglian.duties.tests.factories import dash_result, dash_round, lists_post

    a1, b1 = f.cadre(cast.members["a1"]), f.cadre(cast.members["b1"])
    lists_post(cast.tree.branch_a, a1, "书记")
    the_round = dash_round(cast.tree.gb, year=YEAR)
    dash_result(the_round, cast.tree.branch_a, total=92.5, grade="优秀")
    dash_result(the_round, cast.tree.branch_b, total=70, grade="合格")
    facts = [x for x in registry.person_facts_of(a1, YEAR) if x.topic == "assessment"]
    assert [x.title for x in facts] == [f"第一党支部 in {YEAR}: 优秀, 92.5 points"]
    assert "Secretary" in facts[0].detail
    assert [x for x in registry.person_facts_of(b1, YEAR) if x.topic == "assessment"] == []  # no seat in branch_b
    assert [x for x in registry.person_facts_of(a1, YEAR - 1) if x.topic == "assessment"] == []


# --- to-dos and the indicator ------------------------------------------------------------------------------


def test_to_dos_of_the_cadre_and_of_discipline_inspection(cast, in_english):
    file = f.file_open(cast.members["a1"])
    gifts = f.submitted(file, SectionKind.GIFTS)
    titles = [t.title for t in services.file_todos(cast.member)]
    assert titles == [f"Integrity file {YEAR}: 6 sections to fill in and submit"]
    assert [t.title for t in services.file_todos(cast.inspector)] == [
        f"Review 张伟's integrity file {YEAR}: 1 section submitted"
    ]
    services.section_return(section=gifts, version=gifts.version, reason="补充价值", actor=cast.inspector)
    titles = [t.title for t in services.file_todos(cast.member)]
    assert f"Integrity file {YEAR}: “Gifts and cash handed in” was returned — 补充价值" in titles
    assert services.file_todos(cast.inspector) == [] and services.file_todos(cast.secretary) == []


def test_the_indicator_counts_cadres_whose_every_section_is_handed_in(cast):
    rate = registry.indicators["risks.files_submitted_rate"]
    tree = cast.tree
    assert rate(orgs=[tree.root], year=YEAR) == {tree.root.pk: None}
    done, half = f.file_open(cast.members["a1"]), f.file_open(cast.members["b1"])
    f.cadre(cast.members["c1"])  # no file
    for kind in SectionKind.values:
        f.submitted(done, kind, POSTS if kind == SectionKind.POSTS else None)
    f.submitted(half, SectionKind.GIFTS)
    values = rate(orgs=[tree.root, tree.branch_a, tree.branch_b, tree.branch_c], year=YEAR)
    assert values == {tree.root.pk: 1 / 3, tree.branch_a.pk: 1.0, tree.branch_b.pk: 0.0, tree.branch_c.pk: 0.0}
    yesterday = timezone.localdate() - timedelta(days=1)
    assert rate(orgs=[tree.branch_a], year=YEAR, on=yesterday) == {tree.branch_a.pk: 0.0}
