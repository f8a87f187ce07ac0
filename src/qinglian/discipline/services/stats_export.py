"""The four-forms statistics as office files: a workbook (.xlsx) with one sheet per table, and a Word report (.docx)
with the one-sentence summary and the tables, as units send them up. Headers follow the language of the person who
asked. Statistics over many outcomes are written by a background job whose progress the person watches (core.jobs).
"""

from __future__ import annotations

import io

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.jobs import job_create, job_enqueue
from qinglian.core.models import Job
from qinglian.discipline.services.stats import Statistics, Table
from qinglian.discipline.vocab import Source
from qinglian.reports.docx import add_paragraph, add_table, add_title, document_bytes, document_new
from qinglian.reports.xlsx import Sheet, Styled, write_workbook

JOB_KIND = "discipline.stats_export"
FORMATS = ("xlsx", "docx")
# Up to this many outcome rows the file is written while the page waits; above it, by a job.
INLINE_MAX = 20_000
TOTAL_FILL = "FDECEA"


def title() -> str:
    return _("Use of the four forms of supervision and discipline: criticism, education, help and handling")


def period_text(stats: Statistics) -> str:
    flt = stats.filters
    scope = flt.org.display_name if flt.org else _("all units within your scope")
    text = _("{scope}, outcomes decided from {start} to {end}").format(
        scope=scope, start=flt.date_from.isoformat(), end=flt.date_to.isoformat()
    )
    if flt.source:
        text += _(", source: {source}").format(source=Source(flt.source).label)
    return text


def form_headers(first: str) -> list[str]:
    return [
        first, _("Total (person-times)"),
        _("First form"), _("Share"), _("Second form"), _("Share"),
        _("Third form"), _("Share"), _("Fourth form"), _("Share"),
    ]  # fmt: skip


def _share(value: float | None) -> str:
    return f"{value:.1f}%" if value is not None else "—"


def table_rows(table: Table) -> list[list]:
    rows = []
    for row in [*table.rows, table.total]:
        line: list = [row.label, row.total]
        for count, share in row.cells:
            line += [count, _share(share)]
        rows.append(line)
    return rows


def handling_rows(stats: Statistics) -> list[list]:
    h = stats.handling
    rows: list[list] = [[_("Clues received (repeated reports not counted)"), h.received_total]]
    rows += [["　" + label, n] for label, n in h.received]
    rows.append([_("Repeated reports linked to a clue (not counted)"), h.repeated])
    rows.append([_("Clues disposed (approved disposals)"), h.disposed_total])
    rows += [["　" + label, n] for label, n in h.disposed]
    rows += [
        [_("Clues cleared or closed without a measure"), h.cleared],
        [_("Cases filed"), h.cases_filed],
        [_("Cases closed"), h.cases_closed],
        [_("Transferred to judicial organs"), h.judicial],
        [_("Clues referred to another body"), h.referred],
    ]
    return rows


def _bold_total(rows: list[list]) -> list[list]:
    *body, total = rows
    return [*body, [Styled(v, fill=TOTAL_FILL, bold=True) for v in total]]


def stats_sheets(stats: Statistics) -> list[Sheet]:
    widths = [28, 12, 10, 8, 10, 8, 10, 8, 10, 8]
    notes = [title(), period_text(stats), stats.summary, _(
        "Persons-times: one person on one clue counts once, under the heaviest form of their outcomes in the period; "
        "outcomes replaced on appeal are not counted."
    )]  # fmt: skip
    return [
        Sheet(
            title=_("By unit"),
            headers=form_headers(_("Unit of the person")),
            rows=_bold_total(table_rows(stats.units)),
            widths=widths,
            notes=notes,
        ),
        Sheet(_("By period"), form_headers(_("Period")), _bold_total(table_rows(stats.periods)), widths),
        Sheet(_("By source"), form_headers(_("Source")), _bold_total(table_rows(stats.sources)), widths),
        Sheet(_("Clue handling"), [_("Item"), _("Number")], handling_rows(stats), [44, 12]),
    ]


def stats_xlsx(stats: Statistics) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, stats_sheets(stats))
    return buffer.getvalue()


def stats_docx(stats: Statistics) -> bytes:
    doc = document_new(margins_cm=2.0)
    add_title(doc, title(), size=18)
    add_paragraph(doc, period_text(stats), size=12, align="center")
    add_paragraph(doc, stats.summary, size=14, indent=True)
    widths = [3.6] + [1.46] * 9
    for heading, first, table in (
        (_("By the unit of the person"), _("Unit"), stats.units),
        (_("By period"), _("Period"), stats.periods),
        (_("By source"), _("Source"), stats.sources),
    ):
        add_paragraph(doc, heading, size=14, bold=True)
        add_table(doc, form_headers(first), table_rows(table), widths_cm=widths, size=9)
    add_paragraph(doc, _("Clue handling"), size=14, bold=True)
    add_table(doc, [_("Item"), _("Number")], handling_rows(stats), widths_cm=[12.0, 5.0], size=10)
    add_paragraph(
        doc,
        _("Counted on {day}. Persons-times: one person on one clue counts once, under the heaviest form.").format(
            day=timezone.localdate().isoformat()
        ),
        size=10,
    )
    return document_bytes(doc)


def stats_file(stats: Statistics, fmt: str) -> bytes:
    return stats_xlsx(stats) if fmt == "xlsx" else stats_docx(stats)


def file_name(fmt: str) -> str:
    return f"{_('four-forms-statistics')}-{timezone.localdate():%Y%m%d}.{fmt}"


def stats_export(*, user, stats: Statistics, fmt: str) -> bytes:
    """The file, with its audit event (the filters, never the rows)."""
    data = stats_file(stats, fmt)
    audit_record(
        actor=user,
        action="discipline.stats.export",
        changes={"format": fmt, **stats.filters.as_params()},
        sealed=True,
    )
    return data


def stats_job_start(*, owner, params: dict, fmt: str, lang: str) -> Job:
    """Queue a large export; the job's page shows progress and offers the file when done."""
    job = job_create(
        owner=owner,
        kind=JOB_KIND,
        title=_("Four-forms statistics (.{fmt})").format(fmt=fmt),
        params={"filters": params, "format": fmt, "lang": lang},
    )
    from qinglian.discipline.tasks import stats_export_job

    return job_enqueue(stats_export_job, job)


def stats_job_write(job: Job, stats: Statistics) -> str:
    """Write a job's file into EXPORT_DIR; returns its name."""
    fmt = job.params["format"]
    settings.EXPORT_DIR.mkdir(parents=True, exist_ok=True)
    name = f"four-forms-{timezone.now():%Y%m%d-%H%M%S}-{str(job.pk)[:8]}.{fmt}"
    (settings.EXPORT_DIR / name).write_bytes(stats_export(user=job.owner, stats=stats, fmt=fmt))
    return name
