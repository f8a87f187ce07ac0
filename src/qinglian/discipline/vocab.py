"""The fixed vocabularies of supervision and discipline: sources, categories, disposal methods, case stages,
outcomes and sanctions, and the four forms (四种形态) they count under.

The official sets (the four disposal methods, the five Party sanctions, the six administrative sanctions, the four
forms) are fixed here; what a unit may tune — time limits, effect periods, the approval levels, whether 拟立案 is a
disposal path — is rule data (fixtures/rules/discipline.json).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Source(models.TextChoices):
    """Where a clue came from (问题线索来源)."""

    PORTAL = "portal", _("Online reporting portal")
    LETTER = "letter", pgettext_lazy("clue source", "Letter")
    VISIT = "visit", pgettext_lazy("clue source", "Visit")
    PHONE = "phone", _("Telephone (12388)")
    INSPECTION = "inspection", _("Inspection tour (巡视巡察)")
    AUDIT = "audit", pgettext_lazy("clue source", "Audit")
    REFERRAL = "referral", _("Referred by a higher level")
    SUPERVISION = "supervision", _("Daily supervision")


class Category(models.TextChoices):
    """What the problem is about: the six disciplines, the four undesirable styles, duty crime."""

    POLITICAL = "political", _("Political discipline")
    ORGANISATIONAL = "organisational", _("Organisational discipline")
    INTEGRITY = "integrity", _("Integrity discipline")
    MASSES = "masses", _("Discipline towards the masses")
    WORK = "work", _("Work discipline")
    LIFE = "life", _("Discipline of life")
    FOUR_WINDS = "four_winds", _("The four undesirable styles (四风)")
    DUTY_CRIME = "duty_crime", _("Suspected duty crime")
    OTHER = "other", pgettext_lazy("clue category", "Other")


class ReportStatus(models.TextChoices):
    """A report filed through the portal, before and after it becomes a clue."""

    NEW = "new", pgettext_lazy("report status", "New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    REGISTERED = "registered", _("Registered as a clue")
    REPEATED = "repeated", _("Repeated report, linked")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class Method(models.TextChoices):
    """The four disposal methods of a clue (and 拟立案 where a unit's rules add it)."""

    TALK_INQUIRY = "talk_inquiry", _("Talk or written inquiry (谈话函询)")
    VERIFY = "verify", _("Preliminary verification (初步核实)")
    SHELVE = "shelve", _("Shelved pending investigation (暂存待查)")
    CLOSE = "close", _("Closed (予以了结)")
    PROPOSE_CASE = "propose_case", _("Proposed for a case (拟立案)")


class ClueStatus(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("clue status", "Registered")
    PROPOSED = "proposed", _("Disposal awaiting approval")
    TALK_INQUIRY = "talk_inquiry", _("Talk or inquiry under way")
    VERIFYING = "verifying", _("Under preliminary verification")
    SHELVED = "shelved", _("Shelved")
    CASE = "case", _("Case filed")
    REFERRED = "referred", _("Referred to another body")
    CLOSED = "closed", pgettext_lazy("clue status", "Closed")
    REPEATED = "repeated", _("Repeated report")


# The statuses from which a clue may move on (None: a clue in no other status; see services.flow).
OPEN_CLUE_STATUSES = (
    ClueStatus.REGISTERED,
    ClueStatus.PROPOSED,
    ClueStatus.TALK_INQUIRY,
    ClueStatus.VERIFYING,
    ClueStatus.SHELVED,
    ClueStatus.CASE,
)


class FormKind(models.TextChoices):
    """Approval forms (呈批表): each step of disposal that needs a signature chain."""

    DISPOSAL = "disposal", _("Disposal proposal")
    VERIFY_PLAN = "verify_plan", _("Verification work plan")
    VERIFY_REPORT = "verify_report", _("Verification report")
    INQUIRY_REPORT = "inquiry_report", _("Talk or inquiry report")
    FILING = "filing", _("Case filing")
    DECISION = "decision", _("Case decision")


class FormStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("approval form status", "Awaiting approval")
    APPROVED = "approved", pgettext_lazy("approval form status", "Approved")
    RETURNED = "returned", pgettext_lazy("approval form status", "Returned")
    WITHDRAWN = "withdrawn", pgettext_lazy("approval form status", "Withdrawn")


class InquiryMode(models.TextChoices):
    TALK = "talk", pgettext_lazy("inquiry mode", "Talk")
    LETTER = "letter", pgettext_lazy("inquiry mode", "Letter")


class CaseStage(models.TextChoices):
    """The stages of a case, in order (审查调查 → 审理 → 决定 → 宣布 → 执行, and an appeal after)."""

    FILING = "filing", _("Filing")
    INVESTIGATION = "investigation", _("Investigation")
    REVIEW = "review", _("Trial review (审理)")
    DECISION = "decision", pgettext_lazy("case stage", "Decision")
    ANNOUNCEMENT = "announcement", _("Announcement")
    EXECUTION = "execution", _("Execution")
    APPEAL = "appeal", _("Appeal")
    CLOSED = "closed", pgettext_lazy("case stage", "Closed")


CASE_STAGE_ORDER = [
    CaseStage.FILING,
    CaseStage.INVESTIGATION,
    CaseStage.REVIEW,
    CaseStage.DECISION,
    CaseStage.ANNOUNCEMENT,
    CaseStage.EXECUTION,
    CaseStage.CLOSED,
]


class Form(models.IntegerChoices):
    """The four forms of supervision and discipline (四种形态)."""

    FIRST = 1, _("First form: criticism, reminders, admonishment")
    SECOND = 2, _("Second form: light sanctions, organisational adjustment")
    THIRD = 3, _("Third form: heavy sanctions, major post adjustment")
    FOURTH = 4, _("Fourth form: suspected crime, referred for prosecution")


FORM_SHORT = {
    Form.FIRST: _("First form"),
    Form.SECOND: _("Second form"),
    Form.THIRD: _("Third form"),
    Form.FOURTH: _("Fourth form"),
}


class Family(models.TextChoices):
    """What kind of outcome a measure is."""

    CLEARED = "cleared", _("Cleared or closed without a measure")
    FIRST_FORM = "first_form", _("Criticism and education")
    PARTY = "party", _("Party sanction")
    ADMIN = "admin", _("Administrative sanction")
    ORGANISATIONAL = "organisational", _("Organisational handling")
    JUDICIAL = "judicial", _("Transfer to judicial organs")
    TRANSFER = "transfer", _("Transfer to another body")


class Measure(models.TextChoices):
    """Every outcome a clue or case may end in; the four-forms rule maps each to its form."""

    CLARIFIED = "clarified", _("Cleared up (了结澄清)")
    CLOSED = "closed", _("Closed, no finding (予以了结)")
    REMINDER = "reminder", _("Reminder talk (谈话提醒)")
    CRITICISM = "criticism", _("Criticism and education (批评教育)")
    SELF_EXAMINATION = "self_examination", _("Ordered to examine oneself (责令检查)")
    ADMONISHMENT = "admonishment", _("Admonishment (诫勉)")
    PARTY_WARNING = "party_warning", _("Party warning (警告)")
    PARTY_SERIOUS_WARNING = "party_serious_warning", _("Serious Party warning (严重警告)")
    PARTY_REMOVAL = "party_removal", _("Removal from Party posts (撤销党内职务)")
    PARTY_PROBATION = "party_probation", _("Probation within the Party (留党察看)")
    PARTY_EXPULSION = "party_expulsion", _("Expulsion from the Party (开除党籍)")
    ADMIN_WARNING = "admin_warning", _("Administrative warning (警告)")
    ADMIN_DEMERIT = "admin_demerit", _("Recording of a demerit (记过)")
    ADMIN_MAJOR_DEMERIT = "admin_major_demerit", _("Recording of a major demerit (记大过)")
    ADMIN_DEMOTION = "admin_demotion", _("Demotion (降级)")
    ADMIN_DISMISSAL = "admin_dismissal", _("Dismissal from post (撤职)")
    ADMIN_EXPULSION = "admin_expulsion", _("Expulsion from public employment (开除)")
    ORG_ADJUSTMENT = "org_adjustment", _("Organisational adjustment (组织调整)")
    MAJOR_ADJUSTMENT = "major_adjustment", _("Major post adjustment (重大职务调整)")
    JUDICIAL = "judicial", _("Transferred to judicial organs (移送司法)")
    TRANSFER = "transfer", _("Transferred to the body concerned (移送有关单位)")


MEASURE_FAMILY = {
    Measure.CLARIFIED: Family.CLEARED,
    Measure.CLOSED: Family.CLEARED,
    Measure.REMINDER: Family.FIRST_FORM,
    Measure.CRITICISM: Family.FIRST_FORM,
    Measure.SELF_EXAMINATION: Family.FIRST_FORM,
    Measure.ADMONISHMENT: Family.FIRST_FORM,
    Measure.PARTY_WARNING: Family.PARTY,
    Measure.PARTY_SERIOUS_WARNING: Family.PARTY,
    Measure.PARTY_REMOVAL: Family.PARTY,
    Measure.PARTY_PROBATION: Family.PARTY,
    Measure.PARTY_EXPULSION: Family.PARTY,
    Measure.ADMIN_WARNING: Family.ADMIN,
    Measure.ADMIN_DEMERIT: Family.ADMIN,
    Measure.ADMIN_MAJOR_DEMERIT: Family.ADMIN,
    Measure.ADMIN_DEMOTION: Family.ADMIN,
    Measure.ADMIN_DISMISSAL: Family.ADMIN,
    Measure.ADMIN_EXPULSION: Family.ADMIN,
    Measure.ORG_ADJUSTMENT: Family.ORGANISATIONAL,
    Measure.MAJOR_ADJUSTMENT: Family.ORGANISATIONAL,
    Measure.JUDICIAL: Family.JUDICIAL,
    Measure.TRANSFER: Family.TRANSFER,
}

# Measures a clue's disposal may end in without a case (the first form, clearing up, transfer);
# sanctions need a case's decision.
CLUE_MEASURES = [m for m, f in MEASURE_FAMILY.items() if f in (Family.CLEARED, Family.FIRST_FORM, Family.TRANSFER)]
SANCTIONS = [m for m, f in MEASURE_FAMILY.items() if f in (Family.PARTY, Family.ADMIN)]


class RevealStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("reveal status", "Awaiting a second approver")
    APPROVED = "approved", pgettext_lazy("reveal status", "Approved")
    REFUSED = "refused", pgettext_lazy("reveal status", "Refused")
    EXPIRED = "expired", pgettext_lazy("reveal status", "Expired")


class HandlerRole(models.TextChoices):
    HANDLER = "handler", _("Handler")
    LEADER = "leader", _("Leader in charge")


class MessageSide(models.TextChoices):
    REPORTER = "reporter", _("Reporter")
    HANDLER = "handler", pgettext_lazy("message side", "Discipline inspection")
