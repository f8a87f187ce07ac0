"""Rectification items as records other modules link to: found and resolved only for those who may read them."""

from __future__ import annotations

from qinglian.core.links import record_kinds, record_search, records_resolve
from qinglian.rectification.records import ITEM
from qinglian.rectification.tests.factories import item_make


def test_an_item_is_found_by_its_units_readers_and_its_owner_only(cast):
    item_a = item_make(cast, problem="专家抽取信息保密不严")
    item_b = item_make(cast, org=cast.tree.branch_b, owner=cast.members["b1"], problem="专家抽取记录不全")
    assert ITEM in {kind.key for kind in record_kinds()}
    found = record_search(cast.secretary, ITEM, "专家抽取")
    assert [ref.id for ref in found] == [item_a.pk]
    assert found[0].label.endswith("专家抽取信息保密不严") and found[0].url.endswith(f"/{item_a.pk}/")
    assert {ref.id for ref in record_search(cast.office, ITEM, "专家")} == {item_a.pk, item_b.pk}
    assert [ref.id for ref in record_search(cast.member, ITEM, "")] == [item_a.pk]  # a1 owns it
    assert record_search(cast.outsider, ITEM, "") == []
    resolved = records_resolve(cast.secretary, [(ITEM, item_a.pk), (ITEM, item_b.pk)])
    assert resolved[(ITEM, item_a.pk)].id == item_a.pk and resolved[(ITEM, item_b.pk)] is None
