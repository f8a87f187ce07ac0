"""Rectification items: rows of the route table.

branch_b has an item being rectified with two files of evidence (item_b; evidence_b to download, evidence2_b to
remove), one reported rectified (submitted_b) and one closed (closed_b), all owned by b1 (王芳, no login).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qinglian.core.tests.web import Route

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NO_ROLE = ("outsider", "member", "propagandist")
B_REFUSED = ("outsider", "member", "propagandist", "secretary", "manager_a")
B_MANAGERS_REFUSED = (*B_REFUSED, "liaison")


def png(name: str = "整改照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


def _version(name, **more):
    return lambda w: {"version": w.extra[name].version, **more}


def world_extend(world) -> None:
    from qinglian.rectification.services import items as services

    branch_b, b1 = world.cast.tree.branch_b, world.cast.members["b1"]
    due = timezone.localdate() + timedelta(days=30)

    def make(problem: str):
        return services.item_create(
            org=branch_b, source="inspection", problem=problem, owner=b1, due_on=due, actor=None
        )

    item = make("第二支部的整改问题")
    evidence = services.evidence_add(item=item, actor=None, file=png("第二支部的整改照片.png"), note="整改前后对比")
    spare = services.evidence_add(item=item, actor=None, file=png("待删的照片.png"))
    submitted = make("第二支部待核验的问题")
    services.evidence_add(item=submitted, actor=None, file=png())
    submitted = services.item_submit(item=submitted, version=None, result="已整改", actor=None)
    closed = make("第二支部已销号的问题")
    services.evidence_add(item=closed, actor=None, file=png())
    closed = services.item_submit(item=closed, version=None, result="已整改", actor=None)
    closed = services.item_verify(item=closed, version=None, actor=world.cast.office)
    item.refresh_from_db()
    world.extra.update(item_b=item, evidence_b=evidence, evidence2_b=spare, submitted_b=submitted, closed_b=closed)


ROUTES = [
    Route("rectification:item_list", refused=NO_ROLE, allowed="secretary_b", secret=lambda w: "第二支部的整改问题"),
    Route(
        "rectification:item_create",
        refused=(*NO_ROLE, "liaison", "auditor"),
        allowed="secretary_b",
        secret=lambda w: "王芳",
    ),
    Route(
        "rectification:item_detail",
        kwargs=_pk("item_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二支部的整改问题",
    ),
    Route(
        "rectification:item_edit",
        kwargs=_pk("item_b"),
        refused=B_MANAGERS_REFUSED,
        allowed="secretary_b",
        secret=lambda w: "第二支部的整改问题",
    ),
    Route(
        "rectification:item_progress",
        "post",
        kwargs=_pk("item_b"),
        data=lambda w: {"comment": "越权记录的进展"},
        refused=B_MANAGERS_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "rectification:evidence_add",
        "post",
        kwargs=_pk("item_b"),
        data=lambda w: {"file": png(), "note": "越权上传"},
        refused=B_MANAGERS_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "rectification:evidence_file",
        kwargs=_pk("evidence_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "rectification:evidence_remove",
        "post",
        kwargs=_pk("evidence2_b"),
        refused=B_MANAGERS_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "rectification:item_submit",
        "post",
        kwargs=_pk("item_b"),
        data=_version("item_b", result="已经整改完毕"),
        refused=B_MANAGERS_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "rectification:item_verify",
        "post",
        kwargs=_pk("submitted_b"),
        data=_version("submitted_b"),
        refused=B_MANAGERS_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "rectification:item_return",
        "post",
        kwargs=_pk("submitted_b"),
        data=_version("submitted_b", reason="证据不足"),
        refused=B_MANAGERS_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "rectification:item_reopen",
        "post",
        kwargs=_pk("closed_b"),
        data=_version("closed_b", reason="问题反弹"),
        refused=B_MANAGERS_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "rectification:ledger",
        data=lambda w: {"org": w.cast.tree.branch_b.pk},
        refused=(*NO_ROLE, "secretary", "manager_a"),
        allowed="secretary_b",
    ),
    Route(
        "rectification:ledger_export",
        "post",
        data=lambda w: {"org": w.cast.tree.branch_b.pk, "format": "xlsx"},
        refused=(*NO_ROLE, "secretary", "manager_a"),
        allowed="secretary_b",
    ),
    Route("rectification:my_items", allowed="member"),
]
