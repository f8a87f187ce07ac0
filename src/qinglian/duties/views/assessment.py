"""Responsibility assessment pages: the rounds (with each unit's progress), a unit's scoring page (its own
scores and the assessor's side by side, what was measured from the records, the evidence), the results with last
year's beside them and their export, the feedback a unit reads, and the score tables with their items."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.audit import audit_record
from qinglian.core.forms import EvidenceForm, add_service_errors
from qinglian.core.links import evidence_pairs
from qinglian.core.paging import id_page
from qinglian.core.registry import registry
from qinglian.core.views import permission_required
from qinglian.duties.forms.assessment import (
    AssessForm,
    FinishForm,
    ItemForm,
    ReturnForm,
    RoundForm,
    SelfScoreForm,
    TableCreateForm,
    TableForm,
    VersionForm,
)
from qinglian.duties.models import ItemScore, Round, ScoreEvidence, ScoreItem, ScoreTable, UnitAssessment
from qinglian.duties.scoring import BASE_RULES
from qinglian.duties.services import assessment as services
from qinglian.duties.vocab import RoundStatus, RuleKind, UnitStatus
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import Organisation
from qinglian.orgs.services import Conflict
from qinglian.reports.xlsx import Sheet, Styled, workbook_bytes, xlsx_response

VIEW, REPORT, ASSESS = services.VIEW, services.REPORT, services.ASSESS
R, U = RoundStatus, UnitStatus
PAGE_SIZE = 30
CHOICES = 300  # units and tables offered on a form at most
GRADE_FILL = {"优秀": "C8E6C9", "良好": "DCEDC8", "合格": "FFF9C4", "不合格": "FFCDD2"}


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


def _refused(request, exc) -> None:
    messages.error(request, exc.message if isinstance(exc, Conflict) else " ".join(exc.messages))


def _version(request) -> int | None:
    return _int(request.POST.get("version"))


# --- how a rule reads, in words ----------------------------------------------------------------------------------


def _plain(value):
    """A Decimal as a form shows it: 2 rather than 2.00, 2.5 rather than 2.50."""
    return services.number_text(value) if value is not None else None


def _n(value) -> str:
    return services.number_text(value) if value is not None else ""


def rule_text(item: ScoreItem) -> str:
    """The item's rule in a line: "2 required: k of 2 gives k/2 of the points", "1 off per occurrence, not below 0"."""
    p, points = item.params or {}, item.points
    if item.rule == RuleKind.PRESENCE:
        return _("All or nothing: {points} if done, else 0.").format(points=_n(points))
    if item.rule == RuleKind.COUNT:
        if p.get("percent"):
            return _("The share measured from the records gives the same share of the points.")
        if p.get("target_indicator"):
            return _("k held of the K required (both from the records) gives k/K of the points.")
        return _("{target} required: k of them gives k/{target} of the points.").format(target=_n(p.get("target")))
    if item.rule == RuleKind.DEDUCTION:
        return _("{per} off for each occurrence, not below {floor}.").format(
            per=_n(p.get("per", 1)), floor=_n(p.get("floor", 0))
        )
    if item.rule == RuleKind.DISCRETIONARY:
        return _("Up to {max} taken off at the assessor's judgement, saying why.").format(max=_n(p.get("max", points)))
    if item.rule == RuleKind.TIER:
        tiers = ", ".join(f"{k} = {_n(v)}" for k, v in (p.get("tiers") or {}).items())
        return _("By the tier of another assessment: {tiers}.").format(tiers=tiers)
    if item.rule == RuleKind.BONUS:
        return _("{per} added for each occurrence, at most {points}.").format(
            per=_n(p.get("per", 1)), points=_n(points)
        )
    if item.rule == RuleKind.VETO:
        return _("Veto: if it happens, the grade is at most {grade}.").format(grade=p.get("grade", ""))
    return ""


# --- the list of rounds ------------------------------------------------------------------------------------------


def _years() -> range:
    this = timezone.localdate().year
    return range(this + 1, this - 6, -1)


def _unit_counts(round_ids) -> dict[int, Counter]:
    rows = (
        UnitAssessment.objects.filter(round_id__in=list(round_ids))
        .values("round_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out: dict[int, Counter] = {}
    for row in rows:
        out.setdefault(row["round_id"], Counter())[row["status"]] = row["n"]
    return out


def _assessing_units(user, root: Organisation):
    units = Organisation.objects.visible_to(user, ASSESS).active().subtree(root)
    return units.exclude(kind=Organisation.Kind.GROUP).order_by("path")


def _capped(queryset):
    """The first CHOICES rows of `queryset`, as a queryset a form field can still filter."""
    return queryset.filter(pk__in=list(queryset.values_list("pk", flat=True)[:CHOICES]))


@permission_required(VIEW)
def round_list(request):
    root = scope_or_404(request)
    year = _int(request.GET.get("year"))
    rounds = Round.objects.visible_to(request.user).in_subtree(root).select_related("organisation", "table")
    if year:
        rounds = rounds.filter(year=year)
    page = id_page(
        rounds.order_by("-year", "organisation__path", "-pk"), per_page=PAGE_SIZE, number=request.GET.get("page")
    )
    counts = _unit_counts(r.pk for r in page.object_list)
    for round in page.object_list:
        c = counts.get(round.pk, Counter())
        round.n_units = sum(c.values())
        round.n_submitted = c[U.SUBMITTED] + c[U.ASSESSED] + c[U.FINISHED]
        round.n_done = c[U.ASSESSED] + c[U.FINISHED]
    # The scope's own assessments in rounds run above it, which its people do not see as rounds.
    mine = (
        UnitAssessment.objects.visible_to(request.user)
        .in_subtree(root)
        .exclude(round__status=R.DRAFT)
        .exclude(round__in=Round.objects.visible_to(request.user))
        .select_related("organisation", "round", "round__organisation")
        .order_by("-round__year", "organisation__path")
    )
    if year:
        mine = mine.filter(round__year=year)
    context = {
        "root": root,
        "page": page,
        "mine": list(mine[:PAGE_SIZE]),
        "year": year,
        "years": _years(),
        "may_assess": _assessing_units(request.user, root).exists(),
    }
    return render(request, "duties/assessment_round_list.html", context)


def _round(request, pk: int, action: str = VIEW) -> Round:
    rounds = Round.objects.select_related("organisation", "table")
    return get_visible_or_404(rounds, request.user, action, pk=pk)


def _assessing_unit(request) -> Organisation:
    """The assessing unit chosen with ?org= (one where the user assesses), else the scope or the first below it."""
    raw = request.POST.get("organisation") or request.GET.get("org", "")
    if str(raw).isdigit():
        return get_visible_or_404(Organisation.objects, request.user, ASSESS, pk=int(raw))
    root = scope_or_404(request)
    if can(request.user, ASSESS, root):
        return root
    unit = _assessing_units(request.user, root).first()
    if unit is None:
        raise Http404(_("You assess no unit in this organisation."))
    return unit


@permission_required(ASSESS)
def round_create(request):
    org = _assessing_unit(request)
    tables = services.tables_usable(org, request.user).order_by("-year", "-pk")
    units = services.units_assessable(org)
    year = timezone.localdate().year
    initial = {
        "year": year,
        "title": _("{year} responsibility assessment of {org}").format(year=year, org=org.name),
        "table": tables.first(),
        "units": [u.pk for u in units.filter(kind__in=[Organisation.Kind.BRANCH, Organisation.Kind.GENERAL_BRANCH])],
    }
    form = RoundForm(request.POST or None, tables=_capped(tables), units=_capped(units), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            round = services.round_create(
                org=org,
                table=data["table"],
                year=data["year"],
                title=data["title"],
                units=data["units"],
                self_due=data["self_due"],
                assess_due=data["assess_due"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The round is drawn up: check it, then open self-scoring."))
            return redirect("duties:assessment_round", pk=round.pk)
    others = list(_assessing_units(request.user, scope_or_404(request))[:CHOICES])
    context = {"form": form, "org": org, "others": others, "no_tables": not tables.exists()}
    return render(request, "duties/assessment_round_form.html", context, status=422 if form.errors else 200)


@permission_required(ASSESS)
def round_edit(request, pk: int):
    round = _round(request, pk, ASSESS)
    if round.status == R.FINISHED:
        messages.error(request, " ".join(services.finished_refusal(round).messages))
        return redirect("duties:assessment_round", pk=round.pk)
    units = services.units_assessable(round.organisation)
    if round.status != R.DRAFT:
        units = units.filter(pk__in=round.units.values("organisation_id"))
    initial = {
        "title": round.title,
        "units": list(round.units.values_list("organisation_id", flat=True)),
        "self_due": round.self_due,
        "assess_due": round.assess_due,
        "version": round.version,
    }
    form = RoundForm(request.POST or None, tables=None, units=_capped(units), initial=initial, editing=True)
    if round.status != R.DRAFT:
        form.fields["units"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.round_update(
                round=round,
                title=data["title"],
                units=data["units"],
                self_due=data["self_due"],
                assess_due=data["assess_due"],
                version=data["version"],
                actor=request.user,
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The round is saved."))
            return redirect("duties:assessment_round", pk=round.pk)
    context = {"form": form, "round": round, "org": round.organisation}
    return render(request, "duties/assessment_round_form.html", context, status=422 if form.errors else 200)


@permission_required(VIEW)
def round_detail(request, pk: int):
    round = _round(request, pk)
    units = list(round.units.select_related("organisation").order_by("organisation__path"))
    counts = {
        row["assessment_id"]: row
        for row in ItemScore.objects.filter(assessment__round=round)
        .values("assessment_id")
        .annotate(
            selfs=Count("self_score"),
            scores=Count("score"),
            n=Count("pk"),
            selfable=Count("pk", filter=~Q(item__rule=RuleKind.VETO)),
        )
        .order_by()
    }
    for unit in units:
        row = counts.get(unit.pk, {})
        unit.n_items, unit.n_self, unit.n_scored = row.get("n", 0), row.get("selfs", 0), row.get("scores", 0)
        unit.n_selfable = row.get("selfable", 0)
    status = Counter(u.status for u in units)
    may_assess = can(request.user, ASSESS, round)
    context = {
        "round": round,
        "units": units,
        "status": status,
        "n_done": status[U.ASSESSED] + status[U.FINISHED],
        "n_submitted": status[U.SUBMITTED] + status[U.ASSESSED] + status[U.FINISHED],
        "may_assess": may_assess,
        "totals": services.table_totals(round.table),
        "version_form": VersionForm(initial={"version": round.version}),
        "steps": R.choices,
        "current": R.values.index(round.status),
    }
    return render(request, "duties/assessment_round_detail.html", context)


def _round_action(request, pk: int, call, done: str):
    round = _round(request, pk, ASSESS)
    try:
        result = call(round=round, version=_version(request), actor=request.user)
    except (ValidationError, Conflict) as exc:
        _refused(request, exc)
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, done.format(n=result if isinstance(result, int) else ""))
    return redirect("duties:assessment_round", pk=round.pk)


@require_POST
@permission_required(ASSESS)
def round_open(request, pk: int):
    return _round_action(
        request, pk, services.round_open, _("Self-scoring is open: each unit's people have been told.")
    )


@require_POST
@permission_required(ASSESS)
def round_measure(request, pk: int):
    return _round_action(request, pk, services.round_measure, _("The records were read again: {n} scores updated."))


@require_POST
@permission_required(ASSESS)
def round_advance(request, pk: int):
    return _round_action(
        request, pk, services.round_advance, _("Self-scoring is closed: assess each unit and give its result.")
    )


@require_POST
@permission_required(ASSESS)
def round_finish(request, pk: int):
    return _round_action(request, pk, services.round_finish, _("The round is finished: its results are final."))


@require_POST
@permission_required(ASSESS)
def round_delete(request, pk: int):
    round = _round(request, pk, ASSESS)
    try:
        services.round_delete(round=round, version=_version(request), actor=request.user)
    except (ValidationError, Conflict) as exc:
        _refused(request, exc)
        return redirect("duties:assessment_round", pk=round.pk)
    messages.success(request, _("The draft round is removed."))
    return redirect("duties:assessment_round_list")


# --- results -------------------------------------------------------------------------------------------------------


@permission_required(VIEW)
def round_results(request, pk: int):
    round = _round(request, pk)
    rows, before = services.round_results(round)
    grades = Counter(r.unit.grade for r in rows if r.unit.grade)
    context = {
        "round": round,
        "rows": rows,
        "before": before,
        "grades": [(g["grade"], grades.get(g["grade"], 0)) for g in round.table.grades],
        "done": sum(1 for r in rows if r.unit.total is not None),
    }
    return render(request, "duties/assessment_results.html", context)


@permission_required(VIEW)
def round_export(request, pk: int):
    round = _round(request, pk)
    rows, before = services.round_results(round)
    audit_record(actor=request.user, action="duties.assessment_export", obj=round, changes={"units": len(rows)})
    out = []
    for row in rows:
        unit, prev = row.unit, row.previous
        out.append(
            [
                unit.organisation.name,
                unit.get_status_display(),
                unit.self_total,
                unit.total,
                Styled(unit.grade, GRADE_FILL.get(unit.grade, "")),
                _("Yes") if unit.vetoed else "",
                prev.total if prev else None,
                prev.grade if prev else "",
                row.difference,
                unit.feedback,
            ]
        )
    notes = [_("{round} ({year}), assessed by {org}; exported on {day}.").format(
        round=round.title, year=round.year, org=round.organisation.name, day=timezone.localdate().isoformat()
    )]  # fmt: skip
    if before is not None:
        notes.append(_("Last year: {round} ({year}).").format(round=before.title, year=before.year))
    sheet = Sheet(
        title=_("Assessment results {year}").format(year=round.year),
        headers=[
            _("Unit"),
            _("Status"),
            _("Self-score"),
            _("Score"),
            _("Grade"),
            _("Vetoed"),
            _("Last year's score"),
            _("Last year's grade"),
            _("Difference"),
            _("Feedback"),
        ],
        rows=out,
        widths=[28, 14, 10, 10, 10, 8, 12, 12, 10, 40],
        notes=notes,
    )
    return xlsx_response(workbook_bytes([sheet]), f"assessment-{round.year}-{round.pk}.xlsx")


# --- a unit's scoring ----------------------------------------------------------------------------------------------


def _unit(request, pk: int, action: str = VIEW) -> UnitAssessment:
    units = UnitAssessment.objects.select_related("organisation", "round", "round__organisation", "round__table")
    unit = get_visible_or_404(units, request.user, action, pk=pk)
    if unit.round.status == R.DRAFT and not can(request.user, ASSESS, unit.round):
        raise Http404  # a draft is the assessor's until it opens
    return unit


@dataclass
class Line:
    """One item of the unit's page: the item, the unit's row, the evidence, and the forms the reader may use."""

    item: ScoreItem
    score: ItemScore
    rule: str
    evidence: list
    self_form: SelfScoreForm | None = None
    assess_form: AssessForm | None = None


def _may(request, unit: UnitAssessment) -> dict:
    user = request.user
    assessor = can(user, ASSESS, unit.round)
    return {
        "assessor": assessor,
        "self": can(user, REPORT, unit) and unit.status == U.SELF and unit.round.status == R.SELF,
        "assess": assessor and unit.status == U.SUBMITTED and unit.round.status != R.FINISHED,
        # the unit sees the assessor's scores once it has its result
        "see_assessor": assessor or unit.status in (U.ASSESSED, U.FINISHED),
    }


def _lines(request, unit: UnitAssessment, may: dict, posted: dict | None = None) -> list:
    """The table's sections, each with its lines, in order."""
    posted = posted or {}
    rows = {
        s.item_id: s for s in unit.scores.select_related("scored_by").prefetch_related("evidence", "evidence__added_by")
    }
    pairs = evidence_pairs(request.user, [e for s in rows.values() for e in s.evidence.all()])
    by_score: dict[int, list] = {}
    for evidence, ref in pairs:
        by_score.setdefault(evidence.score_id, []).append((evidence, ref))
    sections = []
    for item in services.table_items(unit.round.table):
        if item.section_id is None:
            sections.append({"section": item, "lines": []})
            continue
        score = rows.get(item.pk)
        if score is None or not sections:
            continue
        line = Line(item, score, rule_text(item), by_score.get(score.pk, []))
        if may["self"] and item.rule != RuleKind.VETO:
            line.self_form = posted.get(("self", score.pk)) or SelfScoreForm(
                initial={
                    "self_score": _plain(score.self_score),
                    "self_note": score.self_note,
                    "version": score.version,
                },
                prefix=f"s{score.pk}",
            )
        if may["assess"]:
            line.assess_form = posted.get(("assess", score.pk)) or AssessForm(
                item=item,
                initial={
                    "count": _plain(score.count),
                    "tier": score.tier,
                    "value": _plain(score.score) if score.count is None and not score.tier else None,
                    "comment": score.comment,
                    "version": score.version,
                },
                prefix=f"a{score.pk}",
            )
        sections[-1]["lines"].append(line)
    return sections


def _unit_context(request, unit: UnitAssessment, posted: dict | None = None, **forms) -> dict:
    may = _may(request, unit)
    sections = _lines(request, unit, may, posted)
    lines = [line for s in sections for line in s["lines"]]
    selfs = {line.item.pk: line.score.self_score for line in lines}
    scores = {line.item.pk: line.score.score for line in lines}
    missing_self = [line.item for line in lines if line.score.self_score is None and line.item.rule in BASE_RULES]
    missing = [line.item for line in lines if line.score.score is None and line.item.rule in BASE_RULES]
    running = services.unit_tally(unit) if may["see_assessor"] else None
    return {
        "unit": unit,
        "round": unit.round,
        "sections": sections,
        "may": may,
        "self_sum": sum((v for v in selfs.values() if v is not None), Decimal(0)),
        "score_sum": sum((v for v in scores.values() if v is not None), Decimal(0)),
        "running": running,
        "missing_self": missing_self,
        "missing": missing,
        "n_items": len(lines),
        "version_form": VersionForm(initial={"version": unit.version}),
        "finish_form": forms.get("finish_form")
        or FinishForm(initial={"feedback": unit.feedback, "version": unit.version}),
        "return_form": forms.get("return_form") or ReturnForm(initial={"version": unit.version}),
        "previous": _previous(unit),
    }


def _previous(unit: UnitAssessment) -> UnitAssessment | None:
    before = services.previous_round(unit.round)
    if before is None:
        return None
    return before.units.filter(organisation_id=unit.organisation_id).first()


@permission_required(VIEW)
def unit_detail(request, pk: int):
    unit = _unit(request, pk)
    return render(request, "duties/assessment_unit.html", _unit_context(request, unit))


def _score(request, pk: int, action: str) -> ItemScore:
    scores = ItemScore.objects.select_related(
        "item", "assessment", "assessment__organisation", "assessment__round", "assessment__round__table"
    )
    score = get_visible_or_404(scores, request.user, VIEW, pk=pk)
    obj = score.assessment.round if action == ASSESS else score
    if not can(request.user, action, obj):
        raise Http404
    return score


def _line_response(request, unit: UnitAssessment, score: ItemScore, form_key: tuple, form, done: str):
    """After an item's form (`form` None once saved): htmx gets the item's part again, with the errors or a
    "saved" mark, and the progress bar; a browser without script the whole page (422 when refused) or a
    redirect back to the item with a message."""
    posted = {form_key: form} if form is not None else {}
    if request.htmx:
        context = _unit_context(request, unit, posted)
        line = next(line for s in context["sections"] for line in s["lines"] if line.score.pk == score.pk)
        extra = {"line": line, "oob": True, "saved": form is None}
        return render(request, "duties/partials/assessment_line.html", {**context, **extra})
    if form is not None:
        return render(request, "duties/assessment_unit.html", _unit_context(request, unit, posted), status=422)
    messages.success(request, done)
    return redirect(reverse("duties:assessment_unit", args=[unit.pk]) + f"#item-{score.item_id}")


def _fresh_unit(score: ItemScore) -> UnitAssessment:
    units = UnitAssessment.objects.select_related("organisation", "round", "round__organisation", "round__table")
    return units.get(pk=score.assessment_id)


@require_POST
@permission_required(REPORT)
def score_self(request, pk: int):
    score = _score(request, pk, REPORT)
    form = SelfScoreForm(request.POST, prefix=f"s{score.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.score_self(
                score=score,
                self_score=data["self_score"],
                self_note=data["self_note"],
                version=data["version"],
                actor=request.user,
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            form = None
    done = _("Item {code}: your score is saved.").format(code=score.item.code)
    return _line_response(request, _fresh_unit(score), score, ("self", score.pk), form, done)


@require_POST
@permission_required(ASSESS)
def score_assess(request, pk: int):
    score = _score(request, pk, ASSESS)
    form = AssessForm(request.POST, item=score.item, prefix=f"a{score.pk}")
    if form.is_valid():
        try:
            services.score_assess(score=score, actor=request.user, **form.service_fields())
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            form = None
    done = _("Item {code}: the score is saved.").format(code=score.item.code)
    return _line_response(request, _fresh_unit(score), score, ("assess", score.pk), form, done)


@permission_required(REPORT)
def evidence_add(request, pk: int):
    score = _score(request, pk, REPORT)
    form = EvidenceForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.evidence_add(score=score, actor=request.user, **form.evidence_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("The evidence is added to item {code}.").format(code=score.item.code))
            return redirect(reverse("duties:assessment_unit", args=[score.assessment_id]) + f"#item-{score.item_id}")
    pairs = evidence_pairs(request.user, score.evidence.select_related("added_by"))
    context = {"form": form, "score": score, "unit": score.assessment, "item": score.item, "pairs": pairs}
    return render(request, "duties/assessment_evidence.html", context, status=422 if form.errors else 200)


def _evidence(request, pk: int, action: str) -> ScoreEvidence:
    rows = ScoreEvidence.objects.select_related("score__assessment__organisation", "score__assessment__round")
    return get_visible_or_404(rows, request.user, action, pk=pk)


@permission_required(VIEW)
def evidence_file(request, pk: int):
    """The file, through access control (never a public media address), under the name it was given."""
    evidence = _evidence(request, pk, VIEW)
    if not evidence.file:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=evidence.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, evidence.name)
    response["Cache-Control"] = "private, max-age=600"
    return response


@require_POST
@permission_required(REPORT)
def evidence_remove(request, pk: int):
    evidence = _evidence(request, pk, REPORT)
    score = evidence.score
    try:
        services.evidence_remove(evidence=evidence, actor=request.user)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The evidence is removed."))
    return redirect(reverse("duties:assessment_unit", args=[score.assessment_id]) + f"#item-{score.item_id}")


def _unit_action(request, pk: int, action: str, call, done: str):
    unit = _unit(request, pk, VIEW)
    if not can(request.user, action, unit.round if action == ASSESS else unit):
        raise Http404
    try:
        call(assessment=unit, version=_version(request), actor=request.user)
    except (ValidationError, Conflict) as exc:
        _refused(request, exc)
    except PermissionDenied:
        raise Http404 from None
    else:
        messages.success(request, done)
    return redirect("duties:assessment_unit", pk=unit.pk)


@require_POST
@permission_required(REPORT)
def unit_submit(request, pk: int):
    return _unit_action(request, pk, REPORT, services.unit_submit, _("The self-scoring is submitted to the assessor."))


@require_POST
@permission_required(ASSESS)
def unit_reopen(request, pk: int):
    return _unit_action(
        request, pk, ASSESS, services.unit_reopen, _("The result is taken back: change the scores, then give it again.")
    )


def _unit_form_action(request, pk: int, form_class, form_key: str, call, done: str):
    unit = _unit(request, pk, VIEW)
    if not can(request.user, ASSESS, unit.round):
        raise Http404
    form = form_class(request.POST)
    if form.is_valid():
        try:
            call(unit, form.cleaned_data)
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, done)
            return redirect("duties:assessment_unit", pk=unit.pk)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    context = _unit_context(request, unit, **{form_key: form})
    return render(request, "duties/assessment_unit.html", context, status=422)


@require_POST
@permission_required(ASSESS)
def unit_finish(request, pk: int):
    def call(unit, data):
        services.unit_finish(assessment=unit, feedback=data["feedback"], version=data["version"], actor=request.user)

    return _unit_form_action(
        request, pk, FinishForm, "finish_form", call, _("The result is given and the unit has been told.")
    )


@require_POST
@permission_required(ASSESS)
def unit_return(request, pk: int):
    def call(unit, data):
        services.unit_return(assessment=unit, reason=data["reason"], version=data["version"], actor=request.user)

    return _unit_form_action(
        request, pk, ReturnForm, "return_form", call, _("The self-scoring is sent back to the unit.")
    )


@permission_required(VIEW)
def unit_feedback(request, pk: int):
    """What the unit reads once it has its result: its score and grade, where it lost points and why, and the
    assessor's feedback — beside last year's result."""
    unit = _unit(request, pk)
    if unit.status not in (U.ASSESSED, U.FINISHED):
        raise Http404(_("The unit has no result yet."))
    context = {
        "unit": unit,
        "round": unit.round,
        "lost": services.unit_lost(unit),
        "previous": _previous(unit),
        "base": services.table_totals(unit.round.table)["base"],
    }
    return render(request, "duties/assessment_feedback.html", context)


# --- score tables ---------------------------------------------------------------------------------------------------


def _table(request, pk: int, action: str = VIEW) -> ScoreTable:
    return get_visible_or_404(ScoreTable.objects.select_related("organisation"), request.user, action, pk=pk)


@permission_required(VIEW)
def table_list(request):
    root = scope_or_404(request)
    tables = ScoreTable.objects.visible_to(request.user).in_subtree(root).select_related("organisation")
    tables = tables.annotate(n_items=Count("items")).order_by("-year", "organisation__path", "-pk")
    page = id_page(tables, per_page=PAGE_SIZE, number=request.GET.get("page"))
    context = {"page": page, "root": root, "may_assess": _assessing_units(request.user, root).exists()}
    return render(request, "duties/assessment_table_list.html", context)


@permission_required(ASSESS)
def table_create(request):
    root = scope_or_404(request)
    units = _assessing_units(request.user, root)
    if not units.exists():
        raise Http404(_("You assess no unit in this organisation."))
    tables = ScoreTable.objects.visible_to(request.user).select_related("organisation").order_by("-year", "-pk")
    year = timezone.localdate().year
    initial = {
        "organisation": units.first(),
        "year": year,
        "title": _("Responsibility assessment table {year}").format(year=year),
        "start": "default",
    }
    copy = tables.filter(pk=_int(request.GET.get("copy"))).first() if _int(request.GET.get("copy")) else None
    if copy is not None:
        initial.update(start="copy", copy_from=copy.pk, year=max(year, copy.year + 1))
        if units.filter(pk=copy.organisation_id).exists():
            initial["organisation"] = copy.organisation_id
    form = TableCreateForm(request.POST or None, units=_capped(units), tables=_capped(tables), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            table = services.table_create(
                org=data["organisation"],
                year=data["year"],
                title=data["title"],
                start=data["start"],
                copy_from=data["copy_from"] if data["start"] == "copy" else None,
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"org": "organisation"})
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("The score table is made: check its items and grades."))
            return redirect("duties:assessment_table", pk=table.pk)
    return render(request, "duties/assessment_table_form.html", {"form": form}, status=422 if form.errors else 200)


@permission_required(VIEW)
def table_detail(request, pk: int):
    table = _table(request, pk)
    rows = services.table_items(table)
    for row in rows:
        row.rule_line = rule_text(row) if row.section_id else ""
    context = {
        "table": table,
        "rows": rows,
        "totals": services.table_totals(table, rows),
        "in_use": services.table_in_use(table),
        "rounds": list(table.rounds.select_related("organisation").order_by("-year")),
        "may_edit": can(request.user, ASSESS, table),
        "registered": set(registry.indicators),
        "version_form": VersionForm(initial={"version": table.version}),
    }
    return render(request, "duties/assessment_table_detail.html", context)


@permission_required(ASSESS)
def table_edit(request, pk: int):
    table = _table(request, pk, ASSESS)
    form = TableForm(request.POST or None, initial=TableForm.initial_for(table))
    if request.method == "POST" and form.is_valid():
        try:
            services.table_update(
                table=table,
                title=form.cleaned_data["title"],
                grades=form.grades(),
                version=form.cleaned_data["version"],
                actor=request.user,
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The table is saved."))
            return redirect("duties:assessment_table", pk=table.pk)
    context = {"form": form, "table": table}
    return render(request, "duties/assessment_table_edit.html", context, status=422 if form.errors else 200)


@require_POST
@permission_required(ASSESS)
def table_delete(request, pk: int):
    table = _table(request, pk, ASSESS)
    try:
        services.table_delete(table=table, version=_version(request), actor=request.user)
    except (ValidationError, Conflict) as exc:
        _refused(request, exc)
        return redirect("duties:assessment_table", pk=table.pk)
    messages.success(request, _("The table is removed."))
    return redirect("duties:assessment_table_list")


def _item_form(request, table: ScoreTable, item: ScoreItem | None, is_section: bool):
    if item is not None:
        initial = ItemForm.initial_for(item)
    else:
        section = _int(request.GET.get("section"))
        initial = {"section": section, "rule": RuleKind.PRESENCE}
    initial["version"] = table.version
    form = ItemForm(request.POST or None, table=table, is_section=is_section, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.item_save(
                table=table,
                item=item,
                version=form.cleaned_data["version"],
                actor=request.user,
                **form.service_fields(),
            )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("{code} is saved.").format(code=saved.code))
            return redirect(reverse("duties:assessment_table", args=[table.pk]) + f"#row-{saved.pk}")
    context = {
        "form": form,
        "table": table,
        "item": item,
        "is_section": is_section,
        "in_use": services.table_in_use(table),
    }
    return render(request, "duties/assessment_item_form.html", context, status=422 if form.errors else 200)


@permission_required(ASSESS)
def item_create(request, pk: int):
    table = _table(request, pk, ASSESS)
    return _item_form(request, table, None, is_section=request.GET.get("kind") == "section")


@permission_required(ASSESS)
def item_edit(request, pk: int):
    item = ScoreItem.objects.select_related("table", "table__organisation").filter(pk=pk).first()
    if item is None:
        raise Http404
    table = _table(request, item.table_id, ASSESS)
    return _item_form(request, table, item, is_section=item.section_id is None)


@require_POST
@permission_required(ASSESS)
def item_delete(request, pk: int):
    item = ScoreItem.objects.select_related("table").filter(pk=pk).first()
    if item is None:
        raise Http404
    table = _table(request, item.table_id, ASSESS)
    try:
        services.item_delete(item=item, version=_version(request), actor=request.user)
    except (ValidationError, Conflict) as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("{code} is removed.").format(code=item.code))
    return redirect("duties:assessment_table", pk=table.pk)


urls = [
    path("assessment/", round_list, name="assessment_round_list"),
    path("assessment/rounds/new/", round_create, name="assessment_round_create"),
    path("assessment/rounds/<int:pk>/", round_detail, name="assessment_round"),
    path("assessment/rounds/<int:pk>/edit/", round_edit, name="assessment_round_edit"),
    path("assessment/rounds/<int:pk>/open/", round_open, name="assessment_round_open"),
    path("assessment/rounds/<int:pk>/measure/", round_measure, name="assessment_round_measure"),
    path("assessment/rounds/<int:pk>/advance/", round_advance, name="assessment_round_advance"),
    path("assessment/rounds/<int:pk>/finish/", round_finish, name="assessment_round_finish"),
    path("assessment/rounds/<int:pk>/delete/", round_delete, name="assessment_round_delete"),
    path("assessment/rounds/<int:pk>/results/", round_results, name="assessment_results"),
    path("assessment/rounds/<int:pk>/results/export/", round_export, name="assessment_results_export"),
    path("assessment/units/<int:pk>/", unit_detail, name="assessment_unit"),
    path("assessment/units/<int:pk>/submit/", unit_submit, name="assessment_unit_submit"),
    path("assessment/units/<int:pk>/return/", unit_return, name="assessment_unit_return"),
    path("assessment/units/<int:pk>/finish/", unit_finish, name="assessment_unit_finish"),
    path("assessment/units/<int:pk>/reopen/", unit_reopen, name="assessment_unit_reopen"),
    path("assessment/units/<int:pk>/feedback/", unit_feedback, name="assessment_feedback"),
    path("assessment/scores/<int:pk>/self/", score_self, name="assessment_score_self"),
    path("assessment/scores/<int:pk>/assess/", score_assess, name="assessment_score_assess"),
    path("assessment/scores/<int:pk>/evidence/", evidence_add, name="assessment_evidence_add"),
    path("assessment/evidence/<int:pk>/", evidence_file, name="assessment_evidence_file"),
    path("assessment/evidence/<int:pk>/remove/", evidence_remove, name="assessment_evidence_remove"),
    path("assessment/tables/", table_list, name="assessment_table_list"),
    path("assessment/tables/new/", table_create, name="assessment_table_create"),
    path("assessment/tables/<int:pk>/", table_detail, name="assessment_table"),
    path("assessment/tables/<int:pk>/edit/", table_edit, name="assessment_table_edit"),
    path("assessment/tables/<int:pk>/delete/", table_delete, name="assessment_table_delete"),
    path("assessment/tables/<int:pk>/items/new/", item_create, name="assessment_item_create"),
    path("assessment/items/<int:pk>/edit/", item_edit, name="assessment_item_edit"),
    path("assessment/items/<int:pk>/delete/", item_delete, name="assessment_item_delete"),
]
