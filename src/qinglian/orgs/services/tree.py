"""Writes to the organisation register: each a keyword-only function that audits itself."""

from __future__ import annotations

import string

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Concat, Length, Substr
from django.utils import timezone
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
    if not new_parent.is_active:
        raise ValidationError(_("“{name}” is dissolved: nothing can be moved under it.").format(name=new_parent.name))
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


# Marks an argument of org_update that the caller leaves as it is (None is a real value there).
KEEP = object()

UPDATABLE = ("short_name", "code", "founded_on", "department", "is_village_or_community")


def _plain(value):
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def org_update(
    *,
    org: Organisation,
    actor,
    short_name=KEEP,
    code=KEEP,
    founded_on=KEEP,
    department=KEEP,
    is_village_or_community=KEEP,
    version: int | None = None,
) -> Organisation:
    """Change an organisation's details (short name, code, date founded, department, village flag).

    Only the arguments given change; refuses if someone else changed the unit since `version`.
    """
    fresh = Organisation.objects.select_for_update().get(pk=org.pk)
    if version is not None and fresh.version != version:
        raise ValidationError(_("Someone else changed this organisation while you were editing. Reload and try again."))
    given = {
        "short_name": short_name,
        "code": code,
        "founded_on": founded_on,
        "department": department,
        "is_village_or_community": is_village_or_community,
    }
    changes = {}
    for field, value in given.items():
        if value is KEEP:
            continue
        if isinstance(value, str):
            value = value.strip()
        old = getattr(fresh, field)
        if _plain(old) != _plain(value):
            changes[field] = [_plain(old), _plain(value)]
            setattr(fresh, field, value)
    if department is not KEEP and department is not None and not fresh.path.startswith(department.organisation.path):
        raise ValidationError(_("The department belongs to another agency's committee."))
    if "department" in changes and department is not None and not department.is_active:
        raise ValidationError(_("The department “{name}” is inactive.").format(name=department.name))
    if not changes:
        return fresh
    fresh.version += 1
    fresh.full_clean()
    fresh.save()
    audit_record(actor=actor, action="org.update", obj=fresh, changes=changes)
    return fresh


def _close_current_term(org: Organisation, on) -> None:
    from qinglian.orgs.models import CommitteePost, CommitteeTerm

    terms = CommitteeTerm.objects.filter(organisation=org, closed_on__isnull=True)
    CommitteePost.objects.filter(term__in=terms, ends_on__isnull=True).update(ends_on=on)
    terms.update(closed_on=on)


def _check_successor(org: Organisation, successor: Organisation) -> None:
    if successor.pk == org.pk or successor.path.startswith(org.path):
        raise ValidationError(_("An organisation cannot be merged into itself or one of its own subordinates."))
    if not successor.is_active:
        raise ValidationError(
            _("“{name}” is dissolved and cannot take over another organisation.").format(name=successor.name)
        )


@transaction.atomic
def org_merge(*, source: Organisation, target: Organisation, actor, reason: str, on=None) -> Organisation:
    """Merge `source` into `target`: its members and subordinate units move over, then it is dissolved.

    Members move onto the target's register and keep their member role there; each subordinate
    unit moves with its subtree (as org_move, audited). The source stays in the tree, dissolved,
    with the target as its successor.
    """
    from qinglian.orgs.models import Member, RoleAssignment

    if not reason.strip():
        raise ValidationError(_("Say why the organisations are merged."))
    on = on or timezone.localdate()
    source = Organisation.objects.select_for_update().get(pk=source.pk)
    target = Organisation.objects.select_for_update().get(pk=target.pk)
    if not source.is_active:
        raise ValidationError(_("“{name}” is already dissolved.").format(name=source.name))
    _check_successor(source, target)
    children = list(Organisation.objects.filter(parent=source, is_active=True).order_by("path"))
    for child in children:
        _check_parent(child.kind, target)
    member_ids = list(Member.objects.filter(organisation=source).values_list("pk", flat=True))
    Member.objects.filter(pk__in=member_ids).update(organisation=target, version=F("version") + 1)
    # Members keep seeing their own branch: their member role follows them to the target.
    RoleAssignment.objects.active(on).filter(organisation=source, role__code="member").update(organisation=target)
    for child in children:
        org_move(org=child, new_parent=target, actor=actor, reason=reason)
    _close_current_term(source, on)
    Organisation.objects.filter(pk=source.pk).update(
        is_active=False, dissolved_on=on, successor=target, version=F("version") + 1
    )
    source.refresh_from_db()
    moved = {"members": member_ids, "children": [c.pk for c in children]}
    audit_record(actor=actor, action="org.merge", obj=source, reason=reason, changes={"into": target.pk, **moved})
    audit_record(actor=actor, action="org.merge_in", obj=target, reason=reason, changes={"from": source.pk, **moved})
    return target


@transaction.atomic
def org_dissolve(*, org: Organisation, on, successor: Organisation | None, actor, reason: str) -> Organisation:
    """Dissolve an organisation that no longer has members or active subordinate units.

    It stays in the tree, inactive, with the date and (optionally) the unit that succeeds it.
    """
    from qinglian.orgs.models import Member

    if not reason.strip():
        raise ValidationError(_("Say why the organisation is dissolved."))
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    if not org.is_active:
        raise ValidationError(_("“{name}” is already dissolved.").format(name=org.name))
    if successor is not None:
        _check_successor(org, successor)
    members = Member.objects.filter(organisation=org).on_register().count()
    children = Organisation.objects.filter(parent=org, is_active=True).count()
    problems = []
    if members:
        problems.append(_("it still has {n} member(s) on its register: transfer them first").format(n=members))
    if children:
        problems.append(
            _("it still has {n} active subordinate organisation(s): move, merge or dissolve them first").format(
                n=children
            )
        )
    if problems:
        raise ValidationError(
            _("“{name}” cannot be dissolved: {problems}.").format(name=org.name, problems="; ".join(problems))
        )
    _close_current_term(org, on)
    Organisation.objects.filter(pk=org.pk).update(
        is_active=False, dissolved_on=on, successor=successor, version=F("version") + 1
    )
    org.refresh_from_db()
    audit_record(
        actor=actor,
        action="org.dissolve",
        obj=org,
        reason=reason,
        changes={"dissolved_on": on, "successor": successor.pk if successor else None},
    )
    return org
