"""Rectification items: recorded against a unit with an owner and a deadline, rectified with evidence, verified
and closed (销号) by someone other than the owner, sent back, or reopened when the rectification did not hold.

Who may do what:
- the unit's managers (rectification.manage) record items and change them while they are being rectified;
- the owner (the member responsible, through their login) and the managers report progress, add and remove
  evidence until the item is closed, and report it rectified (with evidence and what was done);
- holders of rectification.verify at the unit close it or send it back -- never the item's own owner;
- managers and verifiers reopen a closed item.

Every move goes through `item_transition`, which checks TRANSITIONS and the row's version (two verifiers at
once: one wins, the other is told someone else acted first) and writes an Event and an audit event in the
same transaction. An actor of None is the system (demo data, imports), whose writes are not checked against
roles.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from qinglian.core import links
from qinglian.core.audit import audit_record
from qinglian.core.notify import notification_send
from qinglian.core.registry import RecordRef
from qinglian.orgs.access import can, nearest_holders
from qinglian.orgs.models import STEP, Department, Member, Organisation, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.rectification.models import Event, Evidence, Item
from qinglian.rectification.vocab import TRANSITIONS, EventKind, ItemStatus, Source

VIEW, MANAGE, VERIFY = "rectification.view", "rectification.manage", "rectification.verify"
STATUS_FILTERS = ("open", "overdue", "submitted", "closed", "reopened")


# --- who may do what ---------------------------------------------------------------------------------------


def member_of(user) -> Member | None:
    """The member record behind a login; None for a login that is no member's and for the system."""
    return getattr(user, "member", None) if getattr(user, "is_authenticated", False) else None


def is_owner(user, item: Item) -> bool:
    return getattr(user, "is_authenticated", False) and item.owner.user_id == user.pk


def may_manage(user, item_or_org) -> bool:
    return can(user, MANAGE, item_or_org)


def may_work(user, item: Item) -> bool:
    """Progress, evidence and the report that it is rectified: the owner and the unit's managers."""
    return is_owner(user, item) or may_manage(user, item)


def may_verify(user, item: Item) -> bool:
    """Closing or sending back: holders of rectification.verify at the unit, the owner never."""
    return can(user, VERIFY, item) and not is_owner(user, item)


def may_reopen(user, item: Item) -> bool:
    return can(user, MANAGE, item) or can(user, VERIFY, item)


# --- checks ------------------------------------------------------------------------------------------------


def _check_people(org: Organisation, *, owner: Member | None, member: Member | None) -> None:
    if owner is None:
        raise ValidationError({"owner": _("Name the member responsible for the rectification.")})
    if not (owner.status in ON_REGISTER and owner.organisation.is_within(org)):
        raise ValidationError(
            {"owner": _("The person responsible must be a member on the register of {org}.").format(org=org.name)}
        )
    if member is not None and not member.organisation.is_within(org):
        raise ValidationError({"member": _("The member must belong to {org}.").format(org=org.name)})


def _check_department(org: Organisation, department: Department | None) -> None:
    """A department of the unit or of a committee above it (departments belong to the agency's committee)."""
    if department is None:
        return
    if not department.is_active or not org.is_within(department.organisation):
        raise ValidationError(
            {"department": _("“{name}” is not an active department above {org}.").format(name=department, org=org.name)}
        )


def _check_deadline(due_on: date | None, today: date, found_on: date | None = None) -> None:
    """A deadline that has not passed, or -- for a problem taken from an earlier record -- not before that record."""
    if due_on is None:
        raise ValidationError({"due_on": _("Set a deadline for the rectification.")})
    if found_on is not None and found_on < today:
        if due_on < found_on:
            raise ValidationError({"due_on": _("The deadline cannot be before the day the problem was found.")})
    elif due_on < today:
        raise ValidationError({"due_on": _("The deadline cannot be in the past.")})


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def source_check(actor, source_kind: str, source_id: int | None) -> RecordRef | None:
    """The record the problem was found in, refused unless it exists and the actor may see it."""
    source_kind = (source_kind or "").strip()
    if not source_kind and source_id is None:
        return None
    if not source_kind or source_id is None:
        raise ValidationError({"source_id": _("Give both the kind of record and the record, or neither.")})
    if actor is None:
        links.record_kind(source_kind)  # the system names a record it made itself: only the kind is checked
        return None
    try:
        return links.record_check(actor, source_kind, int(source_id))
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"source_id": exc.messages}
        raise ValidationError(
            {"source_kind" if name == "record_kind" else "source_id": errors for name, errors in messages.items()}
        ) from None


def _lock(item: Item, version: int | None) -> Item:
    fresh = (
        Item.objects.select_for_update(of=("self",))
        .select_related("organisation", "owner", "owner__user")
        .get(pk=item.pk)
    )
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this item while you were looking at it, so your action was not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    return fresh


def _event(item: Item, kind: str, actor, comment: str = "", on: date | None = None) -> Event:
    at = timezone.make_aware(datetime.combine(on, time(12))) if on is not None else timezone.now()
    return Event.objects.create(
        item=item, kind=kind, comment=comment, actor=actor if getattr(actor, "is_authenticated", False) else None, at=at
    )


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


# --- recording and changing --------------------------------------------------------------------------------


@transaction.atomic
def item_create(
    *,
    org: Organisation,
    source: str,
    problem: str,
    owner: Member | None,
    due_on: date | None,
    actor,
    measures: str = "",
    member: Member | None = None,
    department: Department | None = None,
    source_title: str = "",
    source_kind: str = "",
    source_id: int | None = None,
    found_on: date | None = None,
) -> Item:
    """Put a problem on a unit's rectification list, with the person responsible and a deadline.

    The owner must be on the register of the unit (or a unit below it), the deadline must not have passed --
    for a problem taken from an earlier record (`found_on`, or the day of the source record) not before that
    day, which is then the day the item counts as recorded. A source record (`source_kind`, `source_id`, e.g.
    "orglife.meeting", 42) must exist and be visible to the actor.
    """
    if org is None:
        raise ValidationError({"organisation": _("Choose the unit.")})
    if not org.is_active:
        raise ValidationError(_("“{name}” is dissolved.").format(name=org.name))
    if actor is not None and not may_manage(actor, org):
        raise PermissionDenied(_("Only the unit's managers may add to its rectification list."))
    if source not in Source.values:
        raise ValidationError({"source": _("Choose where the problem was found.")})
    problem = _text(problem, "problem", _("Describe the problem."))
    _check_people(org, owner=owner, member=member)
    _check_department(org, department)
    ref = source_check(actor, source_kind, source_id)
    today = timezone.localdate()
    if found_on is None and ref is not None and isinstance(ref.day, date):
        found_on = ref.day
    if found_on is not None and found_on > today:
        raise ValidationError({"found_on": _("The day the problem was found cannot be in the future.")})
    _check_deadline(due_on, today, found_on)
    now = timezone.now()
    item = Item.objects.create(
        organisation=org,
        department=department,
        source=source,
        source_title=(source_title or "").strip()[:200],
        source_kind=(source_kind or "").strip() if source_id is not None else "",
        source_id=source_id if source_kind else None,
        member=member,
        problem=problem,
        measures=(measures or "").strip(),
        owner=owner,
        due_on=due_on,
        created_by=_user(actor),
        created_on=min(found_on or today, today),
        created_at=now,
    )
    _event(item, EventKind.CREATED, actor)
    audit_record(
        actor=actor,
        action="rectification.item_create",
        obj=item,
        changes={
            "source": source,
            "source_record": f"{item.source_kind}#{item.source_id}" if item.source_kind else "",
            "owner": owner.name,
            "due_on": due_on,
        },
    )
    _notify(item, "create", actor, "")
    return item


@transaction.atomic
def item_update(
    *,
    item: Item,
    version: int | None,
    actor,
    problem: str,
    owner: Member | None,
    due_on: date | None,
    measures: str = "",
    member: Member | None = None,
    department: Department | None = None,
    source: str | None = None,
    source_title: str | None = None,
) -> Item:
    """Change an item while it is being rectified: the problem, measures, people, department or deadline
    (a moved deadline may not lie in the past). Refused once reported rectified or closed."""
    item = _lock(item, version)
    if actor is not None and not may_manage(actor, item):
        raise PermissionDenied(_("Only the unit's managers may change its rectification list."))
    if item.status != ItemStatus.OPEN:
        raise ValidationError(
            _("This item is “{status}”: it can be changed only while it is being rectified.").format(
                status=item.get_status_display()
            )
        )
    problem = _text(problem, "problem", _("Describe the problem."))
    _check_people(item.organisation, owner=owner, member=member)
    _check_department(item.organisation, department)
    if source is not None and source not in Source.values:
        raise ValidationError({"source": _("Choose where the problem was found.")})
    if due_on != item.due_on:
        _check_deadline(due_on, timezone.localdate())
    new = {
        "problem": problem,
        "measures": (measures or "").strip(),
        "owner_id": owner.pk,
        "member_id": member.pk if member else None,
        "department_id": department.pk if department else None,
        "due_on": due_on,
        "source": item.source if source is None else source,
        "source_title": item.source_title if source_title is None else source_title.strip()[:200],
    }
    changes = {key: [getattr(item, key), value] for key, value in new.items() if getattr(item, key) != value}
    if not changes:
        return item
    for key, value in new.items():
        setattr(item, key, value)
    item.version += 1
    item.save()
    labels = [str(Item._meta.get_field(key.removesuffix("_id")).verbose_name) for key in changes]
    _event(item, EventKind.CHANGED, actor, ", ".join(labels))
    audit_record(actor=actor, action="rectification.item_update", obj=item, changes=changes)
    return item


@transaction.atomic
def item_progress(*, item: Item, actor, comment: str) -> Event:
    """A note of how the rectification is going, by the owner or the unit's managers, until the item is closed."""
    item = _lock(item, None)
    if actor is not None and not may_work(actor, item):
        raise PermissionDenied(_("Only the person responsible or the unit's managers may report progress."))
    if item.status == ItemStatus.CLOSED:
        raise ValidationError(_("This item is verified and closed; reopen it to report more."))
    comment = _text(comment, "comment", _("Say how the rectification is going."))
    event = _event(item, EventKind.PROGRESS, actor, comment)
    audit_record(actor=actor, action="rectification.item_progress", obj=item, changes={"event": event.pk})
    return event


# --- evidence ----------------------------------------------------------------------------------------------


@transaction.atomic
def evidence_add(
    *,
    item: Item,
    actor,
    file=None,
    record_kind: str = "",
    record_id: int | None = None,
    note: str = "",
    version: int | None = None,
) -> Evidence:
    """Add proof of the rectification: an uploaded file, or a link to a record already in another module.

    By the owner or the unit's managers, until the item is closed. Changes the item's version, so that a
    verifier who read the evidence before the change is asked to look again.
    """
    item = _lock(item, version)
    if actor is not None and not may_work(actor, item):
        raise PermissionDenied(_("Only the person responsible or the unit's managers may add evidence."))
    if item.status == ItemStatus.CLOSED:
        raise ValidationError(_("This item is verified and closed: its evidence can no longer change."))
    if actor is None and file is None:
        # The system links a record it knows exists; only the kind is checked.
        record_kind = (record_kind or "").strip()
        if not record_kind or not record_id:
            raise ValidationError(_("Upload a file or choose a record already in the system."))
        links.record_kind(record_kind)
        values = {"note": (note or "").strip()[:300], "name": "", "size": 0, "content_type": "",
                  "record_kind": record_kind, "record_id": int(record_id)}  # fmt: skip
    else:
        values = links.evidence_values(actor, file=file, record_kind=record_kind, record_id=record_id, note=note)
    evidence = Evidence(item=item, added_by=_user(actor), **values)
    evidence.keep_file(file)
    try:
        evidence.save()
        item.version += 1
        item.save(update_fields=["version"])
        _event(item, EventKind.EVIDENCE_ADDED, actor, str(evidence.note or evidence.name))
        audit_record(
            actor=actor,
            action="rectification.evidence_add",
            obj=item,
            changes={
                "evidence": evidence.pk,
                "name": evidence.name,
                "record": f"{evidence.record_kind}#{evidence.record_id}" if evidence.record_kind else "",
            },
        )
    except Exception:
        if evidence.file:
            evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, actor, version: int | None = None) -> None:
    """Take a piece of evidence off an item that is not closed yet (the owner or the unit's managers)."""
    item = _lock(evidence.item, version)
    if actor is not None and not may_work(actor, item):
        raise PermissionDenied(_("Only the person responsible or the unit's managers may remove evidence."))
    if item.status == ItemStatus.CLOSED:
        raise ValidationError(_("This item is verified and closed: its evidence can no longer change."))
    pk, label, stored = evidence.pk, str(evidence.note or evidence.name or evidence), evidence.file.name
    storage = evidence.file.storage
    evidence.delete()
    item.version += 1
    item.save(update_fields=["version"])
    _event(item, EventKind.EVIDENCE_REMOVED, actor, label)
    audit_record(actor=actor, action="rectification.evidence_remove", obj=item, changes={"evidence": pk, "name": label})
    if stored:
        # The file goes only once the removal is committed: a rollback keeps the row and its file.
        transaction.on_commit(lambda: storage.delete(stored))


# --- the workflow ------------------------------------------------------------------------------------------


VERBS = {
    (ItemStatus.OPEN, ItemStatus.SUBMITTED): "submit",
    (ItemStatus.SUBMITTED, ItemStatus.CLOSED): "verify",
    (ItemStatus.SUBMITTED, ItemStatus.OPEN): "return",
    (ItemStatus.CLOSED, ItemStatus.OPEN): "reopen",
}
EVENTS = {
    "submit": EventKind.SUBMITTED,
    "verify": EventKind.CLOSED,
    "return": EventKind.RETURNED,
    "reopen": EventKind.REOPENED,
}


def _refuse_move(item: Item, to: str, expect: str | None) -> None:
    if expect is not None and item.status != expect:
        if item.status == ItemStatus.OPEN:
            raise ValidationError(_("This item is still being rectified."))
        if item.status == ItemStatus.SUBMITTED:
            raise ValidationError(_("This item is reported rectified and awaits verification."))
    if item.status == ItemStatus.CLOSED:
        raise ValidationError(_("This item is verified and closed already."))
    if item.status == ItemStatus.SUBMITTED and to == ItemStatus.SUBMITTED:
        raise ValidationError(_("This item is reported rectified and awaits verification."))
    raise ValidationError(
        _("This item is “{status}”: it cannot move to “{to}”.").format(
            status=item.get_status_display(), to=ItemStatus(to).label
        )
    )


@transaction.atomic
def item_transition(
    *,
    item: Item,
    to: str,
    version: int | None,
    actor,
    result: str = "",
    comment: str = "",
    due_on: date | None = None,
    expect: str | None = None,
    on: date | None = None,
) -> Item:
    """Move an item along TRANSITIONS: report it rectified (open → submitted, with `result`), verify and close it
    (submitted → closed), send it back (submitted → open, with `comment` as the reason) or reopen it
    (closed → open, with the reason and perhaps a new deadline `due_on`).

    Checks the move (and, with `expect`, the status it starts from: both moves back to open end alike), who
    makes it and the row's version; writes an Event and an audit event. `on` is the day of the move when it is
    entered after the fact (imports, the demo): not after today, not before the item's previous step.
    """
    item = _lock(item, version)
    if to not in TRANSITIONS.get(item.status, set()) or (expect is not None and item.status != expect):
        _refuse_move(item, to, expect)
    verb = VERBS[(item.status, to)]
    today = timezone.localdate()
    if on is not None:
        before = {"submit": item.created_on, "verify": item.submitted_on, "return": item.submitted_on}.get(verb)
        if on > today or (before is not None and on < before) or (verb == "reopen" and on < item.closed_on):
            raise ValidationError(_("The day of this step must lie between the item's previous step and today."))
    day = on or today
    comment = (comment or "").strip()
    changes: dict = {"status": [item.status, to]}
    if verb == "submit":
        if actor is not None and not may_work(actor, item):
            raise PermissionDenied(_("Only the person responsible or the unit's managers may report it rectified."))
        result = _text(result, "result", _("Say what was done to rectify the problem."))
        if not item.evidence.exists():
            raise ValidationError(_("Add at least one piece of evidence before reporting the item rectified."))
        item.submitted_on, item.result = day, result
        comment, changes["result"] = result, result
    elif verb == "verify":
        if actor is None:
            raise ValidationError(_("Verification is a person's judgement: it needs a verifier."))
        if is_owner(actor, item):
            raise ValidationError(
                _("You are the person responsible for this item: someone else must verify and close it.")
            )
        if not can(actor, VERIFY, item):
            raise PermissionDenied(_("Only those who verify rectification at this unit may close the item."))
        if not item.evidence.exists():
            raise ValidationError(_("This item has no evidence of its rectification: it cannot be closed."))
        item.closed_on, item.closed_by = day, actor
    elif verb == "return":
        if actor is not None:
            if is_owner(actor, item):
                raise ValidationError(_("You are the person responsible for this item: someone else reviews it."))
            if not can(actor, VERIFY, item):
                raise PermissionDenied(_("Only those who verify rectification at this unit may send an item back."))
        comment = _text(comment, "comment", _("Say why the item is sent back."))
        item.submitted_on = None
    else:  # reopen
        if actor is not None and not may_reopen(actor, item):
            raise PermissionDenied(_("Only the unit's managers and verifiers may reopen an item."))
        comment = _text(comment, "comment", _("Say why the item is reopened."))
        changes["closed"] = [item.closed_on, None]
        item.closed_on, item.closed_by, item.submitted_on = None, None, None
        item.reopened += 1
    if verb in ("return", "reopen") and due_on is not None and due_on != item.due_on:
        _check_deadline(due_on, today)
        changes["due_on"] = [item.due_on, due_on]
        item.due_on = due_on
    item.status = to
    item.version += 1
    item.save()
    _event(item, EVENTS[verb], actor, comment, on)
    if on is not None:
        changes["on"] = on
    audit_record(actor=actor, action=f"rectification.item_{verb}", obj=item, changes=changes, reason=comment)
    _notify(item, verb, actor, comment)
    return item


def item_submit(*, item: Item, version: int | None, result: str, actor, on: date | None = None) -> Item:
    """Report an item rectified: what was done, with at least one piece of evidence (owner or managers)."""
    return item_transition(
        item=item, to=ItemStatus.SUBMITTED, version=version, actor=actor, result=result, expect=ItemStatus.OPEN, on=on
    )


def item_verify(*, item: Item, version: int | None, actor, comment: str = "", on: date | None = None) -> Item:
    """Verify the rectification and close the item (销号): someone with rectification.verify, not the owner."""
    return item_transition(
        item=item, to=ItemStatus.CLOSED, version=version, actor=actor, comment=comment, expect=ItemStatus.SUBMITTED,
        on=on,
    )  # fmt: skip


def item_return(*, item: Item, version: int | None, reason: str, actor, due_on: date | None = None) -> Item:
    """Send a reported item back to be rectified further, saying why (and perhaps with a new deadline)."""
    return item_transition(
        item=item, to=ItemStatus.OPEN, version=version, actor=actor, comment=reason, due_on=due_on,
        expect=ItemStatus.SUBMITTED,
    )  # fmt: skip


def item_reopen(*, item: Item, version: int | None, reason: str, actor, due_on: date | None = None) -> Item:
    """Reopen a closed item whose rectification did not hold, saying why (and perhaps with a new deadline)."""
    return item_transition(
        item=item, to=ItemStatus.OPEN, version=version, actor=actor, comment=reason, due_on=due_on,
        expect=ItemStatus.CLOSED,
    )  # fmt: skip


def _notify(item: Item, verb: str, actor, comment: str) -> None:
    """Tell the owner they are responsible for a new item, the verifiers an item awaits them, and the owner what
    became of their report."""
    url = reverse("rectification:item_detail", args=[item.pk])
    owner_user = item.owner.user
    actor_pk = getattr(actor, "pk", None)
    if verb == "submit":
        skip = (actor_pk, item.owner.user_id)
        users = [u for u in nearest_holders(item.organisation, action=VERIFY) if u.pk not in skip]
    else:
        users = [owner_user] if owner_user is not None and owner_user.is_active and owner_user.pk != actor_pk else []
    if not users:
        return
    # Notifications are stored as written: write them in the site's language.
    with override(settings.LANGUAGE_CODE):
        title = {
            "create": _("You are responsible for rectifying: {problem}"),
            "submit": _("Rectification to verify: {problem}"),
            "verify": _("Rectification verified and closed: {problem}"),
            "return": _("Rectification sent back: {problem}"),
            "reopen": _("Rectification reopened: {problem}"),
        }[verb].format(problem=item.problem[:60])
        if verb == "submit":
            body = _("{org}: {owner} reports it rectified.").format(org=item.organisation.name, owner=item.owner.name)
        elif verb == "create":
            body = _("{org}: to be rectified by {day}.").format(org=item.organisation.name, day=item.due_on.isoformat())
        else:
            body = comment
    notification_send(users=users, title=title, body=body, url=url, kind=f"rectification.item_{verb}")


# --- reads -------------------------------------------------------------------------------------------------


def item_filter(
    qs,
    *,
    status: str = "",
    source: str = "",
    org: Organisation | None = None,
    owner_id: int | None = None,
    department_id: int | None = None,
    year: int | None = None,
    today: date | None = None,
):
    """The list's filters: being rectified, overdue, awaiting verification, closed or ever reopened; a source;
    one unit's subtree; one owner; one department; the year recorded."""
    if status == "open":
        qs = qs.filter(status=ItemStatus.OPEN)
    elif status == "overdue":
        qs = qs.overdue(today)
    elif status == "submitted":
        qs = qs.filter(status=ItemStatus.SUBMITTED)
    elif status == "closed":
        qs = qs.closed()
    elif status == "reopened":
        qs = qs.filter(reopened__gt=0)
    if source:
        qs = qs.filter(source=source)
    if org is not None:
        qs = qs.filter(subtree_q(org.path, "organisation__"))
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if year:
        qs = qs.filter(created_on__year=year)
    return qs


def items_owned(member: Member | None):
    """The member's own items (as the person responsible), being rectified first."""
    if member is None:
        return Item.objects.none()
    return Item.objects.filter(owner=member)


def items_from(source_kind: str, source_id: int):
    """The items taken from one record of another module (e.g. the problems found at a meeting)."""
    return Item.objects.filter(source_kind=source_kind, source_id=source_id)


def owner_q(user) -> Q:
    return Q(owner__user=user) if getattr(user, "is_authenticated", False) else Q(pk__in=[])


def unit_people(org: Organisation):
    """The register of the unit and the units below it: whom its items may name."""
    return (
        Member.objects.filter(subtree_q(org.path, "organisation__"), status__in=ON_REGISTER)
        .select_related("organisation")
        .order_by("name_pinyin", "pk")
    )


def unit_departments(org: Organisation):
    """The active departments of the unit and of the committees above it (departments sit on the agency's
    committee)."""
    above = [org.path[:end] for end in range(STEP, len(org.path) + 1, STEP)]
    return Department.objects.filter(is_active=True, organisation__path__in=above).order_by("order", "name")


def in_work_order(qs):
    """Being rectified first (soonest deadline first), then awaiting verification, then closed."""
    rank = Case(
        When(status=ItemStatus.OPEN, then=Value(0)),
        When(status=ItemStatus.SUBMITTED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return qs.annotate(work_rank=rank).order_by("work_rank", "due_on", "pk")
