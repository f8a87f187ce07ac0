"""What rectification's pages share: parameters and the units a user works in."""

from __future__ import annotations

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
