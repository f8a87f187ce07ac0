"""Responsibility assessment (责任制考核): yearly rounds, self-scoring, assessor scoring, results.

A round applies a score table (`duties.services.assessment_tables`) to chosen units below the assessing unit:

    draft → self-scoring → assessor scoring → finished

Opening the round gives each unit a row per item and fills the items that name an indicator from the
records (meetings held against those required, study hours, rectification closed). Each unit scores
itself item by item with notes and evidence and submits; the assessor scores each submitted unit (the
count, the tier or the score, with a comment), gives the result — total, grade, veto, feedback — and the
unit's people are told. Moving the round to assessor scoring closes self-scoring for units that did not
submit. Finishing the round, once every unit has its result, locks everything.

Who may: `duties.assess` on the assessing unit for tables, rounds and assessor scoring; `duties.report` on
the assessed unit for its self-scoring. An actor of None is the system (demo data, commands).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.links import evidence_values
from qinglian.core.notify import notification_send
from qinglian.core.registry import TodoItem, registry
from qinglian.duties import scoring
from qinglian.duties.models import ItemScore, Round, ScoreEvidence, ScoreItem, ScoreTable, UnitAssessment
from qinglian.duties.services.assessment_tables import (
    ASSESS,
    VIEW,
    Conflict,
    _check_version,
    _fmt,
    _may,
    _number,
    _stale,
    _text,
    _user,
    _year,
    default_table_data,
    grades_check,
    grades_default,
    item_delete,
    item_save,
    number_text,
    table_create,
    table_delete,
    table_in_use,
    table_items,
    table_totals,
    table_update,
)
from qinglian.duties.vocab import RoundStatus, RuleKind, UnitStatus
from qinglian.orgs.access import has_permission, nearest_holders, nearest_q
from qinglian.orgs.models import Organisation

log = logging.getLogger(__name__)

MANAGE, REPORT = "duties.manage", "duties.report"
MAX_COUNT = Decimal(99_999_999)
# The kinds of unit a round may assess: every kind but a Party group.
ASSESSABLE_KINDS = (
    Organisation.Kind.COMMITTEE,
    Organisation.Kind.GENERAL_BRANCH,
    Organisation.Kind.BRANCH,
    Organisation.Kind.TEMP_BRANCH,
)
R, U = RoundStatus, UnitStatus

__all__ = [
    "ASSESS",
    "REPORT",
    "VIEW",
    "Conflict",
    "assessment_score",
    "assessment_todos",
    "default_table_data",
    "evidence_add",
    "evidence_remove",
    "finished_refusal",
    "grades_check",
    "grades_default",
    "item_delete",
    "item_save",
    "number_text",
    "round_advance",
    "round_create",
    "round_delete",
    "round_finish",
    "round_measure",
    "round_open",
    "round_results",
    "round_update",
    "score_assess",
    "score_self",
    "table_create",
    "table_delete",
    "table_in_use",
    "table_items",
    "table_totals",
    "table_update",
    "unit_finish",
    "unit_reopen",
    "unit_return",
    "unit_submit",
    "unit_tally",
]


# --- rounds ------------------------------------------------------------------------------------------------


def _round_lock(round: Round, version: int | None) -> Round:
    fresh = Round.objects.select_for_update().select_related("organisation", "table").get(pk=round.pk)
    _check_version(fresh, version, _stale(_("assessment round")))
    return fresh


def finished_refusal(round: Round) -> ValidationError:
    day = timezone.localtime(round.finished_at).date().isoformat() if round.finished_at else ""
    return ValidationError(
        _("The assessment “{round}” was finished on {day}: nothing in it can be edited any more.").format(
            round=round.title, day=day
        )
    )


def _status(value: str) -> str:
    return str(RoundStatus(value).label)


def units_assessable(org: Organisation):
    """The units a round of `org` may assess: the active committees and branches below it (not Party groups)."""
    return (
        Organisation.objects.active().subtree(org).exclude(pk=org.pk).filter(kind__in=ASSESSABLE_KINDS).order_by("path")
    )


def tables_usable(org: Organisation, user=None):
    """Tables a round of `org` may use: the unit's own and those of the units above it."""
    ancestors = [org.path[:i] for i in range(4, len(org.path) + 1, 4)]
    tables = ScoreTable.objects.filter(organisation__path__in=ancestors).select_related("organisation")
    return tables.visible_to(user) if user is not None else tables


def _units_check(org: Organisation, units: Iterable[Organisation]) -> list[Organisation]:
    ids = {u.pk for u in units}
    if not ids:
        raise ValidationError({"units": _("Choose the units to assess.")})
    allowed = list(units_assessable(org).filter(pk__in=ids))
    if len(allowed) != len(ids):
        raise ValidationError(
            {
                "units": _("Only active units below {org} (not Party groups) can be assessed in its round.").format(
                    org=org.name
                )
            }
        )
    return allowed


def _dues(self_due: date | None, assess_due: date | None) -> None:
    if self_due and assess_due and assess_due < self_due:
        raise ValidationError({"assess_due": _("Assessment is due before self-scoring: put it after.")})


@transaction.atomic
def round_create(
    *,
    org: Organisation,
    table: ScoreTable,
    year,
    title: str,
    units: Iterable[Organisation],
    actor,
    self_due: date | None = None,
    assess_due: date | None = None,
) -> Round:
    """A draft round of `org` for `year` on `table`, assessing the chosen units below it."""
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    _may(actor, ASSESS, org)
    if not org.is_active:
        raise ValidationError(_("“{name}” is dissolved.").format(name=org.name))
    year = _year(year)
    if not tables_usable(org).filter(pk=table.pk).exists():
        raise ValidationError({"table": _("Choose a score table of {org} or of a unit above it.").format(org=org.name)})
    if not table.items.filter(section__isnull=False).exists():
        raise ValidationError({"table": _("The table has no items to score yet.")})
    title = _text(title, "title", required=_("Give the round a title."), limit=200)
    units = _units_check(org, units)
    _dues(self_due, assess_due)
    existing = Round.objects.filter(organisation=org, year=year).first()
    if existing is not None:
        raise ValidationError(
            {
                "year": _("{org} already has its assessment round for {year} (“{round}”).").format(
                    org=org.name, year=year, round=existing.title
                )
            }
        )
    round = Round(
        organisation=org,
        table=table,
        year=year,
        title=title,
        self_due=self_due,
        assess_due=assess_due,
        created_by=_user(actor),
    )
    try:
        with transaction.atomic():
            round.save()
    except IntegrityError:
        raise ValidationError(
            {"year": _("{org} already has its assessment round for {year}.").format(org=org.name, year=year)}
        ) from None
    UnitAssessment.objects.bulk_create([UnitAssessment(round=round, organisation=u) for u in units])
    audit_record(
        actor=actor,
        action="duties.round_create",
        obj=round,
        changes={"year": year, "table": table.pk, "units": [u.name for u in units]},
    )
    return round


@transaction.atomic
def round_update(
    *,
    round: Round,
    title: str,
    units: Iterable[Organisation],
    version: int | None,
    actor,
    self_due: date | None = None,
    assess_due: date | None = None,
) -> Round:
    """Change a draft round: its title, due dates and the units it assesses (the dates also later)."""
    round = _round_lock(round, version)
    _may(actor, ASSESS, round)
    if round.status == R.FINISHED:
        raise finished_refusal(round)
    title = _text(title, "title", required=_("Give the round a title."), limit=200)
    _dues(self_due, assess_due)
    changes = {}
    have = set(round.units.values_list("organisation_id", flat=True))
    if round.status == R.DRAFT:
        wanted = {u.pk for u in _units_check(round.organisation, units)}
        if wanted != have:
            round.units.filter(organisation_id__in=have - wanted).delete()
            UnitAssessment.objects.bulk_create(
                [UnitAssessment(round=round, organisation_id=pk) for pk in sorted(wanted - have)]
            )
            changes["units"] = {"added": len(wanted - have), "removed": len(have - wanted)}
    elif {u.pk for u in units} != have:
        raise ValidationError({"units": _("The round has opened: the units it assesses are fixed.")})
    for name, value in (("title", title), ("self_due", self_due), ("assess_due", assess_due)):
        if getattr(round, name) != value:
            changes[name] = [getattr(round, name), value]
            setattr(round, name, value)
    round.version += 1
    round.save(update_fields=["title", "self_due", "assess_due", "version"])
    audit_record(actor=actor, action="duties.round_update", obj=round, changes=changes)
    return round


@transaction.atomic
def round_delete(*, round: Round, version: int | None, actor) -> None:
    """Remove a round that has not opened."""
    round = _round_lock(round, version)
    _may(actor, ASSESS, round)
    if round.status != R.DRAFT:
        raise ValidationError(_("Only a draft round can be removed; this one has opened."))
    audit_record(actor=actor, action="duties.round_delete", obj=round, changes={"title": round.title})
    round.delete()


def _unit_url(assessment: UnitAssessment) -> str:
    return reverse("duties:assessment_unit", args=[assessment.pk])


def _tell_units(units: Iterable[UnitAssessment], title: str, body: str, key: str) -> None:
    for unit in units:
        notification_send(
            users=nearest_holders(unit.organisation, action=REPORT),
            title=title.format(unit=unit.organisation.name),
            body=body,
            url=_unit_url(unit),
            kind="duties.assessment",
            dedupe_key=f"{key}:{unit.pk}",
        )


@transaction.atomic
def round_open(*, round: Round, version: int | None, actor) -> Round:
    """Open self-scoring: each unit gets a row per item, those filled from records are measured, and the units'
    people are told."""
    round = _round_lock(round, version)
    _may(actor, ASSESS, round)
    if round.status != R.DRAFT:
        raise (
            finished_refusal(round) if round.status == R.FINISHED else ValidationError(_("The round is already open."))
        )
    units = list(round.units.select_related("organisation"))
    if not units:
        raise ValidationError(_("Choose the units to assess before opening the round."))
    items = list(round.table.items.filter(section__isnull=False))
    if not items:
        raise ValidationError(_("The table has no items to score."))
    ItemScore.objects.bulk_create([ItemScore(assessment=u, item=i) for u in units for i in items])
    round.status = R.SELF
    round.version += 1
    round.save(update_fields=["status", "version"])
    measured = _measure(round)
    audit_record(
        actor=actor,
        action="duties.round_open",
        obj=round,
        changes={"status": [R.DRAFT, R.SELF], "units": len(units), "items": len(items), "measured": measured},
    )
    due = _(" Self-scoring is due on {day}.").format(day=round.self_due.isoformat()) if round.self_due else ""
    transaction.on_commit(
        lambda: _tell_units(
            units,
            _("Self-scoring open: {round}").format(round=round.title) + " · {unit}",
            _("Score your unit on each item of the table, with notes and evidence, then submit it.") + due,
            f"duties.round_open:{round.pk}",
        )
    )
    return round


# --- measuring from records -----------------------------------------------------------------------------------


def _indicator_values(code: str, orgs: list[Organisation], year: int) -> dict[int, float | None] | None:
    """The registered indicator's values for the units, or None when it is not registered (or fails)."""
    fn = registry.indicators.get(code)
    if fn is None:
        return None
    try:
        return fn(orgs=orgs, year=year)
    except Exception:  # a module's indicator must not stop a round from opening: the item is scored by hand
        log.exception("indicator %s failed", code)
        return None


def _note_for(code: str, count: Decimal, target: Decimal | None, percent: bool) -> str:
    notes = {
        "orglife.meetings_counted": _("{k} of {target} required meetings held (with attendance and approved minutes)"),
        "study.hours_norm_met_rate": _("{share} of the members on the register met their study-hours norm"),
        "rectification.closure_rate": _("{share} of the rectification items recorded this year closed"),
    }
    if code in notes:
        template = notes[code]
    elif percent:
        template = _("{share} from the records ({code})")
    elif target is not None:
        template = _("{k} of {target} from the records ({code})")
    else:
        template = _("{k} from the records ({code})")
    # The per-cent sign goes with the number so that no message holds "% o" or "% f", which gettext tools
    # would take for printf directives.
    share = f"{_fmt(count)}%"
    return template.format(k=_fmt(count), share=share, target=_fmt(target), code=code)[:300]


@dataclass
class _Measure:
    count: Decimal | None
    score: Decimal | None
    note: str
    target: Decimal | None = None


def _measured(item: ScoreItem, org_id: int, values: dict, year: int) -> _Measure:
    code = item.indicator
    got = values.get(code)
    if got is None:
        return _Measure(
            None, None, _("Not measured: “{code}” is not available here; score this item by hand.").format(code=code)
        )
    raw = got.get(org_id)
    if raw is None:
        return _Measure(None, None, _("Nothing to measure in {year}: score this item by hand.").format(year=year))
    params = dict(item.params or {})
    count, target, percent = scoring.dec(raw), None, bool(params.get("percent"))
    if percent:
        count, target = scoring.cents(min(max(count, Decimal(0)), Decimal(1)) * 100), Decimal(100)
        params["target"] = 100
    elif params.get("target_indicator"):
        wanted = values.get(params["target_indicator"])
        total = wanted.get(org_id) if wanted is not None else None
        if not total:
            return _Measure(
                scoring.cents(count),
                None,
                _("Nothing was required in {year}: score this item by hand.").format(year=year),
            )
        target = scoring.cents(scoring.dec(total))
        params["target"] = target
    elif item.rule == RuleKind.COUNT:
        target = scoring.dec(params.get("target") or 0) or None
    count = scoring.cents(count)
    try:
        score = scoring.item_score(item.rule, params, item.points, count)
    except scoring.ScoringError:
        score = None
    measured_target = target if (percent or params.get("target_indicator")) else None
    return _Measure(count, score, _note_for(code, count, target, percent), measured_target)


def _measure(round: Round, assessments: Iterable[UnitAssessment] | None = None) -> int:
    """Fill the items read from records for the round's units: the measured value, the note, and the score
    the rule gives — which becomes the self and assessor scores where those are empty or still the measured one.
    Units whose self-scoring or assessment is over keep what they have. Returns the number of rows changed."""
    items = [i for i in round.table.items.filter(section__isnull=False) if i.indicator]
    if not items:
        return 0
    units = list(assessments) if assessments is not None else list(round.units.select_related("organisation"))
    orgs = [u.organisation for u in units]
    codes = {i.indicator for i in items} | {
        i.params["target_indicator"] for i in items if (i.params or {}).get("target_indicator")
    }
    values = {code: v for code in sorted(codes) if (v := _indicator_values(code, orgs, round.year)) is not None}
    by_item = {i.pk: i for i in items}
    unit_of = {u.pk: u for u in units}
    rows = ItemScore.objects.filter(assessment__in=units, item__in=items)
    changed = []
    for row in rows:
        unit = unit_of[row.assessment_id]
        if unit.status in (U.ASSESSED, U.FINISHED):
            continue
        found = _measured(by_item[row.item_id], unit.organisation_id, values, round.year)
        follows = row.score is None or row.score == row.auto_score
        self_follows = unit.status == U.SELF and (row.self_score is None or row.self_score == row.auto_score)
        before = (row.measured, row.measured_note, row.target, row.auto_score, row.count, row.score, row.self_score)
        row.measured, row.measured_note, row.auto_score = found.count, found.note, found.score
        row.target = found.target
        if follows:
            row.score = found.score
            row.count = found.count
        if self_follows:
            row.self_score = found.score
        after = (row.measured, row.measured_note, row.target, row.auto_score, row.count, row.score, row.self_score)
        if before != after:
            row.version += 1
            changed.append(row)
    ItemScore.objects.bulk_update(
        changed, ["measured", "measured_note", "target", "auto_score", "count", "score", "self_score", "version"]
    )
    return len(changed)


@transaction.atomic
def round_measure(*, round: Round, version: int | None, actor) -> int:
    """Read the records again for the items filled from them (meetings held since, items closed since)."""
    round = _round_lock(round, version)
    _may(actor, ASSESS, round)
    if round.status == R.FINISHED:
        raise finished_refusal(round)
    if round.status == R.DRAFT:
        raise ValidationError(_("Open the round first: the units' rows are made when it opens."))
    changed = _measure(round)
    round.version += 1
    round.save(update_fields=["version"])
    audit_record(actor=actor, action="duties.round_measure", obj=round, changes={"rows": changed})
    return changed


@transaction.atomic
def round_advance(*, round: Round, version: int | None, actor) -> Round:
    """Close self-scoring and go on to assessor scoring: units that did not submit are assessed on what they
    entered (their self-scoring is closed without a submission)."""
    round = _round_lock(round, version)
    _may(actor, ASSESS, round)
    if round.status != R.SELF:
        if round.status == R.FINISHED:
            raise finished_refusal(round)
        raise ValidationError(
            _("The round is at “{now}”; it moves to assessor scoring from self-scoring.").format(
                now=_status(round.status)
            )
        )
    late = list(round.units.filter(status=U.SELF).select_related("organisation"))
    for unit in late:
        unit.self_total = unit_tally(unit, self_scores=True).total
        unit.status = U.SUBMITTED
        unit.version += 1
    UnitAssessment.objects.bulk_update(late, ["self_total", "status", "version"])
    round.status = R.ASSESSING
    round.version += 1
    round.save(update_fields=["status", "version"])
    audit_record(
        actor=actor,
        action="duties.round_advance",
        obj=round,
        changes={"status": [R.SELF, R.ASSESSING], "closed_without_submission": [u.organisation.name for u in late]},
    )
    return round


@transaction.atomic
def round_finish(*, round: Round, version: int | None, actor) -> Round:
    """Finish the round once every unit has its result: from now on nothing in it is edited."""
    round = _round_lock(round, version)
    _may(actor, ASSESS, round)
    if round.status == R.FINISHED:
        raise finished_refusal(round)
    if round.status != R.ASSESSING:
        raise ValidationError(_("Close self-scoring and assess the units before finishing the round."))
    waiting = list(round.units.exclude(status=U.ASSESSED).select_related("organisation").order_by("organisation__path"))
    if waiting:
        raise ValidationError(
            _("These units have no result yet: {units}.").format(units="、".join(u.organisation.name for u in waiting))
        )
    round.units.update(status=U.FINISHED, version=F("version") + 1)
    round.status = R.FINISHED
    round.finished_at = timezone.now()
    round.version += 1
    round.save(update_fields=["status", "finished_at", "version"])
    audit_record(actor=actor, action="duties.round_finish", obj=round, changes={"status": [R.ASSESSING, R.FINISHED]})
    return round


# --- a unit's scoring ----------------------------------------------------------------------------------------


def _unit_lock(assessment: UnitAssessment, version: int | None) -> UnitAssessment:
    fresh = (
        UnitAssessment.objects.select_for_update(of=("self",))
        .select_related("organisation", "round", "round__organisation", "round__table")
        .get(pk=assessment.pk)
    )
    _check_version(fresh, version, _stale(_("unit's assessment")))
    return fresh


def _score_lock(score: ItemScore, version: int | None) -> tuple[ItemScore, UnitAssessment]:
    unit = _unit_lock(score.assessment, None)
    fresh = ItemScore.objects.select_for_update(of=("self",)).select_related("item").get(pk=score.pk)
    _check_version(fresh, version, _stale(_("score")))
    fresh.assessment = unit
    return fresh, unit


def _items_and_caps(table: ScoreTable) -> tuple[list[scoring.Item], dict]:
    rows = list(table.items.all())
    items = [scoring.Item(r.pk, r.rule, r.points, r.params or {}, r.section_id) for r in rows if r.section_id]
    caps = {r.pk: r.params["bonus_cap"] for r in rows if r.section_id is None and (r.params or {}).get("bonus_cap")}
    return items, caps


def unit_tally(unit: UnitAssessment, *, self_scores: bool = False) -> scoring.Result:
    """The unit's result by the table's rules: from the assessor's scores (or its own self-scores)."""
    items, caps = _items_and_caps(unit.round.table)
    rule_of = {i.key: i.rule for i in items}
    scores = {}
    for item_id, score, self_score, count in unit.scores.values_list("item_id", "score", "self_score", "count"):
        if rule_of.get(item_id) == RuleKind.VETO:
            scores[item_id] = None if self_scores else count
        else:
            scores[item_id] = self_score if self_scores else score
    return scoring.unit_result(items, scores, unit.round.table.grades, bonus_caps=caps)


def effective_params(item: ScoreItem, row: ItemScore) -> dict:
    """The item's rule parameters for one unit: a count's target measured from the records (meetings required),
    or 100 for a share in percent."""
    params = dict(item.params or {})
    if item.rule == RuleKind.COUNT and not params.get("target"):
        if params.get("percent"):
            params["target"] = 100
        elif row.target:
            params["target"] = row.target
    return params


def _score_problem(item: ScoreItem, value, field: str) -> Decimal:
    """A score typed by hand, refused unless the item's rule can give it."""
    number = _number(value, field, low=Decimal("-1e9"), high=Decimal("1e9"))
    points = item.points
    if number < 0:
        raise ValidationError({field: _("A score is never below 0.")})
    if item.rule == RuleKind.BONUS and number > points:
        raise ValidationError(
            {
                field: _("{score} is above the bonus item's cap of {points} points.").format(
                    score=_fmt(number), points=_fmt(points)
                )
            }
        )
    if number > points:
        raise ValidationError(
            {field: _("{score} is above the item's {points} points.").format(score=_fmt(number), points=_fmt(points))}
        )
    if not scoring.score_allowed(item.rule, item.params, points, number):
        low, high = scoring.score_bounds(item.rule, item.params, points)
        if item.rule == RuleKind.PRESENCE:
            message = _("This item scores all or nothing: {points} or 0.").format(points=_fmt(points))
        elif item.rule == RuleKind.TIER:
            tiers = ", ".join(f"{k} = {_fmt(v)}" for k, v in (item.params.get("tiers") or {}).items())
            message = _("This item scores by tier: {tiers}.").format(tiers=tiers)
        elif item.rule == RuleKind.VETO:
            message = _("A veto item scores nothing; say whether it happened instead.")
        else:
            message = _("A score on this item is from {low} to {high} points.").format(low=_fmt(low), high=_fmt(high))
        raise ValidationError({field: message})
    return number


def _self_open(unit: UnitAssessment) -> None:
    round = unit.round
    if round.status == R.FINISHED:
        raise finished_refusal(round)
    if round.status == R.DRAFT:
        raise ValidationError(_("The round has not opened yet."))
    if unit.status != U.SELF:
        raise ValidationError(
            _("{unit}'s self-scoring is closed (now “{status}”).").format(
                unit=unit.organisation.name, status=unit.get_status_display()
            )
        )


@transaction.atomic
def score_self(*, score: ItemScore, self_score, self_note: str = "", version: int | None, actor) -> ItemScore:
    """The unit scores itself on one item (empty: not scored yet), with a note on what it did."""
    score, unit = _score_lock(score, version)
    _may(actor, REPORT, unit)
    _self_open(unit)
    item = score.item
    if item.rule == RuleKind.VETO:
        value = None
    else:
        value = None if self_score in (None, "") else _score_problem(item, self_score, "self_score")
    note = _text(self_note, "self_note")
    changes = {}
    if score.self_score != value:
        changes["self_score"] = [_fmt(score.self_score), _fmt(value)]
    if score.self_note != note:
        changes["self_note"] = len(note)
    score.self_score, score.self_note = value, note
    score.version += 1
    score.save(update_fields=["self_score", "self_note", "version"])
    audit_record(actor=actor, action="duties.score_self", obj=score, changes={"item": item.code, **changes})
    return score


@transaction.atomic
def evidence_add(
    *, score: ItemScore, actor, file=None, record_kind: str = "", record_id: int | None = None, note: str = ""
) -> ScoreEvidence:
    """Evidence for a self-score: a file, or a link to a record already in the system."""
    score, unit = _score_lock(score, None)
    _may(actor, REPORT, unit)
    _self_open(unit)
    values = evidence_values(actor, file=file, record_kind=record_kind, record_id=record_id, note=note)
    evidence = ScoreEvidence(score=score, added_by=_user(actor), **values)
    evidence.keep_file(file)
    try:
        evidence.save()
        audit_record(
            actor=actor,
            action="duties.evidence_add",
            obj=score,
            changes={"item": score.item.code, "name": values["name"], "record": [record_kind, values["record_id"]]},
        )
    except Exception:
        if evidence.file:
            evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: ScoreEvidence, actor) -> None:
    score, unit = _score_lock(evidence.score, None)
    _may(actor, REPORT, unit)
    _self_open(unit)
    stored, storage = evidence.file.name, evidence.file.storage
    audit_record(
        actor=actor,
        action="duties.evidence_remove",
        obj=score,
        changes={"item": score.item.code, "name": evidence.name, "record": [evidence.record_kind, evidence.record_id]},
    )
    evidence.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))


def _missing(unit: UnitAssessment, field: str) -> list[ScoreItem]:
    rows = (
        unit.scores.filter(**{f"{field}__isnull": True})
        .exclude(item__rule__in=[RuleKind.VETO, RuleKind.BONUS])
        .select_related("item")
    )
    return [r.item for r in rows.order_by("item__order", "item__pk")]


def _codes(items: list[ScoreItem], limit: int = 12) -> str:
    codes = [i.code for i in items]
    more = _(" and {n} more").format(n=len(codes) - limit) if len(codes) > limit else ""
    return "、".join(codes[:limit]) + more


@transaction.atomic
def unit_submit(*, assessment: UnitAssessment, version: int | None, actor) -> UnitAssessment:
    """The unit submits its self-scoring (every item scored; bonus items may stay empty) to the assessor."""
    unit = _unit_lock(assessment, version)
    _may(actor, REPORT, unit)
    _self_open(unit)
    missing = _missing(unit, "self_score")
    if missing:
        raise ValidationError(
            _("Score every item before submitting; not scored yet: {items}.").format(items=_codes(missing))
        )
    unit.self_total = unit_tally(unit, self_scores=True).total
    unit.status = U.SUBMITTED
    unit.submitted_at = timezone.now()
    unit.version += 1
    unit.save(update_fields=["self_total", "status", "submitted_at", "version"])
    audit_record(
        actor=actor,
        action="duties.unit_submit",
        obj=unit,
        changes={"status": [U.SELF, U.SUBMITTED], "self_total": _fmt(unit.self_total)},
    )
    round = unit.round
    transaction.on_commit(
        lambda: notification_send(
            users=nearest_holders(round.organisation, action=ASSESS),
            title=_("{unit} submitted its self-scoring ({total} points): {round}").format(
                unit=unit.organisation.name, total=_fmt(unit.self_total), round=round.title
            ),
            url=_unit_url(unit),
            kind="duties.assessment",
            dedupe_key=f"duties.unit_submit:{unit.pk}:{unit.version}",
        )
    )
    return unit


@transaction.atomic
def unit_return(*, assessment: UnitAssessment, reason: str, version: int | None, actor) -> UnitAssessment:
    """The assessor sends a submitted self-scoring back to the unit, saying why (while self-scoring is open)."""
    unit = _unit_lock(assessment, version)
    _may(actor, ASSESS, unit.round)
    reason = _text(reason, "reason", required=_("Say what the unit should complete or correct."))
    if unit.round.status == R.FINISHED:
        raise finished_refusal(unit.round)
    if unit.round.status != R.SELF or unit.status != U.SUBMITTED:
        raise ValidationError(_("Only a submitted self-scoring can be sent back, while self-scoring is open."))
    unit.status = U.SELF
    unit.submitted_at = None
    unit.version += 1
    unit.save(update_fields=["status", "submitted_at", "version"])
    audit_record(
        actor=actor, action="duties.unit_return", obj=unit, changes={"status": [U.SUBMITTED, U.SELF]}, reason=reason
    )
    transaction.on_commit(
        lambda: _tell_units(
            [unit],
            _("Self-scoring sent back: {round}").format(round=unit.round.title) + " · {unit}",
            reason,
            f"duties.unit_return:{unit.version}",
        )
    )
    return unit


def _assess_open(unit: UnitAssessment) -> None:
    round = unit.round
    if round.status == R.FINISHED or unit.status == U.FINISHED:
        raise finished_refusal(round)
    if unit.status == U.SELF:
        raise ValidationError(
            _("{unit} has not submitted its self-scoring yet; close self-scoring to assess it anyway.").format(
                unit=unit.organisation.name
            )
        )
    if unit.status == U.ASSESSED:
        raise ValidationError(
            _("{unit} has its result: reopen its assessment to change a score.").format(unit=unit.organisation.name)
        )


@transaction.atomic
def score_assess(
    *,
    score: ItemScore,
    version: int | None,
    actor,
    count=None,
    tier: str = "",
    value=None,
    comment: str = "",
) -> ItemScore:
    """The assessor scores one item of a submitted unit.

    Give what the rule reads — the count (achieved, occurrences, points taken off, or for a veto the cases
    that happened) or the tier — and the score follows from it; or give the score (`value`) by hand. A
    discretionary deduction needs a comment saying why. Empty inputs clear the score.
    """
    score, unit = _score_lock(score, version)
    _may(actor, ASSESS, unit.round)
    _assess_open(unit)
    item = score.item
    params = dict(item.params or {})
    comment = _text(comment, "comment")
    tier = (tier or "").strip()
    has_count = count not in (None, "")
    if has_count:
        count = _number(count, "count", high=MAX_COUNT)
    if item.rule == RuleKind.TIER:
        if tier:
            try:
                computed = scoring.item_score(item.rule, params, item.points, tier)
            except scoring.ScoringError:
                raise ValidationError(
                    {"tier": _("Choose one of the tiers: {tiers}.").format(tiers=", ".join(params.get("tiers", {})))}
                ) from None
        else:
            computed = None
        has_count, count = False, None
    elif item.rule == RuleKind.VETO:
        computed = Decimal(0) if has_count else None
        tier = ""
    elif has_count:
        params = effective_params(item, score)
        if item.rule == RuleKind.COUNT and not params.get("target"):
            raise ValidationError(
                {"count": _("The target of this item comes from the records, which gave none: score it by hand.")}
            )
        else:
            try:
                computed = scoring.item_score(item.rule, params, item.points, count)
            except scoring.ScoringError:
                most = params.get("max", item.points)
                raise ValidationError(
                    {"count": _("At most {n} points may be taken off this item.").format(n=_fmt(scoring.dec(most)))}
                ) from None
        tier = ""
    else:
        computed = None
        tier = ""
    typed = None if value in (None, "") else _score_problem(item, value, "value")
    if computed is not None and typed is not None and typed != computed:
        message = _("The score follows from what you entered ({score} points); leave it empty or change that.")
        raise ValidationError({"value": message.format(score=_fmt(computed))})
    new = computed if computed is not None else typed
    if item.rule == RuleKind.DISCRETIONARY and new is not None and new < item.points and not comment:
        raise ValidationError({"comment": _("Say why points were taken off this item.")})
    before = {"score": _fmt(score.score), "count": _fmt(score.count), "tier": score.tier}
    score.score = new
    score.count = count if has_count else None
    score.tier = tier
    score.comment = comment
    score.scored_by = _user(actor)
    score.scored_at = timezone.now()
    score.version += 1
    score.save(update_fields=["score", "count", "tier", "comment", "scored_by", "scored_at", "version"])
    after = {"score": _fmt(score.score), "count": _fmt(score.count), "tier": score.tier}
    audit_record(
        actor=actor,
        action="duties.score_assess",
        obj=score,
        changes={"item": item.code, **{k: [before[k], after[k]] for k in before if before[k] != after[k]}},
    )
    return score


@transaction.atomic
def unit_finish(*, assessment: UnitAssessment, feedback: str, version: int | None, actor) -> UnitAssessment:
    """Give the unit its result — total, grade (with any veto) by the table — and the feedback, and tell it."""
    unit = _unit_lock(assessment, version)
    _may(actor, ASSESS, unit.round)
    _assess_open(unit)
    missing = _missing(unit, "score")
    if missing:
        raise ValidationError(
            _("Score every item before giving the result; not scored yet: {items}.").format(items=_codes(missing))
        )
    result = unit_tally(unit)
    unit.total, unit.grade, unit.vetoed = result.total, result.grade, result.vetoed
    unit.feedback = _text(feedback, "feedback")
    unit.status = U.ASSESSED
    unit.assessed_by = _user(actor)
    unit.assessed_at = timezone.now()
    unit.version += 1
    unit.save(update_fields=["total", "grade", "vetoed", "feedback", "status", "assessed_by", "assessed_at", "version"])
    audit_record(
        actor=actor,
        action="duties.unit_finish",
        obj=unit,
        changes={"total": _fmt(result.total), "grade": result.grade, "vetoed": result.vetoed},
    )
    title = _("Assessment result: {grade}, {total} points").format(grade=result.grade, total=_fmt(result.total))
    transaction.on_commit(
        lambda: _tell_units(
            [unit],
            title + " · {unit}",
            unit.feedback,
            f"duties.unit_finish:{unit.version}",
        )
    )
    return unit


@transaction.atomic
def unit_reopen(*, assessment: UnitAssessment, version: int | None, actor) -> UnitAssessment:
    """Take back a unit's result to change its scores (until the round is finished)."""
    unit = _unit_lock(assessment, version)
    _may(actor, ASSESS, unit.round)
    if unit.round.status == R.FINISHED or unit.status == U.FINISHED:
        raise finished_refusal(unit.round)
    if unit.status != U.ASSESSED:
        raise ValidationError(_("This unit has no result to reopen."))
    unit.status = U.SUBMITTED
    unit.version += 1
    unit.save(update_fields=["status", "version"])
    audit_record(actor=actor, action="duties.unit_reopen", obj=unit, changes={"status": [U.ASSESSED, U.SUBMITTED]})
    return unit


# --- reads ---------------------------------------------------------------------------------------------------


@dataclass
class ResultRow:
    unit: UnitAssessment
    previous: UnitAssessment | None

    @property
    def difference(self) -> Decimal | None:
        if self.unit.total is None or self.previous is None or self.previous.total is None:
            return None
        return self.unit.total - self.previous.total


def previous_round(round: Round) -> Round | None:
    """The latest finished round of the same assessing unit for an earlier year."""
    return (
        Round.objects.filter(organisation_id=round.organisation_id, year__lt=round.year, status=R.FINISHED)
        .order_by("-year")
        .first()
    )


def round_results(round: Round) -> tuple[list[ResultRow], Round | None]:
    """Each unit's result beside its result in the previous round of the same assessing unit. Three queries."""
    units = list(round.units.select_related("organisation").order_by("organisation__path"))
    before = previous_round(round)
    earlier = {}
    if before is not None:
        earlier = {u.organisation_id: u for u in before.units.all()}
    return [ResultRow(u, earlier.get(u.organisation_id)) for u in units], before


def unit_lost(unit: UnitAssessment) -> list[ItemScore]:
    """The items where the unit lost points (or a veto struck), with the assessor's comments."""
    rows = unit.scores.select_related("item", "item__section").order_by("item__order", "item__pk")
    out = []
    for row in rows:
        item = row.item
        if item.rule == RuleKind.VETO:
            if row.count:
                out.append(row)
        elif item.rule != RuleKind.BONUS and row.score is not None and row.score < item.points:
            row.lost = item.points - row.score
            out.append(row)
    return out


def assessment_score(*, orgs: Iterable[Organisation], year: int, on: date | None = None) -> dict[int, float | None]:
    """Each unit's total in its latest finished assessment for `year` (None when it has none)."""
    orgs = list(orgs)
    rows = (
        UnitAssessment.objects.filter(organisation__in=orgs, round__year=year, round__status=R.FINISHED)
        .filter(Q(round__finished_at__date__lte=on) if on else Q())
        .order_by("organisation_id", "-round__finished_at", "-pk")
        .values_list("organisation_id", "total")
    )
    found: dict[int, float | None] = {}
    for org_id, total in rows:
        if org_id not in found:
            found[org_id] = float(total) if total is not None else None
    return {org.pk: found.get(org.pk) for org in orgs}


def assessment_todos(user) -> list[TodoItem]:
    """Self-scoring the user's units owe, and submitted units waiting for the user's assessment."""
    items = []
    if has_permission(user, REPORT):
        owing = (
            UnitAssessment.objects.filter(nearest_q(user, REPORT, model=UnitAssessment))
            .filter(status=U.SELF, round__status=R.SELF)
            .select_related("organisation", "round")[:20]
        )
        for unit in owing:
            due = unit.round.self_due
            items.append(
                TodoItem(
                    title=_("Self-score {unit}: {round}").format(unit=unit.organisation.name, round=unit.round.title),
                    url=_unit_url(unit),
                    due=due,
                    kind=_("Responsibility assessment"),
                    overdue=bool(due and due < timezone.localdate()),
                )
            )
    if has_permission(user, ASSESS):
        rounds = Round.objects.filter(nearest_q(user, ASSESS, model=Round)).exclude(status__in=[R.DRAFT, R.FINISHED])
        waiting = (
            UnitAssessment.objects.filter(round__in=rounds, status=U.SUBMITTED)
            .select_related("organisation", "round")
            .order_by("round__assess_due", "pk")[:20]
        )
        for unit in waiting:
            due = unit.round.assess_due
            items.append(
                TodoItem(
                    title=_("Assess {unit}: {round}").format(unit=unit.organisation.name, round=unit.round.title),
                    url=_unit_url(unit),
                    due=due,
                    kind=_("Responsibility assessment"),
                    overdue=bool(due and due < timezone.localdate()),
                )
            )
    return items
