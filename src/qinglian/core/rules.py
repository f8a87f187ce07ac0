"""Rules as data: loading the versions apps ship, reading the one in force, revising.

Each app ships `<app>/fixtures/rules/*.json`, a list of objects with key, title_zh, title_en, value, unit,
source, effective_from (and optionally effective_to, version). After every `migrate` the shipped
versions that are not yet in the database are added; versions an administrator made are never
touched, and a shipped version is never loaded twice.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.models import Rule


class RuleMissing(LookupError):
    """No version of the rule is in force on the day asked."""


def shipped_rule_files() -> list[Path]:
    files: list[Path] = []
    for config in apps.get_app_configs():
        folder = Path(config.path) / "fixtures" / "rules"
        if config.name.startswith("qinglian.") and folder.is_dir():
            files.extend(sorted(folder.glob("*.json")))
    return files


def rules_load_shipped(*, verbosity: int = 0) -> int:
    """Add shipped rule versions that are not in the database yet; returns how many were added."""
    added = 0
    for path in shipped_rule_files():
        for row in json.loads(path.read_text(encoding="utf-8")):
            version = row.get("version", 1)
            if Rule.objects.filter(key=row["key"], org_path="", version=version).exists():
                continue
            Rule.objects.create(
                key=row["key"],
                version=version,
                title_zh=row["title_zh"],
                title_en=row["title_en"],
                value=row["value"],
                unit=row.get("unit", ""),
                source=row.get("source", ""),
                effective_from=date.fromisoformat(row["effective_from"]),
                effective_to=date.fromisoformat(row["effective_to"]) if row.get("effective_to") else None,
                note=row.get("note", ""),
                shipped=True,
            )
            added += 1
    if added and verbosity:
        print(f"  Loaded {added} shipped rule version(s).")
    return added


def rule_get(key: str, *, org_path: str = "", on: date | None = None) -> Rule:
    """The version of a rule in force on a day for an organisation: the most specific one wins.

    A rule tightened for a subtree applies to every organisation whose path starts with the
    subtree's path; otherwise the system-wide version applies.
    """
    day = on or timezone.localdate()
    candidates = [
        rule
        for rule in Rule.objects.effective_on(day).filter(key=key).order_by("-version")
        if org_path.startswith(rule.org_path)
    ]
    if not candidates:
        raise RuleMissing(f"no version of rule {key!r} is in force on {day}")
    return max(candidates, key=lambda rule: (len(rule.org_path), rule.version))


def rule_value(key: str, *, org_path: str = "", on: date | None = None):
    return rule_get(key, org_path=org_path, on=on).value


@transaction.atomic
def rule_revise(
    *, rule: Rule, value, effective_from: date, source: str, actor, reason: str, org_path: str | None = None
) -> Rule:
    """Add a new version of a rule from `effective_from`; the version in force until then ends the day before.

    With `org_path` the new version applies to that subtree only (a unit tightening a rule).
    """
    if not reason.strip():
        raise ValidationError(_("Say why the rule changes."))
    path = rule.org_path if org_path is None else org_path
    # The latest version, whether in force on that day or not: a start before it would leave two
    # versions open at once (the older one never ended), so it is refused like an equal start.
    previous = (
        Rule.objects.select_for_update()
        .filter(key=rule.key, org_path=path)
        .order_by("-effective_from", "-version")
        .first()
    )
    if previous and previous.effective_from >= effective_from:
        raise ValidationError(
            _("The new version must start after the version in force ({day}).").format(day=previous.effective_from)
        )
    latest = Rule.objects.filter(key=rule.key, org_path=path).aggregate(m=Max("version"))["m"] or 0
    new = Rule(
        key=rule.key,
        version=latest + 1,
        org_path=path,
        title_zh=rule.title_zh,
        title_en=rule.title_en,
        value=value,
        unit=rule.unit,
        source=source,
        effective_from=effective_from,
        note=reason,
    )
    new.full_clean()
    new.save()
    if previous and (previous.effective_to is None or previous.effective_to >= effective_from):
        Rule.objects.filter(pk=previous.pk).update(effective_to=effective_from - timedelta(days=1))
    audit_record(
        actor=actor,
        action="rule.revise",
        obj=new,
        reason=reason,
        changes={
            "key": rule.key,
            "org_path": path,
            "value": [previous.value if previous else None, value],
            "effective_from": effective_from,
        },
    )
    return new
