from qinglian.risks.models.conflicts import ConflictCheck, ConflictMatch, Supplier
from qinglian.risks.models.files import FileReviewer, FileSection, IntegrityFile, OpinionReply, SectionEvent
from qinglian.risks.models.register import (
    PointEvent,
    Post,
    RiskIncident,
    RiskMeasure,
    RiskPoint,
    RiskReview,
    RiskRound,
)

__all__ = [
    "ConflictCheck",
    "ConflictMatch",
    "FileReviewer",
    "FileSection",
    "IntegrityFile",
    "OpinionReply",
    "PointEvent",
    "Post",
    "RiskIncident",
    "RiskMeasure",
    "RiskPoint",
    "RiskReview",
    "RiskRound",
    "SectionEvent",
    "Supplier",
]
