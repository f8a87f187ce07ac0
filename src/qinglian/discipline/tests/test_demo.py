"""The demo's discipline inspection: every channel and disposal state, the cases and sanctions, the repeated report,
need-to-know between the two inspectors, the printed receipt code, and four-forms statistics that match a hand
count of the story in demo_data."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from qinglian.discipline import demo, demo_data
from qinglian.discipline.models import Case, Clue, Outcome, Report
from qinglian.discipline.services import portal, stats
from qinglian.discipline.vocab import CaseStage, ClueStatus, Source
from qinglian.orgs import demo as orgs_demo


@pytest.fixture
def loaded(db):
    orgs_demo.load(members=120)
    return demo.load()


def _user(name):
    return get_user_model().objects.get(username=name)


def _clues_come_from_every_channel_and_stand_in_every_disposal_state(loaded):
    assert loaded["loaded"] and loaded["clues"] == len(demo_data.CLUES)
    assert set(Clue.objects.values_list("source", flat=True)) == set(Source.values)
    assert set(Clue.objects.values_list("status", flat=True)) == {
        ClueStatus.REGISTERED,
        ClueStatus.PROPOSED,
        ClueStatus.TALK_INQUIRY,
        ClueStatus.VERIFYING,
        ClueStatus.SHELVED,
        ClueStatus.CASE,
        ClueStatus.REFERRED,
        ClueStatus.CLOSED,
        ClueStatus.REPEATED,
    }
    assert demo.load()["loaded"] is False


def _two_cases_closed_with_sanctions_and_one_open_transferred_to_judicial_organs(loaded):
    closed = Case.objects.filter(stage=CaseStage.CLOSED)
    assert closed.count() == 2
    for case in closed:
        families = set(case.outcomes.values_list("family", flat=True))
        assert {"party", "admin"} <= families
        assert all(o.effect_ends_on for o in case.outcomes.all())
    open_case = Case.objects.exclude(stage=CaseStage.CLOSED).get()
    assert open_case.judicial_transfer_on and open_case.outcomes.filter(form=4).exists()
    assert Outcome.objects.filter(rectification_item__isnull=False).exists()


def _the_repeated_report_is_linked_to_the_first_and_not_counted_again(loaded):
    repeat = Clue.objects.get(status=ClueStatus.REPEATED)
    first = next(e for e in demo_data.CLUES if e["key"] == "portal_repeat_original")
    assert repeat.repeat_of.summary == first["summary"]
    assert repeat.similarity and repeat.similarity > 0.5
    assert not repeat.outcomes.exists()


def _each_inspector_sees_only_the_clues_they_handle_and_the_head_sees_all(loaded):
    inspector, jijian, jiwei = _user("inspector"), _user("jijian"), _user("jiwei")
    everything = Clue.objects.count()
    assert Clue.objects.visible_to(jiwei).count() == everything
    mine, theirs = Clue.objects.visible_to(inspector), Clue.objects.visible_to(jijian)
    assert mine.count() + theirs.count() == everything and not set(mine) & set(theirs)
    assert Clue.objects.visible_to(_user("admin")).count() == 0


def _the_printed_receipt_code_opens_the_new_anonymous_report(loaded):
    report = portal.receipt_lookup(demo.DEMO_RECEIPT, None)
    assert report.is_anonymous and report.status == "new" and not Clue.objects.filter(report=report).exists()
    assert Report.objects.filter(status="not_accepted").count() == 1
    assert any("/report/" in note for note in loaded["notes"])


def _real_name_reporters_are_sealed_not_stored_in_clear(loaded):
    named = [e["identity"]["name"] for e in demo_data.CLUES + demo_data.PORTAL_INBOX if "identity" in e]
    rows = list(Report.objects.values_list("identity_sealed", "text")) + list(
        Clue.objects.values_list("identity_sealed", "summary")
    )
    assert named and not any(name in value for name in named for row in rows for value in row)
    assert Clue.objects.filter(is_anonymous=False).count() >= 2


def _the_four_forms_statistics_match_a_hand_count_of_the_story(loaded):
    """Hand count from demo_data.CLUES: 谈话提醒, 诫勉, 批评教育 (first form); case A's serious warning with a
    demerit — one person, counted once under the second form; case B's removal with demotion — once, third form;
    case C transferred to judicial organs — fourth form. 了结澄清 and 予以了结 count under no form; the repeat
    adds nothing."""
    flt = stats.Filters(date_from=date(2020, 1, 1), date_to=date.today(), period="year", level=1)
    table = stats.statistics(_user("jiwei"), flt)
    assert table.total.counts == [3, 1, 1, 1]
    assert table.total.total == 6


def _the_logins_and_the_code_are_given_to_print(loaded):
    """`qinglian demo` prints each loader's logins and notes: the two new logins and the grouped receipt code."""
    assert [row[0] for row in loaded["logins"]] == ["jiwei", "jijian"]
    grouped = " ".join(demo.DEMO_RECEIPT[i : i + 4] for i in range(0, 16, 4))
    assert any(grouped in note for note in loaded["notes"])


# Loading the demo takes a minute: the checks share three loads.
def test_the_story_every_channel_state_case_and_repeat(loaded):
    _clues_come_from_every_channel_and_stand_in_every_disposal_state(loaded)
    _two_cases_closed_with_sanctions_and_one_open_transferred_to_judicial_organs(loaded)
    _the_repeated_report_is_linked_to_the_first_and_not_counted_again(loaded)


def test_need_to_know_sealing_and_the_four_forms_hand_count(loaded):
    _each_inspector_sees_only_the_clues_they_handle_and_the_head_sees_all(loaded)
    _real_name_reporters_are_sealed_not_stored_in_clear(loaded)
    _the_four_forms_statistics_match_a_hand_count_of_the_story(loaded)


def test_the_receipt_code_and_logins_printed_at_start(loaded):
    _the_printed_receipt_code_opens_the_new_anonymous_report(loaded)
    _the_logins_and_the_code_are_given_to_print(loaded)
