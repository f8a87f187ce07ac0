"""Template tags of the roster pages."""

from django import template

from qinglian.orgs.access import has_permission

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, action: str) -> bool:
    """Whether the request's user holds `action` anywhere: {% may "member.import" as can_export %}."""
    request = context.get("request")
    return bool(request and has_permission(request.user, action))
