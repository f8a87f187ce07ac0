"""Writes to the organisation register: each a keyword-only function that audits itself."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from qinglian.core.audit import audit_record
from qinglian.core.models import Rule
from qinglian.orgs.models import (
    ALLOWED_PARENTS,
    PATH_END,
    STEP,
    Organisation,
    subtree_q,
)

DIGITS = string.digits + string.ascii_uppercase


def encode_step(number: int) -> str:
    if not 0 < number < 36**STEP:
        raise ValidationError(_("Too many organisations under one parent."))
    out = ""
    while number:
        number, rem = divmod(number, 36)
        out = DIGITS[rem] + out
    return out.rjust(STEP, "0")


def decode_step(step: str) -> int:
    return int(step, 36)


def initials(name: str) -> str:
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()


def _next_child_path(parent: Organisation | None) -> str:
    """A fresh path under `parent` (which the caller has locked); steps are never reused.

    The parent counts the steps it has handed out, so a path freed by moving a child away is not
    given to a newcomer that would then inherit the old unit's history.
    """
    if parent is None:
        last = Organisation.objects.filter(parent__isnull=True).aggregate(m=Max("path"))["m"]
        return encode_step(decode_step(last[-STEP:]) + 1 if last else 1)
    last = Organisation.objects.filter(parent=parent).aggregate(m=Max("path"))["m"]
    number = max(parent.last_child_step, decode_step(last[-STEP:]) if last else 0) + 1
    Organisation.objects.filter(pk=parent.pk).update(last_child_step=number)
    parent.last_child_step = number
    return parent.path + encode_step(number)


def _check_parent(kind: str, parent: Organisation | None) -> None:
    allowed = ALLOWED_PARENTS[kind]
    if (parent.kind if parent else None) not in allowed:
        raise ValidationError(
            _("A {kind} cannot sit under {parent}.").format(
                kind=Organisation.Kind(kind).label,
                parent=Organisation.Kind(parent.kind).label if parent else _("the top of the tree"),
            )
        )


@transaction.atomic
def org_create(
    *, name: str, kind: str, parent: Organisation | None, actor, short_name: str = "", code: str = ""
) -> Organisation:
    """Add an organisation under `parent` (or at the top), with its path and pinyin initials."""
    _check_parent(kind, parent)
    if parent is not None:
        # Lock the parent so that two children created at once cannot take the same path.
        parent = Organisation.objects.select_for_update().get(pk=parent.pk)
    path = _next_child_path(parent)
    org = Organisation(
        name=name.strip(),
        short_name=short_name.strip(),
        code=code.strip(),
        kind=kind,
        parent=parent,
        path=path,
        depth=len(path) // STEP,
        name_initials=initials(name),
    )
    org.full_clean()
    org.save()
    audit_record(
        actor=actor,
        action="org.create",
        obj=org,
        changes={"name": org.name, "kind": kind, "parent": parent.pk if parent else None},
    )
    return org


@transaction.atomic
def org_rename(*, org: Organisation, name: str, short_name: str, actor, version: int | None = None) -> Organisation:
    """Rename an organisation; refuses if someone else changed it since `version` was read."""
    fresh = Organisation.objects.select_for_update().get(pk=org.pk)
    if version is not None and fresh.version != version:
        raise ValidationError(_("Someone else changed this organisation while you were editing. Reload and try again."))
    before = {"name": fresh.name, "short_name": fresh.short_name}
    fresh.name, fresh.short_name = name.strip(), short_name.strip()
    fresh.name_initials = initials(fresh.name)
    fresh.version += 1
    fresh.full_clean()
    fresh.save()
    audit_record(
        actor=actor,
        action="org.rename",
        obj=fresh,
        changes={"before": before, "after": {"name": fresh.name, "short_name": fresh.short_name}},
    )
    return fresh


@transaction.atomic
def org_move(*, org: Organisation, new_parent: Organisation, actor, reason: str = "") -> Organisation:
    """Move an organisation and its whole subtree under `new_parent`, in one transaction.

    Every path in the subtree is rewritten with one UPDATE over the old path range.
    """
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    new_parent = Organisation.objects.select_for_update().get(pk=new_parent.pk)
    if new_parent.path.startswith(org.path):
        raise ValidationError(_("An organisation cannot be moved under itself or its own subordinates."))
    _check_parent(org.kind, new_parent)
    old_path, old_parent_id = org.path, org.parent_id
    new_path = _next_child_path(new_parent)
    depth_change = (len(new_path) - len(old_path)) // STEP
    Organisation.objects.filter(subtree_q(old_path)).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1, Length("path"))),
        depth=F("depth") + depth_change,
    )
    Organisation.objects.filter(pk=org.pk).update(parent=new_parent, version=F("version") + 1)
    # Rules tightened for the subtree travel with it.
    Rule.objects.filter(org_path__gte=old_path, org_path__lt=old_path + PATH_END).update(
        org_path=Concat(Value(new_path), Substr("org_path", len(old_path) + 1, Length("org_path")))
    )
    org.refresh_from_db()
    audit_record(
        actor=actor,
        action="org.move",
        obj=org,
        reason=reason,
        changes={"parent": [old_parent_id, new_parent.pk], "path": [old_path, org.path]},
    )
    return org
