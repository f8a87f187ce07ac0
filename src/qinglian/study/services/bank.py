"""The question bank: writing questions (with versions), importing them from files, exporting them.

A question's wording and key live in versions. Editing a question whose current version an exam has used (a
paper slot or an attempt names it) makes a new version and moves `current`; otherwise the current version is
corrected in place, so that a bank being written is not a pile of versions. Two people editing at once: the form
carries `version_token(question)`, and a save whose token no longer matches is refused (Conflict).

Imports are upload (`bank_import_upload`: read and check the whole file, keep the checked questions, show a
preview) → confirm (`bank_import_confirm`) → save (`bank_import_run`, a background task for large files), all or
nothing; a row whose external code is already in the bank updates that question instead of adding a copy.
"""

from __future__ import annotations

import difflib
import json
import re
import uuid
import zlib
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.jobs import job_create
from qinglian.core.models import Job
from qinglian.core.uploads import write_file
from qinglian.orgs.access import can, grants, scope_q
from qinglian.orgs.models import Organisation, ancestor_paths
from qinglian.orgs.services import Conflict
from qinglian.reports.bulk import bulk_insert
from qinglian.reports.imports import RowError
from qinglian.reports.xlsx import XlsxError
from qinglian.study.imports.aiken import read_aiken
from qinglian.study.imports.common import DEFAULT_CATEGORY, TYPE_TEXT, Parsed, QuestionData, answer_text, check_key
from qinglian.study.imports.gift import read_gift
from qinglian.study.imports.xlsx import read_workbook
from qinglian.study.models import AttemptItem, Category, PaperSlot, Question, QuestionVersion, Tag
from qinglian.study.vocab import MultipleRule, QuestionStatus, QuestionType, TopicKind

IMPORT_KIND = "bank.import"
FORMATS = ("xlsx", "aiken", "gift")
ERRORS_KEPT = 1000
PREVIEW_ROWS = 20
CHUNK = 500
# Imports up to this many questions are saved in the request; larger ones by the task worker, with progress.
INLINE_ROWS = 500

VERSION_FIELDS = [
    "qtype",
    "stem",
    "options",
    "answer",
    "explanation",
    "source",
    "difficulty",
    "score",
    "multiple_rule",
    "partial_fraction",
    "fill_any_order",
    "fill_ignore_case",
]


TYPE_VALUES = frozenset(QuestionType.values)
RULE_VALUES = frozenset(MultipleRule.values)
STATUS_VALUES = frozenset(QuestionStatus.values)
TOPIC_VALUES = frozenset(TopicKind.values)


class ImportState:
    INVALID, READY, IMPORTING, DONE, FAILED = "invalid", "ready", "importing", "done", "failed"


# -- reading ------------------------------------------------------------------------------------------------------


def used_version_ids(version_ids: Iterable[int]) -> set[int]:
    """The versions among `version_ids` that an exam paper or an attempt names."""
    ids = list(version_ids)
    used: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        used.update(
            PaperSlot.objects.filter(question_version_id__in=chunk).values_list("question_version_id", flat=True)
        )
        used.update(
            AttemptItem.objects.filter(question_version_id__in=chunk).values_list("question_version_id", flat=True)
        )
    return used


def version_token(question: Question) -> str:
    """What the edit form sends back: changes whenever the question or its current version is saved.

    Read from the database, so that a question object held in memory gives the same token as a fresh one.
    """
    row = (
        Question.objects.filter(pk=question.pk)
        .values("category_id", "topic", "status", "external_code", "current_id")
        .first()
        or {}
    )
    version = QuestionVersion.objects.filter(pk=row.get("current_id")).values("number", *VERSION_FIELDS).first() or {}
    tags = sorted(question.tags.values_list("name", flat=True))
    data = json.dumps([row, version, tags], default=str, sort_keys=True)
    return f"{version.get('number', 0)}-{zlib.crc32(data.encode()):08x}"


def category_for(path: str) -> Category:
    """The category with this path of names, created with its parents when missing."""
    path = path.strip("/") or DEFAULT_CATEGORY
    found = Category.objects.filter(full_name=path).first()
    if found:
        return found
    parent = None
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        name = "/".join(parts[:depth])
        parent, _created = Category.objects.get_or_create(
            full_name=name, defaults={"name": parts[depth - 1][:60], "parent": parent}
        )
    return parent


def tags_for(names: Iterable[str]) -> list[Tag]:
    names = [n.strip()[:40] for n in names if n and n.strip()]
    if not names:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in dict.fromkeys(names) if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    return [existing[n] for n in dict.fromkeys(names)]


def questions_readable(user):
    """Questions the user may read: those of the units where they hold study.bank, and of every unit above those
    (usable read-only, as `Question.objects.usable_by` lets a unit's exams use them)."""
    paths = sorted({p for g in grants(user) if "study.bank" in g.permissions for p in ancestor_paths(g.path)})
    return Question.objects.filter(scope_q(user, "study.bank", model=Question) | Q(organisation__path__in=paths))


def question_uses(question: Question) -> dict:
    """Where the question's versions are used: exams with it on a fixed paper, and attempts that drew it."""
    from qinglian.study.models import Exam

    versions = question.versions.values("pk")
    exams = Exam.objects.filter(slots__question_version__in=versions).distinct()
    attempts = AttemptItem.objects.filter(question_version__in=versions)
    return {
        "exams": exams,
        "attempt_count": attempts.count(),
        "attempt_exams": Exam.objects.filter(attempts__items__question_version__in=versions).distinct(),
    }


def version_diff(older: QuestionVersion | None, newer: QuestionVersion) -> dict:
    """What changed from `older` to `newer`: the stem as runs of kept, removed and added text; options and key."""
    if older is None:
        return {
            "stem": [("same", newer.stem)],
            "options": None,
            "answer": None,
            "first": True,
            "answer_text": answer_text(newer.qtype, newer.answer),
        }
    matcher = difflib.SequenceMatcher(a=older.stem, b=newer.stem, autojunk=False)
    runs = []
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            runs.append(("same", older.stem[a1:a2]))
        else:
            if a2 > a1:
                runs.append(("removed", older.stem[a1:a2]))
            if b2 > b1:
                runs.append(("added", newer.stem[b1:b2]))
    changed = {}
    for name in ("options", "answer"):
        before, after = getattr(older, name), getattr(newer, name)
        if name == "answer":
            before, after = answer_text(older.qtype, before), answer_text(newer.qtype, after)
        changed[name] = (before, after) if before != after else None
    others = [
        str(QuestionVersion._meta.get_field(name).verbose_name)
        for name in VERSION_FIELDS
        if name not in ("stem", "options", "answer") and getattr(older, name) != getattr(newer, name)
    ]
    return {"stem": runs, **changed, "others": others, "first": False}


# -- writing one question ----------------------------------------------------------------------------------------


def _may_edit(actor, organisation) -> None:
    if actor is not None and not can(actor, "study.bank", organisation):
        raise PermissionDenied


def _clean(data: QuestionData) -> None:
    """Refuse what the database or the marking could not take, with the field it is about."""
    if not (data.stem or "").strip():
        raise ValidationError({"stem": _("The question has no text.")})
    if data.qtype not in TYPE_VALUES:
        raise ValidationError({"qtype": _("Unknown question type.")})
    message = check_key(data)
    if message:
        raise ValidationError({"answer": message})
    if not 1 <= int(data.difficulty) <= 5:
        raise ValidationError({"difficulty": _("Difficulty runs from 1 (easy) to 5 (hard).")})
    if Decimal(str(data.score)) <= 0:
        raise ValidationError({"score": _("Marks must be above zero.")})
    if not Decimal(0) <= Decimal(str(data.partial_fraction)) <= Decimal(1):
        raise ValidationError({"partial_fraction": _("The share of marks runs from 0 to 1.")})
    if data.multiple_rule not in RULE_VALUES:
        raise ValidationError({"multiple_rule": _("Unknown marking rule.")})
    if data.status not in STATUS_VALUES:
        raise ValidationError({"status": _("Unknown status.")})
    if data.topic not in TOPIC_VALUES:
        raise ValidationError({"topic": _("Unknown topic.")})


def _version_values(data: QuestionData) -> dict:
    values = {name: getattr(data, name) for name in VERSION_FIELDS}
    if data.qtype not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        values["options"] = []
    values["score"] = Decimal(str(data.score))
    values["partial_fraction"] = Decimal(str(data.partial_fraction))
    values["difficulty"] = int(data.difficulty)
    return values


def _code_taken(organisation, code: str, exclude: int | None = None) -> bool:
    if not code:
        return False
    return Question.objects.filter(organisation=organisation, external_code=code).exclude(pk=exclude).exists()


@transaction.atomic
def question_create(*, organisation: Organisation, data: QuestionData, actor) -> Question:
    """Add a question to a unit's bank with its first version; the key is checked first (`marking.key_check`)."""
    _may_edit(actor, organisation)
    _clean(data)
    if _code_taken(organisation, data.external_code):
        raise ValidationError({"external_code": _("Another question of this bank has the same external code.")})
    question = Question.objects.create(
        organisation=organisation,
        category=category_for(data.category),
        topic=data.topic,
        status=data.status,
        external_code=data.external_code,
    )
    question.tags.set(tags_for(data.tags))
    version = QuestionVersion.objects.create(
        question=question, number=1, created_by=_user(actor), **_version_values(data)
    )
    question.current = version
    question.save(update_fields=["current"])
    audit_record(
        actor=actor, action="study.question.create", obj=question, changes={"type": data.qtype, "stem": data.stem[:200]}
    )
    return question


@transaction.atomic
def question_edit(*, question: Question, data: QuestionData, token: str, actor) -> Question:
    """Save an edited question: a new version when an exam has used the current one, else in place.

    `token` is `version_token(question)` as the editor saw it; a save after someone else's is refused (Conflict).
    """
    # `current` may be null, so it is an outer join, whose side PostgreSQL will not lock: lock the question only.
    question = (
        Question.objects.select_for_update(of=("self",)).select_related("current", "organisation").get(pk=question.pk)
    )
    _may_edit(actor, question.organisation)
    if token != version_token(question):
        raise Conflict(_("Someone else saved this question while you were editing it. Reload it and edit again."))
    _clean(data)
    if _code_taken(question.organisation, data.external_code, exclude=question.pk):
        raise ValidationError({"external_code": _("Another question of this bank has the same external code.")})
    made_new = _revise(question, data, actor)
    audit_record(
        actor=actor,
        action="study.question.edit",
        obj=question,
        changes={"version": question.current.number, "new_version": made_new, "stem": data.stem[:200]},
    )
    return question


def _revise(question: Question, data: QuestionData, actor, *, used: bool | None = None) -> bool:
    """Write `data` onto the question; True when a new version was made."""
    current = question.current
    values = _version_values(data)
    if used is None:
        used = current is not None and bool(used_version_ids([current.pk]))
    made_new = False
    if current is None or used:
        if current is None or any(getattr(current, k) != v for k, v in values.items()):
            number = (question.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
            current = QuestionVersion.objects.create(
                question=question, number=number, created_by=_user(actor), **values
            )
            made_new = True
    else:
        for key, value in values.items():
            setattr(current, key, value)
        current.save(update_fields=list(values))
    question.current = current
    question.category = category_for(data.category)
    question.topic = data.topic
    question.status = data.status
    question.external_code = data.external_code
    question.save(update_fields=["current", "category", "topic", "status", "external_code"])
    question.tags.set(tags_for(data.tags))
    return made_new


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def question_set_status(*, question: Question, status: str, actor) -> Question:
    _may_edit(actor, question.organisation)
    if status not in QuestionStatus.values:
        raise ValidationError(_("Unknown status."))
    question.status = status
    question.save(update_fields=["status"])
    audit_record(actor=actor, action="study.question.status", obj=question, changes={"status": status})
    return question


def question_data(question: Question) -> QuestionData:
    """A question as the forms and the importers describe one."""
    version = question.current
    return QuestionData(
        qtype=version.qtype,
        stem=version.stem,
        options=list(version.options),
        answer=list(version.answer),
        explanation=version.explanation,
        source=version.source,
        difficulty=version.difficulty,
        score=str(version.score),
        multiple_rule=version.multiple_rule,
        partial_fraction=str(version.partial_fraction),
        fill_any_order=version.fill_any_order,
        fill_ignore_case=version.fill_ignore_case,
        category=question.category.full_name,
        topic=question.topic,
        tags=list(question.tags.values_list("name", flat=True)),
        status=question.status,
        external_code=question.external_code,
    )


# -- importing many -----------------------------------------------------------------------------------------------


def parse_file(data: bytes, fmt: str, *, category: str = "") -> Parsed:
    """Read a file of questions in one of FORMATS; problems come back as errors, nothing raises."""
    if fmt == "xlsx":
        try:
            parsed = read_workbook(data)
        except XlsxError as exc:
            return Parsed(errors=[RowError(None, "", "", str(exc))])
        if category:
            for item in parsed.items:
                item.category = item.category or category
        return parsed
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            return Parsed(errors=[RowError(None, "", "", _("The file is not text in UTF-8 or GB18030."))])
    reader = read_aiken if fmt == "aiken" else read_gift
    return reader(text, category=category)


def _imports_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _plan_path(job: Job) -> Path:
    return _imports_dir() / job.params["stored_as"]


def _existing_codes(organisation, codes: list[str]) -> dict[str, int]:
    found = {}
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        found.update(
            Question.objects.filter(organisation=organisation, external_code__in=chunk).values_list(
                "external_code", "pk"
            )
        )
    return found


@transaction.atomic
def bank_import_upload(
    *, organisation: Organisation, actor, name: str, data: bytes, fmt: str = "", category: str = "", lang: str = ""
) -> Job:
    """Check a whole file of questions and keep it for confirmation: a Job of kind `bank.import` whose params
    hold the state (`ready` with a preview, or `invalid` with the errors by row and column)."""
    _may_edit(actor, organisation)
    name = Path(name or "").name[:200]
    fmt = fmt or _format_of(name, data)
    if fmt not in FORMATS:
        raise ValidationError(_("Upload an Excel workbook (.xlsx), or Aiken or GIFT text (.txt)."))
    parsed = parse_file(data, fmt, category=category)
    if parsed.ok and not parsed.items:
        parsed.errors.append(RowError(None, "", name, _("The file holds no questions.")))
    codes = [item.external_code for item in parsed.items if item.external_code]
    existing = _existing_codes(organisation, codes)
    params = {
        "organisation": organisation.pk,
        "file_name": name,
        "format": fmt,
        "lang": lang,
        "total": len(parsed.items),
        "updates": len(existing),
        "errors": [e.as_dict() for e in parsed.errors[:ERRORS_KEPT]],
        "error_count": len(parsed.errors),
        "state": ImportState.INVALID if parsed.errors else ImportState.READY,
    }
    if parsed.ok:
        params["stored_as"] = f"{uuid.uuid4().hex}.bank.json"
        params["preview"] = [_preview(item, existing) for item in parsed.items[:PREVIEW_ROWS]]
        params["by_type"] = {str(TYPE_TEXT[t]): sum(1 for i in parsed.items if i.qtype == t) for t in QuestionType}
    job = job_create(owner=actor, kind=IMPORT_KIND, title=_("Question import: {file}").format(file=name), params=params)
    if parsed.ok:
        folder = _imports_dir()
        folder.mkdir(parents=True, exist_ok=True)
        rows = [item.as_dict() for item in parsed.items]
        write_file(_plan_path(job), json.dumps(rows, ensure_ascii=False))
    Job.objects.filter(pk=job.pk).update(total=len(parsed.items))
    audit_record(
        actor=actor,
        action="study.bank.upload",
        obj=organisation,
        changes={"file": name, "format": fmt, "questions": len(parsed.items), "errors": len(parsed.errors)},
    )
    return job


def _format_of(name: str, data: bytes) -> str:
    """The format by the file's name, or for text by its look: ANSWER lines are Aiken's, braces GIFT's."""
    lower = name.lower()
    if lower.endswith(".xlsx") or data.startswith(b"PK"):
        return "xlsx"
    if lower.endswith(".gift"):
        return "gift"
    if lower.endswith(".txt"):
        head = data[:200_000]
        return "aiken" if re.search(rb"^\s*ANSWER\s*[:\xef]", head, re.MULTILINE | re.IGNORECASE) else "gift"
    return ""


def _preview(item: QuestionData, existing: dict) -> dict:
    return {
        "row": item.row,
        "type": str(TYPE_TEXT[item.qtype]),
        "stem": item.stem[:120],
        "options": item.options,
        "answer": answer_text(item.qtype, item.answer),
        "category": item.category,
        "update": bool(item.external_code and item.external_code in existing),
    }


def import_organisation(job: Job) -> Organisation:
    return Organisation.objects.get(pk=job.params["organisation"])


@transaction.atomic
def bank_import_confirm(*, job: Job, actor) -> Job:
    """Accept the preview: the import moves to `importing`. The caller runs `bank_import_run` (inline for a small
    file, as a task for a large one: see `import_is_large`)."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    organisation = import_organisation(job)
    if job.kind != IMPORT_KIND or job.owner_id != getattr(actor, "pk", None):
        raise PermissionDenied
    _may_edit(actor, organisation)
    if job.params.get("state") != ImportState.READY:
        raise ValidationError(_("This import is not ready to be saved."))
    job.params["state"] = ImportState.IMPORTING
    job.save(update_fields=["params"])
    audit_record(
        actor=actor,
        action="study.bank.confirm",
        obj=organisation,
        changes={"file": job.params["file_name"], "questions": job.params["total"]},
    )
    return job


def import_is_large(job: Job) -> bool:
    return job.params.get("total", 0) > INLINE_ROWS


def bank_import_run(*, job: Job, actor, progress: Callable[[int, int], None] | None = None) -> Job:
    """Save a confirmed import in one transaction (all-or-nothing); the job's params get the counts."""
    job = Job.objects.get(pk=job.pk)
    if job.params.get("state") != ImportState.IMPORTING:
        raise ValidationError(_("This import has not been confirmed."))
    organisation = import_organisation(job)
    _may_edit(actor, organisation)
    try:
        rows = json.loads(_plan_path(job).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        job.params.update(
            state=ImportState.FAILED,
            errors=[RowError(None, "", "", _("The checked file is no longer there: upload it again.")).as_dict()],
            error_count=1,
        )
        job.save(update_fields=["params"])
        return job
    items = [QuestionData(**row) for row in rows]
    created, updated = questions_import(
        organisation=organisation, items=items, actor=actor, progress=progress, file_name=job.params["file_name"]
    )
    job.params.update(state=ImportState.DONE, created=created, updated=updated)
    job.save(update_fields=["params"])
    _plan_path(job).unlink(missing_ok=True)
    return job


def bank_import_fail(*, job: Job, message: str) -> None:
    job.params.update(state=ImportState.FAILED, errors=[RowError(None, "", "", message).as_dict()], error_count=1)
    Job.objects.filter(pk=job.pk).update(params=job.params)


@transaction.atomic
def questions_import(
    *,
    organisation: Organisation,
    items: list[QuestionData],
    actor,
    progress: Callable[[int, int], None] | None = None,
    file_name: str = "",
) -> tuple[int, int]:
    """Add or update (by external code) many checked questions at once; returns (added, updated).

    New questions go in through bulk inserts; a question found by its external code is revised as an edit would
    (a new version when an exam used it). One audit event for the whole import.
    """
    report = progress or (lambda done, total: None)
    _may_edit(actor, organisation)
    total = len(items)
    report(0, total)
    for item in items:
        _clean_quietly(item)
    categories = {path: category_for(path) for path in {item.category or DEFAULT_CATEGORY for item in items}}
    tags = {t.name: t for t in tags_for({name for item in items for name in item.tags})}
    existing = _existing_codes(organisation, [item.external_code for item in items if item.external_code])
    updates = [item for item in items if item.external_code in existing]
    new = [item for item in items if item.external_code not in existing]
    user = _user(actor)
    changed = 0
    if updates:
        questions = {}
        ids = [existing[i.external_code] for i in updates]
        for start in range(0, len(ids), CHUNK):
            found = Question.objects.filter(pk__in=ids[start : start + CHUNK])
            questions.update({q.pk: q for q in found.select_related("current", "category").prefetch_related("tags")})
        used = used_version_ids([q.current_id for q in questions.values() if q.current_id])
        for done, item in enumerate(updates, start=1):
            question = questions[existing[item.external_code]]
            # A re-import of a whole bank mostly repeats what is there: only the rows that differ are written.
            if not _same(question, item, categories[item.category or DEFAULT_CATEGORY]):
                _revise(question, item, user, used=question.current_id in used)
                changed += 1
            if done % 1000 == 0:
                report(done, total)
    if new:
        _insert_new(organisation, new, categories, tags, user)
    audit_record(
        actor=actor,
        action="study.bank.import",
        obj=organisation,
        changes={"file": file_name, "created": len(new), "updated": changed, "unchanged": len(updates) - changed},
    )
    report(total, total)
    return len(new), changed


QUESTION_COLUMNS = ["organisation", "category", "topic", "status", "external_code", "times_used", "created_at"]
VERSION_COLUMNS = ["question", "number", *VERSION_FIELDS, "created_by", "created_at"]


def _insert_new(organisation, items: list[QuestionData], categories: dict, tags: dict, user) -> None:
    """New questions through the database's bulk path (COPY / executemany): `bulk_create` spent most of a large
    import building model instances and SQL. The new rows are found again by their own creation time."""
    now = timezone.now()
    question_rows = (
        (organisation.pk, categories[item.category or DEFAULT_CATEGORY].pk, item.topic, item.status,
         item.external_code, 0, now)
        for item in items
    )  # fmt: skip
    bulk_insert(Question, QUESTION_COLUMNS, question_rows)
    fresh = Question.objects.filter(organisation=organisation, created_at=now, current__isnull=True)
    ids = list(fresh.order_by("pk").values_list("pk", flat=True))
    if len(ids) != len(items):
        raise ValidationError(_("Someone else imported into this bank at the same moment: import again."))
    user_id = getattr(user, "pk", None)
    rows = []
    for pk, item in zip(ids, items, strict=True):
        values = _version_values(item)
        values["options"] = json.dumps(values["options"], ensure_ascii=False)
        values["answer"] = json.dumps(values["answer"], ensure_ascii=False)
        rows.append((pk, 1, *(values[name] for name in VERSION_FIELDS), user_id, now))
    bulk_insert(QuestionVersion, VERSION_COLUMNS, rows)
    pairs = ((pk, tags[name].pk) for pk, item in zip(ids, items, strict=True) for name in dict.fromkeys(item.tags))
    bulk_insert(Question.tags.through, ["question", "tag"], pairs)
    first = QuestionVersion.objects.filter(question=OuterRef("pk"), number=1).values("pk")[:1]
    Question.objects.filter(pk__in=Subquery(fresh.values("pk"))).update(current=Subquery(first))


def _same(question: Question, item: QuestionData, category: Category) -> bool:
    current = question.current
    if current is None:
        return False
    values = _version_values(item)
    return (
        all(getattr(current, name) == value for name, value in values.items())
        and question.category_id == category.pk
        and (question.topic, question.status) == (item.topic, item.status)
        and sorted(t.name for t in question.tags.all()) == sorted(set(item.tags))
    )


def _clean_quietly(item: QuestionData) -> None:
    try:
        _clean(item)
    except ValidationError as exc:
        raise ValidationError(_("Row {row}: {problem}").format(row=item.row, problem=" ".join(exc.messages))) from None


# -- export -------------------------------------------------------------------------------------------------------


def export_rows(questions):
    """Rows of the template's layout for `questions` (a queryset; tags fetched in one query)."""
    from qinglian.study.imports.xlsx import question_row

    for question in questions.select_related("current", "category").prefetch_related("tags").iterator(chunk_size=1000):
        if question.current is None:
            continue
        yield question_row(
            question.current,
            tags=[t.name for t in question.tags.all()],
            category=question.category.full_name,
            topic=question.topic,
            status=question.status,
            code=question.external_code,
        )


def export_gift(questions) -> str:
    from qinglian.study.imports.gift import gift_text

    rows = (
        (q.current, q.category.full_name, q.external_code)
        for q in questions.select_related("current", "category").order_by("category__full_name", "pk")
        if q.current is not None
    )
    return gift_text(rows)
