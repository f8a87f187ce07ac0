from qinglian.study.models.bank import Question, QuestionVersion
from qinglian.study.models.exams import Attempt, AttemptItem, Exam, PaperRule, PaperSlot
from qinglian.study.models.hours import StudyRecord, StudySession
from qinglian.study.models.library import Category, Material, MaterialTerm, ReadingRecord, Tag
from qinglian.study.models.practice import Card, PointEntry, Review
from qinglian.study.models.programmes import Programme, ProgrammeItem

__all__ = [
    "Attempt",
    "AttemptItem",
    "Card",
    "Category",
    "Exam",
    "Material",
    "MaterialTerm",
    "PaperRule",
    "PaperSlot",
    "PointEntry",
    "Programme",
    "ProgrammeItem",
    "Question",
    "QuestionVersion",
    "ReadingRecord",
    "Review",
    "StudyRecord",
    "StudySession",
    "Tag",
]
