"""Helpers for the web-facing tests: the route table, a small world of objects, page parsing.

The route table names every view of core, orgs and accounts with how to reach it and who must be
refused; test_views_access fails when a view is added without a row here. Apps above the register
keep their own rows in `<app>/tests/routes.py` (ROUTES, NAMESPACE and `world_extend(world)`, which
adds the objects their views take by id to `world.extra`); they are gathered here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone


def app_route_modules() -> list:
    """The `tests/routes.py` modules of the apps that have one."""
    from django.apps import apps

    modules = []
    for config in apps.get_app_configs():
        if not config.name.startswith("qinglian."):
            continue
        name = f"{config.name}.tests.routes"
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
    return modules


def url_names(namespaces=None) -> set[str]:
    """Every named view the URL resolver serves in the given namespaces (by default those with route rows)."""
    namespaces = namespaces or NAMESPACES
    names: set[str] = set()

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace in namespaces:
                assert entry.name, f"unnamed view {entry.pattern} in {namespace}"
                names.add(f"{namespace}:{entry.name}")

    walk(get_resolver().url_patterns, None)
    return names


@dataclass
class World:
    """The cast plus one object of each kind the views take by id."""

    cast: object
    manager_a: object  # committee office on branch_a's subtree: may manage there, not in branch_b
    group_b: object
    note: object  # the administrator's notification
    job: object  # the auditor's finished export
    token: object  # the administrator's API token
    rule: object
    assignment_b: object  # secretary_b's role on branch_b
    department: object  # a department of the root committee: only the committee's people see it
    term_b: object  # branch_b's current committee term
    post_b: object  # b1's seat on branch_b's term
    transfer_bc: object  # secretary_b's pending letter moving b1 from branch_b to branch_c
    extra: dict = field(default_factory=dict)  # objects added by the apps' world_extend()

    def user(self, name):
        return self.manager_a if name == "manager_a" else getattr(self.cast, name)


def build_world(cast) -> World:
    from django.contrib.auth import get_user_model

    from qinglian.accounts.services import token_create
    from qinglian.core.models import Job, Notification, Rule
    from qinglian.orgs.models import Role, RoleAssignment
    from qinglian.orgs.services import department_create, org_create, post_assign, role_assign, term_start
    from qinglian.orgs.services.transfers import transfer_request

    tree = cast.tree
    manager_a = get_user_model().objects.create_user("manager_a", "manager_a@example.cn", "pw")
    role_assign(
        user=manager_a,
        role=Role.objects.get(code="committee_office"),
        organisation=tree.branch_a,
        include_subtree=True,
        actor=None,
    )
    group_b = org_create(name="第二党小组", kind="group", parent=tree.branch_b, actor=None)
    note = Notification.objects.create(user=cast.admin, title="管理员的私信通知", url="/inbox/")
    export_dir = settings.EXPORT_DIR
    export_dir.mkdir(parents=True, exist_ok=True)
    (export_dir / "audit-test.jsonl").write_text('{"seq": 1}\n', encoding="utf-8")
    job = Job.objects.create(
        owner=cast.auditor,
        kind="audit.export",
        title="审计员的导出任务",
        status=Job.Status.DONE,
        result_file="audit-test.jsonl",
        finished_at=timezone.now(),
    )
    token, _text = token_create(user=cast.admin, name="管理员的令牌", days=30)
    rule = Rule.objects.order_by("pk").first()
    assignment_b = RoleAssignment.objects.get(user=cast.secretary_b)
    department = department_create(organisation=tree.root, name="审计处", code="SJC", actor=None)
    term_b = term_start(org=tree.branch_b, elected_on=timezone.localdate() - timedelta(days=365), actor=None)
    post_b = post_assign(term=term_b, member=cast.members["b1"], post="委员", actor=None)
    transfer_bc = transfer_request(
        kind="internal",
        member=cast.members["b1"],
        to_org=tree.branch_c,
        letter_no="B-TO-C",
        scope="基层党委内部",
        valid_days=30,
        dues_paid_until=None,
        reason="",
        actor=cast.secretary_b,
    )
    world = World(
        cast, manager_a, group_b, note, job, token, rule, assignment_b, department, term_b, post_b, transfer_bc
    )
    for module in app_route_modules():
        before = dict(world.extra)
        module.world_extend(world)
        # One app's object under another's name would send the other's rows to the wrong record.
        clashes = [key for key, obj in before.items() if world.extra[key] is not obj]
        assert not clashes, f"{module.__name__} reuses the world's names {clashes}"
    return world


def _none(world):
    return {}


def _roster_upload(world):
    """The organiser's checked roster import in branch_a (made on first use)."""
    from qinglian.orgs.models import RosterImport

    upload = RosterImport.objects.filter(owner=world.cast.organiser).first()
    if upload is None:
        upload = RosterImport.objects.create(
            owner=world.cast.organiser,
            organisation=world.cast.tree.branch_a,
            file_name="组织委员的花名册.xlsx",
            stored_as="none.xlsx",
            status=RosterImport.Status.READY,
            total_rows=1,
        )
    return upload


@dataclass(frozen=True)
class Route:
    """How to call one view, who must get 404 there, and who may use it."""

    name: str
    method: str = "get"
    kwargs: object = _none
    data: object = _none
    public: bool = False  # answers anonymous visitors itself
    refused: tuple[str, ...] = ()  # logged-in users who must get 404
    allowed: str = ""  # a user the view serves (200 or a redirect that is not to the login page)
    secret: object = None  # world -> text the refused must not see
    knows: tuple[str, ...] = ()  # refused users who may read the secret elsewhere (e.g. in the scope menu)

    def url(self, world) -> str:
        return reverse(self.name, kwargs=self.kwargs(world))


ORG_MANAGERS_REFUSED = ("outsider", "secretary", "manager_a")
# branch_b's people and the committee's: secretary_b may read there but manages no organisation,
# manager_a manages only branch_a's subtree, the liaison only reads.
SIBLING_MANAGERS_REFUSED = ("outsider", "liaison", "secretary", "secretary_b", "manager_a")
BRANCH_B_READERS = ("liaison", "secretary_b")  # see branch_b's and group_b's names in their scope menu
# The root committee's departments: none of branch_a's or branch_b's people see them.
DEPARTMENT_REFUSED = ("outsider", "secretary", "secretary_b", "manager_a")
# Transfers need member.transfer; the B->C letter is seen only by branch_b's and branch_c's people.
TRANSFER_REFUSED = ("outsider", "member", "liaison", "auditor")
TRANSFER_BC_REFUSED = (*TRANSFER_REFUSED, "secretary", "organiser", "manager_a")


def _today(days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


ROUTES = [
    Route("core:home", allowed="outsider"),
    Route("core:inbox", allowed="outsider"),
    Route("core:inbox_read", "post", allowed="outsider"),
    Route(
        "core:notification_open",
        kwargs=lambda w: {"pk": w.note.pk},
        refused=("secretary", "outsider"),
        allowed="admin",
        secret=lambda w: w.note.title,
    ),
    Route("core:rule_list", refused=("outsider", "liaison", "member"), allowed="secretary"),
    Route(
        "core:rule_detail",
        kwargs=lambda w: {"pk": w.rule.pk},
        refused=("outsider", "liaison", "member"),
        allowed="secretary",
        secret=lambda w: w.rule.title_zh,
    ),
    # Separation of duties: the administrator does not read the audit trail.
    Route("core:audit_list", refused=("outsider", "secretary", "admin"), allowed="auditor"),
    Route(
        "core:audit_job",
        "post",
        kwargs=lambda w: {"kind": "export"},
        refused=("outsider", "secretary", "admin"),
        allowed="auditor",
    ),
    Route(
        "core:job_detail",
        kwargs=lambda w: {"pk": w.job.pk},
        refused=("outsider", "secretary", "admin"),
        allowed="auditor",
        secret=lambda w: w.job.title,
    ),
    Route(
        "core:job_download",
        kwargs=lambda w: {"pk": w.job.pk},
        refused=("outsider", "secretary", "admin"),
        allowed="auditor",
        secret=lambda w: '{"seq": 1}',
    ),
    # Any login may search; each finds only records it may see (test_links), so nobody is refused the page.
    Route(
        "core:record_pick",
        data=lambda w: {"record_kind": "orglife.meeting", "record_q": "第二党支部"},
        allowed="secretary_b",
        secret=lambda w: w.extra["meeting_b"].title,
    ),
    Route("orgs:org_list", refused=("outsider",), allowed="member"),
    Route(
        "orgs:org_detail",
        kwargs=lambda w: {"pk": w.cast.tree.branch_b.pk},
        refused=("outsider", "secretary", "member", "manager_a"),
        allowed="secretary_b",
        secret=lambda w: w.cast.tree.branch_b.name,
    ),
    Route(
        "orgs:org_children",
        kwargs=lambda w: {"pk": w.cast.tree.branch_b.pk},
        refused=("outsider", "secretary", "member", "manager_a"),
        allowed="secretary_b",
        secret=lambda w: w.group_b.name,
    ),
    Route(
        "orgs:org_create",
        "post",
        kwargs=lambda w: {"pk": w.cast.tree.branch_b.pk},
        data=lambda w: {"name": "越权新建的小组", "kind": "group"},
        refused=ORG_MANAGERS_REFUSED,
        allowed="admin",
        secret=lambda w: w.cast.tree.branch_b.name,
    ),
    Route(
        "orgs:org_rename",
        "post",
        kwargs=lambda w: {"pk": w.cast.tree.branch_b.pk},
        data=lambda w: {"name": "越权改的名", "version": w.cast.tree.branch_b.version},
        refused=ORG_MANAGERS_REFUSED,
        allowed="admin",
        secret=lambda w: w.cast.tree.branch_b.name,
    ),
    Route(
        "orgs:org_update",
        "post",
        kwargs=lambda w: {"pk": w.cast.tree.branch_b.pk},
        data=lambda w: {"code": "B-02", "version": w.cast.tree.branch_b.version},
        refused=SIBLING_MANAGERS_REFUSED,
        allowed="admin",
        secret=lambda w: w.cast.tree.branch_b.name,
        knows=BRANCH_B_READERS,
    ),
    Route(
        "orgs:org_move",
        "post",
        kwargs=lambda w: {"pk": w.group_b.pk},
        data=lambda w: {"target": w.cast.tree.branch_c.pk, "reason": "越权"},
        refused=SIBLING_MANAGERS_REFUSED,
        allowed="admin",
        secret=lambda w: w.group_b.name,
        knows=BRANCH_B_READERS,
    ),
    Route(
        "orgs:org_merge",
        "post",
        kwargs=lambda w: {"pk": w.group_b.pk},
        data=lambda w: {"target": w.cast.tree.group_a.pk, "reason": "越权"},
        refused=SIBLING_MANAGERS_REFUSED,
        allowed="admin",
        secret=lambda w: w.group_b.name,
        knows=BRANCH_B_READERS,
    ),
    Route(
        "orgs:org_dissolve",
        "post",
        kwargs=lambda w: {"pk": w.group_b.pk},
        data=lambda w: {"dissolved_on": _today(), "reason": "越权"},
        refused=SIBLING_MANAGERS_REFUSED,
        allowed="admin",
        secret=lambda w: w.group_b.name,
        knows=BRANCH_B_READERS,
    ),
    # manager_a may search too, and finds only branch_a's subtree (test_org_pick_offers_only_what_one_manages).
    Route(
        "orgs:org_pick",
        data=lambda w: {"q": "第二"},
        refused=("outsider", "liaison", "secretary", "secretary_b"),
        allowed="admin",
        secret=lambda w: w.cast.tree.branch_b.name,
        knows=("secretary_b",),
    ),
    Route(
        "orgs:term_start",
        "post",
        kwargs=lambda w: {"pk": w.cast.tree.branch_b.pk},
        data=lambda w: {"elected_on": _today()},
        refused=SIBLING_MANAGERS_REFUSED,
        allowed="office",
        secret=lambda w: w.cast.tree.branch_b.name,
        knows=BRANCH_B_READERS,
    ),
    Route(
        "orgs:post_assign",
        "post",
        kwargs=lambda w: {"pk": w.cast.tree.branch_b.pk},
        data=lambda w: {"member": w.cast.members["b1"].pk, "post": "书记"},
        refused=SIBLING_MANAGERS_REFUSED,
        allowed="office",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orgs:member_pick",
        kwargs=lambda w: {"pk": w.cast.tree.branch_b.pk},
        data=lambda w: {"q": "王"},
        refused=SIBLING_MANAGERS_REFUSED,
        allowed="office",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orgs:post_end",
        "post",
        kwargs=lambda w: {"pk": w.post_b.pk},
        data=lambda w: {"ends_on": _today()},
        refused=SIBLING_MANAGERS_REFUSED,
        allowed="office",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    # Every reader gets the page, listing only their own committee's departments
    # (test_department_list_shows_only_the_committees_own); those outside it see none.
    Route("orgs:department_list", refused=("outsider",), allowed="liaison", secret=lambda w: w.department.name),
    Route(
        "orgs:department_create",
        "post",
        data=lambda w: {"name": "越权新建的处室", "kind": "其他", "order": 100},
        refused=(*DEPARTMENT_REFUSED, "liaison"),
        allowed="office",
    ),
    Route(
        "orgs:department_detail",
        kwargs=lambda w: {"pk": w.department.pk},
        refused=DEPARTMENT_REFUSED,
        allowed="liaison",
        secret=lambda w: w.department.name,
    ),
    Route(
        "orgs:department_active",
        "post",
        kwargs=lambda w: {"pk": w.department.pk},
        refused=(*DEPARTMENT_REFUSED, "liaison"),
        allowed="office",
        secret=lambda w: w.department.name,
    ),
    Route(
        "orgs:department_link",
        "post",
        kwargs=lambda w: {"pk": w.department.pk},
        data=lambda w: {"target": w.cast.tree.branch_b.pk},
        refused=(*DEPARTMENT_REFUSED, "liaison"),
        allowed="office",
        secret=lambda w: w.department.name,
    ),
    # Every holder of member.transfer has a transfer list, a letter form and the branch search.
    Route("orgs:transfer_list", refused=TRANSFER_REFUSED, allowed="secretary_b", secret=lambda w: "B-TO-C"),
    Route(
        "orgs:transfer_create",
        data=lambda w: {"member": w.cast.members["b1"].pk},
        refused=(*TRANSFER_REFUSED, "secretary", "manager_a"),
        allowed="secretary_b",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orgs:transfer_members",
        data=lambda w: {"q": "王"},
        refused=TRANSFER_REFUSED,
        allowed="secretary_b",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orgs:transfer_targets",
        data=lambda w: {"q": "直属"},
        refused=TRANSFER_REFUSED,
        allowed="secretary_b",
        secret=lambda w: w.cast.tree.branch_c.name,
        knows=("liaison", "auditor"),
    ),
    Route(
        "orgs:transfer_detail",
        kwargs=lambda w: {"pk": w.transfer_bc.pk},
        refused=TRANSFER_BC_REFUSED,
        allowed="secretary_b",
        secret=lambda w: w.transfer_bc.letter_no,
    ),
    Route(
        "orgs:transfer_decide",
        "post",
        kwargs=lambda w: {"pk": w.transfer_bc.pk},
        data=lambda w: {"to_status": "cancelled", "version": w.transfer_bc.version, "reason": "越权"},
        refused=TRANSFER_BC_REFUSED,
        allowed="secretary_b",
        secret=lambda w: w.transfer_bc.letter_no,
    ),
    Route(
        "orgs:transfer_letter",
        kwargs=lambda w: {"pk": w.transfer_bc.pk},
        refused=TRANSFER_BC_REFUSED,
        allowed="secretary_b",
    ),
    Route("orgs:member_list", refused=("outsider", "liaison"), allowed="member"),
    Route("orgs:assignment_list", refused=("outsider", "secretary"), allowed="admin"),
    Route(
        "orgs:assignment_create",
        "post",
        data=lambda w: {
            "username": "outsider",
            "role": w.assignment_b.role_id,
            "organisation": w.cast.tree.branch_b.pk,
            "include_subtree": "on",
        },
        refused=ORG_MANAGERS_REFUSED,
        allowed="admin",
        secret=lambda w: w.cast.tree.branch_b.name,
    ),
    Route(
        "orgs:assignment_revoke",
        "post",
        kwargs=lambda w: {"pk": w.assignment_b.pk},
        refused=ORG_MANAGERS_REFUSED,
        allowed="admin",
        secret=lambda w: w.cast.tree.branch_b.name,
    ),
    Route(
        "orgs:scope_set",
        "post",
        data=lambda w: {"organisation": w.cast.tree.branch_b.pk},
        refused=ORG_MANAGERS_REFUSED,
        allowed="secretary_b",
        secret=lambda w: w.cast.tree.branch_b.name,
    ),
    Route("orgs:import_start", refused=("outsider", "secretary", "member"), allowed="organiser"),
    Route("orgs:import_template", refused=("outsider", "secretary", "member"), allowed="organiser"),
    Route(
        "orgs:import_detail",
        kwargs=lambda w: {"pk": _roster_upload(w).pk},
        refused=("outsider", "secretary_b", "office"),
        allowed="organiser",
        secret=lambda w: _roster_upload(w).file_name,
    ),
    Route(
        "orgs:import_confirm",
        "post",
        kwargs=lambda w: {"pk": _roster_upload(w).pk},
        refused=("outsider", "secretary_b", "office"),
        allowed="organiser",
    ),
    Route("orgs:member_export", "post", refused=("outsider", "secretary", "member"), allowed="organiser"),
    Route("orgs:member_stats", refused=("outsider", "liaison"), allowed="member"),
    Route("orgs:member_create", refused=("outsider", "liaison", "member", "propagandist"), allowed="organiser"),
    Route(
        "orgs:member_detail",
        kwargs=lambda w: {"pk": w.cast.members["b1"].pk},
        refused=("outsider", "secretary", "member", "manager_a"),
        allowed="secretary_b",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orgs:member_edit",
        kwargs=lambda w: {"pk": w.cast.members["b1"].pk},
        refused=("outsider", "secretary", "member", "manager_a"),
        allowed="secretary_b",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orgs:member_status",
        "post",
        kwargs=lambda w: {"pk": w.cast.members["b1"].pk},
        data=lambda w: {"status": "去世", "effective_on": "2026-01-01", "reason": "越权", "version": 1},
        refused=("outsider", "secretary", "member", "manager_a"),
        allowed="secretary_b",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orgs:member_probation",
        "post",
        kwargs=lambda w: {"pk": w.cast.members["b1"].pk, "step": "cancel"},
        data=lambda w: {"on": "2026-01-01", "reason": "越权", "version": 1},
        refused=("outsider", "secretary", "member", "manager_a"),
        allowed="secretary_b",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orgs:member_reveal_id",
        "post",
        kwargs=lambda w: {"pk": w.cast.members["b1"].pk},
        data=lambda w: {"reason": "越权"},
        refused=("outsider", "secretary", "secretary_b", "manager_a"),
        allowed="office",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route(
        "orgs:member_login_create",
        "post",
        kwargs=lambda w: {"pk": w.cast.members["b1"].pk},
        data=lambda w: {"username": "yuequan"},
        refused=("outsider", "secretary", "secretary_b", "manager_a"),
        allowed="admin",
        secret=lambda w: w.cast.members["b1"].name,
    ),
    Route("accounts:login", public=True),
    Route("accounts:logout", "post", public=True),
    Route("accounts:password_change", allowed="outsider"),
    Route("accounts:password_change_done", allowed="outsider"),
    Route("accounts:password_reset", public=True),
    Route("accounts:password_reset_done", public=True),
    Route(
        "accounts:password_reset_confirm",
        kwargs=lambda w: {"uidb64": "MQ", "token": "not-a-token"},
        public=True,
    ),
    Route("accounts:password_reset_complete", public=True),
    Route("accounts:otp_setup", allowed="outsider"),
    Route("accounts:otp_verify", allowed="outsider"),
    Route("accounts:profile", allowed="outsider"),
    Route("accounts:token_list", allowed="outsider"),
    Route(
        "accounts:token_revoke",
        "post",
        kwargs=lambda w: {"pk": w.token.pk},
        refused=("secretary", "outsider"),
        allowed="admin",
        secret=lambda w: w.token.name,
    ),
]
NAMESPACES = ["core", "orgs", "accounts"]
for _module in app_route_modules():
    ROUTES.extend(_module.ROUTES)
    # An app serving pages under more than one namespace (discipline: its staff pages and the public portal) lists
    # them all in NAMESPACES.
    NAMESPACES.extend(getattr(_module, "NAMESPACES", [_module.NAMESPACE]))
ROUTES_BY_NAME = {route.name: route for route in ROUTES}


def call(client, route: Route, world, **extra):
    url = route.url(world)
    if route.method == "post":
        return client.post(url, route.data(world), **extra)
    return client.get(url, route.data(world), **extra)


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def drop_deleted_cookies(client, response) -> None:
    """Do what a browser does with a cookie the server deleted (Max-Age=0): forget it.

    Django's test client keeps such a cookie with an empty value, which a browser never sends.
    """
    for name, morsel in response.cookies.items():
        if morsel["max-age"] == 0 or str(morsel["max-age"]) == "0":
            client.cookies.pop(name, None)


def count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


class PageLinks(HTMLParser):
    """Every URL-bearing attribute and every <script> tag of a page."""

    URL_ATTRIBUTES = ("src", "href", "action", "formaction", "hx-get", "hx-post", "data-src", "poster", "srcset")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in self.URL_ATTRIBUTES:
            if attrs.get(name):
                self.urls.append((tag, name, attrs[name]))
        if tag == "script":
            self.scripts.append(attrs)

    handle_startendtag = handle_starttag


def parse_page(html: str) -> PageLinks:
    parser = PageLinks()
    parser.feed(html)
    parser.close()
    return parser


def foreign_urls(html: str, host: str = "testserver") -> list[str]:
    """URLs in the page that point at another host (or run script), which an intranet cannot reach."""
    found = []
    for tag, attribute, value in parse_page(html).urls:
        parts = urlsplit(value.strip())
        if parts.scheme.lower() == "javascript" or (parts.netloc and parts.netloc != host):
            found.append(f"<{tag} {attribute}={value!r}>")
    return found


def soon(days: int = 1):
    return timezone.localdate() + timedelta(days=days)
