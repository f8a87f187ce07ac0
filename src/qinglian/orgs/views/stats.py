"""The statistics table of the organisation in scope: one row per direct child, downloadable as .xlsx."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.views import permission_required
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation
from qinglian.orgs.stats import member_statistics
from qinglian.reports.xlsx import Sheet, workbook_bytes, xlsx_response


@permission_required("member.view")
def member_stats(request):
    org_id = request.GET.get("org", "")
    if org_id.isdigit():
        parent = get_visible_or_404(Organisation.objects, request.user, "member.view", pk=int(org_id))
    else:
        parent = get_visible_or_404(Organisation.objects, request.user, "member.view", pk=scope_or_404(request).pk)
    columns, rows = member_statistics(user=request.user, parent=parent)
    if request.GET.get("format") == "xlsx":
        audit_record(actor=request.user, action="member.stats_export", obj=parent)
        return xlsx_response(_stats_workbook(parent, columns, rows), f"stats-{timezone.localdate():%Y%m%d}.xlsx")
    table = [(row, [row.counts.get(key, 0) for key, _label in columns]) for row in rows]
    up = parent.parent if parent.parent_id and can(request.user, "member.view", parent.parent) else None
    return render(request, "orgs/stats.html", {"parent": parent, "columns": columns, "table": table, "up": up})


def _stats_workbook(parent, columns, rows) -> bytes:
    def label(row):
        if row.is_total:
            return _("Total")
        if row.is_self:
            return _("{org} (members registered directly)").format(org=row.organisation.name)
        return row.organisation.name

    sheet = Sheet(
        title=_("Statistics"),
        headers=[_("Organisation"), *[str(text) for _key, text in columns]],
        rows=[[label(row), *[row.counts.get(key, 0) for key, _text in columns]] for row in rows],
        widths=[30] + [10] * len(columns),
        notes=[_("Members on the register of {org} and its subordinate organisations, {day}.").format(
            org=parent.name, day=timezone.localdate().isoformat())],
    )  # fmt: skip
    return workbook_bytes([sheet])
