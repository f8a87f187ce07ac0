"""Score tables of responsibility assessment: the grades, the default table, sections and items with their rules.

A score table belongs to an assessing unit: sections of items, each with points, the evidence required and its
scoring rule (see `duties.scoring`); its grade thresholds are copied from the rule `duties.assessment_grades`
when it is made, and may be edited per table. A table used by a round that has opened is fixed: copy it to
change it. The checks shared with the rounds (`duties.services.assessment`) are at the top.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.rules import RuleMissing, rule_value
from qinglian.duties import scoring
from qinglian.duties.models import Round, ScoreItem, ScoreTable
from qinglian.duties.vocab import RoundStatus, RuleKind
from qinglian.orgs.access import can
from qinglian.orgs.models import Organisation
from qinglian.orgs.services import Conflict

VIEW, ASSESS = "duties.view", "duties.assess"
GRADES_RULE = "duties.assessment_grades"
DEFAULT_TABLE = Path(__file__).resolve().parent.parent / "fixtures" / "assessment" / "default_table.json"
FIRST_YEAR = 2000
MAX_POINTS = Decimal(1000)
MAX_TEXT = 4000
# Rules whose value can come from an indicator (a number); a tier or a discretionary deduction is a judgement.
MEASURABLE = (RuleKind.PRESENCE, RuleKind.COUNT, RuleKind.DEDUCTION, RuleKind.BONUS, RuleKind.VETO)
R = RoundStatus

# --- helpers -----------------------------------------------------------------------------------------------


def _may(actor, action: str, obj) -> None:
    if actor is not None and not can(actor, action, obj):
        raise PermissionDenied


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_version(row, version: int | None, message: str) -> None:
    if version is not None and row.version != int(version):
        raise Conflict(message)


def _stale(what: str) -> str:
    return _(
        "Someone else changed this {what} while you were working on it, so nothing was saved. Reload the page to "
        "see their changes, then make yours again."
    ).format(what=what)


def _year(year) -> int:
    last = timezone.localdate().year + 1
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = 0
    if not FIRST_YEAR <= year <= last:
        raise ValidationError({"year": _("Choose a year from {first} to {last}.").format(first=FIRST_YEAR, last=last)})
    return year


def _text(value, field: str, *, required: str = "", limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: required})
    if len(value) > limit:
        raise ValidationError({field: _("At most {n} characters; this has {m}.").format(n=limit, m=len(value))})
    return value


def _number(value, field: str, *, low=Decimal(0), high=MAX_POINTS) -> Decimal:
    try:
        number = scoring.dec(value)
    except scoring.ScoringError:
        raise ValidationError({field: _("Give a number.")}) from None
    if not number.is_finite() or number != scoring.cents(number):
        raise ValidationError({field: _("Give a number with at most two decimal places.")})
    if not low <= number <= high:
        raise ValidationError({field: _("Give a number from {low} to {high}.").format(low=low, high=high)})
    return number


def number_text(number) -> str:
    """A number as people write it: 12, 2.5, 0.25 (no trailing zeros)."""
    if number is None:
        return ""
    number = scoring.dec(number)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_fmt = number_text


# --- grades ------------------------------------------------------------------------------------------------


def grades_default(org: Organisation, year: int) -> list[dict]:
    """The grade thresholds in force for `org` in `year` (the rule's version on the year's first day, else today's)."""
    try:
        return rule_value(GRADES_RULE, org_path=org.path, on=date(year, 1, 1))
    except RuleMissing:
        return rule_value(GRADES_RULE, org_path=org.path)


def grades_check(grades) -> list[dict]:
    """Grades as a table keeps them: highest first, names unique, minimums falling, the last one 0."""
    if not isinstance(grades, list) or not grades:
        raise ValidationError({"grades": _("Give at least one grade.")})
    cleaned, names = [], set()
    for row in grades:
        if not isinstance(row, dict):
            raise ValidationError({"grades": _("Each grade needs a name and a minimum score.")})
        name = str(row.get("grade") or "").strip()
        if not name or len(name) > 20:
            raise ValidationError({"grades": _("Each grade needs a name of at most 20 characters.")})
        if name in names:
            raise ValidationError({"grades": _("The grade “{name}” is given twice.").format(name=name)})
        names.add(name)
        minimum = _number(row.get("min", 0), "grades")
        entry = {"grade": name, "min": float(minimum) if minimum != int(minimum) else int(minimum)}
        if row.get("no_zero_item"):
            entry["no_zero_item"] = True
        cleaned.append(entry)
    cleaned.sort(key=lambda g: -Decimal(str(g["min"])))
    mins = [Decimal(str(g["min"])) for g in cleaned]
    if len(set(mins)) != len(mins):
        raise ValidationError({"grades": _("Two grades have the same minimum score.")})
    if mins[-1] != 0:
        raise ValidationError({"grades": _("The lowest grade starts at 0, so that every total has a grade.")})
    return cleaned


# --- score tables --------------------------------------------------------------------------------------------


def default_table_data() -> dict:
    """The score table shipped as a starting point (100 points, every rule type, items filled from records)."""
    return json.loads(DEFAULT_TABLE.read_text(encoding="utf-8"))


def _table_lock(table: ScoreTable, version: int | None) -> ScoreTable:
    fresh = ScoreTable.objects.select_for_update().select_related("organisation").get(pk=table.pk)
    _check_version(fresh, version, _stale(_("score table")))
    return fresh


def table_in_use(table: ScoreTable) -> Round | None:
    """The round (opened) that fixes the table's items, if any."""
    return Round.objects.filter(table=table).exclude(status=R.DRAFT).order_by("-year", "pk").first()


def _refuse_in_use(table: ScoreTable) -> None:
    used = table_in_use(table)
    if used is not None:
        raise ValidationError(
            _(
                "This table is used by the round “{round}”, which has opened: its items are fixed so that every unit "
                "is scored on the same table. Copy the table to change it for another round."
            ).format(round=used.title)
        )


def _params_clean(rule: str, params: dict, points: Decimal, grades: list[dict], indicator: str) -> dict:
    """The parameters the rule reads, checked; anything else is dropped."""
    params = params or {}

    def number(key, default=None, *, low=Decimal(0), high=MAX_POINTS):
        value = params.get(key, default)
        if value in (None, ""):
            raise ValidationError({"params": _("The rule needs “{key}”.").format(key=key)})
        return _number(value, "params", low=low, high=high)

    def plain(number):
        return int(number) if number == int(number) else float(number)

    if rule == RuleKind.COUNT:
        if params.get("percent"):
            if not indicator:
                raise ValidationError({"indicator": _("A share in percent is read from records: name the indicator.")})
            return {"percent": True}
        if params.get("target_indicator"):
            if not indicator:
                raise ValidationError(
                    {"indicator": _("A target read from records needs the count read from records too.")}
                )
            return {"target_indicator": _text(params["target_indicator"], "params", limit=80)}
        target = number("target")
        if target <= 0:
            raise ValidationError({"params": _("The target must be above 0.")})
        return {"target": plain(target)}
    if rule == RuleKind.DEDUCTION:
        per, floor = number("per", 1), number("floor", 0, high=points)
        if per <= 0:
            raise ValidationError({"params": _("The points taken off per occurrence must be above 0.")})
        return {"per": plain(per), "floor": plain(floor)}
    if rule == RuleKind.DISCRETIONARY:
        most = number("max", points, high=points)
        if most <= 0:
            raise ValidationError({"params": _("The most that may be taken off must be above 0.")})
        return {"max": plain(most)}
    if rule == RuleKind.TIER:
        tiers = params.get("tiers")
        if not isinstance(tiers, dict) or not tiers:
            raise ValidationError({"params": _("Give the tiers and their points, like A=10, B=9.")})
        cleaned = {}
        for label, value in tiers.items():
            label = str(label).strip()
            if not label or len(label) > 20:
                raise ValidationError({"params": _("Each tier needs a name of at most 20 characters.")})
            value = _number(value, "params")
            if value > points:
                raise ValidationError(
                    {
                        "params": _("The tier {tier} gives {value} points, more than the item's {points}.").format(
                            tier=label, value=_fmt(value), points=_fmt(points)
                        )
                    }
                )
            cleaned[label] = plain(value)
        return {"tiers": cleaned}
    if rule == RuleKind.BONUS:
        per = number("per", 1)
        if per <= 0 or points <= 0:
            raise ValidationError(
                {"params": _("A bonus item adds points for each occurrence, up to its points (its cap): give both.")}
            )
        return {"per": plain(per)}
    if rule == RuleKind.VETO:
        names = [g["grade"] for g in grades]
        grade = str(params.get("grade") or (names[-1] if names else "")).strip()
        if names and grade not in names:
            raise ValidationError(
                {
                    "params": _("“{grade}” is not a grade of this table ({grades}).").format(
                        grade=grade, grades="、".join(names)
                    )
                }
            )
        return {"grade": grade}
    return {}


def _section_points(section: ScoreItem) -> None:
    """A section's points are the sum of its base items' (bonus and veto items add none)."""
    total = sum(
        (i.points for i in section.children.all() if i.rule in scoring.BASE_RULES),
        Decimal(0),
    )
    ScoreItem.objects.filter(pk=section.pk).update(points=total)


def _items_create(table: ScoreTable, sections: list[dict]) -> int:
    """Make the sections and items of `sections` (the default table's format) in `table`."""
    made, order = 0, 0
    for block in sections:
        order += 10
        section = ScoreItem.objects.create(
            table=table,
            code=str(block["code"]),
            title=block["title"],
            points=0,
            params={"bonus_cap": block["params"]["bonus_cap"]} if block.get("params", {}).get("bonus_cap") else {},
            order=order,
        )
        for row in block.get("items", []):
            order += 10
            points = scoring.dec(row.get("points", 0))
            rule = row.get("rule", RuleKind.PRESENCE)
            indicator = row.get("indicator", "")
            ScoreItem.objects.create(
                table=table,
                section=section,
                code=str(row["code"]),
                title=row["title"],
                points=points,
                evidence=row.get("evidence", ""),
                rule=rule,
                params=_params_clean(rule, row.get("params", {}), points, table.grades, indicator),
                indicator=indicator,
                order=order,
            )
            made += 1
        _section_points(section)
    return made


def _items_copy(source: ScoreTable, table: ScoreTable) -> int:
    sections = []
    rows = list(source.items.order_by("order", "pk"))
    for section in (r for r in rows if r.section_id is None):
        sections.append(
            {
                "code": section.code,
                "title": section.title,
                "params": section.params,
                "items": [
                    {
                        "code": i.code,
                        "title": i.title,
                        "points": i.points,
                        "evidence": i.evidence,
                        "rule": i.rule,
                        "params": i.params,
                        "indicator": i.indicator,
                    }
                    for i in rows
                    if i.section_id == section.pk
                ],
            }
        )
    return _items_create(table, sections)


@transaction.atomic
def table_create(
    *, org: Organisation, year, title: str, actor, start: str = "default", copy_from: ScoreTable | None = None
) -> ScoreTable:
    """A score table of `org` for `year`: the default table (start="default"), an empty one ("blank"), or a
    copy of another table (`copy_from`). Its grades are the rule's, or the copied table's."""
    _may(actor, ASSESS, org)
    if copy_from is not None:
        _may(actor, VIEW, copy_from)
    year = _year(year)
    title = _text(title, "title", required=_("Give the table a title."), limit=200)
    grades = list(copy_from.grades) if copy_from is not None else grades_check(grades_default(org, year))
    table = ScoreTable.objects.create(
        organisation=org, year=year, title=title, grades=grades, based_on=copy_from, created_by=_user(actor)
    )
    if copy_from is not None:
        made = _items_copy(copy_from, table)
    elif start == "default":
        made = _items_create(table, default_table_data()["sections"])
    else:
        made = 0
    audit_record(
        actor=actor,
        action="duties.table_create",
        obj=table,
        changes={"year": year, "items": made, "copied_from": copy_from.pk if copy_from else None, "start": start},
    )
    return table


@transaction.atomic
def table_update(*, table: ScoreTable, title: str, grades, version: int | None, actor) -> ScoreTable:
    """Rename a table and set its grade thresholds (also while rounds use it: a round's grades are read when
    each unit's result is given)."""
    table = _table_lock(table, version)
    _may(actor, ASSESS, table)
    finished = Round.objects.filter(table=table, status=R.FINISHED).first()
    grades = grades_check(grades)
    if finished is not None and grades != table.grades:
        raise ValidationError(
            {
                "grades": _("The round “{round}” was finished on this table: its grades no longer change.").format(
                    round=finished.title
                )
            }
        )
    before = {"title": table.title, "grades": table.grades}
    table.title = _text(title, "title", required=_("Give the table a title."), limit=200)
    table.grades = grades
    table.version += 1
    table.save(update_fields=["title", "grades", "version"])
    changes = {k: [before[k], getattr(table, k)] for k in before if before[k] != getattr(table, k)}
    audit_record(actor=actor, action="duties.table_update", obj=table, changes=changes)
    return table


@transaction.atomic
def table_delete(*, table: ScoreTable, version: int | None, actor) -> None:
    """Remove a table no round uses."""
    table = _table_lock(table, version)
    _may(actor, ASSESS, table)
    used = Round.objects.filter(table=table).first()
    if used is not None:
        raise ValidationError(_("The round “{round}” uses this table: it cannot be removed.").format(round=used.title))
    audit_record(actor=actor, action="duties.table_delete", obj=table, changes={"title": table.title})
    table.items.filter(section__isnull=False).delete()
    table.delete()


@transaction.atomic
def item_save(
    *,
    table: ScoreTable,
    actor,
    version: int | None,
    code: str,
    title: str,
    item: ScoreItem | None = None,
    section: ScoreItem | None = None,
    points=0,
    rule: str = RuleKind.PRESENCE,
    params: dict | None = None,
    evidence: str = "",
    indicator: str = "",
    order: int | None = None,
) -> ScoreItem:
    """Add or change a line of a table: a section heading (no `section`) or an item in a section.

    An item's rule parameters are checked against its points (see `duties.scoring`); a section's points are
    the sum of its base items', and a section may cap its bonus items together (params {"bonus_cap": n}).
    An indicator names what fills the item from the records; one not registered here is allowed (the item is
    then scored by hand, with a note saying so).
    """
    table = _table_lock(table, version)
    _may(actor, ASSESS, table)
    _refuse_in_use(table)
    if item is not None and item.table_id != table.pk:
        raise ValidationError(_("This item is not in this table."))
    code = _text(code, "code", required=_("Give the item a number."), limit=20)
    title = _text(title, "title", required=_("Say what the item assesses."), limit=300)
    clash = ScoreItem.objects.filter(table=table, code=code).exclude(pk=item.pk if item else None).first()
    if clash is not None:
        raise ValidationError({"code": _("The number {code} is already used in this table.").format(code=code)})
    old_section = item.section if item is not None else None
    if item is not None and section is None:
        section = old_section
    is_section = section is None if item is None else item.section_id is None
    if is_section and section is not None and item is None:
        raise ValidationError({"section": _("A section heading does not sit in another section.")})
    if not is_section:
        if section is None:
            raise ValidationError({"section": _("Choose the section the item belongs to.")})
        if section.table_id != table.pk or section.section_id is not None:
            raise ValidationError({"section": _("Choose a section of this table.")})
    fields: dict = {"code": code, "title": title, "evidence": _text(evidence, "evidence")}
    if is_section:
        cap = (params or {}).get("bonus_cap")
        fields.update(params={"bonus_cap": _fmt_plain(_number(cap, "params"))} if cap not in (None, "") else {})
        fields.update(rule=RuleKind.PRESENCE, indicator="")
    else:
        if rule not in RuleKind.values:
            raise ValidationError({"rule": _("Choose a scoring rule.")})
        points = _number(points, "points")
        if rule == RuleKind.VETO and points != 0:
            raise ValidationError({"points": _("A veto item scores nothing: its points are 0.")})
        indicator = _text(indicator, "indicator", limit=80)
        if indicator and rule not in MEASURABLE:
            raise ValidationError(
                {"indicator": _("A tier or a discretionary deduction is a judgement: it is not read from records.")}
            )
        fields.update(
            section=section,
            points=points,
            rule=rule,
            params=_params_clean(rule, params or {}, points, table.grades, indicator),
            indicator=indicator,
        )
    if order is not None:
        fields["order"] = max(0, min(int(order), 32_000))
    elif item is None:
        last = table.items.aggregate(m=Max("order"))["m"] or 0
        fields["order"] = min(last + 10, 32_000)
    if item is None:
        item = ScoreItem(table=table, **{"points": 0, **fields})
        action, changes = "duties.item_add", {"code": code, "title": title}
    else:
        changes = {k: [_plain(getattr(item, k)), _plain(v)] for k, v in fields.items() if getattr(item, k) != v}
        for name, value in fields.items():
            setattr(item, name, value)
        action = "duties.item_change"
    item.save()
    for touched in {s.pk: s for s in (item.section, old_section) if s is not None}.values():
        _section_points(touched)
    table.version += 1
    table.save(update_fields=["version"])
    audit_record(actor=actor, action=action, obj=table, changes={"item": item.pk, **changes})
    return item


def _fmt_plain(number: Decimal):
    return int(number) if number == int(number) else float(number)


def _plain(value):
    if isinstance(value, ScoreItem):
        return value.code
    if isinstance(value, Decimal):
        return _fmt(value)
    return value


@transaction.atomic
def item_delete(*, item: ScoreItem, version: int | None, actor) -> None:
    """Remove a line of a table (a section only once it is empty)."""
    table = _table_lock(item.table, version)
    _may(actor, ASSESS, table)
    _refuse_in_use(table)
    if item.section_id is None and item.children.exists():
        raise ValidationError(_("Remove or move the items of this section first."))
    section = item.section
    audit_record(actor=actor, action="duties.item_remove", obj=table, changes={"code": item.code, "title": item.title})
    item.delete()
    if section is not None:
        _section_points(section)
    table.version += 1
    table.save(update_fields=["version"])


def table_items(table: ScoreTable) -> list[ScoreItem]:
    """The table's lines in order, each section followed by its items (items get `.section_row`)."""
    rows = list(table.items.order_by("order", "pk"))
    sections = [r for r in rows if r.section_id is None]
    out = []
    for section in sections:
        out.append(section)
        out.extend(r for r in rows if r.section_id == section.pk)
    return out


def table_totals(table: ScoreTable, rows: list[ScoreItem] | None = None) -> dict:
    rows = table_items(table) if rows is None else rows
    items = [r for r in rows if r.section_id is not None]
    return {
        "base": sum((i.points for i in items if i.rule in scoring.BASE_RULES), Decimal(0)),
        "bonus": sum(
            (
                min(
                    sum((i.points for i in items if i.section_id == s.pk and i.rule == RuleKind.BONUS), Decimal(0)),
                    scoring.dec(s.params.get("bonus_cap", MAX_POINTS)),
                )
                for s in rows
                if s.section_id is None
            ),
            Decimal(0),
        ),
        "items": len(items),
        "vetoes": sum(1 for i in items if i.rule == RuleKind.VETO),
        "measured": sum(1 for i in items if i.indicator),
    }
