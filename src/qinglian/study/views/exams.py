"""Setting exams (study.exam): the list, the settings form, the paper (picking questions or rules), publishing and
closing; results per unit and member with an .xlsx export (study.view); item statistics; the marking queue
(study.mark)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from qinglian.core.forms import add_service_errors
from qinglian.core.paging import id_page
from qinglian.core.views import permission_required
from qinglian.orgs.access import can, get_visible_or_404
from qinglian.orgs.middleware import scope_or_404
from qinglian.orgs.models import PATH_END, Member, Organisation, ancestor_paths, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.reports.xlsx import Sheet, workbook_bytes, xlsx_response
from qinglian.study.forms.exams import ExamForm, MarkForm, RuleForm, SlotForm
from qinglian.study.models import Attempt, Category, Exam, PaperRule, PaperSlot
from qinglian.study.services import exams as services
from qinglian.study.services import take
from qinglian.study.stats import exam_statistics
from qinglian.study.vocab import AttemptStatus, ExamStatus, PaperMode, QuestionType

PICK_ROWS = 30


def _exam(request, pk: int, action: str = "study.exam") -> Exam:
    return get_visible_or_404(Exam.objects.select_related("organisation"), request.user, action, pk=pk)


def _units(request, root):
    return Organisation.objects.visible_to(request.user, "study.exam").filter(subtree_q(root.path)).order_by("path")


@permission_required("study.exam")
def exam_list(request):
    root = scope_or_404(request)
    exams = (
        Exam.objects.visible_to(request.user, "study.exam")
        .filter(subtree_q(root.path, "organisation__"))
        .select_related("organisation")
        .order_by("-opens_at", "-pk")
    )
    status = request.GET.get("status", "")
    if status in ExamStatus.values:
        exams = exams.filter(status=status)
    page = id_page(exams, per_page=30, number=request.GET.get("page"))
    # id_page fetches the rows afresh (annotations are lost): count the finished attempts of the page's exams.
    taken = dict(
        Attempt.objects.filter(exam__in=[e.pk for e in page.object_list])
        .exclude(status=AttemptStatus.IN_PROGRESS)
        .order_by()
        .values("exam")
        .annotate(n=Count("pk"))
        .values_list("exam", "n")
    )
    for e in page.object_list:
        e.taken = taken.get(e.pk, 0)
    context = {
        "root": root,
        "page": page,
        "status": status,
        "statuses": ExamStatus.choices,
        "from_above": _set_above(request, root),
    }
    return render(request, "study/exam_list.html", context)


def _set_above(request, root):
    """Published exams that units above `root` set for it: its people read their own members' results there."""
    if not can(request.user, "study.view", root):
        return []
    return list(
        Exam.objects.published()
        .filter(units__path__in=ancestor_paths(root.path))
        .exclude(organisation__path__gte=root.path, organisation__path__lt=root.path + PATH_END)
        .select_related("organisation")
        .distinct()
        .order_by("-opens_at", "-pk")[:20]
    )


def _results_exam(request, pk: int) -> tuple[Exam, Organisation]:
    """The exam and the unit whose results the user reads: the exam's own unit for those who may read there; for a
    unit's people below, an exam set above and addressed to their unit, read for their scope only."""
    exam = Exam.objects.select_related("organisation").filter(pk=pk).first()
    if exam is not None and can(request.user, "study.view", exam):
        return exam, exam.organisation
    root = scope_or_404(request)
    if (
        exam is None
        or exam.status == ExamStatus.DRAFT
        or not can(request.user, "study.view", root)
        or not exam.units.filter(path__in=ancestor_paths(root.path)).exists()
    ):
        raise Http404(_("No such record, or it is not within your organisations."))
    return exam, root


def _form(request, root, exam=None):
    units = _units(request, exam.organisation if exam else root)
    people = Member.objects.filter(subtree_q((exam.organisation if exam else root).path, "organisation__"))
    initial = {"version": exam.version} if exam else {"mode": PaperMode.FIXED}
    if exam:
        initial.update({name: getattr(exam, name) for name in services.SETTINGS})
        initial.update(units=list(exam.units.all()), members=list(exam.members.all()))
    return ExamForm(request.POST or None, initial=initial, units=units, people=people.order_by("name_pinyin"))


@permission_required("study.exam")
def exam_create(request):
    root = scope_or_404(request)
    org = get_visible_or_404(Organisation.objects.all(), request.user, "study.exam", pk=root.pk)
    form = _form(request, org)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version")
        try:
            exam = services.exam_create(org=org, actor=request.user, **{**data, "units": data["units"] or [org]})
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The exam was saved as a draft. Now set its paper."))
            return redirect("study:exam_detail", pk=exam.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "study/exam_form.html", {"form": form, "unit": org}, status=status)


@permission_required("study.exam")
def exam_update(request, pk: int):
    exam = _exam(request, pk)
    form = _form(request, exam.organisation, exam)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.exam_update(exam=exam, actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The exam was saved."))
            return redirect("study:exam_detail", pk=exam.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "study/exam_form.html", {"form": form, "exam": exam, "unit": exam.organisation}, status=status
    )


@permission_required("study.exam")
def exam_detail(request, pk: int):
    """The exam's settings and paper; on a draft fixed paper, a search of the bank to pick questions from."""
    exam = _exam(request, pk)
    take.attempts_expire(exam=exam)
    q = request.GET.get("q", "").strip()[:60]
    qtype = request.GET.get("type", "") if request.GET.get("type") in QuestionType.values else ""
    category = Category.objects.filter(pk=request.GET.get("category") or 0).first()
    found = []
    if exam.status == ExamStatus.DRAFT and exam.mode == PaperMode.FIXED:
        pool = services.questions_usable(exam.organisation).exclude(
            pk__in=exam.slots.values("question_version__question")
        )
        if q:
            pool = pool.filter(current__stem__icontains=q)
        if qtype:
            pool = pool.filter(current__qtype=qtype)
        if category:
            pool = pool.filter(category.subtree_q("category__"))
        found = list(pool.select_related("current", "category").order_by("times_used", "-pk")[:PICK_ROWS])
    context = {
        "exam": exam,
        "slots": exam.slots.select_related("question_version"),
        "rules": exam.rules.select_related("category"),
        "total": services.paper_total(exam),
        "count": services.paper_count(exam),
        "problems": services.paper_problems(exam) if exam.status == ExamStatus.DRAFT else [],
        "found": found,
        "q": q,
        "qtype": qtype,
        "category": category,
        "types": QuestionType.choices,
        "categories": Category.objects.all()[:300],
        "rule_form": RuleForm(),
        "is_draft": exam.status == ExamStatus.DRAFT,
        "waiting": Attempt.objects.filter(exam=exam, status=AttemptStatus.MARKING).count(),
    }
    return render(request, "study/exam_detail.html", context)


@permission_required("study.exam")
@require_POST
def exam_slot_add(request, pk: int):
    exam = _exam(request, pk)
    form = SlotForm(request.POST)
    question = None
    if form.is_valid():
        question = services.questions_usable(exam.organisation).filter(pk=form.cleaned_data["question"]).first()
    if question is None:
        raise Http404
    try:
        services.slot_add(exam=exam, question=question, score=form.cleaned_data["score"], actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("study:exam_detail", pk=exam.pk)


@permission_required("study.exam")
@require_POST
def exam_slot_remove(request, pk: int, slot: int):
    exam = _exam(request, pk)
    found = PaperSlot.objects.filter(exam=exam, pk=slot).first()
    if found is None:
        raise Http404
    try:
        services.slot_remove(slot=found, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("study:exam_detail", pk=exam.pk)


@permission_required("study.exam")
@require_POST
def exam_rule_add(request, pk: int):
    exam = _exam(request, pk)
    form = RuleForm(request.POST)
    if form.is_valid():
        try:
            services.rule_add(exam=exam, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Give the type, the number of questions and the marks each."))
    return redirect("study:exam_detail", pk=exam.pk)


@permission_required("study.exam")
@require_POST
def exam_rule_remove(request, pk: int, rule: int):
    exam = _exam(request, pk)
    found = PaperRule.objects.filter(exam=exam, pk=rule).first()
    if found is None:
        raise Http404
    try:
        services.rule_remove(rule=found, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("study:exam_detail", pk=exam.pk)


@permission_required("study.exam")
@require_POST
def exam_transition(request, pk: int, to: str):
    exam = _exam(request, pk)
    service = {"publish": services.exam_publish, "close": services.exam_close}.get(to)
    if service is None:
        raise Http404
    try:
        service(exam=exam, version=request.POST.get("version"), actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The exam is published.") if to == "publish" else _("The exam is closed."))
    return redirect("study:exam_detail", pk=exam.pk)


# --- results ---------------------------------------------------------------------------------------------------


def results_of(exam: Exam, within: Organisation | None = None) -> dict:
    """Participants, finished, average and pass rate; a row per unit directly below `within` (by default the exam's
    unit); the results that count per member (by the exam's grading method) — all inside `within`."""
    within = within or exam.organisation
    attempts = Attempt.objects.filter(exam=exam).filter(subtree_q(within.path, "organisation__"))
    counted = {}
    for attempt in attempts.filter(status=AttemptStatus.FINISHED).select_related("member", "organisation"):
        best = counted.get(attempt.member_id)
        if best is None or _better(exam, attempt, best):
            counted[attempt.member_id] = attempt
    rows = sorted(counted.values(), key=lambda a: (-(a.score or 0), a.member.name_pinyin))
    audience = (
        Member.objects.filter(Q(pk__in=exam.members.values("pk")) | _units_q(exam))
        .filter(subtree_q(within.path, "organisation__"))
        .distinct()
    )
    units = []
    for unit in Organisation.objects.filter(parent=within).order_by("path"):
        inside = [a for a in rows if a.organisation.path.startswith(unit.path)]
        units.append(
            {
                "unit": unit,
                "audience": audience.filter(subtree_q(unit.path, "organisation__")).count(),
                "took": len(inside),
                "passed": sum(1 for a in inside if a.passed),
                "average": _mean([a.score for a in inside]),
            }
        )
    return {
        "participants": attempts.values("member").distinct().count(),
        "audience": audience.count(),
        "finished": len(rows),
        "marking": attempts.filter(status=AttemptStatus.MARKING).count(),
        "average": _mean([a.score for a in rows]),
        "max_score": rows[0].max_score if rows else services.paper_total(exam),
        "pass_rate": round(100 * sum(1 for a in rows if a.passed) / len(rows)) if rows else None,
        "units": units,
        "rows": rows,
    }


def _units_q(exam):
    q = Q(pk__in=[])
    for unit in exam.units.all():
        q |= subtree_q(unit.path, "organisation__")
    return q


def _better(exam, attempt, best) -> bool:
    from qinglian.study.vocab import GradingMethod

    if exam.grading == GradingMethod.FIRST:
        return attempt.number < best.number
    if exam.grading == GradingMethod.LAST:
        return attempt.number > best.number
    return (attempt.score or 0) > (best.score or 0)


def _mean(values) -> Decimal | None:
    values = [v for v in values if v is not None]
    return (sum(values, Decimal("0")) / len(values)).quantize(Decimal("0.1")) if values else None


@permission_required("study.view")
def exam_results(request, pk: int):
    exam, within = _results_exam(request, pk)
    take.attempts_expire(exam=exam)
    context = {
        "exam": exam,
        "within": within,
        "can_stats": can(request.user, "study.exam", exam),
        "can_setting": can(request.user, "study.exam", exam),
        **results_of(exam, within),
    }
    return render(request, "study/exam_results.html", context)


@permission_required("study.view")
def exam_results_export(request, pk: int):
    exam, within = _results_exam(request, pk)
    data = results_of(exam, within)
    sheet = Sheet(
        title=_("Results"),
        headers=[_("Name"), _("Unit"), _("Attempt"), _("Submitted at"), _("Score"), _("Out of"), _("Passed")],
        rows=[
            [
                a.member.name,
                a.organisation.name,
                a.number,
                a.submitted_at.replace(tzinfo=None) if a.submitted_at else None,
                float(a.score or 0),
                float(a.max_score),
                _("Yes") if a.passed else _("No"),
            ]
            for a in data["rows"]
        ],
    )
    return xlsx_response(workbook_bytes([sheet]), f"exam-{exam.pk}-results.xlsx")


@permission_required("study.exam")
def exam_stats(request, pk: int):
    exam = _exam(request, pk)
    test, items = exam_statistics(exam)
    return render(request, "study/exam_stats.html", {"exam": exam, "test": test, "items": items})


# --- marking ---------------------------------------------------------------------------------------------------


@permission_required("study.mark")
def marking_queue(request):
    page = id_page(take.marking_queue(request.user), per_page=20, number=request.GET.get("page"))
    return render(request, "study/marking_queue.html", {"page": page, "form": MarkForm()})


@permission_required("study.mark")
@require_POST
def item_mark(request, pk: int):
    item = take.marking_queue(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    form = MarkForm(request.POST)
    if form.is_valid():
        try:
            take.item_mark(item=item, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The answer was marked."))
    else:
        messages.error(request, _("Give the marks as a number."))
    return redirect("study:marking_queue")


urls = [
    path("exams/", exam_list, name="exam_list"),
    path("exams/new/", exam_create, name="exam_create"),
    path("exams/<int:pk>/", exam_detail, name="exam_detail"),
    path("exams/<int:pk>/edit/", exam_update, name="exam_update"),
    path("exams/<int:pk>/slots/", exam_slot_add, name="exam_slot_add"),
    path("exams/<int:pk>/slots/<int:slot>/remove/", exam_slot_remove, name="exam_slot_remove"),
    path("exams/<int:pk>/rules/", exam_rule_add, name="exam_rule_add"),
    path("exams/<int:pk>/rules/<int:rule>/remove/", exam_rule_remove, name="exam_rule_remove"),
    path("exams/<int:pk>/publish/", exam_transition, {"to": "publish"}, name="exam_publish"),
    path("exams/<int:pk>/close/", exam_transition, {"to": "close"}, name="exam_close"),
    path("exams/<int:pk>/results/", exam_results, name="exam_results"),
    path("exams/<int:pk>/results.xlsx", exam_results_export, name="exam_results_export"),
    path("exams/<int:pk>/statistics/", exam_stats, name="exam_stats"),
    path("marking/", marking_queue, name="marking_queue"),
    path("marking/<int:pk>/", item_mark, name="item_mark"),
]
