from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.vocab import DepartmentKind, PartyPost

# Each level of the materialised path is four base-36 characters: 1.6 million children per
# parent and 63 levels in 255 characters. '~' sorts after every path character, so a subtree is
# the range [path, path + '~') -- one index range scan on SQLite and PostgreSQL alike (on
# PostgreSQL the path columns use the "C" collation so that this byte order holds).
STEP = 4
PATH_END = "~"


def subtree_q(path: str, prefix: str = "") -> Q:
    """Rows whose organisation path lies in the subtree rooted at `path` (inclusive)."""
    return Q(**{f"{prefix}path__gte": path, f"{prefix}path__lt": path + PATH_END})


def topmost(orgs) -> list:
    """The units among `orgs` that lie under none of the others, in path order (each subtree asked about once)."""
    tops: list = []
    for org in sorted(orgs, key=lambda o: o.path):
        if not any(org.path.startswith(top.path) for top in tops):
            tops.append(org)
    return tops


def ancestor_paths(path: str, *, include_self: bool = True) -> list[str]:
    """The paths of the organisations above the one at `path`, top first, and its own unless told not to."""
    return [path[:end] for end in range(STEP, len(path) + (1 if include_self else 0), STEP)]


class OrganisationQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "org.view"):
        from qinglian.orgs.access import scope_q  # access imports this module: resolve at call time

        return self.filter(scope_q(user, action, model=self.model))

    def subtree(self, org):
        return self.filter(subtree_q(org.path))

    def active(self):
        return self.filter(is_active=True)

    def roots(self):
        return self.filter(parent__isnull=True)

    def branches(self):
        return self.filter(kind__in=[Organisation.Kind.BRANCH, Organisation.Kind.TEMP_BRANCH])


class Organisation(models.Model):
    """A Party organisation: agency Party committee, general branch, branch or Party group.

    `path` is a materialised path kept by the services in `orgs.services`, so that "this unit
    and everything under it" is one indexed range query even at 300,000 units. A dissolved
    organisation stays in the tree (inactive) with the date and its successor, for the record.
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
    last_child_step = models.PositiveIntegerField(default=0, editable=False)
    name_initials = models.CharField(_("pinyin initials"), max_length=120, blank=True, db_index=True)
    founded_on = models.DateField(_("date founded"), null=True, blank=True)
    department = models.ForeignKey(
        "orgs.Department",
        verbose_name=_("functional department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organisations",
    )
    is_village_or_community = models.BooleanField(
        _("village or community organisation"), default=False, help_text=_("Its committee serves five-year terms.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    successor = models.ForeignKey(
        "self", verbose_name=_("successor"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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
            models.CheckConstraint(
                condition=Q(is_active=True, dissolved_on__isnull=True) | Q(is_active=False, dissolved_on__isnull=False),
                name="orgs_organisation_dissolved_has_date",
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

    @property
    def is_branch(self) -> bool:
        return self.kind in (self.Kind.BRANCH, self.Kind.TEMP_BRANCH)

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


class DepartmentQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "org.view"):
        from qinglian.orgs.access import scope_q  # access imports this module: resolve at call time

        return self.filter(scope_q(user, action, model=self.model))


class Department(models.Model):
    """A functional department of the agency (办公室, 组织人事, 纪检监察, 审计, 财务, ...).

    Departments belong to the agency Party committee's organisation for access purposes; they
    receive joint tasks and rectification items in later modules.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("agency Party organisation"), on_delete=models.PROTECT, related_name="departments"
    )
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices, default=DepartmentKind.OTHER)
    code = models.CharField(_("code"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="orgs_department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path


class CommitteeTermQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "org.view"):
        from qinglian.orgs.access import scope_q  # access imports this module: resolve at call time

        return self.filter(scope_q(user, action, model=self.model))

    def current(self):
        return self.filter(closed_on__isnull=True, organisation__is_active=True)

    def ending_by(self, day):
        """Current terms that end on or before `day` (overdue ones included)."""
        return self.current().filter(ends_on__lte=day)


class CommitteeTerm(models.Model):
    """One term (届) of an organisation's committee, with its dates; the re-election reminder reads `ends_on`."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="terms"
    )
    number = models.PositiveSmallIntegerField(_("term number"))
    elected_on = models.DateField(_("elected on"))
    ends_on = models.DateField(_("term ends on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    objects = CommitteeTermQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee term")
        verbose_name_plural = _("committee terms")
        ordering = ["organisation", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="orgs_term_unique_number"),
            models.CheckConstraint(condition=Q(ends_on__gt=models.F("elected_on")), name="orgs_term_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.number}"

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path

    @property
    def is_current(self) -> bool:
        return self.closed_on is None


class CommitteePostQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "org.view"):
        from qinglian.orgs.access import scope_q  # access imports this module: resolve at call time

        return self.filter(scope_q(user, action, model=self.model))

    def holding(self):
        """Posts not yet ended."""
        return self.filter(ends_on__isnull=True)


class CommitteePost(models.Model):
    """A member's seat on a committee term: secretary, deputy, commissioner, member."""

    access_org_field = "term__organisation"

    term = models.ForeignKey(CommitteeTerm, verbose_name=_("term"), on_delete=models.CASCADE, related_name="posts")
    member = models.ForeignKey("orgs.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="posts")
    post = models.CharField(_("post"), max_length=20, choices=PartyPost.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    objects = CommitteePostQuerySet.as_manager()

    class Meta:
        verbose_name = _("committee post")
        verbose_name_plural = _("committee posts")
        ordering = ["term", "post", "starts_on"]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_post_display()}"

    @property
    def access_path(self) -> str:
        return self.term.organisation.path
