from datetime import date, datetime

import django_rq
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_tasks_db.models import DBTaskResult
from ninja import Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from qinglian.core.audit import audit_filter
from qinglian.core.models import Notification, Rule
from qinglian.core.notify import notification_mark_read
from qinglian.core.registry import registry

router = Router(tags=["core"])


class HealthOut(Schema):
    status: str
    database: str
    cache: str
    queue: str


@router.get(
    "/health", auth=None, response={200: HealthOut, 503: HealthOut}, summary="Health of database, cache and queue"
)
def health(request):
    checks = {"database": "ok", "cache": "ok", "queue": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("qinglian:health", "1", 10)
        if cache.get("qinglian:health") != "1":
            checks["cache"] = "error: value not kept"
    except Exception as exc:
        checks["cache"] = f"error: {exc.__class__.__name__}"
    try:
        if settings.REDIS_URL:
            django_rq.get_connection("default").ping()
        else:
            DBTaskResult.objects.exists()
    except Exception as exc:
        checks["queue"] = f"error: {exc.__class__.__name__}"
    ok = all(v == "ok" for v in checks.values())
    return Status(200 if ok else 503, {"status": "ok" if ok else "degraded", **checks})


class NotificationOut(Schema):
    id: int
    title: str
    body: str
    url: str
    kind: str
    created_at: datetime
    read_at: datetime | None


@router.get("/notifications", response=list[NotificationOut], summary="My inbox")
@paginate(PageNumberPagination)
def notifications(request, unread: bool = False):
    qs = Notification.objects.for_user(request.user)
    return qs.unread() if unread else qs


class ReadIn(Schema):
    ids: list[int] | None = None


@router.post("/notifications/read", summary="Mark my notifications read")
def notifications_read(request, payload: ReadIn):
    return {"marked": notification_mark_read(user=request.user, ids=payload.ids)}


class CoreRuleOut(Schema):
    id: int
    key: str
    version: int
    org_path: str
    title_zh: str
    title_en: str
    value: object
    unit: str
    source: str
    effective_from: date
    effective_to: date | None


@router.get("/rules", response=list[CoreRuleOut], summary="Rules and their versions")
@paginate(PageNumberPagination)
def rules(request, key: str = ""):
    if not registry.has_permission(request.user, "rule.view"):
        raise Http404
    qs = Rule.objects.order_by("key", "org_path", "-version")
    return qs.filter(key=key) if key else qs


@router.get("/rules/{rule_id}", response=CoreRuleOut, summary="One rule version")
def rule(request, rule_id: int):
    if not registry.has_permission(request.user, "rule.view"):
        raise Http404
    return get_object_or_404(Rule, pk=rule_id)


class AuditOut(Schema):
    seq: int
    at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict
    reason: str
    sealed: bool
    hash: str


class AuditFilter(Schema):
    action: str = ""
    actor: str = ""
    object_type: str = ""
    q: str = ""
    since: date | None = None
    until: date | None = None
    after_seq: int | None = None


@router.get("/audit", response=list[AuditOut], summary="The audit trail (auditors)")
@paginate(PageNumberPagination)
def audit(request, filters: Query[AuditFilter]):
    if not registry.has_permission(request.user, "audit.view"):
        raise Http404
    return audit_filter(filters.dict()).order_by("-seq")
