"""Rectification items as records another module may point at (core.links): the integrity-risk register links
the items found at a risk point as incidents. Offered to those who read the unit's items, and to their owners."""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse

from qinglian.core.registry import RecordRef
from qinglian.rectification.models import Item

ITEM = "rectification.item"


def _items(user):
    return Item.objects.visible_to(user).select_related("organisation")


def item_ref(item: Item) -> RecordRef:
    unit = item.organisation.display_name
    return RecordRef(
        kind=ITEM,
        id=item.pk,
        label=f"{item.created_on:%Y-%m-%d} · {unit} · {item.get_source_display()} · {item.problem[:50]}",
        url=reverse("rectification:item_detail", args=[item.pk]),
        day=item.created_on,
        unit=unit,
    )


def item_search(user, text: str, limit: int) -> list[RecordRef]:
    items = _items(user)
    if text:
        items = items.filter(
            Q(problem__icontains=text) | Q(source_title__icontains=text) | Q(organisation__name__icontains=text)
        )
    return [item_ref(item) for item in items.order_by("-created_on", "-pk")[:limit]]


def item_resolve(user, ids: list[int]) -> dict[int, RecordRef]:
    return {item.pk: item_ref(item) for item in _items(user).filter(pk__in=ids)}
