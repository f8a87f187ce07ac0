"""Fail when a translation catalogue is incomplete or its compiled .mo is out of date.

Runs without gettext installed: the .po file is parsed here and the .mo file is read with the
standard library's ``gettext`` module. A catalogue fails when it has

* an entry with an empty msgstr (a string added to code or templates but never translated);
* an entry marked fuzzy (a guess by ``makemessages`` that nobody has checked);
* a translation whose placeholders (``%(name)s``, ``{name}``) differ from the source string;
* a missing .mo, or a .mo whose translations differ from the .po (``compilemessages`` not re-run).

The .mo is compared by content, not by file time: a fresh git checkout gives both files the
checkout time in no particular order.

To fix: ``makemessages -l zh_Hans --add-location=file`` from the package directory, translate, then
``compilemessages`` (both need gettext), and commit the .po and .mo together.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import to_locale

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "\\": "\\", '"': '"'}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")
_PERCENT = re.compile(r"%(?:\(([^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
_BRACE = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values())

    def label(self) -> str:
        text = self.msgid if len(self.msgid) <= 60 else self.msgid[:57] + "..."
        return f"line {self.line}: {text!r}"


def _unquote(token: str, path: Path, line: int) -> str:
    token = token.strip()
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        raise CommandError(f"{path}:{line}: not a quoted string: {token}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), token[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included (msgid ""), obsolete (#~) ones flagged as such."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None
    pending_flags: set[str] = set()
    pending_obsolete = False

    def finish():
        nonlocal current, target, pending_flags, pending_obsolete
        if current is not None:
            entries.append(current)
        current, target, pending_flags, pending_obsolete = None, None, set(), False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # the previous msgid of an obsolete fuzzy entry
                continue
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            if line.startswith("#,"):
                pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            pending_obsolete = pending_obsolete or obsolete
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, token = match.groups()
            starts_entry = keyword == "msgctxt" or (keyword == "msgid" and target != ("msgctxt", None))
            if starts_entry:
                flags, was_obsolete = pending_flags, pending_obsolete or obsolete
                finish()
                current = Entry(line=number, flags=flags, obsolete=was_obsolete)
            if current is None:
                raise CommandError(f"{path}:{number}: {keyword} before msgid")
            value = _unquote(token, path, number)
            if keyword == "msgctxt":
                current.msgctxt, target = value, ("msgctxt", None)
            elif keyword == "msgid":
                current.msgid, target = value, ("msgid", None)
            elif keyword == "msgid_plural":
                current.msgid_plural, target = value, ("msgid_plural", None)
            else:
                slot = int(index) if index is not None else 0
                current.msgstr[slot] = value
                target = ("msgstr", slot)
            continue
        if line.startswith('"') and current is not None and target is not None:
            value = _unquote(line, path, number)
            name, slot = target
            if name == "msgstr":
                current.msgstr[slot] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        raise CommandError(f"{path}:{number}: cannot read this line: {raw}")
    finish()
    return entries


def placeholders(text: str, flags: set[str]) -> Counter:
    found: Counter = Counter()
    if "python-format" in flags:
        for name, conversion in _PERCENT.findall(text):
            if conversion != "%":
                found[f"%({name}){conversion}" if name else f"%{conversion}"] += 1
    if "python-brace-format" in flags:
        for match in _BRACE.finditer(text):
            if match.group(1) is not None:
                found["{" + match.group(1) + "}"] += 1
    return found


def _mo_key(entry: Entry, plural_index: int | None = None):
    msgid = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
    return msgid if plural_index is None else (msgid, plural_index)


def check_catalogue(po_path: Path) -> tuple[list[str], int]:
    """The problems found in one catalogue, and how many strings it translates."""
    problems: list[str] = []
    entries = [e for e in parse_po(po_path) if not e.obsolete]
    header = next((e for e in entries if e.msgid == "" and e.msgctxt is None), None)
    if header is not None and header.fuzzy:
        problems.append("the header is marked fuzzy (remove the '#, fuzzy' line above msgid \"\")")
    messages = [e for e in entries if e is not header]
    expected: dict = {}
    for entry in messages:
        if entry.fuzzy:
            problems.append(f"fuzzy: {entry.label()}")
        if not entry.translated:
            problems.append(f"untranslated: {entry.label()}")
            continue
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural is not None else [])
        wanted = placeholders(sources[-1], entry.flags)
        for slot, text in sorted(entry.msgstr.items()):
            got = placeholders(text, entry.flags)
            if got != wanted and got != placeholders(sources[0], entry.flags):
                problems.append(
                    f"placeholders differ: {entry.label()}: source has {sorted(wanted.elements())}, "
                    f"translation has {sorted(got.elements())}"
                )
            if not entry.fuzzy:
                expected[_mo_key(entry, slot if entry.msgid_plural is not None else None)] = text

    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        problems.append(f"{mo_path.name} is missing: run compilemessages")
    else:
        with mo_path.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)._catalog
        compiled = {key: value for key, value in compiled.items() if key != ""}
        if compiled != expected:
            stale = sorted(
                str(key) for key in expected.keys() | compiled.keys() if expected.get(key) != compiled.get(key)
            )
            shown = ", ".join(repr(key[:40]) for key in stale[:5]) + (" ..." if len(stale) > 5 else "")
            problems.append(
                f"{mo_path.name} does not match the .po ({len(stale)} strings differ: {shown}): run compilemessages"
            )
    return problems, len(messages)


def default_catalogues(domain: str = "django") -> list[Path]:
    found = []
    for code, _name in settings.LANGUAGES:
        if code == "en":  # English is the source language: the msgids are the English text.
            continue
        locale = to_locale(code)
        for base in settings.LOCALE_PATHS:
            found.append(Path(base) / locale / "LC_MESSAGES" / f"{domain}.po")
    return found


class Command(BaseCommand):
    help = "Fail if a translation catalogue has untranslated or fuzzy strings, or its .mo is out of date."

    def add_arguments(self, parser):
        parser.add_argument(
            "catalogues",
            nargs="*",
            help="the .po files to check (default: django.po of every non-English language in LOCALE_PATHS)",
        )

    def handle(self, *args, catalogues, **options):
        paths = [Path(p) for p in catalogues] or default_catalogues()
        failures: list[str] = []
        for path in paths:
            if not path.exists():
                failures.append(f"{path}: missing; run makemessages for this language")
                continue
            problems, count = check_catalogue(path)
            if problems:
                failures.append(f"{path}: {len(problems)} problem(s)\n  " + "\n  ".join(problems))
            else:
                self.stdout.write(self.style.SUCCESS(f"{path.parent.parent.name}: {count} strings, all translated."))
        if failures:
            raise CommandError(
                "Translation catalogue incomplete:\n"
                + "\n".join(failures)
                + "\nRun makemessages, translate every new msgid, remove fuzzy flags, then compilemessages."
            )
