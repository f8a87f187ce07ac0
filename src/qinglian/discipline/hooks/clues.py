"""The clue register's entries in the core registry: the register and "My clues" in the menu; to-dos and reminders
of referrals falling due; the clue as a record kind; clues as facts about a person (integrity files and opinion
replies read them); and a section on a member's page for those in discipline inspection.

To-dos, notices and person facts name a clue by its number, category and status only: they are read outside the
sealed compartment, so neither the summary nor the reporter appear there.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from qinglian.core.notify import notification_send
from qinglian.core.registry import FACT_CLUES, MemberSection, PersonFact, TodoItem, registry
from qinglian.discipline import records
from qinglian.discipline.models import Clue, ClueHandler
from qinglian.discipline.permissions import HANDLE
from qinglian.discipline.services.access import in_module
from qinglian.discipline.vocab import OPEN_CLUE_STATUSES, ClueStatus

TODO_MAX = 20
SOON_DAYS = 2


def _referrals_unsent():
    return Clue.objects.filter(status=ClueStatus.REGISTERED, referral_due__isnull=False, referred_on__isnull=True)


def _url(clue: Clue) -> str:
    return reverse("discipline:clue_detail", args=[clue.pk])


def referral_todos(user) -> list[TodoItem]:
    """A handler's clues decided for referral and not sent yet."""
    if not in_module(user):
        return []
    today = timezone.localdate()
    clues = _referrals_unsent().filter(handlers__user=user).order_by("referral_due", "pk")[:TODO_MAX]
    return [
        TodoItem(
            title=_("Send clue {number} on to {to}").format(number=c.number, to=c.referred_to),
            url=_url(c),
            due=c.referral_due,
            kind=_("Referrals"),
            overdue=c.referral_due < today,
        )
        for c in clues
    ]


def _week(today: date) -> str:
    return "{}-W{:02d}".format(*today.isocalendar()[:2])


def referral_reminders(today: date) -> int:
    """Referrals falling due within two days (once) or overdue (once a week), to the clue's handlers."""
    clues = _referrals_unsent().filter(referral_due__lte=today + timedelta(days=SOON_DAYS))
    sent = 0
    with override(settings.LANGUAGE_CODE):
        for clue in clues:
            users = [h.user for h in ClueHandler.objects.filter(clue=clue, user__is_active=True).select_related("user")]
            stage = f"overdue:{_week(today)}" if clue.referral_due < today else "soon"
            sent += len(
                notification_send(
                    users=users,
                    title=_("Clue {number} is to be sent on by {day}").format(
                        number=clue.number, day=clue.referral_due.isoformat()
                    ),
                    body=_("The rules ask that a clue for another body be sent on within the set working days."),
                    url=_url(clue),
                    kind="discipline.referral_due",
                    dedupe_key=f"discipline.referral_due:{clue.pk}:{stage}",
                )
            )
    return sent


def clue_facts(member, year: int | None) -> list[PersonFact]:
    """The clues about a member (repeats left out: they are the same matter), by the day received: the category
    and where the clue stands, never what it says."""
    clues = Clue.objects.filter(subject_member=member).exclude(status=ClueStatus.REPEATED).order_by("received_on", "pk")
    if year is not None:
        clues = clues.filter(received_on__year=year)
    return [
        PersonFact(
            topic=FACT_CLUES,
            day=c.received_on,
            title=_("A clue about {category}").format(category=c.get_category_display()),
            detail=str(c.get_status_display()),
            url=_url(c),
        )
        for c in clues
    ]


def subject_member_section(member, user) -> MemberSection | None:
    """On a member's page, for those in discipline inspection: the clues about them they may open."""
    if not in_module(user):
        return None
    clues = Clue.objects.filter(pk__in=Clue.objects.visible_to(user).values("pk"), subject_member=member)
    clues = clues.exclude(status=ClueStatus.REPEATED)
    context = {"count": clues.count(), "open_count": clues.filter(status__in=OPEN_CLUE_STATUSES).count()}
    return MemberSection(_("Supervision and discipline"), "discipline/partials/subject_member_section.html", context)


def register(nav) -> None:
    nav("discipline_clues", gettext_lazy("Clue register"), "discipline:clue_list", "journal-text", HANDLE, 91)
    nav("discipline_clues_mine", gettext_lazy("My clues"), "discipline:clue_mine", "person-workspace", HANDLE, 92)
    registry.add_todos(referral_todos)
    registry.add_reminders(referral_reminders)
    registry.add_person_facts(60, clue_facts, topics=(FACT_CLUES,))
    registry.add_member_section(70, subject_member_section)
    records.register()
