from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# Each level of the materialised path is four base-36 characters: 1.6 million children per
# parent and 63 levels in 255 characters. '~' sorts after every path character, so a subtree is
# the range [path, path + '~') -- one index range scan on SQLite and PostgreSQL alike.
STEP = 4
PATH_END = "~"


def subtree_q(path: str, prefix: str = "") -> Q:
    """Rows whose organisation path lies in the subtree rooted at `path` (inclusive)."""
    return Q(**{f"{prefix}path__gte": path, f"{prefix}path__lt": path + PATH_END})


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "org.view"):
        from qinglian.orgs.access import scope_q

        return self.filter(scope_q(user, action, model=self.model))

    def subtree(self, org):
        return self.filter(subtree_q(org.path))

    def active(self):
        return self.filter(is_active=True)

    def roots(self):
        return self.filter(parent__isnull=True)


class Organisation(models.Model):
    """A Party organisation: agency Party committee, general branch, branch or Party group.

    `path` is a materialised path kept by the services in `orgs.services`, so that "this unit
    and everything under it" is one indexed range query even at 300,000 units.
    """

    class Kind(models.TextChoices):
        COMMITTEE = "committee", _("Party committee")
        GENERAL_BRANCH = "general_branch", _("General Party branch")
        BRANCH = "branch", _("Party branch")
        TEMP_BRANCH = "temp_branch", _("Temporary Party branch")
        GROUP = "group", _("Party group")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    code = models.CharField(_("code"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False)
    name_initials = models.CharField(_("pinyin initials"), max_length=120, blank=True, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=~Q(code=""), name="orgs_organisation_code_unique"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, depth=1) | Q(parent__isnull=False, depth__gt=1),
                name="orgs_organisation_depth_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def access_path(self) -> str:
        return self.path

    audit_path = access_path

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    def is_within(self, other: Organisation) -> bool:
        return self.path.startswith(other.path)


# Which kinds may sit under which (None: at the top of the tree).
ALLOWED_PARENTS: dict[str, set[str | None]] = {
    Organisation.Kind.COMMITTEE: {None, Organisation.Kind.COMMITTEE},
    Organisation.Kind.GENERAL_BRANCH: {Organisation.Kind.COMMITTEE},
    Organisation.Kind.BRANCH: {Organisation.Kind.COMMITTEE, Organisation.Kind.GENERAL_BRANCH},
    Organisation.Kind.TEMP_BRANCH: {Organisation.Kind.COMMITTEE, Organisation.Kind.GENERAL_BRANCH},
    Organisation.Kind.GROUP: {Organisation.Kind.BRANCH, Organisation.Kind.TEMP_BRANCH},
}


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


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "member.view"):
        from qinglian.orgs.access import scope_q

        return self.filter(scope_q(user, action, model=self.model))

    def in_subtree(self, org):
        return self.filter(subtree_q(org.path, "organisation__"))


class Member(models.Model):
    """A Party member on the register of one organisation.

    The foundation keeps the fields every module needs; "Organisation and people" adds the rest
    of the register (status history, posts, transfers).
    """

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Category(models.TextChoices):
        FULL = "full", _("Full member")
        PROBATIONARY = "probationary", _("Probationary member")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="members"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60)
    name_pinyin = models.CharField(_("pinyin"), max_length=200, blank=True, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.FULL)
    joined_on = models.DateField(_("date joined the Party"), null=True, blank=True)
    post = models.CharField(_("post"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_cadre = models.BooleanField(_("cadre"), default=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["organisation__path", "name_pinyin", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path
