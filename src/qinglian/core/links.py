"""Evidence that points at records already in the system instead of copies of them.

A link is stored as (kind, id) -- e.g. ("orglife.meeting", 42) -- by the module that keeps the
evidence; the module that owns the record registers a RecordKind (core.registry) saying how to
search and show its records and who may see them. Links are resolved for each reader: one whose
record the reader may not see (or that was removed) shows as unavailable, never as its title.

In a module's evidence page (its model has note, file, name, size, content_type, record_kind,
record_id, added_by, added_at; its service calls `evidence_values(actor, **kwargs)` and saves the file):

    form = EvidenceForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            evidence_add(item=item, actor=request.user, **form.evidence_kwargs())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(item)
    rows = item.evidence.select_related("added_by")
    context = {"form": form, "evidence": evidence_pairs(request.user, rows)}

and in its template:

    {% include "core/partials/evidence_list.html" with pairs=evidence file_url="rectification:evidence_file" %}
    {% url "rectification:evidence_add" item.pk as action %}
    {% include "core/partials/evidence_form.html" with form=form action=action %}

The form's record picker (core/partials/record_picker.html) searches with core:record_pick (htmx); without
JavaScript it takes the record's number. Several forms on one page: give each a `box="..."` in the include.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qinglian.core.registry import RecordKind, RecordRef, registry
from qinglian.core.uploads import upload_accept


def record_kinds() -> list[RecordKind]:
    """The kinds of record evidence may point at, in menu order (only modules that exist register)."""
    return sorted(registry.record_kinds.values(), key=lambda kind: (kind.order, kind.key))


def record_kind(key: str) -> RecordKind:
    try:
        return registry.record_kinds[key]
    except KeyError:
        raise ValidationError({"record_kind": _("Unknown kind of record: “{key}”.").format(key=key)}) from None


def record_search(user, key: str, text: str = "", limit: int = 20) -> list[RecordRef]:
    """Records of one kind that the user may see and whose title matches `text`."""
    return record_kind(key).search(user, (text or "").strip(), limit)


def record_check(user, key: str, ref_id: int) -> RecordRef:
    """The record a new link is to point at, refused unless it exists and the user may see it."""
    found = record_kind(key).resolve(user, [ref_id]).get(ref_id)
    if found is None:
        raise ValidationError({"record_id": _("No such record, or you may not see it.")})
    return found


def records_resolve(user, pairs: Iterable[tuple[str, int]]) -> dict[tuple[str, int], RecordRef | None]:
    """Resolve many (kind, id) links at once, one query per kind: None for what the user may not see."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for key, ref_id in pairs:
        wanted[key].add(ref_id)
    out: dict[tuple[str, int], RecordRef | None] = {}
    for key, ids in wanted.items():
        kind = registry.record_kinds.get(key)
        found = kind.resolve(user, sorted(ids)) if kind else {}
        for ref_id in ids:
            out[(key, ref_id)] = found.get(ref_id)
    return out


def evidence_values(user, *, file=None, record_kind: str = "", record_id: int | None = None, note: str = "") -> dict:
    """The checked field values of one piece of evidence: a file, or a link to a record the user may see.

    Every module's evidence rows have the same fields (note, file, name, size, content_type, record_kind,
    record_id); the caller creates its row with these and keeps the file with `row.keep_file(file)`
    (core.models.Evidence) when there is one.
    """
    note = (note or "").strip()[:300]
    if file is not None and record_kind:
        raise ValidationError(_("Give either a file or a record, not both."))
    if file is not None:
        content_type, name, size = upload_accept(file)
        return {"note": note, "name": name, "size": size, "content_type": content_type, "record_kind": "",
                "record_id": None}  # fmt: skip
    if not record_kind or not record_id:
        raise ValidationError(_("Upload a file or choose a record already in the system."))
    ref = record_check(user, record_kind, int(record_id))
    # The note stays the user's own words: a copy of the record's label would show it to readers who may not see it.
    return {"note": note, "name": "", "size": 0, "content_type": "", "record_kind": record_kind,
            "record_id": ref.id}  # fmt: skip


def evidence_pairs(user, rows: Iterable) -> list[tuple[object, RecordRef | None]]:
    """Evidence rows paired with the record each points at as `user` may see it (None for a file, or for a
    record the user may not see or that is gone), resolving every link in one query per kind."""
    rows = list(rows)
    found = records_resolve(user, [(row.record_kind, row.record_id) for row in rows if row.record_kind])
    return [(row, found.get((row.record_kind, row.record_id)) if row.record_kind else None) for row in rows]
