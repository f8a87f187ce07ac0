"""The one place a clue changes status: the allowed transitions, the version check, the history row and the audit
event. Every area (intake, disposal, cases, retention) moves clues only through `move`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.discipline.models import Clue, ClueEvent
from qinglian.discipline.vocab import ClueStatus as S
from qinglian.orgs.services import Conflict

# From each status, the statuses a clue may go to. A disposal form puts a clue in PROPOSED; its approval moves it to
# the method's status; a returned or withdrawn form moves it back to where it was (REGISTERED, TALK_INQUIRY,
# VERIFYING or SHELVED); a report at the end of a talk or a verification closes it, files a case or shelves it.
TRANSITIONS: dict[str, set[str]] = {
    S.REGISTERED: {S.PROPOSED, S.REFERRED, S.REPEATED},
    S.PROPOSED: {S.REGISTERED, S.TALK_INQUIRY, S.VERIFYING, S.SHELVED, S.CLOSED, S.CASE},
    S.TALK_INQUIRY: {S.PROPOSED, S.CLOSED},
    S.VERIFYING: {S.PROPOSED, S.CLOSED},
    S.SHELVED: {S.PROPOSED},
    S.CASE: {S.CLOSED},
    S.REFERRED: set(),
    S.CLOSED: set(),
    S.REPEATED: set(),
}


def lock(clue: Clue, version: int | None) -> Clue:
    """The clue re-read under a row lock; Conflict when someone changed it since the page showed `version`."""
    fresh = Clue.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=clue.pk)
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this clue while you were looking at it, so your action was not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    return fresh


def refuse_move(clue: Clue, to: str) -> ValidationError:
    return ValidationError(
        _("A clue that is “{now}” cannot become “{to}”.").format(now=clue.get_status_display(), to=S(to).label)
    )


def event(clue: Clue, action: str, *, actor, note: str = "", status_from: str = "", status_to: str = "") -> ClueEvent:
    return ClueEvent.objects.create(
        clue=clue, action=action, actor=actor, note=note, status_from=status_from, status_to=status_to
    )


def move(clue: Clue, to: str, *, actor, action: str, note: str = "", fields: dict | None = None) -> Clue:
    """Move a locked clue to status `to` (refused when the transition is not allowed), set `fields`, bump the
    version, and write the history row and the audit event — all in the caller's transaction."""
    if to != clue.status and to not in TRANSITIONS.get(clue.status, set()):
        raise refuse_move(clue, to)
    before = clue.status
    clue.status = to
    for name, value in (fields or {}).items():
        setattr(clue, name, value)
    clue.touched_at = timezone.now()
    clue.version += 1
    clue.save()
    event(clue, action, actor=actor, note=note, status_from=before, status_to=to)
    audit_record(
        actor=actor,
        action=f"discipline.{action}",
        obj=clue,
        changes={"status": [before, to], **{k: str(v) for k, v in (fields or {}).items()}},
        sealed=True,
    )
    return clue


def touch(clue: Clue, action: str, *, actor, note: str = "", changes: dict | None = None) -> Clue:
    """Record work on a locked clue that does not change its status (an inquiry, a handler added)."""
    clue.touched_at = timezone.now()
    clue.version += 1
    clue.save(update_fields=["touched_at", "version"])
    event(clue, action, actor=actor, note=note)
    audit_record(actor=actor, action=f"discipline.{action}", obj=clue, changes=changes or {}, sealed=True)
    return clue
