from qinglian.orglife.models.appraisal import AppraisalEntry, AppraisalRound, AppraisalTally, AppraisalVoter
from qinglian.orglife.models.life import Critique
from qinglian.orglife.models.meetings import Attachment, Attendee, Meeting, Minutes
from qinglian.orglife.models.talks import Talk

__all__ = [
    "AppraisalEntry",
    "AppraisalRound",
    "AppraisalTally",
    "AppraisalVoter",
    "Attachment",
    "Attendee",
    "Critique",
    "Meeting",
    "Minutes",
    "Talk",
]
