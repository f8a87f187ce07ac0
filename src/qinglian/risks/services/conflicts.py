"""Conflict-of-interest checks: the supplier register, its import, the check that matches it against what cadres
declared, and the decisions people take on the matches.

Everything here needs risks.conflicts at the organisation concerned. A check reads the cadres of the agency's
subtree (their latest integrity-file sections on family members and personal matters submitted at least once, and
their own identity number from the register) and the suppliers registered in that subtree, hands both to the
pure engine (`risks.matching`) and stores its matches. A match is a lead for discipline inspection to check and
decide — confirmed or dismissed, always with a note — and is never sent to the cadre nor shown to anyone else.
A decision taken on a match is carried over to the identical match of later checks, so nobody decides the same
thing twice; a match whose evidence changed (another legal representative, another declaration) is new.

The import follows the house pattern: upload (every row checked; errors by row and column; a preview) → confirm
→ save all-or-nothing, inline for a small file, as a background job with progress for a large one.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core import crypto
from qinglian.core.audit import audit_record
from qinglian.core.jobs import job_create, job_enqueue
from qinglian.core.lib import idcard
from qinglian.core.models import Job
from qinglian.core.rules import rule_value
from qinglian.core.uploads import write_file
from qinglian.orgs.access import can
from qinglian.orgs.models import Member, Organisation, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.orgs.services.imports import ID_PROBLEMS
from qinglian.reports.bulk import bulk_insert
from qinglian.reports.imports import CellError, Column, RowError, parse_text, parse_workbook, template_sheet
from qinglian.reports.xlsx import XlsxError, workbook_bytes
from qinglian.risks import tasks
from qinglian.risks.matching import BUSINESS, FAMILY, SELF, Declaration, SupplierIndex, SupplierRecord, find_matches
from qinglian.risks.models import ConflictCheck, ConflictMatch, FileSection, IntegrityFile, Supplier
from qinglian.risks.names import credit_code_error, credit_code_make, normalise_company, normalise_credit_code
from qinglian.risks.vocab import MatchStatus, SectionKind, SectionStatus, SupplierKind

CONFLICTS = "risks.conflicts"
IMPORT_KIND = "risks.supplier_import"
CHECK_KIND = "risks.conflict_check"
MAX_ROWS = 200_000
ERRORS_KEPT = 1000
PREVIEW_ROWS = 20
INLINE_ROWS = 2000  # a larger confirmed import is saved by the worker, with progress
CHUNK = 500  # values per IN (...) lookup: well under SQLite's 999 parameters
# A check takes seconds; one not finished after this was abandoned (the worker stopped) and blocks nothing.
RUN_LIMIT = timedelta(hours=1)
SEPARATORS = re.compile(r"[,，、;；/\s]+")


class ImportState:
    INVALID, READY, IMPORTING, DONE, FAILED = "invalid", "ready", "importing", "done", "failed"


def _may(actor, obj) -> None:
    """Refuse an actor without risks.conflicts there (None is the system: demo data, the worker)."""
    if actor is not None and not can(actor, CONFLICTS, obj):
        raise PermissionDenied(_("Only discipline inspection may keep the supplier register and run checks."))


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- the supplier register --------------------------------------------------------------------------------------


def _id_number(value: str) -> str:
    try:
        return idcard.validate(value)
    except idcard.IdNumberError as exc:
        raise ValidationError({"legal_rep_id_number": str(ID_PROBLEMS[exc.code])}) from None


def shareholders_text(value: str) -> str:
    """Shareholders' names as one list, whatever separated them (commas, 、, semicolons, spaces)."""
    return "、".join(dict.fromkeys(name for name in SEPARATORS.split(value or "") if name))


def shareholder_names(text: str) -> tuple[str, ...]:
    return tuple(name for name in SEPARATORS.split(text or "") if name)


def supplier_token(supplier: Supplier) -> str:
    """A short fingerprint of the supplier's current values: the edit form sends it back, so that two people
    editing at once cannot both win (the register has no version column)."""
    values = [
        supplier.name, supplier.credit_code, supplier.kind, supplier.legal_representative,
        supplier.legal_rep_id_index, supplier.shareholders, supplier.business,
    ]  # fmt: skip
    return crypto.digest(json.dumps(values, ensure_ascii=False))[:16]


def _supplier_values(
    *, name: str, credit_code: str, kind: str, legal_representative: str, legal_rep_id_number: str,
    shareholders: str, business: str,
) -> dict:  # fmt: skip
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the company's name.")
    elif not normalise_company(name):
        errors["name"] = _("“{name}” has no trade name left once place and form are taken away.").format(name=name)
    code = normalise_credit_code(credit_code or "")
    if code and (message := credit_code_error(code)):
        errors["credit_code"] = message
    if kind not in SupplierKind.values:
        errors["kind"] = _("Choose supplier, contractor or service provider.")
    legal_representative = (legal_representative or "").strip()
    number = (legal_rep_id_number or "").strip()
    if number and not legal_representative:
        errors["legal_representative"] = _("Give the legal representative's name with the identity number.")
    if errors:
        raise ValidationError(errors)
    values = {
        "name": name[:200],
        "name_key": normalise_company(name)[:200],
        "credit_code": code,
        "kind": kind,
        "legal_representative": legal_representative[:60],
        "shareholders": shareholders_text(shareholders)[:500],
        "business": (business or "").strip()[:200],
    }
    if number:
        number = _id_number(number)
        values["legal_rep_id_index"] = crypto.blind_index(idcard.normalise(number))
        values["legal_rep_id_masked"] = idcard.mask(number)
    return values


def _code_taken(organisation: Organisation, code: str, exclude: int | None = None) -> None:
    if not code:
        return
    clash = Supplier.objects.filter(organisation=organisation, credit_code=code).exclude(pk=exclude).first()
    if clash is not None:
        raise ValidationError(
            {"credit_code": _("“{name}” already has this code in the register.").format(name=clash.name)}
        )


@transaction.atomic
def supplier_create(
    *,
    organisation: Organisation,
    actor,
    name: str,
    credit_code: str = "",
    kind: str = SupplierKind.SUPPLIER,
    legal_representative: str = "",
    legal_rep_id_number: str = "",
    shareholders: str = "",
    business: str = "",
) -> Supplier:
    """Add a supplier to an agency's register; a credit code must pass its check character and be new there."""
    _may(actor, organisation)
    values = _supplier_values(
        name=name, credit_code=credit_code, kind=kind, legal_representative=legal_representative,
        legal_rep_id_number=legal_rep_id_number, shareholders=shareholders, business=business,
    )  # fmt: skip
    _code_taken(organisation, values["credit_code"])
    supplier = Supplier.objects.create(organisation=organisation, **values)
    audit_record(
        actor=actor,
        action="risks.supplier_create",
        obj=supplier,
        changes={"credit_code": supplier.credit_code, "kind": supplier.kind},
    )
    return supplier


@transaction.atomic
def supplier_update(
    *,
    supplier: Supplier,
    actor,
    token: str | None,
    name: str,
    credit_code: str = "",
    kind: str = SupplierKind.SUPPLIER,
    legal_representative: str = "",
    legal_rep_id_number: str = "",
    shareholders: str = "",
    business: str = "",
) -> Supplier:
    """Change a supplier. An empty identity number keeps the one on record unless the legal representative
    changes (a new person's number is not the old one's). `token` is `supplier_token` as the editor read it."""
    supplier = Supplier.objects.select_for_update().select_related("organisation").get(pk=supplier.pk)
    _may(actor, supplier)
    if token is not None and token != supplier_token(supplier):
        raise Conflict(
            _(
                "Someone else changed this supplier while you were editing it, so your changes were not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    values = _supplier_values(
        name=name, credit_code=credit_code, kind=kind, legal_representative=legal_representative,
        legal_rep_id_number=legal_rep_id_number, shareholders=shareholders, business=business,
    )  # fmt: skip
    if "legal_rep_id_index" not in values and values["legal_representative"] != supplier.legal_representative:
        values.update(legal_rep_id_index="", legal_rep_id_masked="")
    _code_taken(supplier.organisation, values["credit_code"], exclude=supplier.pk)
    changes = {key: [getattr(supplier, key), value] for key, value in values.items() if getattr(supplier, key) != value}
    if not changes:
        return supplier
    if "legal_rep_id_index" in changes:  # the audit trail says the number changed, not what it is
        changes["legal_rep_id_index"] = True
    for key, value in values.items():
        setattr(supplier, key, value)
    supplier.save()
    audit_record(actor=actor, action="risks.supplier_update", obj=supplier, changes=changes)
    return supplier


@transaction.atomic
def supplier_delete(*, supplier: Supplier, actor) -> None:
    """Take a supplier off the register, with its undecided matches; refused once a match on it was decided
    (the decision and its note are a record)."""
    supplier = Supplier.objects.select_for_update().select_related("organisation").get(pk=supplier.pk)
    _may(actor, supplier)
    if supplier.matches.exclude(status=MatchStatus.PENDING).exists():
        raise ValidationError(
            _("A possible conflict with “{name}” has been decided: the supplier stays on the register.").format(
                name=supplier.name
            )
        )
    audit_record(
        actor=actor,
        action="risks.supplier_delete",
        obj=supplier,
        changes={"name": supplier.name, "credit_code": supplier.credit_code},
    )
    supplier.delete()


# --- the import -------------------------------------------------------------------------------------------------

KIND_WORDS = {
    "供应商": SupplierKind.SUPPLIER, "供货商": SupplierKind.SUPPLIER, "supplier": SupplierKind.SUPPLIER,
    "承包商": SupplierKind.CONTRACTOR, "施工单位": SupplierKind.CONTRACTOR, "contractor": SupplierKind.CONTRACTOR,
    "服务商": SupplierKind.SERVICE, "服务提供商": SupplierKind.SERVICE, "service": SupplierKind.SERVICE,
    "service provider": SupplierKind.SERVICE,
}  # fmt: skip
KIND_TEXT = {SupplierKind.SUPPLIER: "供应商", SupplierKind.CONTRACTOR: "承包商", SupplierKind.SERVICE: "服务商"}


def _parse_code(value: Any) -> str:
    code = normalise_credit_code(str(value))
    message = credit_code_error(code)
    if message:
        raise CellError(message)
    return code


def _parse_kind(value: Any) -> str:
    kind = KIND_WORDS.get(str(value).strip().lower())
    if kind is None:
        raise CellError(_("Write 供应商 (supplier), 承包商 (contractor) or 服务商 (service provider)."))
    return kind


def _parse_id(value: Any) -> str:
    try:
        return idcard.validate(str(value))
    except idcard.IdNumberError as exc:
        raise CellError(str(ID_PROBLEMS[exc.code])) from None


def _parse_shareholders(value: Any) -> str:
    text = shareholders_text(str(value))
    if len(text) > 500:
        raise CellError(_("Longer than {n} characters.").format(n=500))
    return text


def _parse_name(value: Any) -> str:
    name = parse_text(200)(value)
    if not normalise_company(name):
        raise CellError(_("No trade name is left once place and form are taken away."))
    return name


COLUMNS = [
    Column(
        "name", gettext_lazy("Company name"), required=True, parse=_parse_name, width=34,
        aliases=("企业名称", "公司名称", "单位名称", "供应商名称", "名称", "name"),
    ),
    Column(
        "credit_code", gettext_lazy("Unified social credit code"), parse=_parse_code, width=24,
        aliases=("统一社会信用代码", "社会信用代码", "信用代码", "credit code"),
        help=gettext_lazy("18 characters; the last is a check character. A supplier already in the register with "
                          "this code is updated."),
    ),
    Column(
        "kind", gettext_lazy("Kind"), parse=_parse_kind, width=10, aliases=("类别", "类型", "kind"),
        help=gettext_lazy("供应商, 承包商 or 服务商; empty means 供应商."),
    ),
    Column(
        "legal_representative", gettext_lazy("Legal representative"), parse=parse_text(60), width=12,
        aliases=("法定代表人", "法人代表", "法人", "legal representative"),
    ),
    Column(
        "legal_rep_id_number", gettext_lazy("Legal representative's ID number"), parse=_parse_id, width=22,
        aliases=("法定代表人身份证号", "法定代表人身份证号码", "法人身份证号", "legal representative id number"),
        help=gettext_lazy("18 characters, typed as text. Kept only as a digest to match on, and masked."),
    ),
    Column(
        "shareholders", gettext_lazy("Shareholders"), parse=_parse_shareholders, width=26,
        aliases=("股东", "股东姓名", "shareholders"), help=gettext_lazy("Names, separated by 、 or commas."),
    ),
    Column(
        "business", gettext_lazy("Business with the agency"), parse=parse_text(200), width=26,
        aliases=("业务往来", "业务内容", "合作业务", "business"),
    ),
]  # fmt: skip
COLUMN_LABELS = {column.key: column for column in COLUMNS}


def supplier_template() -> bytes:
    """The downloadable template: the columns, notes and an example row with a valid code."""
    example = [
        "北京恒信达科技有限公司", credit_code_make("91110108MA01ABCD1"), "供应商", "张三",
        idcard.make("110101", date(1980, 5, 1), 123), "张三、李四", "办公设备采购",
    ]  # fmt: skip
    sheet = template_sheet(_("Suppliers"), COLUMNS, [example])
    sheet.notes = [
        *sheet.notes,
        "",
        _("The example row shows the format; replace it."),
        _("At most {n} rows per file.").format(n=MAX_ROWS),
    ]
    return workbook_bytes([sheet])


def _row_check(number: int, record: dict) -> list[tuple[str, str]]:
    if record.get("legal_rep_id_number") and not record.get("legal_representative"):
        return [("legal_representative", _("Give the legal representative's name with the identity number."))]
    return []


def _imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _plan_path(job: Job) -> Path:
    return _imports_dir() / job.params["stored_as"]


def _existing(organisation: Organisation, codes: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        found.update(
            Supplier.objects.filter(organisation=organisation, credit_code__in=chunk).values_list("credit_code", "pk")
        )
    return found


@transaction.atomic
def supplier_import_upload(*, organisation: Organisation, actor, name: str, data: bytes, lang: str = "") -> Job:
    """Check a whole supplier file and keep it for confirmation: a Job whose params hold the state (`ready` with a
    preview, or `invalid` with the errors by row and column). A file that cannot be read as the template — not an
    .xlsx, damaged, other headers, no rows — is refused at once with a ValidationError naming the problem."""
    _may(actor, organisation)
    name = Path(name or "").name[:200]
    if not name.lower().endswith(".xlsx"):
        raise ValidationError(_("Upload an Excel workbook (.xlsx) made from the template."))
    try:
        parsed = parse_workbook(COLUMNS, data, max_rows=MAX_ROWS, row_check=_row_check)
    except XlsxError as exc:
        raise ValidationError(str(exc)) from None
    if not parsed.rows:
        raise ValidationError(_("The file holds no suppliers: add one row per supplier under the headers."))
    errors = list(parsed.errors)
    first_row: dict[str, int] = {}
    label = str(COLUMN_LABELS["credit_code"].header)
    for number, record in parsed.rows:
        code = record.get("credit_code")
        if not code:
            continue
        if code in first_row:
            message = _("The same code as row {row}: one row per supplier.").format(row=first_row[code])
            errors.append(RowError(number, label, code, message))
        else:
            first_row[code] = number
    errors.sort(key=lambda e: e.row or 0)
    existing = _existing(organisation, list(first_row)) if not errors else {}
    params = {
        "organisation": organisation.pk,
        "file_name": name,
        "lang": lang,
        "total": len(parsed.rows),
        "updates": len(existing),
        "errors": [e.as_dict() for e in errors[:ERRORS_KEPT]],
        "error_count": len(errors),
        "state": ImportState.INVALID if errors else ImportState.READY,
    }
    if not errors:
        params["stored_as"] = f"{uuid.uuid4().hex}.suppliers.json"
        params["preview"] = [
            {
                "row": number,
                "name": record["name"],
                "credit_code": record.get("credit_code") or "",
                "kind": str(SupplierKind(record.get("kind") or SupplierKind.SUPPLIER).label),
                "legal_representative": record.get("legal_representative") or "",
                "id_masked": idcard.mask(record["legal_rep_id_number"]) if record.get("legal_rep_id_number") else "",
                "update": bool(record.get("credit_code") and record["credit_code"] in existing),
            }
            for number, record in parsed.rows[:PREVIEW_ROWS]
        ]
    job = job_create(owner=actor, kind=IMPORT_KIND, title=_("Supplier import: {file}").format(file=name), params=params)
    if not errors:
        _imports_dir().mkdir(parents=True, exist_ok=True)
        plan = [{"row": number, **record} for number, record in parsed.rows]
        write_file(_plan_path(job), json.dumps(plan, ensure_ascii=False))
    Job.objects.filter(pk=job.pk).update(total=len(parsed.rows))
    job.total = len(parsed.rows)
    audit_record(
        actor=actor,
        action="risks.supplier_import_upload",
        obj=organisation,
        changes={"file": name, "rows": len(parsed.rows), "errors": len(errors)},
    )
    return job


def import_organisation(job: Job) -> Organisation:
    return Organisation.objects.get(pk=job.params["organisation"])


def import_is_large(job: Job) -> bool:
    return job.params.get("total", 0) > INLINE_ROWS


@transaction.atomic
def supplier_import_confirm(*, job: Job, actor) -> Job:
    """Accept a checked import: it moves to `importing`. Then `supplier_import_start` saves it (inline when small,
    by the worker when large)."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.kind != IMPORT_KIND or job.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied
    organisation = import_organisation(job)
    _may(actor, organisation)
    if job.params.get("state") != ImportState.READY:
        raise ValidationError(_("This import is not ready to be saved."))
    job.params["state"] = ImportState.IMPORTING
    job.save(update_fields=["params"])
    audit_record(
        actor=actor,
        action="risks.supplier_import_confirm",
        obj=organisation,
        changes={"file": job.params["file_name"], "rows": job.params["total"]},
    )
    return job


def supplier_import_start(*, job: Job, actor) -> Job:
    """Save a confirmed import now (a small file) or queue it for the worker (a large one)."""
    if import_is_large(job):
        return job_enqueue(tasks.supplier_import_job, job)
    try:
        return supplier_import_run(job=job, actor=actor)
    except ValidationError as exc:
        supplier_import_fail(job=job, message=" ".join(exc.messages))
        job.refresh_from_db()
        return job


def supplier_import_run(*, job: Job, actor, progress: Callable[[int, int], None] | None = None) -> Job:
    """Save a confirmed import in one transaction (all or nothing); the job's params get the counts."""
    job = Job.objects.get(pk=job.pk)
    if job.params.get("state") != ImportState.IMPORTING:
        raise ValidationError(_("This import has not been confirmed."))
    organisation = import_organisation(job)
    _may(actor, organisation)
    try:
        rows = json.loads(_plan_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ValidationError(_("The checked file is no longer there: upload it again.")) from None
    created, updated = suppliers_import(
        organisation=organisation, rows=rows, actor=actor, progress=progress, file_name=job.params["file_name"]
    )
    job.params.update(state=ImportState.DONE, created=created, updated=updated)
    Job.objects.filter(pk=job.pk).update(
        params=job.params, status=Job.Status.DONE, done=created + updated, finished_at=timezone.now()
    )
    _plan_path(job).unlink(missing_ok=True)
    job.refresh_from_db()
    return job


def supplier_import_fail(*, job: Job, message: str) -> None:
    job.params.update(state=ImportState.FAILED, errors=[RowError(None, "", "", message).as_dict()], error_count=1)
    Job.objects.filter(pk=job.pk).update(params=job.params)


SUPPLIER_COLUMNS = [
    "organisation", "name", "name_key", "credit_code", "kind", "legal_representative", "legal_rep_id_index",
    "legal_rep_id_masked", "shareholders", "business", "batch", "created_at",
]  # fmt: skip


@transaction.atomic
def suppliers_import(
    *,
    organisation: Organisation,
    rows: list[dict],
    actor,
    progress: Callable[[int, int], None] | None = None,
    file_name: str = "",
) -> tuple[int, int]:
    """Add checked rows to the register, updating the supplier that has a row's code; returns (added, updated).
    One audit event for the whole import."""
    report = progress or (lambda done, total: None)
    _may(actor, organisation)
    total = len(rows)
    report(0, total)
    now = timezone.now()
    batch = f"{file_name[:40]} {timezone.localtime(now):%Y-%m-%d %H:%M}"[:60]
    existing = _existing(organisation, [row["credit_code"] for row in rows if row.get("credit_code")])
    fresh, changed = [], []
    for done, row in enumerate(rows, start=1):
        number = row.get("legal_rep_id_number") or ""
        values = {
            "name": row["name"],
            "name_key": normalise_company(row["name"])[:200],
            "credit_code": row.get("credit_code") or "",
            "kind": row.get("kind") or SupplierKind.SUPPLIER,
            "legal_representative": row.get("legal_representative") or "",
            "legal_rep_id_index": crypto.blind_index(idcard.normalise(number)) if number else "",
            "legal_rep_id_masked": idcard.mask(number) if number else "",
            "shareholders": row.get("shareholders") or "",
            "business": row.get("business") or "",
            "batch": batch,
        }
        if values["credit_code"] in existing:
            changed.append((existing[values["credit_code"]], values))
        else:
            fresh.append(values)
        if done % 5000 == 0:
            report(done, total)
    if changed:
        suppliers = {}
        ids = [pk for pk, _values in changed]
        for start in range(0, len(ids), CHUNK):
            suppliers.update(Supplier.objects.in_bulk(ids[start : start + CHUNK]))
        objects = []
        for pk, values in changed:
            supplier = suppliers[pk]
            for key, value in values.items():
                setattr(supplier, key, value)
            objects.append(supplier)
        Supplier.objects.bulk_update(objects, [name for name in SUPPLIER_COLUMNS[1:-1]], batch_size=1000)
    if fresh:
        try:
            bulk_insert(
                Supplier,
                SUPPLIER_COLUMNS,
                ((organisation.pk, *(v[name] for name in SUPPLIER_COLUMNS[1:-1]), now) for v in fresh),
            )
        except IntegrityError:
            raise ValidationError(
                _("Someone else added a supplier with one of these codes in the meantime: upload the file again.")
            ) from None
    report(total, total)
    audit_record(
        actor=actor,
        action="risks.supplier_import",
        obj=organisation,
        changes={"file": file_name, "created": len(fresh), "updated": len(changed)},
    )
    return len(fresh), len(changed)


# --- declarations and suppliers as the engine reads them ---------------------------------------------------------

DECLARED_KINDS = (SectionKind.FAMILY, SectionKind.PERSONAL_MATTERS)


def declarations_read(organisation: Organisation) -> list[Declaration]:
    """What the cadres of the subtree declared: from each cadre's latest family and personal-matters sections
    submitted at least once, plus the cadre's own identity number from the register."""
    cadres = Member.objects.in_subtree(organisation).on_register()
    sections = (
        FileSection.objects.filter(kind__in=DECLARED_KINDS, file__member__in=cadres)
        .exclude(status=SectionStatus.DRAFT)
        .order_by("file__member_id", "kind", "-file__year")
        .values_list("file__member_id", "file__year", "kind", "data")
    )
    latest: dict[tuple[int, str], tuple[int, dict]] = {}
    for member_id, year, kind, data in sections:
        latest.setdefault((member_id, kind), (year, data or {}))
    declarations = []
    for (member_id, kind), (year, data) in latest.items():
        if kind == SectionKind.FAMILY:
            for row in data.get("members") or ():
                name = str(row.get("name") or "").strip()
                if not name:
                    continue
                declarations.append(
                    Declaration(
                        member_id=member_id,
                        source=FAMILY,
                        relation=str(row.get("relation") or ""),
                        person=name,
                        person_index=str(row.get("id_number_index") or ""),
                        person_masked=str(row.get("id_number_masked") or ""),
                        employer=str(row.get("employer") or "").strip(),
                        year=year,
                    )
                )
        else:
            for row in data.get("businesses") or ():
                company = str(row.get("company") or "").strip()
                code = normalise_credit_code(str(row.get("credit_code") or ""))
                if not company and not code:
                    continue
                declarations.append(
                    Declaration(
                        member_id=member_id,
                        source=BUSINESS,
                        relation=str(row.get("relation") or ""),
                        person=str(row.get("person") or "").strip(),
                        company=company,
                        credit_code=code,
                        role=str(row.get("role") or ""),
                        year=year,
                    )
                )
    with_files = IntegrityFile.objects.filter(member__in=cadres).values("member_id")
    selves = cadres.filter(pk__in=with_files).exclude(id_number_index="")
    for member_id, name, index, masked in selves.values_list("pk", "name", "id_number_index", "id_number_masked"):
        declarations.append(
            Declaration(member_id=member_id, source=SELF, relation=SELF, person=name, person_index=index,
                        person_masked=masked)
        )  # fmt: skip
    return declarations


def supplier_records(organisation: Organisation) -> list[SupplierRecord]:
    rows = Supplier.objects.filter(subtree_q(organisation.path, "organisation__")).values_list(
        "pk", "name", "name_key", "credit_code", "legal_representative", "legal_rep_id_index",
        "legal_rep_id_masked", "shareholders",
    )  # fmt: skip
    return [
        SupplierRecord(pk, name, key, code, rep, index, masked, shareholder_names(holders))
        for pk, name, key, code, rep, index, masked, holders in rows
    ]


def min_similarity(organisation: Organisation) -> float:
    return float(rule_value("risks.conflict_similarity", org_path=organisation.path)["min_similarity"])


# --- checks -----------------------------------------------------------------------------------------------------


def check_running(organisation: Organisation) -> ConflictCheck | None:
    """The organisation's check still queued or running, if any (one abandoned by a stopped worker is not)."""
    return (
        ConflictCheck.objects.filter(organisation=organisation, finished_at__isnull=True)
        .filter(started_at__gte=timezone.now() - RUN_LIMIT)
        .exclude(job__status=Job.Status.FAILED)
        .exclude(job__isnull=True)
        .first()
    )


@transaction.atomic
def check_run(*, organisation: Organisation, actor, lang: str = "") -> ConflictCheck:
    """Start a check of the organisation's cadres against its supplier register, as a background job."""
    if actor is None:
        raise PermissionDenied
    _may(actor, organisation)
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()  # one start at a time
    if check_running(organisation) is not None:
        raise ValidationError(_("A check of {org} is already running: wait for it to finish.").format(
            org=organisation.name
        ))  # fmt: skip
    job = job_create(
        owner=actor,
        kind=CHECK_KIND,
        title=_("Conflict-of-interest check: {org}").format(org=organisation.name),
        params={"lang": lang},
    )
    check = ConflictCheck.objects.create(organisation=organisation, job=job, started_by=actor)
    job.params["check"] = check.pk
    job.save(update_fields=["params"])
    audit_record(actor=actor, action="risks.conflict_check_run", obj=check)
    job_enqueue(tasks.conflict_check_job, job)
    return check


def match_fingerprint(signature: tuple) -> str:
    return crypto.digest(json.dumps(signature, ensure_ascii=False, default=str))[:40]


def check_execute(*, check: ConflictCheck, progress: Callable[[int, int], None] | None = None) -> ConflictCheck:
    """The check itself (run by the worker): read, match, write the matches with decisions carried over."""
    report = progress or (lambda done, total: None)
    organisation = check.organisation
    declarations = declarations_read(organisation)
    suppliers = supplier_records(organisation)
    total = len(declarations)
    report(0, total)
    matches = find_matches(
        declarations,
        SupplierIndex(suppliers),
        min_similarity=min_similarity(organisation),
        progress=lambda done: report(done, total),
    )
    with transaction.atomic():
        check = ConflictCheck.objects.select_for_update().get(pk=check.pk)
        decided = _decisions(organisation, exclude=check)
        rows = []
        carried = 0
        for match in matches:
            fingerprint = match_fingerprint(match.signature)
            evidence = {**match.evidence, "fingerprint": fingerprint}
            row = ConflictMatch(
                check_run=check, organisation=organisation, member_id=match.member_id, supplier_id=match.supplier_id,
                declared=match.declared, relation=match.relation[:40], basis=match.basis, score=match.score,
                evidence=evidence,
            )  # fmt: skip
            earlier = decided.get(fingerprint)
            if earlier is not None:
                row.status, row.decided_by_id, row.decided_at, row.note, previous = earlier
                row.evidence["carried_from"] = previous
                carried += 1
            rows.append(row)
        ConflictMatch.objects.bulk_create(rows, batch_size=500)
        check.declarations = total
        check.suppliers = len(suppliers)
        check.matches = len(rows)
        check.finished_at = timezone.now()
        check.save(update_fields=["declarations", "suppliers", "matches", "finished_at"])
        audit_record(
            actor=None,
            action="risks.conflict_check_finish",
            obj=check,
            changes={"declarations": total, "suppliers": len(suppliers), "matches": len(rows), "carried": carried},
        )
    report(total, total)
    return check


def _decisions(organisation: Organisation, *, exclude: ConflictCheck) -> dict[str, tuple]:
    """fingerprint -> (status, decided by, decided at, note, match id) of the latest decision on each match."""
    rows = (
        ConflictMatch.objects.filter(organisation=organisation)
        .exclude(status=MatchStatus.PENDING)
        .exclude(check_run=exclude)
        .order_by("decided_at", "pk")
        .values_list("evidence", "status", "decided_by_id", "decided_at", "note", "pk")
    )
    decided = {}
    for evidence, status, by, at, note, pk in rows:
        fingerprint = (evidence or {}).get("fingerprint")
        if fingerprint:
            decided[fingerprint] = (status, by, at, note, pk)
    return decided


def check_state(check: ConflictCheck) -> str:
    """done, failed, or running (queued or at work)."""
    if check.finished_at is not None:
        return "done"
    if check.job is None or check.job.status == Job.Status.FAILED or check.started_at < timezone.now() - RUN_LIMIT:
        return "failed"
    return "running"


def in_work_order(matches):
    """Matches still to be checked first, then confirmed, then dismissed; the strongest first within each."""
    order = Case(
        When(status=MatchStatus.PENDING, then=Value(0)),
        When(status=MatchStatus.CONFIRMED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return matches.order_by(order, "-score", "member_id", "pk")


# --- decisions --------------------------------------------------------------------------------------------------

DECISIONS = (MatchStatus.CONFIRMED, MatchStatus.DISMISSED)


@transaction.atomic
def match_decide(*, match: ConflictMatch, status: str, note: str, actor, version: int | None) -> ConflictMatch:
    """Confirm a possible conflict or dismiss it, with a note saying what was checked. A decision may be changed
    later (with a new note); `version` is the match's as the person read it, so two people cannot both win."""
    fresh = (
        ConflictMatch.objects.select_for_update(of=("self",))
        .select_related("organisation", "member", "supplier")
        .get(pk=match.pk)
    )
    _may(actor, fresh)
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else decided this match while you were looking at it, so your decision was not saved. "
                "Reload the page to see it, then try again."
            )
        )
    if status not in DECISIONS:
        raise ValidationError({"status": _("Choose whether the conflict is confirmed or dismissed.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what you checked and why you decided so.")})
    before = fresh.status
    fresh.status = status
    fresh.note = note
    fresh.decided_by = _user(actor)
    fresh.decided_at = timezone.now()
    fresh.version += 1
    fresh.save(update_fields=["status", "note", "decided_by", "decided_at", "version"])
    audit_record(
        actor=actor,
        action="risks.conflict_match_decide",
        obj=fresh,
        changes={"status": [before, status], "note": note},
    )
    return fresh
