"""Helpers for the web-facing tests: the route table, a small world of objects, page parsing.

The route table names every view of core, orgs and accounts with how to reach it and who must be
refused; test_views_access fails when a view is added without a row here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

NAMESPACES = ("core", "orgs", "accounts")


def url_names(namespaces=NAMESPACES) -> set[str]:
    """Every named view the URL resolver serves in the given namespaces."""
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

    def user(self, name):
        return self.manager_a if name == "manager_a" else getattr(self.cast, name)


def build_world(cast) -> World:
    from django.contrib.auth import get_user_model

    from qinglian.accounts.services import token_create
    from qinglian.core.models import Job, Notification, Rule
    from qinglian.orgs.models import Role, RoleAssignment
    from qinglian.orgs.services import org_create, role_assign

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
    return World(cast, manager_a, group_b, note, job, token, rule, assignment_b)


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

    def url(self, world) -> str:
        return reverse(self.name, kwargs=self.kwargs(world))


ORG_MANAGERS_REFUSED = ("outsider", "secretary", "manager_a")

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
ROUTES_BY_NAME = {route.name: route for route in ROUTES}


def call(client, route: Route, world, **extra):
    url = route.url(world)
    if route.method == "post":
        return client.post(url, route.data(world), **extra)
    return client.get(url, **extra)


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
