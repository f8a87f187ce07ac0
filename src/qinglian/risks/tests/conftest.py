"""Fixtures shared by the risks tests."""

from __future__ import annotations

import pytest

from qinglian.core.registry import FACT_CLUES, FACT_SANCTIONS, registry


@pytest.fixture
def without_discipline():
    """As an installation without discipline inspection: no module keeps clues or sanctions, so a file and a reply
    say "not recorded in this system" for them (the providers are put back afterwards)."""
    unkept = {FACT_CLUES, FACT_SANCTIONS}
    removed = [
        (order, fn, registry.person_fact_topics[fn])
        for order, fn in list(registry.person_facts)
        if unkept & set(registry.person_fact_topics.get(fn, ()))
    ]
    for _order, fn, _topics in removed:
        registry.remove_person_facts(fn)
    yield
    for order, fn, topics in removed:
        registry.add_person_facts(order, fn, topics=topics)
