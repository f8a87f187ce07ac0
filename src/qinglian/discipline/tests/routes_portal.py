"""The reporting portal: rows of the route table.

The portal is public: anyone reaches its pages without logging in, and a logged-in member may use it too. The page
of a report answers 200 without the reporter's cookie as well, asking for the receipt code (test_portal_pages checks
that it shows nothing of any report then).
"""

from __future__ import annotations

from qinglian.core.tests.web import Route


def world_extend(world) -> None:
    """The portal's pages take no ids: nothing to add."""


ROUTES = [
    Route("portal:report", public=True, allowed="member"),
    Route("portal:follow_up", public=True, allowed="member"),
    Route("portal:thread", public=True, allowed="member"),
]
