from django.urls import reverse

from qinglian.core.models import Notification
from qinglian.core.registry import registry


def shell(request):
    """What the page shell needs: the menu the user may see, the scope choices, unread count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def nav():
        items, section = [], None
        for item in registry.nav:
            if item.permission and not registry.has_permission(user, item.permission):
                continue
            url = reverse(item.url_name)
            items.append(
                {
                    "item": item,
                    "url": url,
                    "active": False,
                    "new_section": item.section if item.section != section else None,
                }
            )
            section = item.section
        # Only the closest entry is current: /orgs/members/ is Members, not also Organisations (/orgs/).
        path = request.path
        matches = [e for e in items if path == e["url"] or (e["url"] != "/" and path.startswith(e["url"]))]
        if matches:
            max(matches, key=lambda e: len(e["url"]))["active"] = True
        return items

    return {
        "nav_items": nav,
        "unread_count": lambda: Notification.objects.for_user(user).unread().count(),
    }
