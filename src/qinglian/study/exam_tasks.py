"""Background work after an attempt is marked: its wrong answers go to the member's practice, a pass earns points.

Run as a task so that submitting stays one short transaction (a 50-question paper's mistakes are some hundred queries
in the practice deck); enqueued in the marking's transaction, so it runs only for marks that were saved.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from qinglian.study.models import Attempt
from qinglian.study.vocab import AttemptStatus, PointsKind


@task()
def attempt_followup(attempt_id: int) -> int:
    """Record the finished attempt's mistakes and points; returns how many mistakes."""
    from qinglian.study.services import points, practice

    attempt = Attempt.objects.select_related("member__organisation").filter(pk=attempt_id).first()
    if attempt is None or attempt.status != AttemptStatus.FINISHED:
        return 0
    items = attempt.items.select_related("question_version__question")
    wrong = [item.question_version for item in items if (item.score or 0) < item.max_score]
    with transaction.atomic():
        if wrong:
            practice.mistakes_record(member=attempt.member, versions=wrong, at=attempt.submitted_at or timezone.now())
        if attempt.passed:
            points.points_award(member=attempt.member, kind=PointsKind.EXAM_PASSED, ref=f"exam:{attempt.exam_id}")
    return len(wrong)
