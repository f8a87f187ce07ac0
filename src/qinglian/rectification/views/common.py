"""What rectification's pages share: parameters and the units a user works in."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone

from qinglian.orgs.models import Organisation

FIRST_YEAR = 2000


def int_param(value) -> int | None:
    """A whole number given as a parameter; None for anything else."""
    return int(value) if value and str(value).isdigit() else None


def year_param(value) -> int | None:
    year = int_param(value)
    return year if year is not None and FIRST_YEAR <= year <= timezone.localdate().year + 1 else None


def units_for(user, root: Organisation, action: str):
    return Organisation.objects.visible_to(user, action).active().subtree(root).order_by("path")


def scope_for(request, action: str) -> Organisation:
    """The unit a scoped page works in: the scope chosen in the top bar, which follows org.view; for a user who holds
    `action` without seeing the register -- the head of discipline inspection follows the items a case opens --
    the topmost unit where they hold it. 404 for a user with neither."""
    if request.scope:
        return request.scope
    unit = Organisation.objects.visible_to(request.user, action).active().order_by("path").first()
    if unit is None:
        raise Http404
    return unit
