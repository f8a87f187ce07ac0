"""Periodic reviews as records other modules' evidence may point at (core.links): found and shown only to those who
read the register at the point's unit."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from qinglian.core.links import record_check, record_kinds, record_search, records_resolve
from qinglian.risks.services.follow_up import review_record
from qinglian.risks.tests.factories_register import day, point_approved, round_make

KIND = "risks.review"


@pytest.fixture
def reviews(cast):
    round_make(cast.tree.root)
    mine = point_approved(cast, title="资金支付审核不严")
    theirs = point_approved(cast, title="第二支部的采购风险", org=cast.tree.branch_b)

    def review(point, actor):
        return review_record(point=point, reviewed_on=day(), measures_effective=True, conclusion="措施有效",
                             level_after=2, actor=actor)  # fmt: skip

    return review(mine, cast.secretary), review(theirs, cast.secretary_b)


def test_the_kind_is_offered(db):
    assert KIND in {kind.key for kind in record_kinds()}


def test_search_finds_only_the_reviews_a_user_may_see(cast, reviews):
    mine, theirs = reviews
    assert [ref.id for ref in record_search(cast.secretary, KIND)] == [mine.pk]
    assert {ref.id for ref in record_search(cast.office, KIND)} == {mine.pk, theirs.pk}
    assert [ref.id for ref in record_search(cast.office, KIND, "采购")] == [theirs.pk]
    assert [ref.id for ref in record_search(cast.office, KIND, "第二党支部")] == [theirs.pk]
    assert record_search(cast.member, KIND) == []
    assert record_search(cast.outsider, KIND) == []
    ref = record_search(cast.secretary, KIND)[0]
    assert "资金支付审核不严" in ref.label and ref.url.endswith("#reviews") and ref.day == day()


def test_resolve_hides_what_the_reader_may_not_see(cast, reviews):
    mine, theirs = reviews
    found = records_resolve(cast.secretary, [(KIND, mine.pk), (KIND, theirs.pk)])
    assert found[(KIND, mine.pk)].label.endswith("资金支付审核不严")
    assert found[(KIND, theirs.pk)] is None
    assert record_check(cast.secretary_b, KIND, theirs.pk).id == theirs.pk
    with pytest.raises(ValidationError):
        record_check(cast.secretary_b, KIND, mine.pk)
