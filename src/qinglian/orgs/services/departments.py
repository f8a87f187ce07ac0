"""Writes to the agency's functional departments (办公室, 组织人事, 纪检监察, 审计, 财务, ...)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.orgs.models import Department, Organisation
from qinglian.orgs.vocab import DepartmentKind


@transaction.atomic
def department_create(
    *, organisation: Organisation, name: str, kind: str = DepartmentKind.OTHER, code: str = "", order: int = 100, actor
) -> Department:
    """Add a department to an agency Party committee."""
    if organisation.kind != Organisation.Kind.COMMITTEE:
        raise ValidationError(_("Departments belong to an agency's Party committee."))
    if Department.objects.filter(organisation=organisation, name=name.strip()).exists():
        raise ValidationError(_("There is already a department called “{name}”.").format(name=name.strip()))
    department = Department(organisation=organisation, name=name.strip(), kind=kind, code=code.strip(), order=order)
    department.full_clean()
    department.save()
    audit_record(
        actor=actor, action="department.create", obj=department, changes={"name": department.name, "kind": kind}
    )
    return department


@transaction.atomic
def department_update(
    *, department: Department, name: str, kind: str, code: str = "", order: int = 100, actor
) -> Department:
    """Rename or reclassify a department."""
    fresh = Department.objects.select_for_update().select_related("organisation").get(pk=department.pk)
    clash = Department.objects.filter(organisation=fresh.organisation, name=name.strip()).exclude(pk=fresh.pk)
    if clash.exists():
        raise ValidationError(_("There is already a department called “{name}”.").format(name=name.strip()))
    before = {"name": fresh.name, "kind": fresh.kind, "code": fresh.code, "order": fresh.order}
    fresh.name, fresh.kind, fresh.code, fresh.order = name.strip(), kind, code.strip(), order
    fresh.full_clean()
    fresh.save()
    after = {"name": fresh.name, "kind": fresh.kind, "code": fresh.code, "order": fresh.order}
    changes = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if changes:
        audit_record(actor=actor, action="department.update", obj=fresh, changes=changes)
    return fresh


@transaction.atomic
def department_deactivate(*, department: Department, actor, reason: str = "") -> Department:
    """Retire a department: it stays on record (and on linked units) but no longer takes new work."""
    fresh = Department.objects.select_for_update().select_related("organisation").get(pk=department.pk)
    if not fresh.is_active:
        raise ValidationError(_("This department is already inactive."))
    fresh.is_active = False
    fresh.save(update_fields=["is_active"])
    audit_record(actor=actor, action="department.deactivate", obj=fresh, reason=reason)
    return fresh


@transaction.atomic
def department_activate(*, department: Department, actor) -> Department:
    """Bring a retired department back into use."""
    fresh = Department.objects.select_for_update().select_related("organisation").get(pk=department.pk)
    fresh.is_active = True
    fresh.save(update_fields=["is_active"])
    audit_record(actor=actor, action="department.activate", obj=fresh)
    return fresh
