"""Making rectification items for tests, through the services."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qinglian.rectification.services import items as services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def day(days: int = 0):
    return timezone.localdate() + timedelta(days=days)


def png(name: str = "整改照片.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def item_make(
    cast, *, org=None, owner=None, days=30, problem="理论学习不够系统", source="inspection", actor=None, **fields
):
    """An item being rectified in branch_a (owned by a1, 张伟, the `member` login) unless told otherwise."""
    return services.item_create(
        org=org or cast.tree.branch_a,
        source=source,
        problem=problem,
        owner=owner or cast.members["a1"],
        due_on=day(days),
        actor=actor,
        **fields,
    )


def item_submitted(cast, **fields):
    item = item_make(cast, **fields)
    services.evidence_add(item=item, actor=None, file=png())
    return services.item_submit(item=item, version=None, result="已按要求整改", actor=None)


def item_closed(cast, *, verifier=None, **fields):
    item = item_submitted(cast, **fields)
    return services.item_verify(item=item, version=None, actor=verifier or cast.office)
