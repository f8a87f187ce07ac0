"""Disposal of clues by the four methods — 谈话函询, 初步核实, 暂存待查, 予以了结, and 拟立案 where a unit's rules
add it (rule `discipline.methods`) — each step by an approval form (呈批表) that goes up the levels of the rule
`discipline.approval_levels`.

    DISPOSAL ── submitted ──▶ clue PROPOSED ── last level agrees ──▶ TALK_INQUIRY / VERIFYING / SHELVED / CLOSED / CASE
    (from REGISTERED,              │
     or SHELVED to reopen)         └── a level disagrees, or the author withdraws ──▶ back where it was
    TALK_INQUIRY: talks and letters (the written reply due in working days) ──▶ INQUIRY_REPORT
    VERIFYING: VERIFY_PLAN (approved first) ──▶ VERIFY_REPORT (signed by the checkers)

A report proposes either an outcome (a measure of vocab.CLUE_MEASURES: the clue stays where it is until the report is
approved, then closes with the outcome recorded through `outcomes.outcome_record`) or the next method (the clue waits
in PROPOSED, then goes to that method's status, or back when the report is returned). 拟立案 as a first disposal, or
straight after a talk or inquiry, needs the unit's rule; after a preliminary verification it is the ordinary way on.

Each level's opinion is given by someone who can open the clue and holds the level's permission at its unit; the
author never gives the last level's (a second person approves). Every status change goes through `flow.move`, every
write is audited as sealed, every form and clue is checked against the version the page showed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record, audit_sealed_read
from qinglian.core.notify import notification_send
from qinglian.core.rules import rule_value
from qinglian.discipline.models import ApprovalForm, Clue, ClueEvent, Opinion
from qinglian.discipline.services import flow
from qinglian.discipline.services.access import can_open

# Talks, letters and shelved clues live in disposal_inquiries; callers of this module find them here too.
from qinglian.discipline.services.disposal_inquiries import (  # noqa: F401
    clues_visible,
    inquiries_visible,
    inquiry_or_404,
    inquiry_record,
    inquiry_reply,
    inquiry_state,
    replies_overdue,
    reply_workdays,
    shelved_for_review,
)
from qinglian.discipline.services.outcomes import outcome_record
from qinglian.discipline.vocab import CLUE_MEASURES, FormStatus, Measure, Method
from qinglian.discipline.vocab import ClueStatus as S
from qinglian.discipline.vocab import FormKind as K
from qinglian.orgs import access
from qinglian.orgs.services import Conflict

KINDS = (K.DISPOSAL, K.VERIFY_PLAN, K.VERIFY_REPORT, K.INQUIRY_REPORT)
REPORTS = (K.VERIFY_REPORT, K.INQUIRY_REPORT)
# The statuses a clue must be in for each kind of form to be submitted.
KIND_STATUSES = {
    K.DISPOSAL: (S.REGISTERED, S.SHELVED),
    K.VERIFY_PLAN: (S.VERIFYING,),
    K.VERIFY_REPORT: (S.VERIFYING,),
    K.INQUIRY_REPORT: (S.TALK_INQUIRY,),
}
# Where an approved method takes the clue.
METHOD_STATUS = {
    Method.TALK_INQUIRY: S.TALK_INQUIRY,
    Method.VERIFY: S.VERIFYING,
    Method.SHELVE: S.SHELVED,
    Method.CLOSE: S.CLOSED,
    Method.PROPOSE_CASE: S.CASE,
}
BODY_MAX = 20000
CHECKERS_MAX = 10
# A verification report carries its checkers' names on its last line, as the paper one carries their signatures.
CHECKERS_PREFIX = "核查组成员（签名）："

# How the forms, methods and outcomes read on paper and in the history: Chinese official wording, whatever the
# reader's language (the .docx 呈批表 is always Chinese).
KIND_ZH = {
    K.DISPOSAL: "线索处置",
    K.VERIFY_PLAN: "初步核实工作方案",
    K.VERIFY_REPORT: "初步核实情况报告",
    K.INQUIRY_REPORT: "谈话函询情况报告",
    K.FILING: "立案审查调查",
    K.DECISION: "处分决定",
}
METHOD_ZH = {
    Method.TALK_INQUIRY: "谈话函询",
    Method.VERIFY: "初步核实",
    Method.SHELVE: "暂存待查",
    Method.CLOSE: "予以了结",
    Method.PROPOSE_CASE: "拟立案",
}
MEASURE_ZH = {
    Measure.CLARIFIED: "了结澄清",
    Measure.CLOSED: "予以了结",
    Measure.REMINDER: "谈话提醒",
    Measure.CRITICISM: "批评教育",
    Measure.SELF_EXAMINATION: "责令检查",
    Measure.ADMONISHMENT: "诫勉",
    Measure.TRANSFER: "移送有关单位处理",
}
# A report's next method reads differently from a first disposal (再次谈话函询 after a talk).
NEXT_METHOD_ZH = {Method.TALK_INQUIRY: "再次谈话函询"}


@dataclass(frozen=True)
class Level:
    """One approval level of the rule: its key, its names and the permission its opinion needs at the clue's unit."""

    index: int
    key: str
    zh: str
    en: str
    permission: str

    @property
    def name(self) -> str:
        return self.en if (get_language() or "").startswith("en") else self.zh


def levels_of(clue: Clue, *, on: date | None = None) -> list[Level]:
    """The approval levels in force for the clue's unit on a day (today by default)."""
    value = rule_value("discipline.approval_levels", org_path=clue.organisation.path, on=on)
    rows = value.get("levels", []) if isinstance(value, dict) else list(value or [])
    return [
        Level(i, str(r.get("key", "")), str(r.get("zh", "")), str(r.get("en") or r.get("zh", "")), r.get("permission"))
        for i, r in enumerate(rows)
    ]


def form_levels(form: ApprovalForm) -> list[Level]:
    """The levels a form goes through: those in force on the day it was submitted."""
    return levels_of(form.clue, on=timezone.localdate(form.created_at))


def propose_case_allowed(clue: Clue, *, on: date | None = None) -> bool:
    """Whether the clue's unit adds 拟立案 to the four disposal methods (rule `discipline.methods`)."""
    value = rule_value("discipline.methods", org_path=clue.organisation.path, on=on)
    return bool((value or {}).get("propose_case"))


def methods_for(clue: Clue, kind: str) -> list[str]:
    """The methods a form of this kind may propose for the clue."""
    case = [Method.PROPOSE_CASE] if propose_case_allowed(clue) else []
    if kind == K.DISPOSAL:
        return [Method.TALK_INQUIRY, Method.VERIFY, Method.SHELVE, Method.CLOSE, *case]
    if kind == K.INQUIRY_REPORT:
        return [Method.TALK_INQUIRY, Method.VERIFY, Method.SHELVE, *case]
    if kind == K.VERIFY_REPORT:
        return [Method.SHELVE, Method.PROPOSE_CASE]
    return []


def measures_for(kind: str) -> list[str]:
    """The outcomes a form of this kind may propose (reports only)."""
    return list(CLUE_MEASURES) if kind in REPORTS else []


def proposal_zh(form: ApprovalForm) -> str:
    """What the form proposes, in the Chinese of the paper form."""
    if form.measure:
        return MEASURE_ZH.get(form.measure, form.get_measure_display())
    if form.method:
        if form.kind in REPORTS:
            return NEXT_METHOD_ZH.get(form.method, METHOD_ZH.get(form.method, ""))
        return METHOD_ZH.get(form.method, form.get_method_display())
    return ""


def proposal_label(form: ApprovalForm) -> str:
    """What the form proposes, in the reader's language."""
    if form.measure:
        return str(form.get_measure_display())
    if form.method:
        if form.kind in REPORTS and form.method == Method.TALK_INQUIRY:
            return _("Talk or inquire again")
        return str(form.get_method_display())
    return ""


def checkers_of(form: ApprovalForm) -> list[str]:
    """The checkers who signed a verification report."""
    last = form.body.rstrip().rsplit("\n", 1)[-1].strip()
    if form.kind != K.VERIFY_REPORT or not last.startswith(CHECKERS_PREFIX):
        return []
    return [name for name in last.removeprefix(CHECKERS_PREFIX).split("、") if name]


def body_text(form: ApprovalForm) -> str:
    """The form's content without the checkers' line (shown apart, as signatures)."""
    if not checkers_of(form):
        return form.body
    return form.body.rstrip().rsplit("\n", 1)[0].rstrip()


def person(user) -> str:
    """How a user is named on a form: the member's name where the login is a member's."""
    if user is None:
        return ""
    member = getattr(user, "member", None)
    return getattr(member, "name", "") or user.get_full_name() or user.get_username()


# --- reading ------------------------------------------------------------------------------------------------


def forms_visible(user):
    return ApprovalForm.objects.filter(kind__in=KINDS, clue__in=clues_visible(user).values("pk"))


def form_or_404(user, pk):
    """A disposal form on a clue the user may open, or 404 (the same answer whether it exists or not)."""
    from django.http import Http404

    form = (
        ApprovalForm.objects.filter(kind__in=KINDS)
        .select_related("clue__organisation", "clue__subject_unit", "created_by")
        .filter(pk=pk)
        .first()
        if str(pk).isdigit()
        else None
    )
    if form is None or not can_open(user, form.clue):
        raise Http404(_("No such record, or it is not within your organisations."))
    return form


def pending_form(clue: Clue) -> ApprovalForm | None:
    """The disposal form awaiting approval on the clue, if any (there is at most one)."""
    return clue.forms.filter(kind__in=KINDS, status=FormStatus.PENDING).order_by("-pk").first()


def plan_approved(clue: Clue) -> bool:
    return clue.forms.filter(kind=K.VERIFY_PLAN, status=FormStatus.APPROVED).exists()


def due_level(form: ApprovalForm, levels: list[Level] | None = None) -> Level | None:
    """The level whose opinion a pending form awaits."""
    if form.status != FormStatus.PENDING:
        return None
    levels = levels if levels is not None else form_levels(form)
    return levels[form.level] if form.level < len(levels) else None


def opinion_refusal(user, form: ApprovalForm, levels: list[Level] | None = None) -> str:
    """Why the user may not give the opinion now due on the form ("" when they may)."""
    levels = levels if levels is not None else form_levels(form)
    level = due_level(form, levels)
    if level is None:
        return _("This form is “{status}”: it takes no more opinions.").format(status=form.get_status_display())
    if not level.permission or not access.can(user, level.permission, form.clue):
        return _("The “{level}” is given by someone whose roles at {unit} include it; yours do not.").format(
            level=level.name, unit=form.clue.organisation.name
        )
    if level.index == len(levels) - 1 and form.created_by_id == getattr(user, "pk", None):
        return _("You wrote this form, so its last opinion (“{level}”) must come from someone else.").format(
            level=level.name
        )
    return ""


def forms_awaiting(user) -> list[ApprovalForm]:
    """The pending forms whose due opinion the user may give, oldest first."""
    forms = list(
        forms_visible(user)
        .filter(status=FormStatus.PENDING)
        .select_related("clue__organisation", "clue__subject_unit", "created_by")
        .order_by("created_at", "pk")
    )
    cache: dict[tuple[str, date], list[Level]] = {}
    found = []
    for form in forms:
        key = (form.clue.organisation.path, timezone.localdate(form.created_at))
        if key not in cache:
            cache[key] = form_levels(form)
        if not opinion_refusal(user, form, cache[key]):
            form.due = due_level(form, cache[key])
            found.append(form)
    return found


def opinion_chain(form: ApprovalForm) -> list[dict]:
    """Each level of the form with its opinion (given, due now, or still to come), names in the reader's language."""
    levels = form_levels(form)
    given = {o.level: o for o in form.opinions.select_related("user__member")}
    chain = []
    for level in levels:
        opinion = given.pop(level.index, None)
        if opinion is not None:
            state = "agree" if opinion.agree else "disagree"
        elif form.status == FormStatus.PENDING and level.index == form.level:
            state = "due"
        else:
            state = "none"
        chain.append({"level": level, "name": level.name, "opinion": opinion, "state": state})
    # Opinions under levels since removed from the rule keep their recorded names.
    for opinion in given.values():
        chain.append(
            {
                "level": None,
                "name": opinion.level_name,
                "opinion": opinion,
                "state": "agree" if opinion.agree else "disagree",
            }
        )
    return chain


def form_view_record(*, form: ApprovalForm, actor, export: bool = False) -> None:
    """Record that someone opened (or exported) an approval form: it reads the clue."""
    if not can_open(actor, form.clue):
        raise PermissionDenied
    reason = "disposal: exported approval form {pk} (.docx)" if export else "disposal: opened approval form {pk}"
    audit_sealed_read(actor=actor, obj=form.clue, reason=reason.format(pk=form.pk))


def clue_view_record(*, clue: Clue, actor) -> None:
    if not can_open(actor, clue):
        raise PermissionDenied
    audit_sealed_read(actor=actor, obj=clue, reason="disposal: opened the clue's disposal page")


# --- submitting ---------------------------------------------------------------------------------------------


def _lock_form(form: ApprovalForm, version: int | None) -> ApprovalForm:
    fresh = ApprovalForm.objects.select_for_update(of=("self",)).select_related("clue__organisation").get(pk=form.pk)
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else acted on this form while you were looking at it, so your action was not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    return fresh


def start_refusal(clue: Clue, kind: str) -> str:
    """Why a form of this kind cannot be submitted on the clue now ("" when it can)."""
    if kind not in KINDS:
        return _("“{kind}” is not a form of disposal.").format(kind=kind)
    pending = pending_form(clue)
    if pending is not None:
        return _(
            "The form “{kind}” submitted on {day} is still awaiting approval: wait for its decision, or withdraw it, "
            "before submitting another."
        ).format(kind=pending.get_kind_display(), day=timezone.localdate(pending.created_at).isoformat())
    if clue.status not in KIND_STATUSES[kind]:
        if kind == K.DISPOSAL:
            if clue.status == S.TALK_INQUIRY:
                return _(
                    "A clue under talk or inquiry goes on by its talk-or-inquiry report: propose the outcome or "
                    "the next method there."
                )
            if clue.status == S.VERIFYING:
                return _(
                    "A clue under preliminary verification goes on by its verification report: propose the outcome "
                    "or the next method there."
                )
            return flow.refuse_move(clue, S.PROPOSED).messages[0]
        if kind == K.INQUIRY_REPORT:
            return _("A talk-or-inquiry report is for a clue under talk or inquiry; this one is “{status}”.").format(
                status=clue.get_status_display()
            )
        return _("This form is for a clue under preliminary verification; this one is “{status}”.").format(
            status=clue.get_status_display()
        )
    if kind == K.VERIFY_PLAN and plan_approved(clue):
        return _("The work plan is already approved: the verification report comes next.")
    if kind == K.VERIFY_REPORT and not plan_approved(clue):
        return _("The work plan must be approved before the verification report.")
    if kind == K.INQUIRY_REPORT:
        inquiries = list(clue.inquiries.all())
        if not inquiries:
            return _("Record the talk or the letter first: the report gives its result.")
        today = timezone.localdate()
        waiting = [i for i in inquiries if inquiry_state(i, today) == "awaiting"]
        if waiting:
            return _(
                "The written reply to the letter sent on {sent} is due by {due}: record it when it comes, or wait "
                "until it is overdue, before reporting."
            ).format(sent=waiting[0].held_on.isoformat(), due=waiting[0].reply_due.isoformat())
    return ""


def kinds_open(clue: Clue) -> list[str]:
    """The forms that may be submitted on the clue now."""
    return [kind for kind in KINDS if kind in _kinds_for_status(clue.status) and not start_refusal(clue, kind)]


def _kinds_for_status(status: str) -> list[str]:
    return [kind for kind, statuses in KIND_STATUSES.items() if status in statuses]


def _check_proposal(clue: Clue, kind: str, method: str, measure: str) -> tuple[str, str]:
    method, measure = (method or "").strip(), (measure or "").strip()
    if kind == K.VERIFY_PLAN:
        if method or measure:
            raise ValidationError(_("A work plan proposes no method or outcome: it says how the check is done."))
        return "", ""
    if kind == K.DISPOSAL:
        if measure:
            raise ValidationError({"measure": _("A disposal form proposes a method, not an outcome.")})
        if not method:
            raise ValidationError({"method": _("Choose the disposal method to propose.")})
    elif method and measure:
        raise ValidationError(_("Propose either an outcome or the next method, not both."))
    elif not method and not measure:
        raise ValidationError({"measure": _("Propose the outcome, or the next method.")})
    if method == Method.PROPOSE_CASE and method not in methods_for(clue, kind):
        raise ValidationError(
            {
                "method": _(
                    "“Proposed for a case” is not a disposal path at this unit: its rules (discipline.methods) do not "
                    "add it. Verify the clue first."
                )
            }
        )
    if method and method not in methods_for(clue, kind):
        raise ValidationError(
            {"method": _("“{method}” cannot be proposed on this form.").format(method=Method(method).label)}
            if method in Method.values
            else {"method": _("“{value}” is not a disposal method.").format(value=method)}
        )
    if measure and measure not in measures_for(kind):
        raise ValidationError(
            {
                "measure": _(
                    "“{value}” is not an outcome a clue may end in without a case; sanctions come from a case."
                ).format(value=Measure(measure).label if measure in Measure.values else measure)
            }
        )
    return method, measure


def _compose_body(kind: str, body: str, checkers) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write the form's content: the facts and the reasons for the proposal.")})
    if len(body) > BODY_MAX:
        raise ValidationError({"body": _("The content is too long: at most {n} characters.").format(n=BODY_MAX)})
    if kind != K.VERIFY_REPORT:
        return body
    names = []
    for name in checkers or ():
        name = str(name).strip().replace("、", "")
        if name and name not in names:
            names.append(name[:30])
    if len(names) < 2 or len(names) > CHECKERS_MAX:
        raise ValidationError(
            {"checkers": _("Name the checkers who sign the report: at least two, at most {n}.").format(n=CHECKERS_MAX)}
        )
    return f"{body}\n\n{CHECKERS_PREFIX}{'、'.join(names)}"


def _moves(form: ApprovalForm) -> bool:
    """Whether the form puts the clue in PROPOSED while it awaits approval."""
    return form.kind == K.DISPOSAL or (form.kind in REPORTS and bool(form.method))


def _require_open(actor, clue: Clue) -> None:
    if not can_open(actor, clue):
        raise PermissionDenied(_("No such record, or it is not within your organisations."))


@transaction.atomic
def form_submit(
    *,
    clue: Clue,
    kind: str,
    body: str,
    actor,
    version: int | None = None,
    method: str = "",
    measure: str = "",
    checkers=(),
) -> ApprovalForm:
    """Submit an approval form on the clue; a disposal (or a report proposing the next method) puts it in PROPOSED.

    Refused with the reason when the clue's status, a pending form, the plan not yet approved, a letter's reply
    still to come, the proposal or the content do not allow it; Conflict when the clue changed since `version`."""
    _require_open(actor, clue)
    clue = flow.lock(clue, version)
    refusal = start_refusal(clue, kind)
    if refusal:
        raise ValidationError(refusal)
    method, measure = _check_proposal(clue, kind, method, measure)
    body = _compose_body(kind, body, checkers)
    levels = levels_of(clue)
    if not levels:
        raise ValidationError(_("No approval levels are set for this unit (rule discipline.approval_levels)."))
    form = ApprovalForm.objects.create(
        clue=clue, kind=kind, method=method, measure=measure, body=body, created_by=actor
    )
    note = f"{KIND_ZH[kind]}呈批表" + (f"：{proposal_zh(form)}" if form.method or form.measure else "")
    if _moves(form):
        flow.move(clue, S.PROPOSED, actor=actor, action="disposal.submit", note=note)
    else:
        flow.touch(clue, "disposal.submit", actor=actor, note=note, changes={"form": form.pk, "kind": kind})
    audit_record(
        actor=actor,
        action="discipline.form.submit",
        obj=form,
        changes={"kind": kind, "method": method, "measure": measure},
        sealed=True,
    )
    _notify_due(form, levels, actor)
    return form


# --- opinions, return, withdrawal ---------------------------------------------------------------------------


def _status_before(clue: Clue, form: ApprovalForm) -> str:
    """Where the clue was before the form put it in PROPOSED."""
    last = (
        ClueEvent.objects.filter(clue=clue, status_to=S.PROPOSED).exclude(status_from=S.PROPOSED).order_by("-at", "-pk")
    ).first()
    if last is not None and last.status_from:
        return last.status_from
    return {K.INQUIRY_REPORT: S.TALK_INQUIRY, K.VERIFY_REPORT: S.VERIFYING}.get(form.kind, S.REGISTERED)


def _put_back(clue: Clue, form: ApprovalForm, *, actor, action: str, note: str) -> None:
    if _moves(form) and clue.status == S.PROPOSED:
        flow.move(clue, _status_before(clue, form), actor=actor, action=action, note=note)
    else:
        flow.touch(clue, action, actor=actor, note=note, changes={"form": form.pk})


@transaction.atomic
def form_opinion(*, form: ApprovalForm, actor, agree: bool, text: str, version: int | None = None) -> ApprovalForm:
    """Give the opinion due on a pending form: agreeing passes it to the next level (or, at the last, approves and
    applies it); disagreeing returns it and puts the clue back where it was.

    PermissionDenied when the actor cannot open the clue; refused with the reason when the form is decided, the
    actor's roles do not cover the level, or the author would give the last opinion; Conflict on a stale version."""
    _require_open(actor, form.clue)
    clue = flow.lock(form.clue, None)
    form = _lock_form(form, version)
    levels = form_levels(form)
    refusal = opinion_refusal(actor, form, levels)
    if refusal:
        raise ValidationError(refusal)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the opinion: it is what the form records at this level.")})
    if len(text) > BODY_MAX:
        raise ValidationError({"text": _("The opinion is too long: at most {n} characters.").format(n=BODY_MAX)})
    level = levels[form.level]
    Opinion.objects.create(form=form, level=level.index, level_name=level.zh, user=actor, agree=agree, text=text)
    last = level.index == len(levels) - 1
    now = timezone.now()
    if not agree:
        form.status, form.decided_at = FormStatus.RETURNED, now
        action = "return"
    elif last:
        form.status, form.decided_at = FormStatus.APPROVED, now
        action = "approve"
    else:
        form.level += 1
        action = "opinion"
    form.version += 1
    form.save()
    note = f"{KIND_ZH[form.kind]}呈批表：{level.zh}（{'同意' if agree else '不同意'}）"
    if action == "return":
        _put_back(clue, form, actor=actor, action="disposal.return", note=note)
    elif action == "approve":
        _apply(form, clue, actor=actor, note=note)
    else:
        flow.touch(clue, "disposal.opinion", actor=actor, note=note, changes={"form": form.pk, "level": level.key})
    audit_record(
        actor=actor,
        action=f"discipline.form.{action}",
        obj=form,
        changes={"level": level.key, "agree": agree, "status": form.status},
        reason=text,
        sealed=True,
    )
    if action == "opinion":
        _notify_due(form, levels, actor)
    else:
        _notify_author(form, actor)
    return form


@transaction.atomic
def form_withdraw(*, form: ApprovalForm, actor, version: int | None = None) -> ApprovalForm:
    """The author takes back a pending form; the clue goes back where it was."""
    _require_open(actor, form.clue)
    clue = flow.lock(form.clue, None)
    form = _lock_form(form, version)
    if form.created_by_id != getattr(actor, "pk", None):
        raise ValidationError(_("Only the person who wrote a form may withdraw it."))
    if form.status != FormStatus.PENDING:
        raise ValidationError(
            _("Only a form awaiting approval can be withdrawn; this one is “{status}”.").format(
                status=form.get_status_display()
            )
        )
    form.status, form.decided_at = FormStatus.WITHDRAWN, timezone.now()
    form.version += 1
    form.save()
    _put_back(clue, form, actor=actor, action="disposal.withdraw", note=f"{KIND_ZH[form.kind]}呈批表：撤回")
    audit_record(actor=actor, action="discipline.form.withdraw", obj=form, sealed=True)
    return form


# --- what an approved form does -----------------------------------------------------------------------------

# kind -> fn(form, clue, actor, note): what approving a form of that kind does. The disposal kinds are here; another
# area whose forms go through the same levels (cases: filing, decision) may add its own.
APPLIERS: dict[str, Callable[..., None]] = {}


def _apply(form: ApprovalForm, clue: Clue, *, actor, note: str) -> None:
    applier = APPLIERS.get(form.kind)
    if applier is None:
        raise ValidationError(_("Approving a form of this kind is not handled here."))
    applier(form, clue, actor=actor, note=note)


def _close(form: ApprovalForm, clue: Clue, measure: str, *, actor, note: str, method: str = "") -> None:
    """Record the outcome (the four-forms row) and close the clue with it."""
    today = timezone.localdate()
    outcome_record(
        clue=clue,
        measure=measure,
        decided_on=today,
        actor=actor,
        note=f"{KIND_ZH[form.kind]}呈批表（第{form.pk}号）批准",
    )
    fields = {"outcome": measure, "closed_on": today, **({"method": method} if method else {})}
    flow.move(clue, S.CLOSED, actor=actor, action="disposal.approve", note=note, fields=fields)


def _file_case(clue: Clue, *, actor, note: str) -> None:
    """拟立案 approved: the cases area files the case (and moves the clue to CASE, or we do)."""
    try:
        from qinglian.discipline.services.cases import case_file
    except ImportError as exc:
        raise ValidationError(_("Cases cannot be filed in this installation yet.")) from exc
    case_file(clue=clue, actor=actor, on=timezone.localdate())
    clue = Clue.objects.select_related("organisation").get(pk=clue.pk)
    if clue.status != S.CASE:
        flow.move(
            clue, S.CASE, actor=actor, action="disposal.approve", note=note, fields={"method": Method.PROPOSE_CASE}
        )
    elif clue.method != Method.PROPOSE_CASE:
        Clue.objects.filter(pk=clue.pk).update(method=Method.PROPOSE_CASE)


def _apply_method(form: ApprovalForm, clue: Clue, *, actor, note: str) -> None:
    if form.method == Method.CLOSE:
        _close(form, clue, Measure.CLOSED, actor=actor, note=note, method=Method.CLOSE)
    elif form.method == Method.PROPOSE_CASE:
        _file_case(clue, actor=actor, note=note)
    else:
        to = METHOD_STATUS[form.method]
        flow.move(clue, to, actor=actor, action="disposal.approve", note=note, fields={"method": form.method})


def _apply_report(form: ApprovalForm, clue: Clue, *, actor, note: str) -> None:
    if form.measure:
        _close(form, clue, form.measure, actor=actor, note=note)
    else:
        _apply_method(form, clue, actor=actor, note=note)


def _apply_plan(form: ApprovalForm, clue: Clue, *, actor, note: str) -> None:
    flow.touch(clue, "disposal.approve", actor=actor, note=note, changes={"form": form.pk})


APPLIERS.update(
    {
        K.DISPOSAL: _apply_method,
        K.VERIFY_PLAN: _apply_plan,
        K.VERIFY_REPORT: _apply_report,
        K.INQUIRY_REPORT: _apply_report,
    }
)


# --- notices ------------------------------------------------------------------------------------------------


def form_url(form: ApprovalForm) -> str:
    return reverse("discipline:form_detail", args=[form.pk])


def _notify_due(form: ApprovalForm, levels: list[Level], actor) -> None:
    """Tell those who may give the opinion now due (not the actor). Notices name the clue's number only: the
    inbox is outside the sealed compartment."""
    level = due_level(form, levels)
    if level is None or not level.permission:
        return
    last = level.index == len(levels) - 1
    users = [
        user
        for user in access.holders(form.clue.organisation, action=level.permission)
        if user.pk != getattr(actor, "pk", None)
        and not (last and user.pk == form.created_by_id)
        and can_open(user, form.clue)
    ]
    if not users:
        return
    with override(settings.LANGUAGE_CODE):
        title = _("Approval form awaiting your opinion: {number}").format(number=form.clue.number)
        body = _("{kind} — {level}").format(kind=form.get_kind_display(), level=level.name)
    notification_send(
        users=users,
        title=title,
        body=body,
        url=form_url(form),
        kind="discipline.form_due",
        dedupe_key=f"discipline.form_due:{form.pk}:{form.level}",
    )


def _notify_author(form: ApprovalForm, actor) -> None:
    author = form.created_by
    if author is None or not author.is_active or author.pk == getattr(actor, "pk", None):
        return
    with override(settings.LANGUAGE_CODE):
        if form.status == FormStatus.APPROVED:
            title = _("Approval form approved: {number}").format(number=form.clue.number)
        else:
            title = _("Approval form returned: {number}").format(number=form.clue.number)
        body = str(form.get_kind_display())
    notification_send(users=[author], title=title, body=body, url=form_url(form), kind=f"discipline.form_{form.status}")
