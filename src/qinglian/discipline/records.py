"""Clues as records that evidence elsewhere may point at (core.links): a risk point's incident, a rectification item
opened on a clue's finding. A clue resolves only for those who may open it (its handlers, and those who lead
discipline inspection over its unit); for everyone else a link to it shows nothing.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from qinglian.core.registry import RecordKind, RecordRef, registry
from qinglian.discipline.models import Clue

CLUE_RECORD_KIND = "discipline.clue"


def _clues(user):
    return Clue.objects.filter(pk__in=Clue.objects.visible_to(user).values("pk")).select_related("organisation")


def clue_ref(clue: Clue) -> RecordRef:
    return RecordRef(
        kind=CLUE_RECORD_KIND,
        id=clue.pk,
        label=f"{clue.number} · {clue.subject_name} · {clue.get_category_display()}",
        url=reverse("discipline:clue_detail", args=[clue.pk]),
        day=clue.received_on,
        unit=clue.organisation.display_name,
    )


def clue_search(user, text: str, limit: int) -> list[RecordRef]:
    clues = _clues(user)
    if text:
        clues = clues.filter(Q(number__icontains=text) | Q(subject_name__icontains=text))
    return [clue_ref(c) for c in clues.order_by("-received_on", "-pk")[:limit]]


def clue_resolve(user, ids: list[int]) -> dict[int, RecordRef]:
    return {c.pk: clue_ref(c) for c in _clues(user).filter(pk__in=ids)}


def register() -> None:
    registry.add_record_kind(RecordKind(CLUE_RECORD_KIND, _("Problem clue"), clue_search, clue_resolve, order=70))
