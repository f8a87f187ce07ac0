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
                    "active": request.path == url or (url != "/" and request.path.startswith(url)),
                    "new_section": item.section if item.section != section else None,
                }
            )
            section = item.section
        return items

    return {
        "nav_items": nav,
        "unread_count": lambda: Notification.objects.for_user(user).unread().count(),
    }
