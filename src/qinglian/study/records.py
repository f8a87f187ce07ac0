"""Study sessions as records that evidence elsewhere may point at (core.links), for those who read them."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from qinglian.core.registry import RecordRef
from qinglian.study.models import StudySession

SESSION = "study.session"


def _sessions(user):
    return StudySession.objects.visible_to(user).select_related("organisation")


def session_ref(session: StudySession) -> RecordRef:
    unit = session.organisation.display_name
    return RecordRef(
        kind=SESSION,
        id=session.pk,
        label=f"{session.held_on:%Y-%m-%d} · {unit} · {session.get_kind_display()} · {session.title}",
        url=reverse("study:session_detail", args=[session.pk]),
        day=session.held_on,
        unit=unit,
    )


def session_search(user, text: str, limit: int) -> list[RecordRef]:
    sessions = _sessions(user)
    if text:
        sessions = sessions.filter(
            Q(title__icontains=text)
            | Q(organisation__name__icontains=text)
            | Q(organisation__short_name__icontains=text)
        )
    return [session_ref(s) for s in sessions.order_by("-held_on", "-pk")[:limit]]


def session_resolve(user, ids: list[int]) -> dict[int, RecordRef]:
    return {s.pk: session_ref(s) for s in _sessions(user).filter(pk__in=ids)}
