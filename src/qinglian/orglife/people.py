"""People in organisational life: the member record behind a login, how a record names a login, a unit's
current committee, and whom the forms and the API offer at a unit or a meeting."""

from __future__ import annotations

from django.db.models import Q

from qinglian.orglife.models import Attendee, Meeting
from qinglian.orgs.models import CommitteePost, Member, Organisation, subtree_q
from qinglian.orgs.vocab import ON_REGISTER


def member_of(user) -> Member | None:
    """The member record of a signed-in user; None for a login that is no member's, and for the system (None)."""
    return getattr(user, "member", None) if getattr(user, "is_authenticated", False) else None


def person_name(user) -> str:
    """A user as a record names them: the member's name where the login is a member's, else the account."""
    if not getattr(user, "is_authenticated", False):
        return ""
    member = getattr(user, "member", None)
    if member is not None:
        return member.name
    return user.get_full_name() or user.get_username()


def committee_posts(org: Organisation):
    """The posts held now on the unit's current committee term."""
    return CommitteePost.objects.holding().filter(term__organisation=org, term__closed_on__isnull=True)


def committee_members(org: Organisation):
    """Members holding a post on the unit's current committee term."""
    return Member.objects.filter(pk__in=committee_posts(org).values("member_id"))


def _register_q(org: Organisation) -> Q:
    """Members on the register of the unit or a unit below it."""
    return subtree_q(org.path, "organisation__") & Q(status__in=ON_REGISTER)


def unit_people(org: Organisation):
    """The unit's register (its subordinate units included): owners and members of its problems."""
    return Member.objects.filter(_register_q(org)).select_related("organisation").order_by("name_pinyin", "pk")


def meeting_people(meeting: Meeting):
    """Whom the criticism and problems of a meeting may name: its member attendees and the unit's register."""
    attendees = Attendee.objects.members().filter(meeting=meeting).values("member_id")
    return (
        Member.objects.filter(Q(pk__in=attendees) | _register_q(meeting.organisation))
        .select_related("organisation")
        .order_by("name_pinyin", "pk")
    )


def talk_people(org: Organisation):
    """Who may take part in a talk recorded at `org`: its register (subtree included) and its committee."""
    return (
        Member.objects.filter(_register_q(org) | Q(pk__in=committee_members(org).values("pk")))
        .select_related("organisation")
        .order_by("name_pinyin", "pk")
    )
