"""What cases and sanctions register with the core: the menu entries, to-dos (stages overdue or falling due,
sanctions whose effect period ends soon), the daily reminders (a stage overdue; a sanction's effect period ended),
the person facts of outcomes (integrity files and opinion replies read them), cases as records another module may
point at (a rectification item opened from a case), and the case panel on a clue's page.

Notices go to the clue's handlers and to those who lead discipline inspection nearest its unit, and name the person
only inside the compartment: the notice leads to the case, which answers 404 to anyone else.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from qinglian.core.notify import notification_send
from qinglian.core.registry import RecordKind, RecordRef, TodoItem, registry
from qinglian.discipline.models import Case, ClueHandler, Outcome
from qinglian.discipline.permissions import HANDLE, LEAD
from qinglian.discipline.services import cases as services
from qinglian.discipline.services import facts
from qinglian.discipline.services.access import in_module
from qinglian.discipline.vocab import CaseStage as St
from qinglian.orgs.access import nearest_holders

STAGE_TODO_DAYS = 7  # a stage falling due within this many days is on the to-do list
SANCTION_TODO_DAYS = 30  # so is a sanction whose effect period ends within this many days
CATCH_UP_DAYS = 7  # an end-of-effect reminder missed (the task did not run) is still sent this many days later
TODOS_MAX = 20


def _case_url(case_id: int) -> str:
    return reverse("discipline:case_detail", args=[case_id])


def _recipients(clue) -> list:
    """The clue's handlers and the leaders nearest its unit (active logins, holding their roles now)."""
    handlers = {h.user for h in ClueHandler.objects.filter(clue=clue, user__is_active=True).select_related("user")}
    leaders = set(nearest_holders(clue.organisation, action=LEAD))
    return sorted(handlers | leaders, key=lambda user: user.pk)


# --- reminders ---------------------------------------------------------------------------------------------


def stage_overdue_reminders(today: date) -> int:
    """Tell the handlers and leaders of each case whose stage is overdue, once per stage and deadline (an extension
    that runs out again reminds again)."""
    sent = 0
    for case in services.overdue(Case.objects.all(), today).select_related("clue__organisation"):
        with override(settings.LANGUAGE_CODE):
            title = _("Case stage overdue: {number}, {stage}").format(
                number=case.number, stage=case.get_stage_display()
            )
            body = _("The stage was due on {day}. Move the case on, or extend the stage with a reason.").format(
                day=case.stage_due_on.isoformat()
            )
        sent += len(
            notification_send(
                users=_recipients(case.clue),
                title=title,
                body=body,
                url=_case_url(case.pk),
                kind="discipline.case_overdue",
                dedupe_key=f"discipline.case_overdue:{case.pk}:{case.stage}:{case.stage_due_on.isoformat()}",
            )
        )
    return sent


def sanction_end_reminders(today: date) -> int:
    """On the day a sanction's effect period ends, tell the clue's handlers and leaders, once
    (Outcome.end_notified_on)."""
    ended = (
        Outcome.objects.filter(
            superseded_by__isnull=True,
            end_notified_on__isnull=True,
            effect_ends_on__lte=today,
            effect_ends_on__gte=today - timedelta(days=CATCH_UP_DAYS),
        )
        .select_related("clue__organisation", "case")
        .order_by("effect_ends_on", "pk")
    )
    sent = 0
    for outcome in ended:
        with override(settings.LANGUAGE_CODE):
            title = _("Effect period ended: {name}, {measure}").format(
                name=outcome.subject_name, measure=outcome.get_measure_display()
            )
            body = _("The effect period of the measure decided on {decided} ended on {day}.").format(
                decided=outcome.decided_on.isoformat(), day=outcome.effect_ends_on.isoformat()
            )
        sent += len(
            notification_send(
                users=_recipients(outcome.clue),
                title=title,
                body=body,
                url=_case_url(outcome.case_id) if outcome.case_id else "",
                kind="discipline.sanction_end",
                dedupe_key=f"discipline.sanction_end:{outcome.pk}",
            )
        )
        Outcome.objects.filter(pk=outcome.pk).update(end_notified_on=today)
    return sent


# --- to-dos ------------------------------------------------------------------------------------------------


def case_todos(user) -> list[TodoItem]:
    """The user's cases whose stage is overdue or falls due within a week, and the sanctions of the clues they may
    open whose effect period ends within 30 days."""
    if not getattr(user, "is_authenticated", False) or not in_module(user):
        return []
    today = timezone.localdate()
    cases = (
        services.cases_visible_to(user)
        .exclude(stage=St.CLOSED)
        .filter(stage_due_on__lte=today + timedelta(days=STAGE_TODO_DAYS))
        .select_related("clue")
        .order_by("stage_due_on", "pk")[:TODOS_MAX]
    )
    items = [
        TodoItem(
            title=_("{number} ({name}): {stage} due").format(
                number=case.number, name=case.clue.subject_name, stage=case.get_stage_display()
            ),
            url=_case_url(case.pk),
            due=case.stage_due_on,
            kind=_("Case"),
            overdue=case.stage_due_on < today,
        )
        for case in cases
    ]
    ending = (
        services.sanctions_in_effect(user, today)
        .filter(effect_ends_on__lte=today + timedelta(days=SANCTION_TODO_DAYS))
        .order_by("effect_ends_on", "pk")[:TODOS_MAX]
    )
    items += [
        TodoItem(
            title=_("{name}: the effect period of {measure} ends").format(
                name=o.subject_name, measure=o.get_measure_display()
            ),
            url=_case_url(o.case_id) if o.case_id else reverse("discipline:sanction_list"),
            due=o.effect_ends_on,
            kind=_("Sanction"),
        )
        for o in ending
    ]
    return items


# --- cases as records --------------------------------------------------------------------------------------


def case_ref(case: Case) -> RecordRef:
    unit = case.clue.subject_unit.name if case.clue.subject_unit_id else ""
    return RecordRef(
        kind=services.CASE_RECORD_KIND,
        id=case.pk,
        label=f"{case.number} · {case.clue.subject_name}",
        url=_case_url(case.pk),
        day=case.filed_on,
        unit=unit,
    )


def case_search(user, text: str, limit: int) -> list[RecordRef]:
    cases = services.cases_visible_to(user).select_related("clue__subject_unit")
    if text:
        cases = cases.filter(Q(number__icontains=text) | Q(clue__subject_name__icontains=text))
    return [case_ref(case) for case in cases.order_by("-filed_on", "-pk")[:limit]]


def case_resolve(user, ids: list[int]) -> dict[int, RecordRef]:
    cases = services.cases_visible_to(user).select_related("clue__subject_unit").filter(pk__in=ids)
    return {case.pk: case_ref(case) for case in cases}


# --- registration ------------------------------------------------------------------------------------------


def register(nav) -> None:
    nav("discipline_cases", gettext_lazy("Cases"), "discipline:case_list", "folder2-open", HANDLE, 94)
    nav(
        "discipline_sanctions",
        gettext_lazy("Sanctions in effect"),
        "discipline:sanction_list",
        "hourglass-split",
        HANDLE,
        95,
    )
    registry.add_todos(case_todos)
    registry.add_reminders(stage_overdue_reminders)
    registry.add_reminders(sanction_end_reminders)
    registry.add_person_facts(60, facts.sanction_facts, topics=facts.TOPICS)
    registry.add_record_kind(
        RecordKind(services.CASE_RECORD_KIND, gettext_lazy("Discipline case"), case_search, case_resolve, order=90)
    )
    try:
        from qinglian.discipline.services import clues
    except ModuleNotFoundError as error:  # the clues area not written yet
        if error.name != "qinglian.discipline.services.clues":
            raise
        return
    from qinglian.discipline.views.cases import clue_panel

    panels = getattr(clues, "CLUE_PANELS", None)
    if panels is not None and clue_panel not in panels:
        panels.append(clue_panel)
