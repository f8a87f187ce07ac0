"""Members' exams: the list, an exam's page, starting or resuming, the attempt (one card per question, answers saved
as they go), submitting, and the result with its printable certificate. Every page answers from the member's own
record: another member's attempt is 404."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from qinglian.study.marking import LETTERS, answer_display
from qinglian.study.models import Attempt
from qinglian.study.services import take
from qinglian.study.services.exams import exams_for_member
from qinglian.study.vocab import AttemptStatus, QuestionType


def _member(request):
    member = getattr(request.user, "member", None)
    if member is None:
        raise Http404(_("Your login is not linked to a member record, so you have no exams."))
    return member


def _exam(request, pk: int):
    exam = exams_for_member(_member(request)).filter(pk=pk).first()
    if exam is None:
        raise Http404
    return exam


def _attempt(request, pk: int) -> Attempt:
    attempt = (
        Attempt.objects.select_related("exam__organisation", "member", "organisation")
        .filter(pk=pk, member=_member(request))
        .first()
    )
    if attempt is None:
        raise Http404
    return attempt


@login_required
def my_exams(request):
    member = getattr(request.user, "member", None)
    rows = []
    if member is not None:
        for exam in exams_for_member(member)[:50]:
            rows.append(
                {"exam": exam, "active": take.attempt_active(exam, member), "result": take.member_result(exam, member)}
            )
    return render(request, "study/take_list.html", {"member": member, "rows": rows, "now": timezone.now()})


@login_required
def exam_take(request, pk: int):
    exam = _exam(request, pk)
    member = _member(request)
    take.attempts_expire(exam=exam)
    context = {
        "exam": exam,
        "active": take.attempt_active(exam, member),
        "left": take.attempts_left(exam, member),
        "problem": take.start_problem(exam, member),
        "attempts": Attempt.objects.filter(exam=exam, member=member).order_by("number"),
        "result": take.member_result(exam, member),
    }
    return render(request, "study/take_exam.html", context)


@login_required
@require_POST
def attempt_start(request, pk: int):
    exam = _exam(request, pk)
    try:
        attempt = take.attempt_start(exam=exam, member=_member(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("study:exam_take", pk=exam.pk)
    return redirect("study:attempt_page", pk=attempt.pk)


@login_required
def attempt_page(request, pk: int):
    attempt = _attempt(request, pk)
    if attempt.status == AttemptStatus.IN_PROGRESS and timezone.now() > attempt.deadline_at + take.grace(attempt.exam):
        take.attempt_submit(attempt=attempt, timed_out=True)
        messages.warning(request, _("The time ran out: the exam was submitted with the answers saved."))
        return redirect("study:attempt_result", pk=attempt.pk)
    if attempt.status != AttemptStatus.IN_PROGRESS:
        return redirect("study:attempt_result", pk=attempt.pk)
    cards = []
    for item in attempt.items.select_related("question_version"):
        version = item.question_version
        cards.append(
            {
                "item": item,
                "version": version,
                "options": [(chr(65 + n), version.options[i]) for n, i in enumerate(item.option_order)],
                "shown": take.shown_from_response(item),
                "blanks": range(len(version.answer)) if version.qtype == QuestionType.FILL else [],
            }
        )
    context = {
        "attempt": attempt,
        "exam": attempt.exam,
        "cards": cards,
        "seconds_left": max(int((attempt.deadline_at - timezone.now()).total_seconds()), 0),
    }
    return render(request, "study/take_attempt.html", context)


@login_required
@require_http_methods(["PUT", "POST"])
def attempt_save(request, pk: int, item: int):
    """Save one answer, sent as JSON {"response": ...} with the letters shown. Idempotent."""
    member = _member(request)
    if request.content_type == "application/json":
        try:
            response = json.loads(request.body or b"{}").get("response")
        except (ValueError, AttributeError):
            return JsonResponse({"error": _("The answer could not be read.")}, status=400)
    else:  # a plain form post: the letters shown, or the text
        values = request.POST.getlist("response")
        response = values if len(values) != 1 else values if len(values[0]) == 1 else values[0]
    try:
        take.answers_save(attempt_id=pk, member=member, answers={item: response})
    except take.NotYours:
        raise Http404 from None
    except take.TooLate as exc:
        return JsonResponse({"error": " ".join(exc.messages), "closed": True}, status=409)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=422)
    return JsonResponse({"saved": True, "at": timezone.now().isoformat()})


@login_required
@require_POST
def attempt_submit(request, pk: int):
    attempt = take.attempt_submit(attempt=_attempt(request, pk), actor=request.user)
    if attempt.timed_out:
        messages.warning(request, _("Submitted when time ran out, with the answers saved before."))
    return redirect("study:attempt_result", pk=attempt.pk)


@login_required
def attempt_result(request, pk: int):
    attempt = _attempt(request, pk)
    if attempt.status == AttemptStatus.IN_PROGRESS:
        return redirect("study:attempt_page", pk=attempt.pk)
    review = take.review_allowed(attempt)
    items = []
    if review:
        for item in attempt.items.select_related("question_version"):
            version, order = item.question_version, item.option_order
            options = [(LETTERS[i], version.options[original]) for i, original in enumerate(order)] or [
                (LETTERS[i], text) for i, text in enumerate(version.options)
            ]
            items.append(
                {
                    "item": item,
                    "version": version,
                    "options": options,
                    "yours": answer_display(version, item.response, order),
                    "right": answer_display(version, version.answer, order),
                }
            )
    context = {"attempt": attempt, "exam": attempt.exam, "review": review, "items": items}
    return render(request, "study/take_result.html", context)


@login_required
def attempt_certificate(request, pk: int):
    attempt = _attempt(request, pk)
    if attempt.status != AttemptStatus.FINISHED:
        raise Http404
    return render(request, "study/take_certificate.html", {"attempt": attempt, "exam": attempt.exam})


urls = [
    path("my/exams/", my_exams, name="my_exams"),
    path("my/exams/<int:pk>/", exam_take, name="exam_take"),
    path("my/exams/<int:pk>/start/", attempt_start, name="attempt_start"),
    path("my/attempts/<int:pk>/", attempt_page, name="attempt_page"),
    path("my/attempts/<int:pk>/items/<int:item>/", attempt_save, name="attempt_save"),
    path("my/attempts/<int:pk>/submit/", attempt_submit, name="attempt_submit"),
    path("my/attempts/<int:pk>/result/", attempt_result, name="attempt_result"),
    path("my/attempts/<int:pk>/certificate/", attempt_certificate, name="attempt_certificate"),
]
