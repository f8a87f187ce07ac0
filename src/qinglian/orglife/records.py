"""Meetings and talks as records that evidence elsewhere may point at (core.links).

A meeting is offered once it is held (its attendance recorded), to those who read the unit's
meetings; a talk only to those who read the unit's talk records (orglife.talk_view) -- talks are
sensitive, so taking part in one is not enough for it to be linked or shown as someone's evidence.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from qinglian.core.registry import RecordRef
from qinglian.orglife.models import Meeting, Talk
from qinglian.orglife.vocab import MeetingStatus

MEETING = "orglife.meeting"
TALK = "orglife.talk"


def _meetings(user):
    return (
        Meeting.objects.visible_to(user)
        .filter(status=MeetingStatus.HELD)
        .select_related("organisation")
        .only("pk", "title", "kind", "starts_on", "organisation__name", "organisation__short_name")
    )


def meeting_ref(meeting: Meeting) -> RecordRef:
    unit = meeting.organisation.display_name
    return RecordRef(
        kind=MEETING,
        id=meeting.pk,
        label=f"{meeting.starts_on:%Y-%m-%d} · {unit} · {meeting.get_kind_display()} · {meeting.title}",
        url=reverse("orglife:meeting_detail", args=[meeting.pk]),
        day=meeting.starts_on,
        unit=unit,
    )


def meeting_search(user, text: str, limit: int) -> list[RecordRef]:
    meetings = _meetings(user)
    if text:
        meetings = meetings.filter(
            Q(title__icontains=text)
            | Q(organisation__name__icontains=text)
            | Q(organisation__short_name__icontains=text)
        )
    return [meeting_ref(m) for m in meetings.order_by("-starts_on", "-pk")[:limit]]


def meeting_resolve(user, ids: list[int]) -> dict[int, RecordRef]:
    return {m.pk: meeting_ref(m) for m in _meetings(user).filter(pk__in=ids)}


def _talks(user):
    return Talk.objects.visible_to(user).select_related("organisation", "initiator", "counterpart")


def talk_ref(talk: Talk) -> RecordRef:
    unit = talk.organisation.display_name
    return RecordRef(
        kind=TALK,
        id=talk.pk,
        label=f"{talk.talked_on:%Y-%m-%d} · {unit} · {talk.get_kind_display()} · "
        f"{talk.initiator.name} — {talk.counterpart.name}",
        url=reverse("orglife:talk_detail", args=[talk.pk]),
        day=talk.talked_on,
        unit=unit,
    )


def talk_search(user, text: str, limit: int) -> list[RecordRef]:
    talks = _talks(user)
    if text:
        pinyin = text.lower()
        talks = talks.filter(
            Q(initiator__name__icontains=text)
            | Q(counterpart__name__icontains=text)
            | Q(initiator__name_pinyin__icontains=pinyin)
            | Q(counterpart__name_pinyin__icontains=pinyin)
            | Q(organisation__name__icontains=text)
        )
    return [talk_ref(t) for t in talks.order_by("-talked_on", "-pk")[:limit]]


def talk_resolve(user, ids: list[int]) -> dict[int, RecordRef]:
    return {t.pk: talk_ref(t) for t in _talks(user).filter(pk__in=ids)}
