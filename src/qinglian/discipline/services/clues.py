"""The clue register (问题线索): registering a clue from any source, once, with its number, the reporter's sealed
identity, the person reported and its deadlines; its handlers; changes to its summary, owner and category; linking a
repeated report to the first; referral to a higher or lower body; and the register's filters.

Who may do what:
- registering needs discipline.intake at the unit that handles the clue (for a portal report, the unit it was filed
  with); the one who registers becomes a handler, and so does the owner;
- a clue's handlers and those who lead discipline inspection over its unit (discipline.lead) work on it;
- only leaders assign and remove handlers and leaders in charge.

A repeated report is registered (it is a record of what came in) but moves straight to REPEATED, linked to the first
clue (`repeat_of`), and is never counted again: lists, exports, statistics and facts about a person count only the
clues that are not repeats. Nothing is linked automatically (see services.similarity).

Other areas add blocks to a clue's page through CLUE_PANELS: functions `fn(request, clue)` returning a
`(title, html)` pair, or None when they have nothing to show.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from qinglian.core.audit import audit_record
from qinglian.core.rules import rule_value
from qinglian.core.workdays import add_workdays
from qinglian.discipline.models import Clue, ClueHandler, Report
from qinglian.discipline.models.clues import ReferralDirection
from qinglian.discipline.permissions import HANDLE, INTAKE, LEAD
from qinglian.discipline.services import flow, similarity
from qinglian.discipline.services.access import MODULE_PERMISSIONS, can_open, in_module, is_leader
from qinglian.discipline.services.sealing import seal_identity
from qinglian.discipline.vocab import (
    OPEN_CLUE_STATUSES,
    Category,
    ClueStatus,
    HandlerRole,
    ReportStatus,
    Source,
)
from qinglian.orgs import access
from qinglian.orgs.models import Member, Organisation, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.reports.xlsx import Sheet, workbook_bytes

# Sources that may come with a reporter who gives their name: the others (inspection, audit, a higher level's
# referral, daily supervision) have no reporter; a portal report brings its own sealed identity.
REAL_NAME_SOURCES = (Source.LETTER, Source.VISIT, Source.PHONE)
# Clues still being disposed of: a clue in one of these past its disposal deadline is overdue.
UNDISPOSED = (ClueStatus.REGISTERED, ClueStatus.PROPOSED)
NUMBER_TRIES = 5
SOON_DAYS = 2  # "falls due soon": within this many days

# --- panels other areas add to a clue's page ---------------------------------------------------------------

CLUE_PANELS: list[Callable] = []


def clue_panel_add(fn: Callable) -> None:
    """Add a block to every clue's page: fn(request, clue) -> (title, html) or None."""
    if fn not in CLUE_PANELS:
        CLUE_PANELS.append(fn)


def clue_panels(request, clue: Clue) -> list[tuple[str, str]]:
    return [panel for fn in CLUE_PANELS if (panel := fn(request, clue)) is not None]


# --- the history of a clue, in words ------------------------------------------------------------------------

# What each step in a clue's history (ClueEvent.action) is called; other areas add theirs with event_label_add.
EVENT_LABELS: dict[str, object] = {
    "clue.register": gettext_lazy("Registered"),
    "clue.update": gettext_lazy("Changed"),
    "clue.handler_add": gettext_lazy("Handler added"),
    "clue.handler_remove": gettext_lazy("Handler taken off"),
    "clue.repeat": gettext_lazy("Linked as a repeated report"),
    "clue.repeated_by": gettext_lazy("A repeated report was linked to it"),
    "clue.refer_plan": gettext_lazy("Referral decided"),
    "clue.refer": gettext_lazy("Referred to another body"),
    "report.message": gettext_lazy("Message to the reporter"),
}


def event_label_add(action: str, label) -> None:
    EVENT_LABELS.setdefault(action, label)


def _status_label(value: str) -> str:
    return str(ClueStatus(value).label) if value in ClueStatus.values else value


def event_rows(clue: Clue) -> list[dict]:
    """The clue's history, each step named (a step no area names reads as the status it led to)."""
    rows = []
    for e in clue.events.select_related("actor"):
        label = EVENT_LABELS.get(e.action) or (_status_label(e.status_to) if e.status_to else e.action)
        moved = bool(e.status_to) and e.status_to != e.status_from
        rows.append(
            {
                "event": e,
                "label": label,
                "from": _status_label(e.status_from) if moved and e.status_from else "",
                "to": _status_label(e.status_to) if moved else "",
            }
        )
    return rows


# --- numbers and deadlines ---------------------------------------------------------------------------------


def clue_number(year: int, seq: int) -> str:
    return f"纪线〔{year}〕{seq}号"


def _next_seq(organisation: Organisation, year: int) -> int:
    last = Clue.objects.filter(organisation=organisation, year=year).aggregate(last=Max("seq"))["last"]
    return (last or 0) + 1


def time_limits(organisation: Organisation, on: date) -> dict:
    return rule_value("discipline.time_limits", org_path=organisation.path, on=on)


def disposal_due(organisation: Organisation, received_on: date) -> date:
    """The day disposal of a clue received on `received_on` falls due (rule: disposal_workdays working days)."""
    return add_workdays(received_on, int(time_limits(organisation, received_on)["disposal_workdays"]))


def referral_due(organisation: Organisation, received_on: date) -> date:
    """The day a clue that belongs to another body must have been sent on (rule: referral_workdays)."""
    return add_workdays(received_on, int(time_limits(organisation, received_on)["referral_workdays"]))


# --- who and where -----------------------------------------------------------------------------------------


def intake_units(user) -> list[Organisation]:
    """The units where the user registers clues: those on which they hold discipline.intake themselves."""
    ids = {g.org_id for g in access.grants(user) if INTAKE in g.permissions}
    return list(Organisation.objects.filter(pk__in=ids, is_active=True).order_by("path"))


def may_register(user, organisation: Organisation) -> bool:
    return in_module(user) and access.can_at(user, INTAKE, organisation.path)


def unit_members(organisation: Organisation):
    """The members of the register within the unit's subtree: the people a clue of the unit may be about."""
    return Member.objects.filter(subtree_q(organisation.path, "organisation__")).select_related("organisation")


def member_search(organisation: Organisation, text: str, limit: int = 20):
    text = (text or "").strip()
    if not text:
        return Member.objects.none()
    members = unit_members(organisation).filter(Q(name__icontains=text) | Q(name_pinyin__icontains=text.lower()))
    return members.order_by("name_pinyin", "pk")[:limit]


def subject_units(organisation: Organisation):
    return Organisation.objects.filter(subtree_q(organisation.path), is_active=True).order_by("path")


def assignable(organisation: Organisation, role: str = HandlerRole.HANDLER):
    """Users who may be made handlers (discipline.handle there) or leaders in charge (discipline.lead)."""
    action = LEAD if role == HandlerRole.LEADER else HANDLE
    return access.holders(organisation, action=action).order_by("username")


def subject_or_404(user, pk) -> Member:
    """A member within the units where the user holds a discipline permission (the people whose history they may
    look up), or 404."""
    scope = Q(pk__in=[])
    for code in MODULE_PERMISSIONS:
        scope |= access.scope_q(user, code, model=Member)
    member = (
        Member.objects.filter(scope).select_related("organisation").filter(pk=pk).first() if str(pk).isdigit() else None
    )
    if member is None:
        raise Http404(_("No such record, or it is not within your organisations."))
    return member


def is_handler(user, clue: Clue) -> bool:
    return getattr(user, "is_authenticated", False) and clue.handlers.filter(user=user).exists()


def may_work(user, clue: Clue) -> bool:
    """Handlers and leaders change a clue that is still being dealt with."""
    return clue.status in OPEN_CLUE_STATUSES and can_open(user, clue)


# --- reads -------------------------------------------------------------------------------------------------


def visible(user):
    """The clues the user may open, each once."""
    return Clue.objects.visible_to(user)


def counted(qs):
    """Clues that count: not repeats of another."""
    return qs.exclude(status=ClueStatus.REPEATED)


def overdue_q(today: date) -> Q:
    """Clues past their disposal deadline while still undisposed, or past their referral deadline unsent."""
    return Q(status__in=UNDISPOSED, dispose_due__lt=today) | Q(
        status=ClueStatus.REGISTERED, referral_due__lt=today, referred_on__isnull=True
    )


STATUS_FILTERS = [*ClueStatus.values, "open"]


def clue_filter(
    qs,
    *,
    status: str = "",
    source: str = "",
    category: str = "",
    method: str = "",
    unit: Organisation | None = None,
    year: int | None = None,
    overdue: bool = False,
    text: str = "",
    today: date | None = None,
):
    """The register narrowed by the list's filters. Repeats are left out unless asked for by their status."""
    today = today or timezone.localdate()
    if status == "open":
        qs = qs.filter(status__in=OPEN_CLUE_STATUSES)
    elif status in ClueStatus.values:
        qs = qs.filter(status=status)
    if status != ClueStatus.REPEATED:
        qs = counted(qs)
    if source in Source.values:
        qs = qs.filter(source=source)
    if category in Category.values:
        qs = qs.filter(category=category)
    if method:
        qs = qs.filter(method=method)
    if unit is not None:
        qs = qs.filter(subtree_q(unit.path, "subject_unit__"))
    if year:
        qs = qs.filter(year=year)
    if overdue:
        qs = qs.filter(overdue_q(today))
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(number__icontains=text) | Q(subject_name__icontains=text) | Q(summary__icontains=text))
    return qs


def disposal_overdue(clue: Clue, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return clue.status in UNDISPOSED and clue.dispose_due is not None and clue.dispose_due < today


def referral_overdue(clue: Clue, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        clue.status == ClueStatus.REGISTERED
        and clue.referral_due is not None
        and clue.referred_on is None
        and clue.referral_due < today
    )


def mine(user):
    """The clues the user handles or owns, open ones first."""
    handled = ClueHandler.objects.filter(user=user).values("clue_id")
    return Clue.objects.filter(Q(pk__in=handled) | Q(owner=user))


# --- registering -------------------------------------------------------------------------------------------


def _subject(organisation: Organisation, *, subject_member, subject_name: str, subject_unit, subject_post: str):
    """(member, name, unit, post) of the person reported, checked against the unit's register."""
    if subject_member is not None:
        if not unit_members(organisation).filter(pk=subject_member.pk).exists():
            raise ValidationError(
                {"subject_member": _("{name} is not on the register of {org}.").format(
                    name=subject_member.name, org=organisation.name
                )}
            )  # fmt: skip
        return subject_member, subject_member.name, subject_member.organisation, subject_post or subject_member.post
    name = (subject_name or "").strip()
    if not name:
        raise ValidationError({"subject_name": _("Name the person reported, or choose them from the member register.")})
    if subject_unit is not None and not subject_units(organisation).filter(pk=subject_unit.pk).exists():
        raise ValidationError({"subject_unit": _("Choose a unit of {org}.").format(org=organisation.name)})
    return None, name[:60], subject_unit, (subject_post or "").strip()[:60]


def _reporter(source: str, reporter: dict | None) -> dict | None:
    given = {k: str(v).strip() for k, v in (reporter or {}).items() if v and str(v).strip()}
    if not given:
        return None
    if source not in REAL_NAME_SOURCES:
        raise ValidationError(
            {"reporter_name": _("Only a letter, a visit or a telephone call comes with a reporter's name.")}
        )
    if not given.get("name"):
        raise ValidationError(
            {"reporter_name": _("Give the reporter's name, or leave all their details empty for an anonymous report.")}
        )
    return given


def _check_owner(organisation: Organisation, owner) -> None:
    if owner is not None and not access.can_at(owner, HANDLE, organisation.path):
        raise ValidationError(
            {"owner": _("{name} does not handle clues at {org}.").format(
                name=owner.get_full_name() or owner.get_username(), org=organisation.name
            )}
        )  # fmt: skip


def _save_numbered(clue: Clue) -> None:
    """Give the clue the next number of its unit and year, and save it. Two registrations at once may read the same
    last number: the unique constraint refuses the second, which takes the next number and tries again."""
    Organisation.objects.select_for_update().filter(pk=clue.organisation_id).first()
    for attempt in range(NUMBER_TRIES):
        clue.seq = _next_seq(clue.organisation, clue.year)
        clue.number = clue_number(clue.year, clue.seq)
        try:
            with transaction.atomic():
                clue.save(force_insert=True)
            return
        except IntegrityError:
            clue.pk = None
            if attempt == NUMBER_TRIES - 1:
                raise


def _handler(clue: Clue, user, *, role: str = HandlerRole.HANDLER, actor=None) -> bool:
    """Make `user` a handler of `clue` (False when they already are)."""
    _row, created = ClueHandler.objects.get_or_create(clue=clue, user=user, defaults={"role": role, "added_by": actor})
    return created


def _report_for(report: Report, *, organisation: Organisation, version: int | None) -> Report:
    fresh = Report.objects.select_for_update().filter(pk=report.pk).first()
    if fresh is None:
        raise ValidationError(_("The report no longer exists."))
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this report while you were looking at it, so your action was not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    if fresh.status not in (ReportStatus.NEW, ReportStatus.ACKNOWLEDGED):
        raise ValidationError(
            _("This report is “{status}”: it cannot be registered as a clue.").format(status=fresh.get_status_display())
        )
    if fresh.organisation_id != organisation.pk:
        raise ValidationError(_("A report is registered by the unit it was filed with."))
    return fresh


@transaction.atomic
def clue_register(
    *,
    organisation: Organisation,
    source: str,
    received_on: date,
    category: str,
    summary: str,
    actor,
    subject_member: Member | None = None,
    subject_name: str = "",
    subject_unit: Organisation | None = None,
    subject_post: str = "",
    owner=None,
    reporter: dict | None = None,
    report: Report | None = None,
    report_version: int | None = None,
    repeat_of: Clue | None = None,
) -> Clue:
    """Register a clue at `organisation`: numbered 纪线〔year〕N号 in the unit's sequence of the year it was
    received, its disposal deadline set by the rule `discipline.time_limits`, the one registering (and the owner)
    made its handlers.

    A portal report (`report`, source portal) becomes REGISTERED and the clue takes its sealed identity as it is —
    it is never opened here. A real-name letter, visit or call gives `reporter` (name, phone, …), sealed at once.
    `repeat_of`: the earlier clue this one repeats; the new clue is then REPEATED, linked to it, and not counted.
    """
    if not may_register(actor, organisation):
        raise PermissionDenied(_("You do not register clues at {org}.").format(org=organisation.name))
    if source not in Source.values:
        raise ValidationError({"source": _("Choose where the clue came from.")})
    if category not in Category.values:
        raise ValidationError({"category": _("Choose the category of the problem.")})
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Summarise what the clue says.")})
    today = timezone.localdate()
    if received_on > today:
        raise ValidationError({"received_on": _("The day it was received cannot be in the future.")})
    if (source == Source.PORTAL) != (report is not None):
        raise ValidationError(
            {"source": _("A clue from the reporting portal is registered from its report in the reports inbox.")}
        )
    member, name, unit, post = _subject(
        organisation,
        subject_member=subject_member,
        subject_name=subject_name,
        subject_unit=subject_unit,
        subject_post=subject_post,
    )
    identity = _reporter(source, reporter)
    owner = owner or actor
    _check_owner(organisation, owner)
    if repeat_of is not None and (repeat_of.organisation_id != organisation.pk):
        raise ValidationError({"repeat_of": _("A clue repeats only a clue of the same unit.")})
    clue = Clue(
        organisation=organisation,
        year=received_on.year,
        source=source,
        received_on=received_on,
        subject_member=member,
        subject_name=name,
        subject_unit=unit,
        subject_post=post,
        category=category,
        summary=summary,
        owner=owner,
        dispose_due=disposal_due(organisation, received_on),
        registered_by=actor,
    )
    if report is not None:
        report = _report_for(report, organisation=organisation, version=report_version)
        # The sealed identity moves as it is: ciphertext and wrapped key, never opened on the way.
        clue.is_anonymous = report.is_anonymous
        clue.identity_sealed = report.identity_sealed
        clue.identity_key = report.identity_key
        clue.report = report
    else:
        seal_identity(clue, identity)
    _save_numbered(clue)
    _handler(clue, actor, actor=actor)
    if owner.pk != actor.pk:
        _handler(clue, owner, actor=actor)
    flow.event(clue, "clue.register", actor=actor, status_to=clue.status, note=clue.get_source_display())
    audit_record(
        actor=actor,
        action="discipline.clue.register",
        obj=clue,
        changes={
            "number": clue.number,
            "source": source,
            "category": category,
            "real_name": not clue.is_anonymous,
            "report": report.pk if report else None,
        },
        sealed=True,
    )
    if report is not None:
        report.status = ReportStatus.REPEATED if repeat_of is not None else ReportStatus.REGISTERED
        report.version += 1
        report.save(update_fields=["status", "version"])
        audit_record(
            actor=actor,
            action="discipline.report.register",
            obj=report,
            changes={"status": report.status, "clue": clue.number},
            sealed=True,
        )
    if repeat_of is not None:
        _link(clue, repeat_of, actor=actor)
    return clue


# --- repeats -----------------------------------------------------------------------------------------------


def original_of(clue: Clue) -> Clue:
    """The first report of a matter (read afresh): a repeat's own original, so that repeats never chain."""
    fresh = Clue.objects.select_related("repeat_of", "organisation").get(pk=clue.pk)
    return fresh.repeat_of if fresh.status == ClueStatus.REPEATED and fresh.repeat_of_id else fresh


def repeat_candidates(clue: Clue) -> list[similarity.Candidate]:
    """Earlier clues a registered clue may repeat (its own repeats left out)."""
    found = similarity.similar_clues(
        organisation=clue.organisation,
        summary=clue.summary,
        subject_member=clue.subject_member,
        subject_name=clue.subject_name,
        exclude=clue,
    )
    return [c for c in found if c.clue.repeat_of_id != clue.pk and c.clue.received_on <= clue.received_on]


def _link(clue: Clue, original: Clue, *, actor) -> Clue:
    """Move a locked, registered clue to REPEATED under `original`, with the similarity of the two; the
    original's handlers become handlers of the repeat, so that what it adds reaches them."""
    original = original_of(original)
    if original.pk == clue.pk:
        raise ValidationError({"repeat_of": _("A clue cannot repeat itself.")})
    if original.organisation_id != clue.organisation_id:
        raise ValidationError({"repeat_of": _("A clue repeats only a clue of the same unit.")})
    if clue.repeats.exists():
        raise ValidationError(
            {"repeat_of": _("Other reports are linked to this clue as repeats, so it cannot become a repeat itself.")}
        )
    scores = similarity.scored(
        organisation=clue.organisation,
        summary=clue.summary,
        subject_member=clue.subject_member,
        subject_name=clue.subject_name,
        exclude=clue,
        also=[original],
    )
    score = next((c.score for c in scores if c.clue.pk == original.pk), None)
    for row in original.handlers.all():
        _handler(clue, row.user, role=row.role, actor=actor)
    flow.move(
        clue,
        ClueStatus.REPEATED,
        actor=actor,
        action="clue.repeat",
        note=original.number,
        fields={"repeat_of": original, "similarity": score},
    )
    flow.event(original, "clue.repeated_by", actor=actor, note=clue.number)
    return clue


@transaction.atomic
def clue_link_repeat(*, clue: Clue, original: Clue, actor, version: int | None) -> Clue:
    """Link a registered clue to the earlier clue it repeats. The earlier clue must be one the user may open or
    one of the clue's similar candidates (those are shown by number even to those who may not open them)."""
    if not can_open(actor, clue):
        raise PermissionDenied
    clue = flow.lock(clue, version)
    if clue.status != ClueStatus.REGISTERED:
        raise flow.refuse_move(clue, ClueStatus.REPEATED)
    original = original_of(original)
    shown = {c.clue.pk for c in repeat_candidates(clue)}
    if original.pk not in shown and not can_open(actor, original):
        raise ValidationError({"repeat_of": _("No such clue among those this one may repeat.")})
    _link(clue, original, actor=actor)
    if clue.report_id:
        Report.objects.filter(pk=clue.report_id).update(status=ReportStatus.REPEATED)
    return clue


# --- changing a clue ---------------------------------------------------------------------------------------


@transaction.atomic
def clue_update(
    *, clue: Clue, actor, version: int | None, summary: str | None = None, category: str | None = None, owner=None
) -> Clue:
    """Correct the summary or the category, or hand the clue to another owner (one of its handlers)."""
    if not can_open(actor, clue):
        raise PermissionDenied
    clue = flow.lock(clue, version)
    if clue.status not in OPEN_CLUE_STATUSES:
        raise ValidationError(
            _("A clue that is “{status}” is kept as it was.").format(status=clue.get_status_display())
        )
    changes: dict = {}
    if summary is not None:
        summary = summary.strip()
        if not summary:
            raise ValidationError({"summary": _("Summarise what the clue says.")})
        if summary != clue.summary:
            clue.summary = summary
            changes["summary"] = "changed"  # the text stays in the sealed row, not in the audit trail
    if category is not None and category != clue.category:
        if category not in Category.values:
            raise ValidationError({"category": _("Choose the category of the problem.")})
        changes["category"] = [clue.category, category]
        clue.category = category
    if owner is not None and owner.pk != clue.owner_id:
        if not clue.handlers.filter(user=owner).exists():
            raise ValidationError(
                {"owner": _("Only one of the clue's handlers can own it: add them as a handler first.")}
            )
        changes["owner"] = [clue.owner.get_username() if clue.owner_id else "", owner.get_username()]
        clue.owner = owner
    if not changes:
        return clue
    clue.save(update_fields=["summary", "category", "owner"])
    return flow.touch(clue, "clue.update", actor=actor, note=", ".join(changes), changes=changes)


@transaction.atomic
def clue_handler_add(*, clue: Clue, user, actor, version: int | None, role: str = HandlerRole.HANDLER) -> ClueHandler:
    """A leader assigns a handler (someone who handles clues at the unit) or a leader in charge."""
    if not is_leader(actor, clue):
        raise PermissionDenied(_("Only those who lead discipline inspection assign handlers."))
    if role not in HandlerRole.values:
        raise ValidationError({"role": _("Choose handler or leader in charge.")})
    clue = flow.lock(clue, version)
    if not assignable(clue.organisation, role).filter(pk=user.pk).exists():
        raise ValidationError(
            {"user": _("{name} cannot be assigned to clues of {org} in that role.").format(
                name=user.get_full_name() or user.get_username(), org=clue.organisation.name
            )}
        )  # fmt: skip
    row = ClueHandler.objects.filter(clue=clue, user=user).first()
    if row is not None and row.role == role:
        raise ValidationError({"user": _("{name} is already on the clue.").format(name=user.get_username())})
    if row is None:
        row = ClueHandler.objects.create(clue=clue, user=user, role=role, added_by=actor)
    else:
        row.role = role
        row.save(update_fields=["role"])
    flow.touch(clue, "clue.handler_add", actor=actor, note=user.get_username(), changes={"user": user.pk, "role": role})
    return row


@transaction.atomic
def clue_handler_remove(*, clue: Clue, user, actor, version: int | None) -> None:
    """A leader takes someone off a clue (not its owner: hand it to another owner first)."""
    if not is_leader(actor, clue):
        raise PermissionDenied(_("Only those who lead discipline inspection assign handlers."))
    clue = flow.lock(clue, version)
    row = ClueHandler.objects.filter(clue=clue, user=user).first()
    if row is None:
        raise ValidationError({"user": _("{name} is not on the clue.").format(name=user.get_username())})
    if clue.owner_id == user.pk:
        raise ValidationError({"user": _("{name} owns the clue: choose another owner first.").format(
            name=user.get_full_name() or user.get_username()
        )})  # fmt: skip
    row.delete()
    flow.touch(clue, "clue.handler_remove", actor=actor, note=user.get_username(), changes={"user": user.pk})


# --- referral ----------------------------------------------------------------------------------------------


@transaction.atomic
def clue_refer(
    *,
    clue: Clue,
    actor,
    version: int | None,
    to: str,
    direction: str,
    referred_on: date | None = None,
    note: str = "",
) -> Clue:
    """A clue that belongs to a higher or a lower body: without `referred_on`, decided (it is then due by
    `referral_due`, the rule's working days after it was received); with it, sent on that day (REFERRED)."""
    if not can_open(actor, clue):
        raise PermissionDenied
    clue = flow.lock(clue, version)
    if clue.status != ClueStatus.REGISTERED:
        raise flow.refuse_move(clue, ClueStatus.REFERRED)
    to = (to or "").strip()
    if not to:
        raise ValidationError({"to": _("Name the body the clue goes to.")})
    if direction not in ReferralDirection.values:
        raise ValidationError({"direction": _("Say whether the clue goes to a higher or a lower body.")})
    due = clue.referral_due or referral_due(clue.organisation, clue.received_on)
    fields = {"referred_to": to[:120], "referral_direction": direction, "referral_due": due}
    if referred_on is None:
        for name, value in fields.items():
            setattr(clue, name, value)
        clue.save(update_fields=list(fields))
        changes = {"referred_to": to[:120], "direction": direction, "referral_due": due.isoformat()}
        return flow.touch(clue, "clue.refer_plan", actor=actor, note=note or to, changes=changes)
    if referred_on > timezone.localdate():
        raise ValidationError({"referred_on": _("The day it was sent cannot be in the future.")})
    if referred_on < clue.received_on:
        raise ValidationError({"referred_on": _("The clue cannot be sent on before it was received.")})
    fields["referred_on"] = referred_on
    return flow.move(clue, ClueStatus.REFERRED, actor=actor, action="clue.refer", note=note or to, fields=fields)


# --- export ------------------------------------------------------------------------------------------------

EXPORT_MAX = 5000


def clues_workbook(*, user, clues, filters: dict) -> bytes:
    """The register as filtered, as a workbook in the reader's language; the export is an audited read."""
    rows = list(
        clues.select_related("organisation", "subject_unit", "owner", "repeat_of").order_by("-received_on", "-seq")[
            : EXPORT_MAX + 1
        ]
    )
    if len(rows) > EXPORT_MAX:
        raise ValidationError(
            _("More than {n} clues match: narrow the filters (a year, a unit) and export again.").format(n=EXPORT_MAX)
        )
    headers = [
        _("Number"), _("Received on"), pgettext("clue", "Source"), _("Person reported"), _("Their unit"),
        _("Their post"), pgettext("clue", "Category"), _("Summary"), _("Status"), _("Disposal method"), _("Owner"),
        _("Disposal due"), _("Referred to"), _("Referral due"), _("Referred on"), _("Repeats clue"), _("Handled by"),
    ]  # fmt: skip

    def line(c: Clue) -> list:
        owner = (c.owner.get_full_name() or c.owner.get_username()) if c.owner_id else ""
        return [
            c.number, c.received_on, c.get_source_display(), c.subject_name,
            c.subject_unit.name if c.subject_unit_id else "", c.subject_post, c.get_category_display(), c.summary,
            c.get_status_display(), c.get_method_display() if c.method else "", owner, c.dispose_due,
            c.referred_to, c.referral_due, c.referred_on, c.repeat_of.number if c.repeat_of_id else "",
            c.organisation.name,
        ]  # fmt: skip

    sheet = Sheet(
        title=_("Clue register"),
        headers=[str(h) for h in headers],
        rows=[line(c) for c in rows],
        widths=[18, 12, 14, 10, 18, 12, 16, 60, 14, 16, 12, 12, 20, 12, 12, 18, 18],
    )
    data = workbook_bytes([sheet])
    audit_record(
        actor=user,
        action="discipline.clues.export",
        changes={"count": len(rows), "filters": {k: str(v) for k, v in filters.items() if v}},
        reason="clues: exported the register",
        sealed=True,
    )
    return data
