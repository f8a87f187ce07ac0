"""Pagination for long lists: fetch the page's ids through the narrowest index, then those rows.

Ordering and counting a large subtree by full rows makes the database walk wide rows it then
throws away; selecting only primary keys lets it answer from an index, and the one extra query
for the page's rows does not grow with the page number or size.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from ninja.pagination import PageNumberPagination


def id_page(queryset, *, per_page: int, number) -> Page:
    """The page `number` of an ordered queryset, its object_list holding the full rows in order."""
    page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(number)
    page.object_list = _rows_in_order(queryset, list(page.object_list))
    return page


def _related(queryset) -> list[str]:
    related = queryset.query.select_related
    if related is True:
        return []
    names: list[str] = []

    def walk(tree: dict, prefix: str) -> None:
        for name, sub in tree.items():
            names.append(prefix + name)
            walk(sub, prefix + name + "__")

    walk(related, "")
    return names


class IdPageNumberPagination(PageNumberPagination):
    """The API's page-number pagination with the same two-step fetch as `id_page`."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        ids = list(queryset.values_list("pk", flat=True)[offset : offset + page_size])
        return {
            self.items_attribute: _rows_in_order(queryset, ids),
            "count": queryset.values("pk").count(),
        }


def _rows_in_order(queryset, ids: list) -> list:
    rows = queryset.model._default_manager.filter(pk__in=ids)
    if queryset.query.select_related:
        rows = rows.select_related(*_related(queryset))
    by_id = {row.pk: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]
