"""Writes to the organisation register: each a keyword-only function that audits itself."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from qinglian.core.audit import audit_record
from qinglian.orgs import access
from qinglian.orgs.models import (
    Organisation,
    Role,
    RoleAssignment,
)


@transaction.atomic
def role_assign(
    *,
    user,
    role: Role,
    organisation: Organisation,
    include_subtree: bool,
    actor,
    valid_from=None,
    valid_to=None,
) -> RoleAssignment:
    """Give a user a role on an organisation (and its subtree)."""
    assignment = RoleAssignment(
        user=user,
        role=role,
        organisation=organisation,
        include_subtree=include_subtree,
        granted_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if valid_from:
        assignment.valid_from = valid_from
    assignment.valid_to = valid_to
    assignment.full_clean()
    try:
        assignment.save()
    except IntegrityError as exc:
        raise ValidationError(str(exc)) from exc
    access.forget(user)
    audit_record(
        actor=actor,
        action="role.assign",
        obj=assignment,
        changes={
            "user": user.get_username(),
            "role": role.code,
            "organisation": organisation.pk,
            "include_subtree": include_subtree,
        },
    )
    return assignment


@transaction.atomic
def role_revoke(*, assignment: RoleAssignment, actor, reason: str = "") -> None:
    """End a role assignment now: it was last in force yesterday (kept for the record).

    `valid_to` is the last day in force, so ending "today" must set yesterday. An assignment that
    had not been in force before today cannot end yesterday; it is removed, and the audit trail
    keeps its record. An assignment that already ended keeps its end date.
    """
    yesterday = timezone.localdate() - timedelta(days=1)
    audit_record(
        actor=actor,
        action="role.revoke",
        obj=assignment,
        reason=reason,
        changes={"role": assignment.role.code, "user": assignment.user.get_username()},
    )
    if assignment.valid_from > yesterday:
        RoleAssignment.objects.filter(pk=assignment.pk).delete()
    elif assignment.valid_to is None or assignment.valid_to > yesterday:
        assignment.valid_to = yesterday
        assignment.save(update_fields=["valid_to"])
    access.forget(assignment.user)
