"""The materials library: categories and tags shared with the question bank, materials, their search index and
who opened and finished what."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qinglian.orgs.models import Member, Organisation
from qinglian.study.models.common import OrgOwned, ScopedQuerySet, ancestor_paths
from qinglian.study.vocab import MaterialKind, PublishStatus, TopicKind


class Category(models.Model):
    """A category of materials and questions, in a tree written as a path of names (`党章党规/纪律处分条例`)."""

    name = models.CharField(_("name"), max_length=60)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # The full path of names, "/"-separated: what imports and filters name a category by.
    full_name = models.CharField(_("category"), max_length=400, unique=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name

    def subtree_q(self, prefix: str = "") -> Q:
        """This category and the ones below it."""
        return Q(**{f"{prefix}full_name": self.full_name}) | Q(
            **{f"{prefix}full_name__startswith": self.full_name + "/"}
        )


class Tag(models.Model):
    """A free label on materials and questions (两学一做, 警示教育, a year…)."""

    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MaterialQuerySet(ScopedQuerySet):
    def published(self):
        return self.filter(status=PublishStatus.PUBLISHED)

    def for_member(self, member):
        """Published materials of the member's unit and of every unit above it."""
        return self.published().filter(organisation__path__in=ancestor_paths(member.organisation.path))


class Material(OrgOwned):
    """One item of the library: an article, a document, an audio or video file, or a link to an internal resource.

    `search_text` is the plain text the search index is built from (the article, or the text read out of a
    .docx or .pdf); `version` guards against two people saving the same item at once.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="study_materials"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MaterialKind.choices, default=MaterialKind.ARTICLE)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(
        _("text"), blank=True, help_text=_("The article itself; formatting is kept, scripts are not.")
    )
    file = models.FileField(_("file"), upload_to="study/materials/%Y/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size"), default=0)
    url = models.CharField(
        _("address"), max_length=500, blank=True, help_text=_("For a link: an address on the intranet.")
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT, related_name="materials"
    )
    topic = models.CharField(_("topic"), max_length=20, choices=TopicKind.choices, default=TopicKind.CHARTER)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="materials")
    minutes = models.PositiveIntegerField(_("minutes to study"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=PublishStatus.choices, default=PublishStatus.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = MaterialQuerySet.as_manager()

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "status"], name="study_material_org_status")]

    def __str__(self) -> str:
        return self.title


class MaterialTerm(models.Model):
    """The search index: each Chinese character pair (and each Latin word or number) of a material, with its weight.

    Character pairs (bigrams) find Chinese words without a dictionary and work the same on SQLite and PostgreSQL;
    a match in the title weighs more than one in the text.
    """

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=32)
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")
        constraints = [models.UniqueConstraint(fields=["term", "material"], name="study_term_unique")]

    def __str__(self) -> str:
        return self.term


class ReadingRecord(models.Model):
    """That a member opened a material and, if they say so, finished it.

    No time on the page is kept: it is not learning.
    """

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="readings")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="study_readings")
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("reading record")
        verbose_name_plural = _("reading records")
        constraints = [models.UniqueConstraint(fields=["material", "member"], name="study_reading_once")]
        indexes = [models.Index(fields=["member", "opened_at"], name="study_reading_member")]

    def __str__(self) -> str:
        return f"{self.member} — {self.material}"
