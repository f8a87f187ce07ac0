"""Disposal's entries in the core registry: the "Awaiting my opinion" menu entry, the clue page's disposal panel, and
the to-dos and weekly reminders of forms awaiting an opinion, letters whose reply is overdue and shelved clues due for
review.

To-dos and notices name a clue by its number only: the home page and the inbox are outside the sealed compartment.
"""

from __future__ import annotations

import importlib
from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from qinglian.core.registry import TodoItem, registry
from qinglian.discipline.permissions import HANDLE, LEAD
from qinglian.discipline.services.access import in_module

TODO_MAX = 20
# How disposal's steps read in a clue's history (the clues area's page).
EVENT_LABELS = {
    "disposal.submit": gettext_lazy("Approval form submitted"),
    "disposal.opinion": gettext_lazy("Opinion given on an approval form"),
    "disposal.approve": gettext_lazy("Approval form approved"),
    "disposal.return": gettext_lazy("Approval form returned"),
    "disposal.withdraw": gettext_lazy("Approval form withdrawn"),
    "disposal.inquiry": gettext_lazy("Talk or letter recorded"),
    "disposal.reply": gettext_lazy("Written reply received"),
}


def awaiting_todos(user) -> list[TodoItem]:
    """Approval forms whose next opinion is the user's to give."""
    from qinglian.discipline.services import disposal

    if not in_module(user):
        return []
    return [
        TodoItem(
            title=_("Give your opinion on the approval form: {kind} ({number})").format(
                kind=form.get_kind_display(), number=form.clue.number
            ),
            url=disposal.form_url(form),
            due=timezone.localdate(form.created_at),
            kind=_("Approval forms"),
        )
        for form in disposal.forms_awaiting(user)[:TODO_MAX]
    ]


def reply_overdue_todos(user) -> list[TodoItem]:
    """Letters on the user's clues whose written reply is overdue."""
    from qinglian.discipline.services import disposal

    if not in_module(user):
        return []
    letters = disposal.replies_overdue(disposal.inquiries_visible(user)).select_related("clue")
    return [
        TodoItem(
            title=_("The written reply to a letter is overdue ({number})").format(number=inquiry.clue.number),
            url=reverse("discipline:inquiry_reply", args=[inquiry.pk]),
            due=inquiry.reply_due,
            kind=_("Talks and letters"),
            overdue=True,
        )
        for inquiry in letters.order_by("reply_due", "pk")[:TODO_MAX]
    ]


def shelved_todos(user) -> list[TodoItem]:
    """Shelved clues the user handles or leads that are due for review."""
    from qinglian.discipline.services import disposal

    if not in_module(user):
        return []
    return [
        TodoItem(
            title=_("Review the shelved clue {number}").format(number=clue.number),
            url=reverse("discipline:disposal_clue", args=[clue.pk]),
            due=timezone.localdate(clue.touched_at),
            kind=_("Shelved clues"),
            overdue=True,
        )
        for clue in disposal.shelved_for_review(user)[:TODO_MAX]
    ]


def shelved_reminders(today: date) -> int:
    """Once a week, tell each shelved clue's handlers and those who lead discipline inspection over its unit that it
    is due for review."""
    from qinglian.core.notify import notification_send
    from qinglian.discipline.services import disposal
    from qinglian.orgs.access import holders

    week = "{}-W{:02d}".format(*today.isocalendar()[:2])
    sent = 0
    leaders: dict[int, list] = {}
    clues = disposal.shelved_for_review().select_related("organisation").prefetch_related("handlers__user")
    for clue in clues:
        if clue.organisation_id not in leaders:
            leaders[clue.organisation_id] = list(holders(clue.organisation, action=LEAD, on=today))
        users = {h.user.pk: h.user for h in clue.handlers.all() if h.user.is_active}
        users.update({u.pk: u for u in leaders[clue.organisation_id]})
        with override(settings.LANGUAGE_CODE):
            title = _("Shelved clue due for review: {number}").format(number=clue.number)
            body = _("Nobody has worked on it since {day}.").format(day=timezone.localdate(clue.touched_at).isoformat())
        sent += len(
            notification_send(
                users=list(users.values()),
                title=title,
                body=body,
                url=reverse("discipline:disposal_clue", args=[clue.pk]),
                kind="discipline.shelved_review",
                dedupe_key=f"discipline.shelved_review:{clue.pk}:{week}",
            )
        )
    return sent


def _panel(request, clue):
    from qinglian.discipline.views.disposal import clue_panel

    return clue_panel(request, clue)


def register(nav) -> None:
    nav("discipline_awaiting", gettext_lazy("Awaiting my opinion"), "discipline:disposal_awaiting", "pen", HANDLE, 93)
    registry.add_todos(awaiting_todos)
    registry.add_todos(reply_overdue_todos)
    registry.add_todos(shelved_todos)
    registry.add_reminders(shelved_reminders)
    try:
        clues = importlib.import_module("qinglian.discipline.services.clues")
    except ModuleNotFoundError as error:  # the clues area not written yet: its page is where the panel shows
        if error.name != "qinglian.discipline.services.clues":
            raise
        return
    clues.clue_panel_add(_panel)
    for action, label in EVENT_LABELS.items():
        clues.event_label_add(action, label)
