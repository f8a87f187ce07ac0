"""Duties, work plans and tasks, and responsibility assessment: one module per area."""

from qinglian.duties.models.assessment import ItemScore, Round, ScoreEvidence, ScoreItem, ScoreTable, UnitAssessment
from qinglian.duties.models.lists import Duty, DutyList
from qinglian.duties.models.plans import Plan, Supervision, Task, TaskEvidence, TaskReport, TaskShare

__all__ = [
    "Duty",
    "DutyList",
    "ItemScore",
    "Plan",
    "Round",
    "ScoreEvidence",
    "ScoreItem",
    "ScoreTable",
    "Supervision",
    "Task",
    "TaskEvidence",
    "TaskReport",
    "TaskShare",
    "UnitAssessment",
]
