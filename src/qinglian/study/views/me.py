"""The member's study home: what is due, today's practice, hours against the norm, exams, mastery, points;
and the study section of a member's page for the staff who read study at the member's unit."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from qinglian.core.registry import MemberSection, TodoItem, registry
from qinglian.orgs.access import can
from qinglian.study.models import Attempt
from qinglian.study.services.points import points_of
from qinglian.study.services.practice import member_mastery, practice_queue, practice_streak


def _programmes_due(member):
    try:
        from qinglian.study.services.programmes import ItemStatus, programmes_due
    except ImportError:  # the programmes area not there yet
        return []
    return [
        {"programme": p, "item": item, "status": status, "label": ItemStatus.labels.get(status, status),
         "badge": ItemStatus.badges.get(status, "secondary")}
        for p, item, status in programmes_due(member)
    ]  # fmt: skip


def _hours(member, year):
    try:
        from qinglian.study.services.hours import member_hours
    except ImportError:  # the hours area not there yet
        return None
    return member_hours(member, year)


def _exams(member):
    try:
        from qinglian.study.services.exams import exams_for_member
    except ImportError:  # the exams area not there yet
        return None
    now = timezone.now()
    exams = list(exams_for_member(member)[:30])
    results = {}
    for attempt in Attempt.objects.filter(member=member, exam__in=exams, submitted_at__isnull=False).order_by(
        "submitted_at"
    ):
        results[attempt.exam_id] = attempt  # the latest submitted attempt of each exam
    for exam in exams:
        exam.my_result = results.get(exam.pk)
    return {
        "open": [e for e in exams if e.opens_at <= now < e.closes_at and e.status == "published"],
        "upcoming": [e for e in exams if e.opens_at > now],
        "past": [e for e in exams if e.closes_at <= now or e.status == "closed"][:5],
    }


@login_required
def me(request):
    member = getattr(request.user, "member", None)
    context = {"member": member}
    if member is None:
        # Staff without a member record land here from the menu: offer the study pages they may use.
        context["staff"] = {a: registry.has_permission(request.user, f"study.{a}") for a in ("view", "bank", "exam")}
    if member is not None:
        year = timezone.localdate().year
        points = points_of(member)
        mastery = member_mastery(member)
        context |= {
            "due": _programmes_due(member)[:8],
            "queue": practice_queue(member),
            "streak": practice_streak(member),
            "hours": _hours(member, year),
            "year": year,
            "exams": _exams(member),
            "mastery": mastery,
            "points": points if points["enabled"] else None,
            "links": {
                "programmes": reverse("study:my_programmes"),
                "hours": reverse("study:my_hours"),
                "exams": reverse("study:my_exams"),
                "library": reverse("study:library"),
            },
        }
    return render(request, "study/me.html", context)


def study_member_section(member, user) -> MemberSection | None:
    """On a member's page, for those who read study at the member's unit: this year's hours and mastery."""
    if not can(user, "study.view", member):
        return None
    year = timezone.localdate().year
    context = {"hours": _hours(member, year), "year": year, "mastery": member_mastery(member)}
    return MemberSection(_("Study"), "study/me_member_section.html", context)


urls = [path("me/", me, name="me")]


def practice_todos(user) -> list[TodoItem]:
    """On the home page: today's practice, while questions are left for today."""
    member = getattr(user, "member", None)
    if member is None:
        return []
    left = len(practice_queue(member).items)
    if not left:
        return []
    title = ngettext("Daily practice: %(n)d question for today", "Daily practice: %(n)d questions for today", left)
    return [TodoItem(title % {"n": left}, reverse("study:practice"), due=timezone.localdate(), kind="study")]
