"""Evidence that points at records in other modules: who may find, link and read which records."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from qinglian.core.forms import EvidenceForm
from qinglian.core.links import (
    evidence_pairs,
    evidence_values,
    record_check,
    record_kinds,
    record_search,
    records_resolve,
)
from qinglian.core.tests.web import count_queries, is_login_redirect

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _png(name="现场照片.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture
def records(cast):
    """Held meetings, a scheduled one, talks and study sessions in branch_a and branch_b."""
    from qinglian.orglife.tests.factories import attend_all, meeting_make, talk_make
    from qinglian.orglife.vocab import MeetingKind
    from qinglian.orgs.services import member_create
    from qinglian.study.services import hours as study

    tree = cast.tree
    meeting_a = attend_all(meeting_make(tree.branch_a, kind=MeetingKind.COMMITTEE_MEETING, title="一支部整改专题会"))
    meeting_b = attend_all(meeting_make(tree.branch_b, title="二支部整改专题会"))
    planned_a = meeting_make(tree.branch_a, title="一支部下月计划会", days=10)
    a2 = cast.members["a2"]
    talk_a = talk_make(tree.branch_a, cast.members["a1"], a2)
    b2 = member_create(organisation=tree.branch_b, name="赵磊", gender="M", actor=None)
    talk_b = talk_make(tree.branch_b, cast.members["b1"], b2)
    today = timezone.localdate()
    session_a = study.session_create(org=tree.branch_a, title="一支部集中学习", held_on=today, hours=2, actor=None)
    session_b = study.session_create(org=tree.branch_b, title="二支部集中学习", held_on=today, hours=2, actor=None)
    return SimpleNamespace(
        meeting_a=meeting_a,
        meeting_b=meeting_b,
        planned_a=planned_a,
        talk_a=talk_a,
        talk_b=talk_b,
        session_a=session_a,
        session_b=session_b,
    )


def _ids(refs):
    return {ref.id for ref in refs}


def test_the_modules_register_their_kinds(db):
    keys = [kind.key for kind in record_kinds()]
    assert keys[:3] == ["orglife.meeting", "study.session", "orglife.talk"]


# --- who finds and links what ---------------------------------------------------------------------------


def test_a_held_meeting_is_found_and_linked_by_its_units_readers_only(cast, records):
    found = record_search(cast.secretary, "orglife.meeting", "整改")
    assert _ids(found) == {records.meeting_a.pk}
    ref = found[0]
    assert ref.label.startswith(f"{records.meeting_a.starts_on:%Y-%m-%d} · 第一党支部 · ")
    assert ref.label.endswith(" · 一支部整改专题会")
    assert ref.url == reverse("orglife:meeting_detail", args=[records.meeting_a.pk])
    assert ref.day == records.meeting_a.starts_on
    assert record_check(cast.secretary, "orglife.meeting", records.meeting_a.pk) == ref
    # Another unit's meeting: not listed, not linkable, not shown.
    with pytest.raises(ValidationError) as refused:
        record_check(cast.secretary, "orglife.meeting", records.meeting_b.pk)
    assert "record_id" in refused.value.error_dict
    resolved = records_resolve(cast.secretary, [("orglife.meeting", records.meeting_b.pk)])
    assert resolved == {("orglife.meeting", records.meeting_b.pk): None}
    assert _ids(record_search(cast.secretary_b, "orglife.meeting", "整改")) == {records.meeting_b.pk}
    assert _ids(record_search(cast.office, "orglife.meeting", "整改")) == {records.meeting_a.pk, records.meeting_b.pk}
    assert record_search(cast.outsider, "orglife.meeting", "") == []


def test_a_meeting_not_yet_held_is_not_offered(cast, records):
    assert records.planned_a.pk not in _ids(record_search(cast.secretary, "orglife.meeting", ""))
    with pytest.raises(ValidationError):
        record_check(cast.secretary, "orglife.meeting", records.planned_a.pk)


def test_meetings_are_found_by_unit_name_most_recent_first_and_at_most_limit(cast, records):
    from qinglian.orglife.tests.factories import attend_all, meeting_make

    older = attend_all(meeting_make(cast.tree.branch_a, title="一支部旧会", days=-40))
    found = record_search(cast.secretary, "orglife.meeting", "第一党支部")
    assert [ref.id for ref in found] == [records.meeting_a.pk, older.pk]
    assert len(record_search(cast.secretary, "orglife.meeting", "", limit=1)) == 1


def test_talks_are_for_those_who_read_talk_records_only(cast, records):
    key = "orglife.talk"
    assert _ids(record_search(cast.secretary, key, "")) == {records.talk_a.pk}
    assert record_check(cast.secretary, key, records.talk_a.pk).label.endswith("张伟 — 李娜")
    # The propaganda commissioner reads branch_a's meetings but not its talks; member 张伟 took part in the talk.
    assert _ids(record_search(cast.propagandist, "orglife.meeting", "整改")) == {records.meeting_a.pk}
    for user in (cast.propagandist, cast.member):
        assert record_search(user, key, "") == []
        assert record_search(user, key, "张伟") == []
        with pytest.raises(ValidationError):
            record_check(user, key, records.talk_a.pk)
        assert records_resolve(user, [(key, records.talk_a.pk)]) == {(key, records.talk_a.pk): None}
    assert _ids(record_search(cast.secretary, key, "zhang")) == {records.talk_a.pk}
    assert records_resolve(cast.secretary, [(key, records.talk_b.pk)]) == {(key, records.talk_b.pk): None}


def test_study_sessions_are_for_their_units_readers(cast, records):
    key = "study.session"
    found = record_search(cast.secretary, key, "学习")
    assert _ids(found) == {records.session_a.pk}
    assert found[0].url == reverse("study:session_detail", args=[records.session_a.pk])
    assert " · 第一党支部 · " in found[0].label and found[0].label.endswith(" · 一支部集中学习")
    with pytest.raises(ValidationError):
        record_check(cast.secretary, key, records.session_b.pk)
    assert _ids(record_search(cast.secretary_b, key, "")) == {records.session_b.pk}


def test_an_unknown_kind_or_a_removed_record_is_refused_and_shown_as_unavailable(cast, records):
    with pytest.raises(ValidationError) as refused:
        record_check(cast.secretary, "nowhere.record", 1)
    assert "record_kind" in refused.value.error_dict
    with pytest.raises(ValidationError):
        record_search(cast.secretary, "nowhere.record", "")
    assert records_resolve(cast.secretary, [("nowhere.record", 1), ("orglife.meeting", 999999)]) == {
        ("nowhere.record", 1): None,
        ("orglife.meeting", 999999): None,
    }


def test_search_and_resolve_take_the_same_queries_however_many_records(cast, records):
    from qinglian.orglife.tests.factories import attend_all, meeting_make

    def search():
        return record_search(cast.secretary, "orglife.meeting", "")

    def resolve(pairs):
        return lambda: records_resolve(cast.secretary, pairs)

    pairs = [("orglife.meeting", records.meeting_a.pk), ("study.session", records.session_a.pk)]
    search(), resolve(pairs)()  # the user's roles are read once and kept
    few_search, few_resolve = count_queries(search), count_queries(resolve(pairs))
    for days in range(-20, -15):
        meeting = attend_all(meeting_make(cast.tree.branch_a, title=f"一支部会议{days}", days=days))
        pairs.append(("orglife.meeting", meeting.pk))
    pairs.append(("orglife.talk", records.talk_a.pk))
    assert len(search()) == 6
    assert count_queries(search) == few_search
    assert count_queries(resolve(pairs)) <= few_resolve + 1  # the talk kind's one query


# --- the values a module stores -------------------------------------------------------------------------


def test_evidence_values_for_a_file(cast, db):
    values = evidence_values(cast.secretary, file=_png(), note="  整改后的现场 ")
    assert values == {
        "note": "整改后的现场",
        "name": "现场照片.png",
        "size": len(PNG),
        "content_type": "image/png",
        "record_kind": "",
        "record_id": None,
    }


def test_evidence_values_refuse_a_file_of_another_type(cast, db, in_english):
    script = SimpleUploadedFile("run.exe", b"MZ\x90\x00" + b"\x00" * 60)
    with pytest.raises(ValidationError) as refused:
        evidence_values(cast.secretary, file=script)
    assert "is not a photo" in refused.value.message_dict["file"][0]
    with pytest.raises(ValidationError):
        evidence_values(cast.secretary, file=SimpleUploadedFile("empty.pdf", b""))


def test_evidence_values_for_a_record(cast, records, in_english):
    values = evidence_values(cast.secretary, record_kind="orglife.meeting", record_id=records.meeting_a.pk)
    assert values == {
        "note": "",  # never a copy of the label, which readers who may not see the record would read
        "name": "",
        "size": 0,
        "content_type": "",
        "record_kind": "orglife.meeting",
        "record_id": records.meeting_a.pk,
    }
    with pytest.raises(ValidationError) as refused:
        evidence_values(cast.secretary, record_kind="orglife.meeting", record_id=records.meeting_b.pk)
    assert refused.value.message_dict == {"record_id": ["No such record, or you may not see it."]}
    with pytest.raises(ValidationError, match="either a file or a record"):
        evidence_values(cast.secretary, file=_png(), record_kind="orglife.meeting", record_id=records.meeting_a.pk)
    with pytest.raises(ValidationError, match="Upload a file or choose a record"):
        evidence_values(cast.secretary)


# --- the form ---------------------------------------------------------------------------------------------


def _form(user, data=None, file=None):
    return EvidenceForm(data or {}, {"file": file} if file else {}, user=user)


def test_the_form_takes_a_file_and_hands_it_to_evidence_values(cast, db):
    form = _form(cast.secretary, {"note": "照片", "record_kind": "orglife.meeting"}, _png())
    assert form.is_valid(), form.errors
    kwargs = form.evidence_kwargs()
    assert kwargs["record_kind"] == "" and kwargs["record_id"] is None and kwargs["note"] == "照片"
    assert evidence_values(cast.secretary, **kwargs)["content_type"] == "image/png"


def test_the_form_takes_a_record_the_user_may_see(cast, records):
    form = _form(cast.secretary, {"record_kind": "orglife.meeting", "record_id": records.meeting_a.pk})
    assert form.is_valid(), form.errors
    assert form.picked[0].id == records.meeting_a.pk
    kwargs = form.evidence_kwargs()
    assert kwargs == {"file": None, "record_kind": "orglife.meeting", "record_id": records.meeting_a.pk, "note": ""}
    assert evidence_values(cast.secretary, **kwargs)["record_id"] == records.meeting_a.pk


@pytest.mark.parametrize(
    ("case", "field", "message"),
    [
        ("both", None, "Give either a file or a record, not both."),
        ("neither", None, "Upload a file or choose a record already in the system."),
        ("kind only", "record_id", "Choose one of the records found."),
        ("id only", "record_kind", "Choose the kind of record."),
        ("not theirs", "record_id", "No such record, or you may not see it."),
        ("unknown kind", "record_kind", "Select a valid choice."),
        ("bad file", "file", "is not a photo"),
    ],
)
def test_the_form_puts_each_refusal_beside_its_field(case, field, message, cast, records, in_english):
    meeting_a, meeting_b = records.meeting_a.pk, records.meeting_b.pk
    data, file = {
        "both": ({"record_kind": "orglife.meeting", "record_id": meeting_a}, _png()),
        "neither": ({"note": "说明"}, None),
        "kind only": ({"record_kind": "orglife.meeting"}, None),
        "id only": ({"record_id": meeting_a}, None),
        "not theirs": ({"record_kind": "orglife.meeting", "record_id": meeting_b}, None),
        "unknown kind": ({"record_kind": "nowhere.record", "record_id": 1}, None),
        "bad file": ({}, SimpleUploadedFile("a.txt", b"plain text")),
    }[case]
    form = _form(cast.secretary, data, file)
    assert not form.is_valid()
    errors = form.errors.get(field or "__all__")
    assert errors and message in errors[0], form.errors
    assert form.data.get("note", "") == data.get("note", "")  # what was typed comes back


# --- the search view and the partials -------------------------------------------------------------------


def test_the_search_view_needs_a_login_and_lists_only_what_the_user_may_see(client, cast, records):
    url = reverse("core:record_pick")
    assert is_login_redirect(client.get(url, {"record_kind": "orglife.meeting"}))
    client.force_login(cast.secretary)
    response = client.get(url, {"record_kind": "orglife.meeting", "record_q": "整改", "field": "ev-record_id"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "一支部整改专题会" in html and "二支部整改专题会" not in html
    assert 'name="ev-record_id"' in html and f'value="{records.meeting_a.pk}"' in html
    # A prefixed form's fields are read too.
    html = client.get(url, {"ev-record_kind": "study.session", "ev-record_q": "学习"}).content.decode()
    assert "一支部集中学习" in html and "二支部集中学习" not in html
    assert client.get(url, {"record_kind": "nowhere.record"}).status_code == 404
    response = client.get(url)
    assert response.status_code == 200 and "form-check" not in response.content.decode()
    client.force_login(cast.propagandist)
    assert str(records.talk_a.initiator) not in client.get(url, {"record_kind": "orglife.talk"}).content.decode()


def test_the_evidence_list_shows_files_records_and_what_the_reader_may_not_see(cast, records):
    rows = [
        SimpleNamespace(pk=1, record_kind="", record_id=None, name="整改照片.png", size=2048, note="现场"),
        SimpleNamespace(pk=2, record_kind="orglife.meeting", record_id=records.meeting_a.pk, name="", size=0, note=""),
        SimpleNamespace(pk=3, record_kind="orglife.meeting", record_id=records.meeting_b.pk, name="", size=0, note=""),
    ]
    pairs = evidence_pairs(cast.secretary, rows)
    assert [ref is not None for _row, ref in pairs] == [False, True, False]
    html = render_to_string("core/partials/evidence_list.html", {"pairs": pairs, "file_url": "core:notification_open"})
    assert reverse("core:notification_open", args=[1]) in html and "整改照片.png" in html
    assert reverse("orglife:meeting_detail", args=[records.meeting_a.pk]) in html and "一支部整改专题会" in html
    assert "二支部整改专题会" not in html
    assert "Record not available to you" in html or "记录" in html


def test_the_evidence_form_renders_the_picker_and_keeps_the_chosen_record(cast, records):
    form = _form(cast.secretary, {"record_kind": "orglife.meeting", "record_id": records.meeting_a.pk, "note": "x"})
    form.is_valid()
    request = RequestFactory().get("/")
    request.user = cast.secretary
    html = render_to_string("core/partials/evidence_form.html", {"form": form, "action": "/here/"}, request)
    assert 'enctype="multipart/form-data"' in html and 'action="/here/"' in html
    assert reverse("core:record_pick") in html
    assert f'value="{records.meeting_a.pk}" checked' in html
    assert '<option value="orglife.meeting" selected>' in html
    assert "<noscript>" in html


def test_a_long_note_is_refused_beside_the_note(cast, db):
    form = _form(cast.secretary, {"note": "长" * 301}, _png())
    assert not form.is_valid() and list(form.errors) == ["note"]


def test_a_modules_own_fields_come_along_in_the_evidence_form(cast, db):
    from django import forms

    class ScoreEvidenceForm(EvidenceForm):
        version = forms.IntegerField(widget=forms.HiddenInput)
        counts = forms.BooleanField(label="计入得分", required=False)

    form = ScoreEvidenceForm(initial={"version": 3}, user=cast.secretary)
    assert [field.name for field in form.extra_fields] == ["counts"]
    request = RequestFactory().get("/")
    request.user = cast.secretary
    html = render_to_string("core/partials/evidence_form.html", {"form": form, "box": "score"}, request)
    assert 'name="version" value="3"' in html and "计入得分" in html
    assert 'id="score-kind"' in html and 'hx-include="#score-kind, #score-q"' in html
