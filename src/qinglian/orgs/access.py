"""Access control: the one place that decides who may do what, and on which part of the tree.

A user holds roles on organisations (`RoleAssignment`), each optionally covering the subtree
below. A role is a set of permission codes ("member.view", "rule.change", ...). Every view,
endpoint, export, dashboard and search asks `can(user, action, obj)` for one object, or filters
with `QuerySet.visible_to(user, action)`, which both read the same assignments.

Apps declare their permission codes and grant them to the built-in roles with `register()`;
the built-in role rows are brought up to date after every migrate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.models import PATH_END, Organisation, Role, RoleAssignment, ancestor_paths


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name_zh: str
    name_en: str
    privileged: bool = False
    order: int = 100
    permissions: set[str] = field(default_factory=set)


# The built-in roles. Each app adds the permissions its own work needs through register().
BUILTIN_ROLES: dict[str, RoleSpec] = {
    spec.code: spec
    for spec in [
        RoleSpec("member", "党员", "Party member", order=10),
        RoleSpec("branch_secretary", "支部书记", "Branch secretary", order=20),
        RoleSpec("org_commissioner", "组织委员", "Organisation commissioner", order=30),
        RoleSpec("propaganda_commissioner", "宣传委员", "Propaganda commissioner", order=40),
        RoleSpec("discipline_commissioner", "纪检委员", "Discipline commissioner", order=50),
        RoleSpec("committee_office", "党委办公室", "Party committee office", privileged=True, order=60),
        RoleSpec("discipline_staff", "纪检干部", "Discipline inspection staff", privileged=True, order=70),
        RoleSpec("department_liaison", "部门联络员", "Department liaison", order=80),
        RoleSpec("auditor", "审计员（只读）", "Auditor (read-only)", privileged=True, order=90),
        RoleSpec("administrator", "系统管理员", "Administrator", privileged=True, order=100),
    ]
}

# Permission code -> label, for the role pages.
PERMISSIONS: dict[str, str] = {}


def register(permissions: dict[str, str], grants: dict[str, list[str]]) -> None:
    """Declare permission codes and grant them to built-in roles (called from AppConfig.ready)."""
    PERMISSIONS.update(permissions)
    for role_code, codes in grants.items():
        unknown = set(codes) - set(PERMISSIONS)
        if unknown:
            raise ValueError(f"unknown permissions granted to {role_code}: {sorted(unknown)}")
        BUILTIN_ROLES[role_code].permissions.update(codes)


register(
    {
        "org.view": _("See the organisation and its register"),
        "org.manage": _("Create, rename and move organisations"),
        "member.view": _("See members"),
        "member.manage": _("Add and edit members"),
        "member.view_id": _("See members' full ID numbers"),
        "member.transfer": _("Transfer members' Party relationships"),
        "member.import": _("Import and export rosters"),
        "role.assign": _("Assign roles"),
        "rule.view": _("See rules"),
        "rule.change": _("Revise rules"),
        "audit.view": _("Read the audit trail"),
        "sealed.view": _("Read sealed discipline-inspection data"),
    },
    {
        "member": ["org.view", "member.view"],
        "branch_secretary": ["org.view", "member.view", "member.manage", "member.transfer", "rule.view"],
        "org_commissioner": [
            "org.view",
            "member.view",
            "member.manage",
            "member.view_id",
            "member.transfer",
            "member.import",
            "rule.view",
        ],
        "propaganda_commissioner": ["org.view", "member.view"],
        "discipline_commissioner": ["org.view", "member.view"],
        "committee_office": [
            "org.view",
            "org.manage",
            "member.view",
            "member.manage",
            "member.view_id",
            "member.transfer",
            "member.import",
            "role.assign",
            "rule.view",
        ],
        "discipline_staff": ["org.view", "member.view", "sealed.view", "rule.view"],
        "department_liaison": ["org.view"],
        "auditor": ["org.view", "member.view", "rule.view", "audit.view"],
        # Separation of duties (三员分立): the administrator runs the system but neither reads
        # the audit trail (the auditor does) nor the sealed compartment.
        "administrator": [
            "org.view",
            "org.manage",
            "member.view",
            "member.manage",
            "member.transfer",
            "member.import",
            "role.assign",
            "rule.view",
            "rule.change",
        ],
    },
)


def roles_sync() -> None:
    """Create or update the built-in role rows from BUILTIN_ROLES (run after migrate)."""
    for spec in BUILTIN_ROLES.values():
        Role.objects.update_or_create(
            code=spec.code,
            defaults={
                "name_zh": spec.name_zh,
                "name_en": spec.name_en,
                "privileged": spec.privileged,
                "order": spec.order,
                "permissions": sorted(spec.permissions),
                "builtin": True,
            },
        )


@dataclass(frozen=True)
class Grant:
    org_id: int
    path: str
    subtree: bool
    permissions: frozenset[str]
    privileged: bool


def grants(user) -> list[Grant]:
    """The user's active grants, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_qinglian_grants", None)
    if cached is None:
        cached = [
            Grant(
                a.organisation_id,
                a.organisation.path,
                a.include_subtree,
                frozenset(a.role.permissions),
                a.role.privileged,
            )
            for a in RoleAssignment.objects.active()
            .filter(user=user, organisation__is_active=True)
            .select_related("organisation", "role")
        ]
        user._qinglian_grants = cached
    return cached


def forget(user) -> None:
    """Drop the cached grants after the user's assignments change."""
    for attr in ("_qinglian_grants", "_qinglian_nearest"):
        if hasattr(user, attr):
            delattr(user, attr)


def is_privileged(user) -> bool:
    return any(g.privileged for g in grants(user))


def has_permission(user, action: str) -> bool:
    """Whether the user holds `action` anywhere (for menus and pages without one object)."""
    return any(action in g.permissions for g in grants(user))


def covers(grant: Grant, path: str) -> bool:
    return path == grant.path or (grant.subtree and path.startswith(grant.path))


def can(user, action: str, obj=None) -> bool:
    """May `user` do `action` on `obj`? Without an object: anywhere at all.

    The object tells where it sits through `access_path` (an Organisation's own path, or the
    path of the organisation a record belongs to).
    """
    if obj is None:
        return has_permission(user, action)
    return can_at(user, action, obj.access_path)


def can_at(user, action: str, path: str) -> bool:
    """May `user` do `action` at the organisation with this path (for rows read without their objects)."""
    return any(action in g.permissions and covers(g, path) for g in grants(user))


def scope_q(user, action: str, *, model) -> Q:
    """A filter matching the rows of `model` that the user may `action`.

    Subtree grants become path ranges (index range scans); single-unit grants match the id.
    Nothing matches for a user without the permission.
    """
    is_org = model is Organisation
    prefix = "" if is_org else f"{getattr(model, 'access_org_field', 'organisation')}__"
    q = Q(pk__in=[])
    for grant in grants(user):
        if action not in grant.permissions:
            continue
        if grant.subtree:
            q |= Q(**{f"{prefix}path__gte": grant.path, f"{prefix}path__lt": grant.path + PATH_END})
        elif is_org:
            q |= Q(pk=grant.org_id)
        else:
            q |= Q(**{f"{prefix}id": grant.org_id})
    return q


def get_visible_or_404(queryset, user, action: str, **lookup):
    """Fetch one object the user may `action`, or 404 -- the same answer whether it exists or not."""
    obj = queryset.filter(**lookup).first()
    if obj is None or not can(user, action, obj):
        raise Http404(_("No such record, or it is not within your organisations."))
    return obj


def scope_roots(user) -> list[Organisation]:
    """The topmost organisations the user can see: the choices of the scope selector."""
    paths = sorted({g.path for g in grants(user) if "org.view" in g.permissions})
    roots: list[str] = []
    for path in paths:
        if not any(path.startswith(r) for r in roots):
            roots.append(path)
    return list(Organisation.objects.filter(path__in=roots).order_by("path"))


def _roles_granting(action: str) -> list[int]:
    return [r.pk for r in Role.objects.all() if action in r.permissions]


def _holding(org: Organisation, *, action: str | None, roles: tuple[str, ...], on):
    assignments = (
        RoleAssignment.objects.active(on)
        .filter(organisation__is_active=True, organisation__path__in=ancestor_paths(org.path))
        .filter(Q(include_subtree=True) | Q(organisation=org))
    )
    if roles:
        assignments = assignments.filter(role__code__in=roles)
    if action:
        assignments = assignments.filter(role__in=_roles_granting(action))
    return assignments


def holders(org: Organisation, *, action: str | None = None, roles: tuple[str, ...] = (), on=None):
    """Active users whose role covers `org` (held there, or above it with its subtree).

    Narrowed to the roles named, or to the roles granting `action`: the people a reminder or a
    notice about that organisation should reach. One query, however many members the unit has.
    """
    assignments = _holding(org, action=action, roles=roles, on=on)
    return get_user_model().objects.filter(is_active=True, pk__in=assignments.values("user_id"))


def nearest_holders(org: Organisation, *, action: str | None = None, roles: tuple[str, ...] = (), on=None):
    """The holders closest to `org`: those whose role sits on the unit itself, else on its parent, and so on up.

    For notices a unit deals with itself (minutes to approve, a meeting falling due): the committee
    office above hears of a branch's business only when the branch has nobody who can act on it,
    rather than of every branch's business every day.
    """
    assignments = _holding(org, action=action, roles=roles, on=on).filter(user__is_active=True)
    nearest = assignments.order_by("-organisation__path").values_list("organisation__path", flat=True).first()
    if nearest is None:
        return get_user_model().objects.none()
    users = assignments.filter(organisation__path=nearest).values("user_id")
    return get_user_model().objects.filter(pk__in=users)


def nearest_holders_many(orgs, *, action: str, on=None) -> dict[int, list]:
    """`nearest_holders(org, action=...)` for many units at once: {unit pk: [users]}, units without anyone left out.

    For the daily reminders, which tell thousands of units at a time: two queries in all (one per 2,000 ancestors
    for a large set), instead of three per unit.
    """
    orgs = list(orgs)
    lines = {org.pk: ancestor_paths(org.path) for org in orgs}
    paths = sorted({path for line in lines.values() for path in line})
    roles = _roles_granting(action)
    at: dict[str, list[tuple[int, bool, int]]] = {}  # path -> (unit pk, with subtree, user pk)
    for start in range(0, len(paths), 2000):
        rows = (
            RoleAssignment.objects.active(on)
            .filter(organisation__is_active=True, organisation__path__in=paths[start : start + 2000], role__in=roles)
            .filter(user__is_active=True)
            .values_list("organisation__path", "organisation_id", "include_subtree", "user_id")
        )
        for path, org_id, subtree, user_id in rows:
            at.setdefault(path, []).append((org_id, subtree, user_id))
    chosen: dict[int, list[int]] = {}
    for org in orgs:
        for path in reversed(lines[org.pk]):  # the unit itself first, then up
            found = sorted({user for org_id, subtree, user in at.get(path, ()) if subtree or org_id == org.pk})
            if found:
                chosen[org.pk] = found
                break
    users = get_user_model().objects.in_bulk({pk for found in chosen.values() for pk in found})
    return {org_pk: [users[pk] for pk in found] for org_pk, found in chosen.items()}


def nearest_q(user, action: str, *, model) -> Q:
    """A filter matching the rows of `model` at units where the user is among `nearest_holders(unit, action)`.

    For to-do lists, which answer "what must I act on" as notices do: a subtree grant covers its units
    except those where someone's role lower down (held by anyone, the user included) is nearer.
    One query for the roles below the user's subtree grants, kept on the user object.
    """
    cache = getattr(user, "_qinglian_nearest", None)
    if cache is None:
        cache = {}
        if getattr(user, "is_authenticated", False):
            user._qinglian_nearest = cache
    key = (action, model)
    if key in cache:
        return cache[key]
    is_org = model is Organisation
    prefix = "" if is_org else f"{getattr(model, 'access_org_field', 'organisation')}__"
    mine = [g for g in grants(user) if action in g.permissions]
    below = Q(pk__in=[])
    for g in mine:
        if g.subtree:
            below |= Q(organisation__path__gt=g.path, organisation__path__lt=g.path + PATH_END)
    roles = _roles_granting(action)
    claims = (
        list(
            RoleAssignment.objects.active()
            .filter(below, organisation__is_active=True, user__is_active=True, role__in=roles)
            .values_list("organisation_id", "organisation__path", "include_subtree")
            .distinct()
        )
        if any(g.subtree for g in mine)
        else []
    )
    q = Q(pk__in=[])
    for g in mine:
        if not g.subtree:
            q |= Q(pk=g.org_id) if is_org else Q(**{f"{prefix}id": g.org_id})
            continue
        nearer = Q(pk__in=[])
        for org_id, path, subtree in claims:
            if not path.startswith(g.path) or path == g.path:
                continue
            if subtree:
                nearer |= Q(**{f"{prefix}path__gte": path, f"{prefix}path__lt": path + PATH_END})
            else:
                nearer |= Q(pk=org_id) if is_org else Q(**{f"{prefix}id": org_id})
        q |= Q(**{f"{prefix}path__gte": g.path, f"{prefix}path__lt": g.path + PATH_END}) & ~nearer
    cache[key] = q
    return q
