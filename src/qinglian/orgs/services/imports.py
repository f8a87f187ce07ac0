"""Roster import: a spreadsheet of members checked in full, previewed, then saved all-or-nothing.

The journey is upload (`roster_upload`) → check (`roster_check`, a task) → preview → confirm
(`roster_confirm`) → save (`roster_import`, a task). The check reads every row and names every
problem by row and column; it also writes the normalised rows next to the upload, so that the save
does not read and convert the spreadsheet a second time. The save checks again what may have
changed since (the register, the organisations) and writes every row in one transaction, through
the database's bulk path, with one audit event for the whole import.
"""

from __future__ import annotations

import gc
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from pypinyin import lazy_pinyin
from pypinyin.constants import PHRASES_DICT

from qinglian.core import crypto
from qinglian.core.audit import audit_record
from qinglian.core.jobs import job_create
from qinglian.core.lib import idcard
from qinglian.core.lib.dates import add_years
from qinglian.core.uploads import write_file
from qinglian.orgs import access
from qinglian.orgs.models import Member, Organisation, RosterImport, subtree_q
from qinglian.orgs.vocab import ETHNICITIES, CadreLevel, Education, MemberStatus
from qinglian.reports.bulk import bulk_insert
from qinglian.reports.imports import CellError, Column, RowError, parse_date, parse_workbook, template_sheet
from qinglian.reports.xlsx import XlsxError, workbook_bytes

MAX_ROWS = 200_000
ERRORS_KEPT = 1000
PREVIEW_ROWS = 20
QUERY_CHUNK = 500  # values per IN (...) lookup: well under SQLite's 999 parameters

YES, NO = "是", "否"
GENDERS = {"男": Member.Gender.MALE, "女": Member.Gender.FEMALE}
GENDER_TEXT = {code: text for text, code in GENDERS.items()}  # to name a cell's value as it was typed
CATEGORIES = {"正式": Member.Category.FULL, "预备": Member.Category.PROBATIONARY}

ID_PROBLEMS = {
    "shape": gettext_lazy(
        "An identity number has 18 characters: 17 digits, then a digit or X. Type it as text, so that Excel "
        "keeps every digit."
    ),
    "date": gettext_lazy("Characters 7–14 of the identity number are not a real date of birth."),
    "checksum": gettext_lazy(
        "The last character does not agree with the others (GB 11643 checksum): a digit is mistyped."
    ),
}


def _parse_id(value: Any) -> str:
    try:
        return idcard.validate(str(value))
    except idcard.IdNumberError as exc:
        raise CellError(str(ID_PROBLEMS[exc.code])) from None


def _parse_yes_no(value: Any) -> bool:
    return value == YES


ROSTER_COLUMNS = [
    Column("name", pgettext_lazy("person", "Name"), required=True, max_length=60, aliases=("姓名",), width=10),
    Column(
        "gender", gettext_lazy("Gender"), required=True, choices=tuple(GENDERS), parse=GENDERS.__getitem__,
        aliases=("性别",), width=8,
    ),
    Column("ethnicity", gettext_lazy("Ethnicity"), choices=tuple(zh for zh, _en in ETHNICITIES), aliases=("民族",),
           width=10),
    Column(
        "birth_date", gettext_lazy("Date of birth"), parse=parse_date, aliases=("出生日期", "出生年月"), width=12,
        help=gettext_lazy("Optional: taken from the identity number when empty."),
    ),
    Column(
        "id_number", gettext_lazy("ID number"), required=True, parse=_parse_id,
        aliases=("身份证号", "身份证号码", "公民身份号码"), width=22,
        help=gettext_lazy("18 characters, typed as text. In update mode, the member is found by this number."),
    ),
    Column("native_place", gettext_lazy("Native place"), max_length=60, aliases=("籍贯",), width=12),
    Column("education", gettext_lazy("Education"), choices=tuple(Education.values), aliases=("学历",), width=12),
    Column("phone", gettext_lazy("Phone"), max_length=20, aliases=("联系电话", "电话", "手机号码"), width=14),
    Column(
        "organisation", gettext_lazy("Organisation"), required=True, max_length=120,
        aliases=("所在党组织", "党组织", "所在组织"), width=28,
        help=gettext_lazy("The code or the full name of an active organisation within the one you import into."),
    ),
    Column("post", gettext_lazy("Administrative post"), max_length=80, aliases=("行政职务", "职务"), width=16),
    Column("rank", gettext_lazy("Rank"), max_length=40, aliases=("职级",), width=12),
    Column(
        "category", gettext_lazy("Category"), required=True, choices=tuple(CATEGORIES), parse=CATEGORIES.__getitem__,
        aliases=("党员类别", "人员类别"), width=10,
        help=gettext_lazy("正式: full member; 预备: probationary member (no date made a full member)."),
    ),
    Column(
        "joined_on", gettext_lazy("Date joined the Party"), required=True, parse=parse_date,
        aliases=("入党日期", "入党时间"), width=14,
    ),
    Column(
        "full_member_on", gettext_lazy("Date made a full member"), parse=parse_date,
        aliases=("转正日期", "转正时间"), width=14,
    ),
    Column(
        "status", gettext_lazy("Status"), choices=tuple(MemberStatus.values), aliases=("党籍状态", "状态"), width=10,
        help=gettext_lazy("Empty means 正常 (in good standing)."),
    ),
    Column("is_mobile", gettext_lazy("Mobile member"), choices=(YES, NO), parse=_parse_yes_no,
           aliases=("流动党员",), width=10),
    Column("is_lost_contact", gettext_lazy("Out of contact"), choices=(YES, NO), parse=_parse_yes_no,
           aliases=("失联党员", "失联"), width=10),
    Column("is_cadre", gettext_lazy("Cadre"), choices=(YES, NO), parse=_parse_yes_no, aliases=("干部", "是否干部"),
           width=8),
    Column("cadre_level", gettext_lazy("Cadre level"), choices=tuple(CadreLevel.values), aliases=("干部级别",),
           width=12),
]  # fmt: skip
COLUMN_ORDER = {c.key: i for i, c in enumerate(ROSTER_COLUMNS)}

# The member fields an import writes, in the order of the rows kept between check and save.
FIELDS = [
    "name", "gender", "ethnicity", "birth_date", "native_place", "education", "phone", "post", "rank", "category",
    "joined_on", "full_member_on", "status", "is_mobile", "is_lost_contact", "is_cadre", "cadre_level",
]  # fmt: skip
DATE_FIELDS = {"birth_date", "joined_on", "full_member_on"}


@contextmanager
def _no_gc() -> Iterator[None]:
    # A 100,000-row check holds a few million small objects; the cyclic collector would walk all
    # of them again and again (the check ran 3× slower with it). Nothing here makes cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _checked_path(upload: RosterImport) -> Path:
    return imports_dir() / (upload.stored_as + ".checked.json")


def max_upload_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


# -- the template ----------------------------------------------------------------------------


def roster_template() -> bytes:
    """The downloadable template: headers in the reader's language, drop-downs, an example, notes."""
    example_id = idcard.make("110101", date(1990, 3, 7), 123)
    example = [
        "张三", "男", "汉族", date(1990, 3, 7), example_id, "北京市", "大学本科", "13800000000", "", "科员", "一级科员",
        "正式", date(2015, 7, 1), date(2016, 7, 1), "正常", NO, NO, NO, "",
    ]  # fmt: skip
    sheet = template_sheet(_("Roster"), ROSTER_COLUMNS, [example])
    sheet.notes = [
        *sheet.notes,
        "",
        _("Dates: 2024-03-01, 2024/3/1 or 2024年3月1日. The example row shows the format; replace it."),
        _("At most {n} rows per file.").format(n=MAX_ROWS),
    ]
    return workbook_bytes([sheet])


# -- upload -------------------------------------------------------------------------------------


@transaction.atomic
def roster_upload(*, owner, organisation: Organisation, mode: str, file, lang: str = "") -> RosterImport:
    """Store an uploaded roster under a random name and create its import, with the job that will check it.

    The caller queues the check (`orgs.tasks.roster_check_job`) on `upload.job`.
    """
    if not access.can(owner, "member.import", organisation) or not organisation.is_active:
        raise PermissionDenied
    if mode not in RosterImport.Mode.values:
        raise ValidationError(_("Unknown import mode."))
    name = Path(file.name or "").name[:200]
    if not name.lower().endswith(".xlsx"):
        raise ValidationError(
            _(
                "“{name}” is not an Excel workbook (.xlsx). Save it as .xlsx (Excel 2007 or later) and upload it again."
            ).format(name=name)
        )
    limit = max_upload_bytes()
    if file.size > limit:
        raise ValidationError(
            _(
                "The file is {size:.1f} MB; at most {max} MB can be uploaded. Split the roster into smaller files."
            ).format(size=file.size / (1024 * 1024), max=limit // (1024 * 1024))
        )
    folder = imports_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored_as = f"{uuid.uuid4().hex}.xlsx"
    write_file(folder / stored_as, file.chunks())
    upload = RosterImport.objects.create(
        owner=owner, organisation=organisation, mode=mode, file_name=name, stored_as=stored_as
    )
    upload.job = job_create(
        owner=owner,
        kind="roster.check",
        title=_("Checking {file}").format(file=name),
        params={"import": str(upload.pk), "lang": lang},
    )
    upload.save(update_fields=["job"])
    audit_record(
        actor=owner, action="roster.upload", obj=upload, changes={"file": name, "mode": mode, "size": file.size}
    )
    return upload


# -- check ----------------------------------------------------------------------------------------


def _error(row: int | None, key: str, value: Any, message: str) -> RowError:
    label = str(ROSTER_COLUMNS[COLUMN_ORDER[key]].header) if key else ""
    text = "" if value is None else (value.isoformat() if isinstance(value, date) else str(value))
    if key == "id_number":
        # Identity numbers are never stored in the clear outside the cipher, not even wrong ones.
        text = idcard.mask(text)
    return RowError(row, label, text, message)


def _organisations(scope: Organisation, wanted: set[str]) -> dict[str, Organisation | str]:
    """Each organisation cell value -> the organisation, or the reason it cannot be used."""
    found: dict[str, Organisation | str] = {}
    values = sorted(wanted)
    for start in range(0, len(values), QUERY_CHUNK):
        chunk = values[start : start + QUERY_CHUNK]
        candidates = Organisation.objects.filter(subtree_q(scope.path)).filter(Q(code__in=chunk) | Q(name__in=chunk))
        for org in candidates.only("id", "name", "code", "path", "is_active"):
            for key in {org.code, org.name} & set(chunk):
                previous = found.get(key)
                if key == org.code or previous is None:
                    found[key] = org
                elif isinstance(previous, Organisation) and previous.code != key and previous.pk != org.pk:
                    found[key] = "ambiguous"
    return found


def _registered(indexes: list[str]) -> dict[str, tuple[int, int, str, str]]:
    """Blind index -> (member id, organisation id, organisation path, organisation name) already on the register."""
    found = {}
    member, org = Member._meta, Organisation._meta
    with connection.cursor() as cursor:
        for start in range(0, len(indexes), QUERY_CHUNK):
            chunk = indexes[start : start + QUERY_CHUNK]
            # Plain SQL: the ORM spends longer building a 500-value IN list than the database
            # spends answering it, and a 100,000-row file asks 200 times.
            cursor.execute(
                f"SELECT m.id_number_index, m.id, m.organisation_id, o.path, o.name FROM {member.db_table} m "  # noqa: S608
                f"JOIN {org.db_table} o ON o.id = m.organisation_id "
                f"WHERE m.id_number_index IN ({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
            for index, pk, org_id, path, org_name in cursor.fetchall():
                found[index] = (pk, org_id, path, org_name)
    return found


def _check_register(upload: RosterImport, plan: list[dict], errors: list[RowError]) -> None:
    """Mark each planned row as an addition or an update, or name why it can be neither."""
    registered = _registered([row["index"] for row in plan])
    for row in plan:
        existing = registered.get(row["index"])
        row["member"] = None
        if existing is None:
            continue
        pk, org_id, path, org_name = existing
        visible = access.can_at(upload.owner, "member.view", path)
        where = org_name if visible else _("an organisation outside your scope")
        if upload.mode == RosterImport.Mode.CREATE:
            message = _("This identity number is already on the register (in {where}).").format(where=where)
            errors.append(_error(row["row"], "id_number", row["id_number"], message))
        elif not access.can_at(upload.owner, "member.manage", path):
            message = _("This identity number is on the register of {where}, which you may not edit.").format(
                where=where
            )
            errors.append(_error(row["row"], "id_number", row["id_number"], message))
        elif org_id != row["organisation_id"]:
            message = _(
                "This member is on the register of {where}: moving a member to another organisation is a transfer, "
                "not an update."
            ).format(where=where)
            errors.append(_error(row["row"], "organisation", row["organisation"], message))
        else:
            row["member"] = pk


def _check(
    upload: RosterImport, data: bytes, progress: Callable[[int, int], None]
) -> tuple[list[dict], list[RowError], int]:
    """The rows ready to save, every error found and the number of rows (a file-level problem raises XlsxError)."""
    parsed = parse_workbook(ROSTER_COLUMNS, data, max_rows=MAX_ROWS)
    total = len(parsed.rows)
    progress(0, total)
    errors: list[RowError] = list(parsed.errors)
    id_label = str(ROSTER_COLUMNS[COLUMN_ORDER["id_number"]].header)
    for error in errors:
        if error.column == id_label:
            error.value = idcard.mask(error.value)
    bad_rows = {error.row for error in errors}
    today = timezone.localdate()
    organisations = _organisations(
        upload.organisation, {r["organisation"] for _n, r in parsed.rows if r["organisation"]}
    )
    seen: dict[str, int] = {}
    plan: list[dict] = []
    for i, (number, record) in enumerate(parsed.rows, start=1):
        if i % 20000 == 0:
            progress(i, total)
        problems: list[tuple[str, Any, str]] = []
        number_id = record["id_number"]
        if number_id:
            first = seen.get(number_id)
            if first is None:
                seen[number_id] = number
            else:
                problems.append(("id_number", number_id, _("The same identity number as row {row}.").format(row=first)))
                errors.append(
                    _error(
                        first, "id_number", number_id, _("The same identity number as row {row}.").format(row=number)
                    )
                )
                bad_rows.add(first)
            born_by_id = idcard.birth_date(number_id)
            if record["birth_date"] is None:
                record["birth_date"] = born_by_id
            elif record["birth_date"] != born_by_id:
                problems.append(
                    ("birth_date", record["birth_date"],
                     _("The identity number gives {date} as the date of birth.").format(date=born_by_id.isoformat()))
                )  # fmt: skip
            if record["gender"] and record["gender"] != idcard.gender(number_id):
                problems.append(
                    ("gender", GENDER_TEXT[record["gender"]], _("The identity number is of the other gender."))
                )
        org_value = record["organisation"]
        if org_value:
            org = organisations.get(org_value)
            if org is None:
                message = _("No organisation with this code or full name within {scope}.")
                problems.append(("organisation", org_value, message.format(scope=upload.organisation.name)))
            elif org == "ambiguous":
                problems.append(("organisation", org_value, _("Several organisations have this name: give the code.")))
            elif not org.is_active:
                problems.append(("organisation", org_value, _("This organisation is dissolved.")))
        born, joined, full = record["birth_date"], record["joined_on"], record["full_member_on"]
        for key, day in (("birth_date", born), ("joined_on", joined), ("full_member_on", full)):
            if day and day > today:
                problems.append((key, day, _("This date is in the future.")))
        if born and joined:
            if joined <= born:
                problems.append(("joined_on", joined, _("The date joined must be after the date of birth.")))
            elif joined < add_years(born, 18):
                problems.append(("joined_on", joined, _("Members join the Party at 18 or older.")))
        category = record["category"]
        if category == Member.Category.PROBATIONARY and full:
            problems.append(("full_member_on", full, _("A probationary member has no date made a full member.")))
        if full and joined and full < joined:
            problems.append(
                ("full_member_on", full, _("The date made a full member cannot be before the date joined."))
            )
        if record["cadre_level"] and not record["is_cadre"]:
            problems.append(("cadre_level", record["cadre_level"], _("A cadre level needs 是 in the cadre column.")))
        for key, value, message in problems:
            errors.append(_error(number, key, value, message))
        if problems or number in bad_rows:
            bad_rows.add(number)
            continue
        row = {key: record[key] for key in FIELDS}
        row.update(row=number, id_number=number_id, organisation=org_value, organisation_id=org.pk)
        plan.append(row)
    # A row found bad only later (the first of two duplicates) leaves the plan too.
    plan = [row for row in plan if row["row"] not in bad_rows]
    for row in plan:
        row["index"] = crypto.blind_index(row["id_number"])
        row["status"] = row["status"] or MemberStatus.NORMAL
        for key in ("is_mobile", "is_lost_contact", "is_cadre"):
            row[key] = bool(row[key])
        for key in FIELDS:
            if row[key] is None and key not in DATE_FIELDS:
                row[key] = ""
    _check_register(upload, plan, errors)
    errors.sort(key=lambda e: (e.row or 0, _column_position(e.column)))
    progress(total, total)
    return plan, errors, total


def _column_position(label: str) -> int:
    for i, column in enumerate(ROSTER_COLUMNS):
        if str(column.header) == label:
            return i
    return len(ROSTER_COLUMNS)


def _preview(plan: list[dict]) -> list[dict]:
    return [
        {
            "row": row["row"],
            "name": row["name"],
            "gender": row["gender"],
            "id_number": idcard.mask(row["id_number"]),
            "organisation": row["organisation"],
            "category": row["category"],
            "joined_on": row["joined_on"].isoformat() if row["joined_on"] else "",
            "action": "update" if row["member"] else "create",
        }
        for row in plan[:PREVIEW_ROWS]
    ]


def _fail_with(upload: RosterImport, errors: list[RowError], *, total: int) -> RosterImport:
    upload.status = RosterImport.Status.INVALID
    upload.errors = [e.as_dict() for e in errors[:ERRORS_KEPT]]
    upload.error_count = len(errors)
    upload.total_rows = total
    upload.preview = []
    upload.save(update_fields=["status", "errors", "error_count", "total_rows", "preview"])
    _discard_files(upload)
    return upload


def _discard_files(upload: RosterImport) -> None:
    # The upload and the checked rows hold identity numbers in the clear: keep them no longer than needed.
    for path in (imports_dir() / upload.stored_as, _checked_path(upload)):
        path.unlink(missing_ok=True)


def roster_check(*, upload: RosterImport, progress: Callable[[int, int], None] | None = None) -> RosterImport:
    """Read and check every row of the stored file; the import becomes `ready` (with a preview) or `invalid`.

    Errors are kept as {row, column, value, message}, the first ERRORS_KEPT of them, with the count.
    """
    report = progress or (lambda done, total: None)
    source = imports_dir() / upload.stored_as
    try:
        data = source.read_bytes()
    except OSError:
        return _fail_with(upload, [RowError(None, "", "", _("The uploaded file is no longer there: upload it again."))],
                          total=0)  # fmt: skip
    try:
        with _no_gc():
            plan, errors, total = _check(upload, data, report)
    except XlsxError as exc:
        return _fail_with(upload, [RowError(None, "", upload.file_name, str(exc))], total=0)
    if errors:
        return _fail_with(upload, errors, total=total)
    if not plan:
        return _fail_with(upload, [RowError(None, "", upload.file_name, _("The sheet has headers but no rows."))],
                          total=0)  # fmt: skip
    rows = [[row[key] for key in KEPT] for row in plan]
    # Dates become ISO text through `default`, called only for them, not for every cell.
    write_file(_checked_path(upload), json.dumps(rows, ensure_ascii=False, default=_iso))
    upload.status = RosterImport.Status.READY
    upload.errors = []
    upload.error_count = 0
    upload.total_rows = total
    upload.preview = _preview(plan)
    upload.save(update_fields=["status", "errors", "error_count", "total_rows", "preview"])
    return upload


KEPT = [*FIELDS, "row", "id_number", "index", "organisation", "organisation_id", "member"]


def _iso(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# -- confirm and save -----------------------------------------------------------------------------


@transaction.atomic
def roster_confirm(*, upload: RosterImport, actor, lang: str = "") -> RosterImport:
    """Accept the preview: the import moves to `importing`, with the job that will save it.

    The caller queues the save (`orgs.tasks.roster_import_job`) on `upload.job`.
    """
    upload = RosterImport.objects.select_for_update().get(pk=upload.pk)
    if upload.owner_id != actor.pk or not access.can(actor, "member.import", upload):
        raise PermissionDenied
    if upload.status != RosterImport.Status.READY:
        raise ValidationError(_("This import is not ready to be saved (it is {status}).").format(
            status=upload.get_status_display()))  # fmt: skip
    upload.status = RosterImport.Status.IMPORTING
    upload.job = job_create(
        owner=actor,
        kind="roster.import",
        title=_("Importing {file}").format(file=upload.file_name),
        params={"import": str(upload.pk), "lang": lang},
    )
    upload.save(update_fields=["status", "job"])
    audit_record(actor=actor, action="roster.confirm", obj=upload, changes={"rows": upload.total_rows})
    return upload


def _load_plan(upload: RosterImport) -> list[dict] | None:
    try:
        rows = json.loads(_checked_path(upload).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return [dict(zip(KEPT, values, strict=True)) for values in rows]


def _recheck(upload: RosterImport, plan: list[dict]) -> list[RowError]:
    """What may have changed since the check: the organisations, the register, the user's roles."""
    errors: list[RowError] = []
    org_ids = {row["organisation_id"] for row in plan}
    usable = set(
        Organisation.objects.filter(subtree_q(upload.organisation.path), pk__in=org_ids, is_active=True).values_list(
            "pk", flat=True
        )
    )
    for row in plan:
        if row["organisation_id"] not in usable:
            errors.append(_error(row["row"], "organisation", row["organisation"], _("This organisation is dissolved.")))
    expected = {row["row"]: row["member"] for row in plan}
    _check_register(upload, plan, errors)
    for row in plan:
        if row["member"] != expected[row["row"]] and not any(e.row == row["row"] for e in errors):
            errors.append(_error(row["row"], "id_number", row["id_number"],
                                 _("The register changed since the check: upload the file again.")))  # fmt: skip
    return errors


NEW_COLUMNS = [
    "organisation_id", *FIELDS, "name_pinyin", "id_number_cipher", "id_number_index", "id_number_masked",
    "party_post", "created_at", "updated_at", "version",
]  # fmt: skip


class _Pinyin:
    """Full pinyin of names, exactly as `services.people.full_pinyin` gives it, at import speed.

    pypinyin reads a run of Chinese characters by splitting it into the phrases of its phrase
    dictionary, and reads any character outside a phrase by its first reading. A name containing
    no phrase therefore reads character by character, which a small cache answers ~5× faster; a
    name with a phrase in it, or with anything but Chinese characters, goes to pypinyin whole.
    """

    def __init__(self):
        self.chars: dict[str, str] = {}
        self.names: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if all("\u4e00" <= ch <= "\u9fff" for ch in name) and not _has_phrase(name):
            parts = []
            for ch in name:
                reading = self.chars.get(ch)
                if reading is None:
                    reading = self.chars[ch] = lazy_pinyin(ch)[0].lower()
                parts.append(reading)
            return " ".join(parts)
        value = self.names.get(name)
        if value is None:
            value = self.names[name] = " ".join(lazy_pinyin(name)).lower()
        return value


def _has_phrase(name: str) -> bool:
    return any(name[a:b] in PHRASES_DICT for a in range(len(name)) for b in range(a + 2, len(name) + 1))


def roster_import(*, upload: RosterImport, actor, progress: Callable[[int, int], None] | None = None) -> RosterImport:
    """Save every checked row in one transaction (all-or-nothing) and audit the import once, with its counts."""
    report = progress or (lambda done, total: None)
    if upload.status != RosterImport.Status.IMPORTING:
        raise ValidationError(_("This import has not been confirmed."))
    if not access.can(actor, "member.import", upload):
        raise PermissionDenied
    with _no_gc():
        return _save(upload, actor, report)


def _save(upload: RosterImport, actor, report: Callable[[int, int], None]) -> RosterImport:
    plan = _load_plan(upload)
    if plan is None:  # the checked rows are gone (a restore, a cleaned disk): check the upload again
        upload.status = RosterImport.Status.CHECKING
        roster_check(upload=upload)
        if upload.status != RosterImport.Status.READY:
            return upload
        upload.status = RosterImport.Status.IMPORTING
        plan = _load_plan(upload) or []
    total = len(plan)
    report(0, total)
    errors = _recheck(upload, plan)
    if errors:
        return _fail_with(upload, errors, total=upload.total_rows)
    now = timezone.now()
    to_pinyin = _Pinyin()
    new_rows = []
    updates = []
    # Everything slow and pure (pinyin, encryption) happens before the transaction opens.
    for i, row in enumerate(plan, start=1):
        if row["member"]:
            member = Member(pk=row["member"], updated_at=now, version=F("version") + 1)
            for key in FIELDS:
                value = row[key]
                setattr(member, key, date.fromisoformat(value) if key in DATE_FIELDS and value else value)
            member.name_pinyin = to_pinyin(row["name"])
            updates.append(member)
        else:
            number = row["id_number"]
            new_rows.append((
                row["organisation_id"], *(row[key] for key in FIELDS), to_pinyin(row["name"]),
                crypto.encrypt(number), row["index"], idcard.mask(number), "", now, now, 1,
            ))  # fmt: skip
        if i % 10000 == 0:
            report(i, total)
    with transaction.atomic():
        created = bulk_insert(Member, NEW_COLUMNS, new_rows)
        if updates:
            Member.objects.bulk_update(updates, [*FIELDS, "name_pinyin", "updated_at", "version"], batch_size=500)
        upload.status = RosterImport.Status.DONE
        upload.created_count = created
        upload.updated_count = len(updates)
        upload.save(update_fields=["status", "created_count", "updated_count"])
        audit_record(
            actor=actor,
            action="roster.import",
            obj=upload,
            changes={"file": upload.file_name, "mode": upload.mode, "created": created, "updated": len(updates)},
        )
    report(total, total)
    _discard_files(upload)
    return upload


def roster_fail(*, upload: RosterImport, message: str) -> None:
    """Record that a check or a save broke off; the register is as it was (the save is one transaction)."""
    RosterImport.objects.filter(pk=upload.pk).update(
        status=RosterImport.Status.FAILED,
        errors=[RowError(None, "", "", message).as_dict()],
        error_count=1,
    )
    _discard_files(upload)
