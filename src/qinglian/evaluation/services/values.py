"""Survey results and manual values: entered one by one (a manual value with its evidence file) or imported from a
workbook, all or nothing.

Only survey and manual indicators take values here: a computed indicator is read from the records each time a panel
or a score is computed, and is refused with where its value comes from. A value belongs to one unit and one period,
a quarter ("2025Q3") or a year ("2025"); its range is checked (no negatives; a percentage within 0–100).

The import follows the house pattern: upload (every row checked, errors by row and column) → confirm (saved in one
transaction, re-checked). The checked rows wait in a core Job's params, owned by the importer.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core.audit import audit_record
from qinglian.core.jobs import job_create
from qinglian.core.models import Job
from qinglian.core.uploads import stored_name, upload_accept
from qinglian.evaluation.models import Indicator, Value
from qinglian.evaluation.permissions import MANAGE
from qinglian.evaluation.services.catalogue import in_force
from qinglian.evaluation.vocab import Source
from qinglian.orgs.access import can, scope_q
from qinglian.orgs.models import Organisation
from qinglian.orgs.services import Conflict
from qinglian.reports.imports import CellError, Column, RowError, parse_workbook, template_sheet
from qinglian.reports.xlsx import XlsxError, workbook_bytes

IMPORT_KIND = "evaluation.value_import"
MAX_ROWS = 5000
ERRORS_KEPT = 500
PREVIEW_ROWS = 50
EVIDENCE_DIR = "evaluation/evidence"
PERIOD_RE = re.compile(r"^\s*(\d{4})(?:\.0)?\s*(?:[-\s]?[Qq]\s*([1-4]))?\s*$")


class ImportState:
    INVALID, READY, DONE = "invalid", "ready", "done"


# --- periods and checks ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSpan:
    key: str
    start: date
    end: date


def period_parse(text) -> PeriodSpan:
    """ "2025Q3" → the third quarter of 2025; "2025" → the year. ValidationError otherwise."""
    if isinstance(text, float) and text.is_integer():
        text = str(int(text))
    match = PERIOD_RE.match(str(text or ""))
    if not match:
        raise ValidationError(_("Write the period as a year (2025) or a quarter (2025Q3)."))
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise ValidationError(_("The year must be between 2000 and 2100."))
    if match.group(2):
        q = int(match.group(2))
        start = date(year, 3 * q - 2, 1)
        end = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
        return PeriodSpan(f"{year}Q{q}", start, date.fromordinal(end.toordinal() - 1))
    return PeriodSpan(str(year), date(year, 1, 1), date(year, 12, 31))


def period_key(value: Value) -> str:
    start, end = value.period_start, value.period_end
    if start.month == 1 and start.day == 1 and end == date(start.year, 12, 31):
        return str(start.year)
    return f"{start.year}Q{(start.month - 1) // 3 + 1}"


def enterable(on: date | None = None) -> list[Indicator]:
    """The indicators that take values by hand: survey and manual leaves in force."""
    on = on or timezone.localdate()
    return [i for i in in_force(on) if i.source in (Source.SURVEY, Source.MANUAL)]


def computed_refusal(indicator: Indicator) -> str:
    return _(
        "“{name}” is computed from the records ({query}) each time scores are computed; it cannot be entered by hand."
    ).format(name=indicator.name, query=indicator.query or _("no query registered"))


def _is_percent(indicator: Indicator) -> bool:
    return indicator.unit.strip() == "%"


def value_problems(indicator: Indicator, value, respondents=None, std_error=None) -> dict[str, str]:
    """What is wrong with a value for this indicator, by field (empty when it may be saved)."""
    problems: dict[str, str] = {}
    if indicator.source not in (Source.SURVEY, Source.MANUAL):
        problems["indicator"] = computed_refusal(indicator)
        return problems
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        problems["value"] = _("Give a number.")
    elif value < 0:
        problems["value"] = _("A value cannot be negative.")
    elif _is_percent(indicator) and value > 100:
        problems["value"] = _("A percentage lies between 0 and 100.")
    if respondents is not None and respondents < 1:
        problems["respondents"] = _("The number of respondents must be at least 1.")
    if std_error is not None and (not math.isfinite(std_error) or std_error < 0):
        problems["std_error"] = _("A standard error cannot be negative.")
    if (respondents is not None or std_error is not None) and indicator.source != Source.SURVEY:
        problems.setdefault("respondents", _("Respondents and standard error belong to survey results only."))
    return problems


def _may(actor, organisation: Organisation) -> None:
    if actor is not None and not can(actor, MANAGE, organisation):
        raise PermissionDenied


def values_visible(user):
    return Value.objects.filter(scope_q(user, "evaluation.view", model=Value))


# --- one value ---------------------------------------------------------------------------------------------------


def _store_evidence(file) -> tuple[str, str]:
    content_type, name, _size = upload_accept(file, field="evidence")
    stored = default_storage.save(f"{EVIDENCE_DIR}/{stored_name(content_type)}", file)
    return stored, name


def _drop_file(name: str) -> None:
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))


@transaction.atomic
def value_create(
    *,
    indicator: Indicator,
    organisation: Organisation,
    period: str,
    value: float,
    respondents: int | None = None,
    std_error: float | None = None,
    note: str = "",
    evidence=None,
    actor,
) -> Value:
    """Enter one survey result or manual value; a manual value needs its evidence file."""
    _may(actor, organisation)
    span = period_parse(period) if not isinstance(period, PeriodSpan) else period
    problems = value_problems(indicator, value, respondents, std_error)
    if indicator.source == Source.MANUAL and evidence is None:
        problems.setdefault("evidence", _("A manual value needs its evidence: attach the file it is taken from."))
    if problems:
        raise ValidationError(problems)
    if Value.objects.filter(
        indicator=indicator, organisation=organisation, period_start=span.start, period_end=span.end
    ).exists():
        raise ValidationError(
            {"period": _("{org} already has a value of this indicator for {period}: edit that one.").format(
                org=organisation.display_name, period=span.key)}
        )  # fmt: skip
    stored, shown = _store_evidence(evidence) if evidence is not None else ("", "")
    try:
        with transaction.atomic():
            row = Value.objects.create(
                indicator=indicator,
                organisation=organisation,
                period_start=span.start,
                period_end=span.end,
                value=float(value),
                respondents=respondents,
                std_error=std_error,
                note=note or "",
                evidence=stored,
                evidence_name=shown,
                entered_by=actor if actor else None,
            )
    except IntegrityError:
        if stored:
            default_storage.delete(stored)
        raise ValidationError({"period": _("A value for this unit, indicator and period was just entered.")}) from None
    audit_record(
        actor=actor,
        action="evaluation.value_create",
        obj=row,
        changes={"indicator": indicator.code, "period": span.key, "value": row.value, "evidence": shown},
    )
    return row


@transaction.atomic
def value_update(
    *,
    row: Value,
    version: int | None,
    value: float,
    respondents: int | None = None,
    std_error: float | None = None,
    note: str = "",
    evidence=None,
    actor,
) -> Value:
    """Change a value (guarded by its version: two people cannot both win); a new evidence file replaces the old."""
    fresh = Value.objects.select_for_update().select_related("indicator", "organisation").get(pk=row.pk)
    _may(actor, fresh.organisation)
    if version is not None and int(version) != fresh.version:
        raise Conflict(_("This value was changed by someone else since you opened it. Reload to see the change."))
    problems = value_problems(fresh.indicator, value, respondents, std_error)
    if problems:
        raise ValidationError(problems)
    changes = {}
    fields = (("value", float(value)), ("respondents", respondents), ("std_error", std_error), ("note", note or ""))
    for name, new in fields:
        if getattr(fresh, name) != new:
            changes[name] = [getattr(fresh, name), new]
            setattr(fresh, name, new)
    if evidence is not None:
        stored, shown = _store_evidence(evidence)
        _drop_file(fresh.evidence)
        changes["evidence"] = [fresh.evidence_name, shown]
        fresh.evidence, fresh.evidence_name = stored, shown
    fresh.entered_by = actor if actor else fresh.entered_by
    fresh.entered_at = timezone.now()
    fresh.version = F("version") + 1
    fresh.save()
    fresh.refresh_from_db()
    audit_record(actor=actor, action="evaluation.value_update", obj=fresh, changes=changes)
    return fresh


@transaction.atomic
def value_delete(*, row: Value, version: int | None, actor) -> None:
    fresh = Value.objects.select_for_update().select_related("indicator").get(pk=row.pk)
    _may(actor, fresh.organisation)
    if version is not None and int(version) != fresh.version:
        raise Conflict(_("This value was changed by someone else since you opened it. Reload to see the change."))
    audit_record(
        actor=actor,
        action="evaluation.value_delete",
        obj=fresh,
        changes={"indicator": fresh.indicator.code, "period": period_key(fresh), "value": fresh.value},
    )
    _drop_file(fresh.evidence)
    fresh.delete()


# --- import ------------------------------------------------------------------------------------------------------


def _number(value):
    if isinstance(value, bool):
        raise CellError(_("Not a number."))
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").rstrip("%").strip()
        try:
            number = float(text)
        except ValueError:
            raise CellError(_("Not a number.")) from None
    if not math.isfinite(number):
        raise CellError(_("Not a number."))
    return number


def _count(value):
    number = _number(value)
    if not number.is_integer():
        raise CellError(_("A count of people is a whole number."))
    return int(number)


def _period(value):
    try:
        return period_parse(value).key
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


def _text(value):
    return str(value).strip()


COLUMNS = [
    Column("unit", gettext_lazy("Unit"), required=True, parse=_text, width=24,
           aliases=("单位", "组织", "单位代码", "unit code", "unit name"),
           help=gettext_lazy("The unit's code, or its name as in the register.")),
    Column("period", gettext_lazy("Period"), required=True, parse=_period, width=10, aliases=("期间", "时期"),
           help=gettext_lazy("A year (2025) or a quarter (2025Q3).")),
    Column("indicator", gettext_lazy("Indicator code"), required=True, parse=_text, width=24,
           aliases=("指标代码", "指标", "indicator")),
    Column("value", gettext_lazy("Value"), required=True, parse=_number, width=10, aliases=("数值", "得分", "值")),
    Column("respondents", gettext_lazy("Respondents"), parse=_count, width=12, aliases=("样本量", "调查人数")),
    Column("std_error", gettext_lazy("Standard error"), parse=_number, width=12, aliases=("标准误", "se")),
]  # fmt: skip
LABELS = {c.key: str(c.header) for c in COLUMNS}


def value_template() -> bytes:
    """The downloadable template, with an example row and the indicators that may be entered."""
    indicators = enterable()
    example_code = indicators[0].code if indicators else "perceptions.internal"
    sheet = template_sheet(_("Survey results"), COLUMNS, [["ROOT", "2025", example_code, 86.5, 120, 1.8]])
    sheet.notes = [
        *sheet.notes,
        "",
        _("The example row shows the format; replace it. At most {n} rows per file.").format(n=MAX_ROWS),
        _("Indicators that take values here:"),
        *[f"{i.code}: {i.name}{' (%)' if _is_percent(i) else ''} — {i.get_source_display()}" for i in indicators],
    ]
    return workbook_bytes([sheet])


def _units_index(actor, scope: Organisation):
    units = Organisation.objects.subtree(scope).active()
    if actor is not None:
        units = units.filter(scope_q(actor, MANAGE, model=Organisation))
    by_code: dict = {}
    by_name: dict[str, list[Organisation]] = {}
    for org in units:
        by_code[org.pk] = org  # a checked row, confirmed, names its unit by id
        if org.code:
            by_code[org.code.strip().lower()] = org
        for name in {org.name, org.short_name}:
            if name:
                by_name.setdefault(name.strip(), []).append(org)
    return by_code, by_name


def _check_rows(actor, scope: Organisation, rows: list[tuple[int, dict]], errors: list[RowError]) -> list[dict]:
    """Resolve and check every parsed row (units, indicators, ranges, duplicates); add errors; return the plan."""
    by_code, by_name = _units_index(actor, scope)
    indicators = {i.code: i for i in in_force(timezone.localdate())}
    # an indicator not in force today may still be valid for the period entered: take every code's latest version
    for i in Indicator.objects.exclude(code__in=list(indicators)).order_by("code", "version"):
        indicators[i.code] = i
    seen: dict[tuple, int] = {}
    plan = []
    for number, record in rows:
        if any(record.get(k) is None for k in ("unit", "period", "indicator", "value")):
            continue  # already reported by the parser
        problems: list[tuple[str, str, str]] = []
        unit_text = record["unit"]
        org = by_code.get(unit_text if isinstance(unit_text, int) else unit_text.lower())
        if org is None:
            named = by_name.get(str(unit_text), [])
            if len(named) > 1:
                problems.append(("unit", unit_text, _("Several units have this name: use the unit's code.")))
            elif named:
                org = named[0]
            else:
                problems.append(("unit", unit_text, _("No unit with this code or name among the units you manage.")))
        indicator = indicators.get(record["indicator"])
        if indicator is None:
            problems.append(("indicator", record["indicator"], _("No indicator has this code.")))
        else:
            for field, message in value_problems(
                indicator, record["value"], record.get("respondents"), record.get("std_error")
            ).items():
                problems.append((field, str(record.get(field if field != "indicator" else "indicator")), message))
        if org is not None and indicator is not None:
            key = (org.pk, record["period"], indicator.code)
            if key in seen:
                problems.append(
                    ("indicator", record["indicator"],
                     _("The same unit, period and indicator as row {row}: one row each.").format(row=seen[key]))
                )  # fmt: skip
            else:
                seen[key] = number
        for field, raw, message in problems:
            errors.append(RowError(number, LABELS.get(field, field), raw, message))
        if not problems:
            plan.append(
                {
                    "row": number,
                    "organisation": org.pk,
                    "unit": org.display_name,
                    "period": record["period"],
                    "indicator": indicator.pk,
                    "code": indicator.code,
                    "value": record["value"],
                    "respondents": record.get("respondents"),
                    "std_error": record.get("std_error"),
                }
            )
    errors.sort(key=lambda e: e.row or 0)
    return plan


@transaction.atomic
def value_import_check(*, scope: Organisation, actor, name: str, data: bytes) -> Job:
    """Check a whole survey file: a Job whose params hold `ready` with the rows, or `invalid` with the errors by row.
    A file that cannot be read as the template is refused at once (ValidationError)."""
    _may(actor, scope)
    name = Path(name or "").name[:200]
    if not name.lower().endswith(".xlsx"):
        raise ValidationError(_("Upload an Excel workbook (.xlsx) made from the template."))
    try:
        parsed = parse_workbook(COLUMNS, data, max_rows=MAX_ROWS)
    except XlsxError as exc:
        raise ValidationError(str(exc)) from None
    if not parsed.rows:
        raise ValidationError(_("The file holds no values: add one row per unit, period and indicator."))
    errors = list(parsed.errors)
    plan = _check_rows(actor, scope, parsed.rows, errors)
    existing = 0
    if not errors:
        for row in plan:
            span = period_parse(row["period"])
            row["update"] = Value.objects.filter(
                indicator_id=row["indicator"], organisation_id=row["organisation"],
                period_start=span.start, period_end=span.end,
            ).exists()  # fmt: skip
            existing += row["update"]
    params = {
        "scope": scope.pk,
        "file_name": name,
        "total": len(parsed.rows),
        "updates": existing,
        "errors": [e.as_dict() for e in errors[:ERRORS_KEPT]],
        "error_count": len(errors),
        "state": ImportState.INVALID if errors else ImportState.READY,
        "rows": plan if not errors else [],
    }
    job = job_create(owner=actor, kind=IMPORT_KIND, title=_("Survey import: {file}").format(file=name), params=params)
    audit_record(
        actor=actor,
        action="evaluation.value_import_check",
        obj=scope,
        changes={"file": name, "rows": len(parsed.rows), "errors": len(errors)},
    )
    return job


def import_job(job_id, user) -> Job | None:
    job = Job.objects.filter(pk=job_id, kind=IMPORT_KIND, owner=user).first() if user.is_authenticated else None
    if job is None:
        return None
    scope = Organisation.objects.filter(pk=job.params.get("scope")).first()
    if scope is None or not can(user, MANAGE, scope):
        return None
    return job


@transaction.atomic
def value_import_confirm(*, job: Job, actor) -> int:
    """Save a checked import, all or nothing: every row is checked again (the register or the values may have
    changed since); returns how many values were saved."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.kind != IMPORT_KIND or job.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied
    scope = Organisation.objects.get(pk=job.params["scope"])
    _may(actor, scope)
    if job.params.get("state") != ImportState.READY:
        raise ValidationError(_("This import has errors or was saved already: upload the file again."))
    rows = job.params.get("rows") or []
    errors: list[RowError] = []
    records = [
        (r["row"], {"unit": r["organisation"], "period": r["period"], "indicator": r["code"],
                    "value": r["value"], "respondents": r.get("respondents"), "std_error": r.get("std_error")})
        for r in rows
    ]  # fmt: skip
    plan = _check_rows(actor, scope, records, errors)
    if errors:
        raise ValidationError(
            [
                _("Row {row}, {column}: {message}").format(row=e.row, column=e.column, message=e.message)
                for e in errors[:20]
            ]
        )
    saved = 0
    for row in plan:
        span = period_parse(row["period"])
        key = {"indicator_id": row["indicator"], "organisation_id": row["organisation"],
               "period_start": span.start, "period_end": span.end}  # fmt: skip
        fields = {
            "value": row["value"],
            "respondents": row.get("respondents"),
            "std_error": row.get("std_error"),
            "entered_by": actor if actor else None,
            "entered_at": timezone.now(),
        }
        if not Value.objects.filter(**key).update(**fields, version=F("version") + 1):
            Value.objects.create(**key, **fields)
        saved += 1
    params = {**job.params, "state": ImportState.DONE, "saved": saved, "rows": []}
    Job.objects.filter(pk=job.pk).update(
        params=params, status=Job.Status.DONE, done=saved, total=saved, finished_at=timezone.now()
    )
    audit_record(
        actor=actor,
        action="evaluation.value_import_confirm",
        obj=scope,
        changes={"file": job.params.get("file_name"), "saved": saved, "updated": job.params.get("updates", 0)},
    )
    return saved


def evidence_path_ok(value: Value) -> bool:
    return bool(value.evidence) and default_storage.exists(value.evidence)


__all__ = [
    "COLUMNS",
    "ImportState",
    "PeriodSpan",
    "computed_refusal",
    "enterable",
    "import_job",
    "period_key",
    "period_parse",
    "value_create",
    "value_delete",
    "value_import_check",
    "value_import_confirm",
    "value_problems",
    "value_template",
    "value_update",
    "values_visible",
]
