from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from qinglian.core.lib.dates import add_years
from qinglian.orgs.models.tree import Department, Organisation, subtree_q
from qinglian.orgs.vocab import ETHNICITY_CHOICES, ON_REGISTER, CadreLevel, Education, MemberStatus, PartyPost


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "member.view"):
        from qinglian.orgs.access import scope_q  # access imports this module: resolve at call time

        return self.filter(scope_q(user, action, model=self.model))

    def in_subtree(self, org):
        return self.filter(subtree_q(org.path, "organisation__"))

    def on_register(self):
        """Members who count on their branch's register (not left, deceased or transferred out)."""
        return self.filter(status__in=ON_REGISTER)

    def probationary(self):
        return self.filter(category=Member.Category.PROBATIONARY)

    def born_between(self, youngest_age: int, oldest_age: int, *, on: date | None = None):
        return self.filter(born_between_q(youngest_age, oldest_age, on=on))


def born_between_q(youngest_age: int, oldest_age: int, *, on: date | None = None) -> Q:
    """Members aged from `youngest_age` to `oldest_age` (inclusive) on a day: the age filter and statistics."""
    day = on or timezone.localdate()
    return Q(birth_date__gt=add_years(day, -(oldest_age + 1)), birth_date__lte=add_years(day, -youngest_age))


class Member(models.Model):
    """A Party member on the register of one organisation.

    The identity number is kept encrypted (`id_number_cipher`), found by a keyed digest
    (`id_number_index`) and shown masked (`id_number_masked`); only roles holding
    `member.view_id` see it in full, and every such view is audited. `version` guards against two
    people saving the same record at once.
    """

    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Category(models.TextChoices):
        FULL = "full", _("Full member")
        PROBATIONARY = "probationary", _("Probationary member")

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="members",
        db_index=False,
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
    ethnicity = models.CharField(_("ethnicity"), max_length=10, choices=ETHNICITY_CHOICES, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    id_number_cipher = models.TextField(_("identity number (encrypted)"), blank=True, editable=False)
    id_number_index = models.CharField(max_length=128, blank=True, editable=False)
    id_number_masked = models.CharField(_("identity number"), max_length=18, blank=True, editable=False)
    native_place = models.CharField(_("native place"), max_length=60, blank=True)
    education = models.CharField(_("education"), max_length=10, choices=Education.choices, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    post = models.CharField(_("administrative post"), max_length=80, blank=True)
    rank = models.CharField(_("rank"), max_length=40, blank=True)
    party_post = models.CharField(_("Party post"), max_length=20, choices=PartyPost.choices, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.FULL)
    joined_on = models.DateField(_("date joined the Party"), null=True, blank=True)
    full_member_on = models.DateField(_("date made a full member"), null=True, blank=True)
    probation_extended_to = models.DateField(_("probation extended to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.NORMAL)
    status_since = models.DateField(_("status since"), null=True, blank=True)
    is_mobile = models.BooleanField(_("mobile member"), default=False)
    is_lost_contact = models.BooleanField(_("out of contact"), default=False)
    is_cadre = models.BooleanField(_("cadre"), default=False)
    cadre_level = models.CharField(_("cadre level"), max_length=10, choices=CadreLevel.choices, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name_pinyin", "id"]
        indexes = [
            # The member list and subtree counts: each organisation's members by status, in pinyin
            # order, from the index alone (see migration 0004). It also serves as the foreign key's
            # index, so the organisation column has no index of its own.
            models.Index(fields=["organisation", "status", "name_pinyin", "id"], name="orgs_member_org_status_pinyin"),
            models.Index(fields=["id_number_index"], name="orgs_member_id_index"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_index"], condition=~Q(id_number_index=""), name="orgs_member_id_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(full_member_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(full_member_on__gte=models.F("joined_on")),
                name="orgs_member_full_after_joined",
                violation_error_message=_("The date made a full member cannot be before the date joined."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def access_path(self) -> str:
        return self.organisation.path

    audit_path = access_path

    @property
    def age(self) -> int | None:
        if self.birth_date is None:
            return None
        today = timezone.localdate()
        return (
            today.year
            - self.birth_date.year
            - ((today.month, today.day) < (self.birth_date.month, self.birth_date.day))
        )


class MemberStatusChange(models.Model):
    """One dated change of a member's status (保留党籍, 停止党籍, 恢复党籍, 出党, 去世, 转出, ...)."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(_("status"), max_length=10, choices=MemberStatus.choices)
    effective_on = models.DateField(_("effective on"))
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["member", "effective_on", "id"]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_status_display()} · {self.effective_on}"

    @property
    def access_path(self) -> str:
        return self.member.organisation.path
