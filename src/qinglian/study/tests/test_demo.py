"""The demo's study records: the bank and library, the programme, hours from the meetings, two exams, practice.

One load after organisational life (it takes a while: everything goes through the services), several checks.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from qinglian.core.audit import audit_verify
from qinglian.orglife import demo as orglife_demo
from qinglian.orgs import demo, demo_structure
from qinglian.orgs.demo_transfers import load as load_transfers
from qinglian.orgs.models import Member, Organisation
from qinglian.study import demo as study_demo
from qinglian.study.models import Attempt, Exam, Material, Programme, Question, Review, StudyRecord, StudySession
from qinglian.study.services.hours import member_hours
from qinglian.study.services.points import points_enabled
from qinglian.study.services.practice import practice_queue
from qinglian.study.services.programmes import programmes_due
from qinglian.study.stats import exam_statistics
from qinglian.study.vocab import AttemptStatus, ExamStatus, MaterialKind, QuestionType


def test_the_demo_shows_every_part_of_study_and_loads_once(db, django_capture_on_commit_callbacks):
    demo.load(members=300)
    demo_structure.load()
    load_transfers()
    with django_capture_on_commit_callbacks(execute=True):
        orglife_demo.load()
    result = study_demo.load()
    assert result["loaded"] and study_demo.load() == {"loaded": False}

    root = Organisation.objects.get(code=demo.ROOT_CODE)
    bank = Question.objects.filter(organisation=root)
    assert bank.count() >= 200
    assert {q for q in bank.values_list("current__qtype", flat=True)} == set(QuestionType.values)
    kinds = set(Material.objects.filter(organisation=root).published().values_list("kind", flat=True))
    assert {MaterialKind.ARTICLE, MaterialKind.DOCUMENT, MaterialKind.LINK} <= kinds

    # Collective study came from the meetings: every session held in one gave hours to those who were there.
    from_meetings = StudySession.objects.filter(meeting__isnull=False)
    assert from_meetings.count() > 100
    for session in from_meetings.select_related("meeting")[:10]:
        present = set(
            session.meeting.attendees.filter(presence__in=["present", "late"]).values_list("member_id", flat=True)
        )
        assert set(StudyRecord.objects.filter(session=session).values_list("member_id", flat=True)) == present

    member = Member.objects.get(user__username="member")
    assert Programme.objects.published().addressed_to(member).exists()
    assert programmes_due(member)
    hours = member_hours(member, timezone.localdate().year)
    assert hours["hours"] > 0 and hours["norm"] == 32

    past = Exam.objects.get(title__contains="上半年")
    assert past.status == ExamStatus.CLOSED
    finished = past.attempts.filter(status=AttemptStatus.FINISHED)
    assert finished.count() > 80 and not past.attempts.exclude(status=AttemptStatus.FINISHED).exists()
    stats = exam_statistics(past)
    assert stats is not None
    current = Exam.objects.get(status=ExamStatus.PUBLISHED)
    assert not Attempt.objects.filter(exam=current, member=member).exists()  # left for the demo member

    # Yesterday the demo member slipped; today's practice brings those questions back.
    yesterday = timezone.localdate() - timedelta(days=1)
    wrong = set(
        Review.objects.filter(member=member, reviewed_at__date=yesterday, correct=False).values_list(
            "card__question_id", flat=True
        )
    )
    assert wrong
    assert wrong & {item.question.pk for item in practice_queue(member).items}
    assert points_enabled(member)
    budget = Organisation.objects.get(code=f"{demo.ROOT_CODE}-BUDGET")
    assert not points_enabled(Member.objects.exclude(organisation__path__startswith=budget.path).first())
    assert audit_verify().ok
