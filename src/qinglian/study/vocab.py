"""Fixed vocabularies of study and education, with English labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TopicKind(models.TextChoices):
    """The four strands of the year's study (两学一做 and Party-spirit education); units may add their own topics."""

    CHARTER = "charter", _("The Party Constitution and rules")
    SPEECHES = "speeches", _("Series of important speeches")
    PARTY_SPIRIT = "party_spirit", _("Party-spirit education")
    WARNING = "warning", _("Warning education")
    OTHER = "other", _("Other")


class MaterialKind(models.TextChoices):
    ARTICLE = "article", _("Article")
    DOCUMENT = "document", _("Document")
    AUDIO = "audio", _("Audio")
    VIDEO = "video", _("Video")
    LINK = "link", _("Link")


class PublishStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SessionKind(models.TextChoices):
    COLLECTIVE = "collective", _("Collective study")
    LECTURE = "lecture", _("Lecture")
    TRAINING = "training", _("Training course")
    WARNING = "warning", _("Warning-education activity")


class RecordSource(models.TextChoices):
    """Where a member's study hours come from."""

    SESSION = "session", _("Study session")
    SELF = "self", _("Self-study")
    EXTERNAL = "external", _("Training elsewhere")


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    JUDGE = "judge", _("True or false")
    FILL = "fill", _("Fill in the blanks")
    SHORT = "short", _("Short answer")


# Types marked by the machine; short answers wait for a person.
AUTO_MARKED = (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.JUDGE, QuestionType.FILL)
CHOICE_TYPES = (QuestionType.SINGLE, QuestionType.MULTIPLE)


class MultipleRule(models.TextChoices):
    """How a multiple-choice answer that is a correct subset is marked."""

    ALL_OR_NOTHING = "all", _("Full marks only for exactly the right options")
    PARTIAL = "partial", _("Part marks for a correct subset, none for any wrong option")


class QuestionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class PaperMode(models.TextChoices):
    FIXED = "fixed", _("Fixed paper")
    RANDOM = "random", _("Random paper by rules")


class ExamStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class GradingMethod(models.TextChoices):
    HIGHEST = "highest", _("Highest attempt")
    LAST = "last", _("Last attempt")
    FIRST = "first", _("First attempt")


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    MARKING = "marking", _("Awaiting marking")
    FINISHED = "finished", _("Finished")


class PracticeSource(models.TextChoices):
    PROGRAMME = "programme", _("Programme question")
    MISTAKE = "mistake", _("Past mistake")


class PointsKind(models.TextChoices):
    PRACTICE_DAY = "practice_day", _("Daily practice completed")
    PRACTICE_CORRECT = "practice_correct", _("Correct answer in practice")
    MATERIAL_FINISHED = "material_finished", _("Material read to the end")
    EXAM_PASSED = "exam_passed", _("Exam passed")
    SESSION_ATTENDED = "session_attended", _("Study session attended")
