"""What the duties models share: scoping by the access rules."""

from __future__ import annotations

from django.db import models

from qinglian.orgs.models import PATH_END


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action: str = "duties.view"):
        from qinglian.orgs.access import scope_q  # access imports the register's models: resolve at call time

        return self.filter(scope_q(user, action, model=self.model))

    def in_subtree(self, org):
        field = getattr(self.model, "access_org_field", "organisation")
        return self.filter(**{f"{field}__path__gte": org.path, f"{field}__path__lt": org.path + PATH_END})


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
