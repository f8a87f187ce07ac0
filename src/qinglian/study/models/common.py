"""What the study models share: scoping by the access rules, audiences of units and members."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from qinglian.orgs.models import PATH_END, ancestor_paths


def scoped(queryset, user, action):
    from qinglian.orgs.access import scope_q  # access imports the register's models: resolve at call time

    return queryset.filter(scope_q(user, action, model=queryset.model))


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "study.view"):
        return scoped(self, user, action)

    def in_subtree(self, org):
        field = getattr(self.model, "access_org_field", "organisation")
        return self.filter(**{f"{field}__path__gte": org.path, f"{field}__path__lt": org.path + PATH_END})


class AudienceQuerySet(ScopedQuerySet):
    """Records addressed to units (with everything below them) and to named members."""

    def addressed_to(self, member):
        """The records whose audience includes `member`: a unit at or above theirs, or the member by name."""
        q = Q(units__path__in=ancestor_paths(member.organisation.path)) | Q(members=member)
        return self.filter(pk__in=self.model.objects.filter(q).values("pk"))


class OrgOwned(models.Model):
    """A record that belongs to one organisation and is seen by the roles covering it."""

    class Meta:
        abstract = True

    @property
    def access_path(self) -> str:
        return self.organisation.path

    @property
    def audit_path(self) -> str:
        return self.organisation.path
