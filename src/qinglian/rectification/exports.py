"""The rectification ledger (整改台账) of a unit as a workbook or a Word document.

The Word document is a Chinese official form: its wording is fixed, whatever the reader's language. The
workbook's headers follow the language of the person who asked for it. Both hold the table by unit and
source, and the list of every item behind it, as the person asking may see them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import IO

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qinglian.core.audit import audit_record
from qinglian.orgs.models import Organisation, subtree_q
from qinglian.rectification.models import Item
from qinglian.rectification.stats import LedgerTable, Stats, ledger_table
from qinglian.rectification.vocab import ItemStatus, Source
from qinglian.reports import docx
from qinglian.reports.xlsx import Sheet, write_workbook

FORMATS = ("xlsx", "docx")
SOURCE_ZH = {
    Source.LIFE_MEETING: "组织生活会、民主生活会",
    Source.APPRAISAL: "民主评议",
    Source.INSPECTION: "巡视巡察",
    Source.AUDIT: "审计",
    Source.SUPERVISION: "监督检查",
    Source.RISK_REVIEW: "廉政风险排查",
    Source.CASE: "案件查办",
    Source.OTHER: "其他",
}
STATUS_ZH = {ItemStatus.OPEN: "整改中", ItemStatus.SUBMITTED: "待核验", ItemStatus.CLOSED: "已销号"}


def ledger_items(user, org: Organisation, year: int | None):
    """The items of the unit's subtree the user may see, recorded in `year` (every year when None)."""
    items = Item.objects.visible_to(user).filter(subtree_q(org.path, "organisation__"))
    return items.filter(created_on__year=year) if year else items


def _percent(stats: Stats) -> str:
    return "" if stats.closure_percent is None else f"{stats.closure_percent}%"


def _median(stats: Stats) -> str:
    days = stats.median_days
    return "" if days is None else f"{days:g}"


def _item_rows(items, today) -> Iterator[Item]:
    yield from (
        items.select_related("organisation", "owner", "member", "department", "closed_by")
        .order_by("organisation__path", "source", "due_on", "pk")
        .iterator(chunk_size=1000)
    )


def _status_label(item: Item, today) -> str:
    return _("Overdue") if item.is_overdue(today) else str(item.get_status_display())


def _status_zh(item: Item, today) -> str:
    return "已逾期" if item.is_overdue(today) else STATUS_ZH[item.status]


def _verifier(item: Item) -> str:
    user = item.closed_by
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def ledger_sheets(table: LedgerTable, items, today) -> list[Sheet]:
    counts = [
        _("Items"), _("Being rectified"), _("Overdue"), _("Awaiting verification"), pgettext("rectification", "Closed"),
        _("Closure rate"), _("Median days to close"),
    ]  # fmt: skip

    def figures(stats: Stats) -> list:
        return [
            stats.total, stats.open, stats.overdue, stats.submitted, stats.closed, _percent(stats), _median(stats)
        ]  # fmt: skip

    def summary() -> Iterable[list]:
        for line in table.units:
            for value, label in table.sources:
                if value in line.cells:
                    yield [line.organisation.name, label, *figures(line.cells[value])]
            yield [line.organisation.name, _("All sources"), *figures(line.total)]
        for value, label in table.sources:
            yield [_("All units"), label, *figures(table.by_source[value])]
        yield [_("All units"), _("All sources"), *figures(table.total)]

    def listing() -> Iterable[list]:
        for item in _item_rows(items, today):
            yield [
                item.organisation.name,
                str(item.get_source_display()),
                item.source_title,
                item.problem,
                item.member.name if item.member_id else _("The unit as a whole"),
                item.measures,
                item.owner.name,
                item.department.name if item.department_id else "",
                item.due_on,
                _status_label(item, today),
                item.submitted_on,
                item.result,
                item.closed_on,
                _verifier(item),
                item.reopened,
                item.created_on,
            ]

    return [
        Sheet(
            title=_("Ledger"),
            headers=[_("Unit"), pgettext("rectification", "Source"), *counts],
            rows=summary(),
            widths=[28, 26, 8, 10, 8, 12, 8, 10, 12],
        ),
        Sheet(
            title=_("Items"),
            headers=[
                _("Unit"), pgettext("rectification", "Source"), _("Source document"), _("Problem"), _("Whose problem"),
                _("Rectification measures"), _("Person responsible"), _("Responsible department"), _("Deadline"),
                _("Status"), _("Reported rectified on"), _("What was done"), _("Closed on"), _("Verified by"),
                _("Times reopened"), _("Recorded on"),
            ],
            rows=listing(),
            widths=[24, 16, 24, 48, 14, 40, 12, 14, 12, 12, 12, 40, 12, 12, 8, 12],
        ),
    ]  # fmt: skip


def ledger_document(org: Organisation, year: int | None, table: LedgerTable, items, today, progress=None):
    """整改工作台账: the table by unit, then every item, numbered."""
    doc = docx.document_new(margins_cm=2)
    docx.add_title(doc, "整改工作台账", size=20)
    period = f"{year}年度" if year else "全部年度"
    docx.add_paragraph(doc, f"{org.name}　{period}　（截至{today.year}年{today.month}月{today.day}日）", align="center")
    docx.add_paragraph(doc, "一、整改情况汇总", bold=True)
    total = table.total
    docx.add_paragraph(
        doc,
        f"共有整改事项{total.total}项，已核验销号{total.closed}项，待核验{total.submitted}项，整改中{total.open}项"
        f"（其中逾期{total.overdue}项）；销号率{_percent(total) or '—'}，销号平均用时中位数{_median(total) or '—'}天。",
        indent=True,
        size=12,
    )
    docx.add_table(
        doc,
        ["单位", "整改来源", "事项数", "整改中", "逾期", "待核验", "已销号", "销号率", "用时中位数（天）"],
        (
            [line.organisation.name, "合计" if value is None else SOURCE_ZH[value], *_zh_figures(stats)]
            for line in table.units
            for value, stats in [*((v, line.cells[v]) for v, _label in table.sources if v in line.cells),
                                 (None, line.total)]
        ),
        widths_cm=[3.6, 3.0, 1.3, 1.3, 1.2, 1.3, 1.3, 1.4, 1.6],
        size=10,
    )  # fmt: skip
    docx.add_paragraph(doc, "")
    docx.add_paragraph(doc, "二、整改事项明细", bold=True)
    written = 0

    def lines():
        nonlocal written
        for item in _item_rows(items, today):
            written += 1
            if progress and written % 200 == 0:
                progress(written)
            yield [
                str(written),
                item.organisation.name,
                SOURCE_ZH[item.source] + (f"\n{item.source_title}" if item.source_title else ""),
                item.problem,
                item.measures,
                item.owner.name,
                f"{item.due_on:%Y-%m-%d}",
                _status_zh(item, today),
                f"{item.closed_on:%Y-%m-%d}" if item.closed_on else "",
            ]

    docx.add_table(
        doc,
        ["序号", "单位", "来源", "问题", "整改措施", "责任人", "整改时限", "状态", "销号日期"],
        lines(),
        widths_cm=[1.0, 2.4, 2.0, 3.6, 3.2, 1.4, 1.9, 1.3, 1.9],
        size=9,
    )
    docx.add_page_numbers(doc, before="第 ", after=" 页")
    return doc, written


def _zh_figures(stats: Stats) -> list:
    return [
        stats.total, stats.open, stats.overdue, stats.submitted, stats.closed, _percent(stats) or "—",
        _median(stats) or "—",
    ]  # fmt: skip


def ledger_export(
    *, user, org: Organisation, year: int | None, fmt: str, out: IO[bytes], progress: Callable | None = None
) -> int:
    """Write the ledger of the unit's subtree for `year` to `out`; returns the number of items written."""
    today = timezone.localdate()
    items = ledger_items(user, org, year)
    table = ledger_table(items, today=today)
    if fmt == "xlsx":
        write_workbook(out, ledger_sheets(table, items, today), progress=progress)
        count = table.total.total
    elif fmt == "docx":
        doc, count = ledger_document(org, year, table, items, today, progress)
        doc.save(out)
    else:
        raise ValueError(fmt)
    audit_record(
        actor=user, action="rectification.ledger_export", obj=org, changes={"year": year, "format": fmt, "items": count}
    )
    return count
