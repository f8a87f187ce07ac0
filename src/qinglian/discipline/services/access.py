"""Who may see what inside the sealed compartment.

A clue is need-to-know: its handlers (ClueHandler rows) and those who lead discipline inspection over the unit that
handles it (discipline.lead there). Holding discipline.handle alone opens nothing: it only makes one assignable.
Intake (discipline.intake) sees the portal's reports until they are registered; afterwards the clue's rules apply.
Everyone else gets 404: the same answer whether the record exists or not.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from qinglian.discipline.permissions import HANDLE, INTAKE, LEAD, RETENTION, STATS
from qinglian.orgs import access

MODULE_PERMISSIONS = (INTAKE, HANDLE, LEAD, STATS, RETENTION)


def in_module(user) -> bool:
    """Whether the user holds any discipline permission at all (the door of the compartment)."""
    return any(access.has_permission(user, code) for code in MODULE_PERMISSIONS)


def require_module(user) -> None:
    if not in_module(user):
        raise Http404(_("No such page."))


def clue_q(user, prefix: str = "") -> Q:
    """A filter matching the clues the user may open (prefix: the path to the clue, e.g. "clue__")."""
    if not getattr(user, "is_authenticated", False) or not in_module(user):
        return Q(pk__in=[])
    lead = Q()
    for grant in access.grants(user):
        if LEAD not in grant.permissions:
            continue
        if grant.subtree:
            lead |= Q(**{f"{prefix}organisation__path__startswith": grant.path})
        else:
            lead |= Q(**{f"{prefix}organisation_id": grant.org_id})
    # A subquery rather than a join on the handlers: a clue with several handlers must come back once.
    from qinglian.discipline.models import ClueHandler

    handling = Q(**{f"{prefix}id__in": ClueHandler.objects.filter(user=user).values("clue_id")})
    return handling | lead if lead else handling


def can_open(user, clue) -> bool:
    if not in_module(user):
        return False
    if access.can(user, LEAD, clue):
        return True
    return clue.handlers.filter(user=user).exists()


def is_leader(user, clue) -> bool:
    return access.can(user, LEAD, clue)


def clue_or_404(user, pk, *, queryset=None):
    """The clue the user may open, or 404 (never says whether it exists)."""
    from qinglian.discipline.models import Clue

    qs = queryset if queryset is not None else Clue.objects.select_related("organisation")
    clue = qs.filter(pk=pk).first() if str(pk).isdigit() else None
    if clue is None or not can_open(user, clue):
        raise Http404(_("No such record, or it is not within your organisations."))
    return clue
