"""Supervision and discipline: the portal's reports, the clue register, disposal, cases and outcomes."""

from qinglian.discipline.models.cases import Case, CaseStageRecord, Outcome
from qinglian.discipline.models.clues import (
    ApprovalForm,
    Clue,
    ClueEvent,
    ClueHandler,
    Inquiry,
    Opinion,
    RevealRequest,
)
from qinglian.discipline.models.intake import Report, ReportAttachment, ReportMessage, SealedIdentity

__all__ = [
    "ApprovalForm",
    "Case",
    "CaseStageRecord",
    "Clue",
    "ClueEvent",
    "ClueHandler",
    "Inquiry",
    "Opinion",
    "Outcome",
    "Report",
    "ReportAttachment",
    "ReportMessage",
    "RevealRequest",
    "SealedIdentity",
]
