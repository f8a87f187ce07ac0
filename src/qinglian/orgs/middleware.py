"""The organisation scope chosen in the top bar, checked against the user's grants on each request."""

from __future__ import annotations

from django.http import Http404
from django.utils.functional import SimpleLazyObject

from qinglian.orgs.access import can, scope_roots
from qinglian.orgs.models import Organisation

SESSION_KEY = "qinglian_scope"


def current_scope(request) -> Organisation | None:
    """The organisation the user is working in: the chosen one if still allowed, else their first root."""
    user = request.user
    if not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        org = Organisation.objects.filter(pk=chosen, is_active=True).first()
        if org is not None and can(user, "org.view", org):
            return org
    roots = scope_roots(user)
    return roots[0] if roots else None


def scope_or_404(request) -> Organisation:
    """The organisation a scoped page works in; 404 for a user who can see none."""
    # request.scope is a lazy object: it is never None itself, but it is false when what it wraps is None.
    if not request.scope:
        raise Http404
    return request.scope


class ScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(lambda: current_scope(request))
        return self.get_response(request)
