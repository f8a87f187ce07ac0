"""Periodic reviews of risk points as records that evidence elsewhere may point at (core.links).

A rectification item opened by a review points back at it ("risks.review"); other modules' evidence may too.
A review is offered to those who read the register at the point's unit (risks.view).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from qinglian.core.registry import RecordKind, RecordRef, registry
from qinglian.risks.models import RiskReview
from qinglian.risks.services.register import REVIEW_RECORD_KIND, VIEW, point_url


def _reviews(user):
    return (
        RiskReview.objects.visible_to(user, VIEW)
        .select_related("point__organisation")
        .only(
            "pk",
            "reviewed_on",
            "level_after",
            "point__id",
            "point__title",
            "point__organisation__name",
            "point__organisation__short_name",
        )
    )


def review_ref(review: RiskReview) -> RecordRef:
    unit = review.point.organisation.display_name
    return RecordRef(
        kind=REVIEW_RECORD_KIND,
        id=review.pk,
        label=f"{review.reviewed_on:%Y-%m-%d} · {unit} · {review.point.title}",
        url=point_url(review.point, "reviews"),
        day=review.reviewed_on,
        unit=unit,
    )


def review_search(user, text: str, limit: int) -> list[RecordRef]:
    reviews = _reviews(user)
    if text:
        reviews = reviews.filter(
            Q(point__title__icontains=text)
            | Q(point__organisation__name__icontains=text)
            | Q(point__organisation__short_name__icontains=text)
        )
    return [review_ref(r) for r in reviews.order_by("-reviewed_on", "-pk")[:limit]]


def review_resolve(user, ids: list[int]) -> dict[int, RecordRef]:
    return {r.pk: review_ref(r) for r in _reviews(user).filter(pk__in=ids)}


def register() -> None:
    registry.add_record_kind(
        RecordKind(REVIEW_RECORD_KIND, _("Integrity-risk review"), review_search, review_resolve, order=60)
    )
