from qinglian.orgs.access import can, scope_roots
from qinglian.orgs.models import Organisation


def scope_options(user, current: Organisation | None) -> list[tuple[Organisation, str]]:
    """Choices for the top-bar scope selector, each with its indent.

    The user's topmost organisations, the way down from one of them to the current scope, and
    the current scope's children: enough to walk the tree one step at a time without listing
    thousands of units.
    """
    roots = scope_roots(user)
    indent = "\u3000"
    options: list[tuple[Organisation, str]] = []
    for root in roots:
        options.append((root, ""))
        if current is None or not current.path.startswith(root.path):
            continue
        chain = Organisation.objects.filter(
            path__in=[current.path[:i] for i in range(len(root.path) + 4, len(current.path) + 1, 4)]
        ).order_by("path")
        options.extend((org, indent * (org.depth - root.depth)) for org in chain)
        children = Organisation.objects.filter(parent=current, is_active=True).order_by("path")[:60]
        options.extend(
            (child, indent * (child.depth - root.depth)) for child in children if can(user, "org.view", child)
        )
    return options


def scope(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"scope_options": lambda: scope_options(user, request.scope)}
