from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.models.tree import Organisation, subtree_q


class Role(models.Model):
    """A named set of permissions, assigned to people on an organisation (and its subtree).

    The built-in roles are kept in step with `orgs.access.BUILTIN_ROLES` after every migrate;
    an administrator may add roles of their own.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    permissions = models.JSONField(_("permissions"), default=list)
    privileged = models.BooleanField(
        _("privileged"), default=False, help_text=_("Holders must complete two-factor enrolment.")
    )
    builtin = models.BooleanField(_("built in"), default=False)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, on=None):
        day = on or timezone.localdate()
        return self.filter(Q(valid_from__lte=day), Q(valid_to__isnull=True) | Q(valid_to__gte=day))

    def in_subtree(self, org):
        return self.filter(subtree_q(org.path, "organisation__"))

    def assignable_by(self, user):
        """Assignments on organisations where the user may assign roles."""
        from qinglian.orgs.access import scope_q  # access imports this module: resolve at call time

        return self.filter(scope_q(user, "role.assign", model=self.model))


class RoleAssignment(models.Model):
    """A role held by a user on an organisation, optionally with everything under it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.ForeignKey(Role, verbose_name=_("role"), on_delete=models.PROTECT, related_name="assignments")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    include_subtree = models.BooleanField(_("includes subordinate organisations"), default=True)
    valid_from = models.DateField(_("valid from"), default=timezone.localdate)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="orgs_roleassignment_dates_in_order",
                violation_error_message=_("An assignment cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.role} · {self.organisation}"

    @property
    def audit_path(self) -> str:
        return self.organisation.path
