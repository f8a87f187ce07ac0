"""Writing and checking the audit trail.

`audit_record` is called by every service inside its own transaction. The chain's MAC uses the
audit key (not SECRET_KEY) and the configured suite (HMAC-SHA-256 or HMAC-SM3), so whoever can
edit the database cannot quietly recompute the chain without the key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from qinglian.core import crypto
from qinglian.core.models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _plain(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)) if value else {}


def event_hash(event: AuditEvent, *, algorithm: str | None = None) -> str:
    payload = json.dumps(
        [
            event.seq,
            event.at.astimezone(UTC).isoformat(timespec="microseconds"),
            event.actor_id,
            event.actor_label,
            event.action,
            event.object_type,
            event.object_id,
            event.object_repr,
            event.organisation_path,
            event.changes,
            event.reason,
            event.sealed,
            event.prev_hash,
        ],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return crypto.mac(payload, key=settings.AUDIT_KEY, algorithm=algorithm)


def _hash_matches(event: AuditEvent) -> bool:
    # A row keeps the MAC of the suite it was written under: switching QINGLIAN_CRYPTO (to the
    # national algorithms, say) must not make every older row look tampered. Both are keyed MACs,
    # so accepting either gives a forger nothing. The configured suite is tried first.
    suites = sorted(crypto.HASHES, key=lambda name: name != crypto.suite())
    return any(crypto.constant_time_equal(event_hash(event, algorithm=name), event.hash) for name in suites)


def describe(obj) -> tuple[str, str, str, str]:
    """(type, id, text, organisation path) of the object an event is about."""
    if obj is None:
        return "", "", "", ""
    object_type = f"{obj._meta.app_label}.{obj._meta.model_name}"
    path = getattr(obj, "audit_path", "") or ""
    return object_type, str(obj.pk), str(obj)[:200], path


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    changes: dict | None = None,
    reason: str = "",
    sealed: bool = False,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    if obj is not None:
        object_type, object_id, object_repr, path = describe(obj)
    else:
        path = ""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    # No savepoint: a failure here fails the caller's transaction anyway, and two round trips fewer matter on the
    # busiest writes (an exam's hand-in).
    with transaction.atomic(savepoint=False):
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1, defaults={"hash": GENESIS})
        event = AuditEvent(
            seq=head.seq + 1,
            actor=actor_obj,
            actor_label=actor_obj.get_username() if actor_obj else (str(actor) if actor else "system"),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=object_repr[:200],
            organisation_path=path,
            changes=_plain(changes),
            reason=reason,
            sealed=sealed,
            prev_hash=head.hash or GENESIS,
        )
        event.hash = event_hash(event)
        event.save()
        AuditHead.objects.filter(id=1).update(seq=event.seq, hash=event.hash)
    return event


def audit_sealed_read(*, actor, obj, reason: str) -> AuditEvent:
    """Record that someone read sealed data (a reporter's identity, a clue's content), and why.

    Reading sealed data without a reason is refused: the reason is what an auditor checks.
    """
    if not reason.strip():
        raise ValueError("a reason is required to read sealed data")
    return audit_record(actor=actor, action="sealed.read", obj=obj, reason=reason, sealed=True)


@dataclass
class ChainBreak:
    seq: int
    problem: str


@dataclass
class VerifyResult:
    checked: int
    breaks: list[ChainBreak]

    @property
    def ok(self) -> bool:
        return not self.breaks


def audit_verify(*, progress=None, stop_at_first: bool = True, batch: int = 5000) -> VerifyResult:
    """Walk the chain in sequence order and report where it breaks.

    Detects an edited row (its MAC no longer matches), a deleted row (a gap in the sequence or a
    previous-hash mismatch), reordered rows (previous hash mismatch) and a cut tail (the head
    row disagrees with the last event).
    """
    breaks: list[ChainBreak] = []
    expected_seq, prev = 1, GENESIS
    checked = 0
    for event in _iterate(batch):
        checked += 1
        if event.seq != expected_seq:
            breaks.append(ChainBreak(expected_seq, f"row #{expected_seq} is missing (next found is #{event.seq})"))
        elif event.prev_hash != prev:
            breaks.append(ChainBreak(event.seq, f"row #{event.seq} does not follow row #{event.seq - 1}"))
        elif not _hash_matches(event):
            breaks.append(ChainBreak(event.seq, f"row #{event.seq} was changed after it was written"))
        if breaks and stop_at_first:
            return VerifyResult(checked, breaks)
        expected_seq, prev = event.seq + 1, event.hash
        if progress and checked % batch == 0:
            progress(checked)
    head = AuditHead.objects.filter(id=1).first()
    if head and head.seq != expected_seq - 1:
        breaks.append(ChainBreak(expected_seq, f"rows after #{expected_seq - 1} up to #{head.seq} are missing"))
    elif head and head.seq and head.hash != prev:
        breaks.append(ChainBreak(head.seq, "the chain head does not match the last row"))
    return VerifyResult(checked, breaks)


def _iterate(batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq


def audit_jsonl_lines(queryset) -> Iterator[str]:
    """Events as JSON lines for an external log store, in sequence order."""
    for event in queryset.order_by("seq").iterator(chunk_size=2000):
        yield (
            json.dumps(
                {
                    "seq": event.seq,
                    "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
                    "actor_id": event.actor_id,
                    "actor": event.actor_label,
                    "action": event.action,
                    "object_type": event.object_type,
                    "object_id": event.object_id,
                    "object": event.object_repr,
                    "organisation_path": event.organisation_path,
                    "changes": event.changes,
                    "reason": event.reason,
                    "sealed": event.sealed,
                    "prev_hash": event.prev_hash,
                    "hash": event.hash,
                },
                ensure_ascii=False,
            )
            + "\n"
        )


def audit_filter(params: dict):
    """Events matching the auditor page's filters (values already validated by its form).

    Keys: action, actor, object_type, q (text in the object's description), since, until (dates
    or ISO strings), after_seq, sealed ("yes"/"no").
    """
    qs = AuditEvent.objects.select_related("actor")
    if params.get("action"):
        qs = qs.filter(action__startswith=params["action"])
    if params.get("actor"):
        qs = qs.filter(actor_label=params["actor"])
    if params.get("object_type"):
        qs = qs.filter(object_type=params["object_type"])
    if params.get("q"):
        qs = qs.filter(object_repr__icontains=params["q"])
    if params.get("since"):
        qs = qs.filter(at__date__gte=_day(params["since"]))
    if params.get("until"):
        qs = qs.filter(at__date__lte=_day(params["until"]))
    if params.get("after_seq"):
        qs = qs.filter(seq__gt=int(params["after_seq"]))
    if params.get("sealed") in ("yes", "no"):
        qs = qs.filter(sealed=params["sealed"] == "yes")
    return qs


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value
