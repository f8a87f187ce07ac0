"""The public reporting portal: filing a report, looking it up by its receipt code, and the reporter's messages.

Shared by the portal's pages and its API. Nothing here receives or keeps anything about the visitor's machine: the
callers pass only an opaque, day-long `client_key` (services.ratelimit) for the limits, never an address.

The receipt code is 16 random digits, shown once. Only a slow hash of it is stored: scrypt (n=2**14, r=8, p=1) with
a site salt made from the sealing key, so the same code always gives the same hash (it can be looked up) while
guessing codes against a copy of the database costs ~50 ms each, and without the sealing key cannot even start. Like
the audit chain, a receipt keeps the cipher suite it was made under: a lookup computes the hash under each suite, so
switching QINGLIAN_CRYPTO never strands a reporter — and every lookup, right or wrong, does the same work.
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from qinglian.core import crypto
from qinglian.core.audit import audit_record
from qinglian.core.lib import idcard
from qinglian.core.lib.dates import add_months
from qinglian.core.rules import rule_value
from qinglian.core.uploads import stored_name, upload_accept
from qinglian.discipline.models import Report, ReportAttachment, ReportMessage
from qinglian.discipline.services import ratelimit, scrub
from qinglian.discipline.services.sealing import IDENTITY_FIELDS, seal_identity
from qinglian.discipline.vocab import Category, MessageSide, ReportStatus
from qinglian.orgs.models import Organisation
from qinglian.orgs.services.people import id_number_error

RECEIPT_DIGITS = 16
MB = 1024 * 1024
MIN_TEXT = 10

# The longest value each field keeps (the model's limits; the reporter's identity is sealed, so these are ours).
SUBJECT_LIMITS = {"subject_name": 60, "subject_unit": 120, "subject_post": 60}
IDENTITY_LIMITS = {"name": 60, "phone": 20, "email": 120, "id_number": 18, "address": 200, "unit": 120}
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,18}[0-9]$")

# Web page code in a report's text: tags of any kind, script links and event handler attributes (onclick= …).
# Everything is escaped when shown anyway; refusing it keeps pasted pages and probes out of the record.
MARKUP = re.compile(
    r"<\s*/?\s*[a-z!?][^<>]*>|<\s*(?:script|iframe|object|embed|svg|img|style|link|meta)\b|javascript\s*:|"
    r"vbscript\s*:|data\s*:\s*text/html|\bon(?:abort|animation\w*|auxclick|before\w*|blur|cancel|canplay\w*|change|"
    r"click|close|contextmenu|copy|cut|dblclick|drag\w*|drop|error|focus\w*|formdata|hashchange|input|invalid|key\w+|"
    r"load\w*|message\w*|mouse\w+|page\w+|paste|pause|play\w*|pointer\w+|popstate|progress|reset|resize|scroll\w*|"
    r"search|select\w*|show|submit|toggle|touch\w+|transition\w+|unload|wheel)\s*=",
    re.IGNORECASE,
)


class ReceiptUnknown(Exception):
    """No report has the receipt code given (or it is not a receipt code at all)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- what the portal offers ------------------------------------------------------------------------------------


def portal_units():
    """The units a report may be addressed to: the top committee(s) and their direct children, active ones only."""
    roots = Organisation.objects.filter(parent__isnull=True, is_active=True)
    return Organisation.objects.filter(Q(pk__in=roots) | Q(parent__in=roots), is_active=True).order_by("path")


def portal_rules(org_path: str = "", on=None) -> dict:
    return rule_value("discipline.portal", org_path=org_path, on=on)


STATUS_WORDS = {
    ReportStatus.NEW: (
        pgettext_lazy("portal status", "Received"),
        gettext_lazy("Your report has arrived and is waiting to be read by discipline inspection."),
    ),
    ReportStatus.ACKNOWLEDGED: (
        pgettext_lazy("portal status", "Acknowledged"),
        gettext_lazy("Discipline inspection has read your report and is looking into it."),
    ),
    ReportStatus.REGISTERED: (
        pgettext_lazy("portal status", "Being handled"),
        gettext_lazy("Your report has been registered for handling. You will hear back on this page."),
    ),
    ReportStatus.REPEATED: (
        pgettext_lazy("portal status", "Handled with an earlier report"),
        gettext_lazy("The matter was reported before; your report is handled together with that one."),
    ),
    ReportStatus.NOT_ACCEPTED: (
        pgettext_lazy("portal status", "Not accepted"),
        gettext_lazy("Discipline inspection cannot take up this report. The reason is given below."),
    ),
}


def status_words(report: Report) -> tuple[str, str]:
    """The report's status for the reporter, in plain words: (short label, one sentence)."""
    label, sentence = STATUS_WORDS[report.status]
    return str(label), str(sentence)


# --- checking what was typed ------------------------------------------------------------------------------------


def markup_found(value: str) -> str:
    """The first piece of web page code in `value` ("" when there is none)."""
    match = MARKUP.search(value or "")
    return match.group(0)[:40] if match else ""


def markup_error(found: str) -> str:
    return _(
        "This contains web page code ({code}), which cannot be accepted. Write plain text, without HTML tags, "
        "scripts or “javascript:” links, and send it again."
    ).format(code=found)


def _plain_checks(values: dict, limits: dict, errors: dict) -> None:
    for field, value in values.items():
        if field in errors:
            continue
        if found := markup_found(value):
            errors[field] = markup_error(found)
        elif field in limits and len(value) > limits[field]:
            errors[field] = ngettext(
                "At most {max} character, please.", "At most {max} characters, please.", limits[field]
            ).format(max=limits[field])


def text_check(text: str, *, field: str, errors: dict, least: int = 1) -> None:
    """What happened, or a message: at least `least` characters, plain text, not longer than the rule allows."""
    most = int(portal_rules()["max_text_chars"])
    if len(text) < least:
        errors[field] = (
            _("Say what happened: who, when, where and what — at least {n} characters.").format(n=least)
            if least > 1
            else _("Write the message first.")
        )
    elif len(text) > most:
        errors[field] = _(
            "The text has {count} characters; at most {max} can be sent at once. Shorten it, attach it as a document, "
            "or send the rest as a further message."
        ).format(count=len(text), max=most)
    elif found := markup_found(text):
        errors[field] = markup_error(found)


def identity_clean(identity: dict | None, errors: dict) -> dict:
    """A real-name reporter's details, checked; {} for an anonymous report. Errors go under "reporter_<field>"."""
    clean = {key: str((identity or {}).get(key) or "").strip() for key in IDENTITY_FIELDS}
    if not any(clean.values()):
        return {}
    limits = {f"reporter_{key}": most for key, most in IDENTITY_LIMITS.items()}
    _plain_checks({f"reporter_{key}": value for key, value in clean.items()}, limits, errors)
    if not clean["name"] and "reporter_name" not in errors:
        errors["reporter_name"] = _("Give your name, or choose to report anonymously.")
    if not clean["phone"] and not clean["email"] and "reporter_phone" not in errors:
        errors["reporter_phone"] = _("Give a telephone number or an e-mail address, so that you can be contacted.")
    if clean["phone"] and "reporter_phone" not in errors and not PHONE.match(clean["phone"]):
        errors["reporter_phone"] = _("A telephone number has digits only (and perhaps +, -, spaces or brackets).")
    if clean["email"] and "reporter_email" not in errors:
        try:
            validate_email(clean["email"])
        except ValidationError:
            errors["reporter_email"] = _("This is not an e-mail address.")
    if clean["id_number"] and "reporter_id_number" not in errors:
        try:
            clean["id_number"] = idcard.validate(clean["id_number"])
        except idcard.IdNumberError as exc:
            errors["reporter_id_number"] = id_number_error(exc.code)
    return clean


# --- attachments ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    """An attachment accepted and already cleaned, waiting to be stored."""

    data: bytes
    content_type: str
    name: str
    stripped: bool


def attachments_check(files, *, field: str = "files") -> list[Checked]:
    """Check every file (how many, how big, what it really is) and clean it — before anything is saved."""
    files = [f for f in files or () if f]
    if not files:
        return []
    rules = ratelimit.limits()
    most, file_mb, total_mb = int(rules["max_attachments"]), int(rules["max_file_mb"]), int(rules["max_total_mb"])
    if len(files) > most:
        raise ValidationError(
            {field: ngettext("At most {n} file can be attached at once.", "At most {n} files can be attached at once.",
                             most).format(n=most)}
        )  # fmt: skip
    for file in files:
        if (file.size or 0) > file_mb * MB:
            raise ValidationError(
                {field: _("“{name}” is {size:.1f} MB; each file may be at most {max} MB.").format(
                    name=_shown(file), size=file.size / MB, max=file_mb)}
            )  # fmt: skip
    total = sum(file.size or 0 for file in files)
    if total > total_mb * MB:
        raise ValidationError(
            {field: _("The files come to {size:.1f} MB together; at most {max} MB can be sent at once.").format(
                size=total / MB, max=total_mb)}
        )  # fmt: skip
    checked = []
    for file in files:
        content_type, name, _size = upload_accept(file, field=field)
        file.seek(0)
        try:
            data, stripped = scrub.scrub(file.read(), content_type)
        except ValidationError as exc:
            raise ValidationError({field: f"“{name}”: {' '.join(exc.messages)}"}) from None
        checked.append(Checked(data, content_type, name, stripped))
    return checked


def _shown(file) -> str:
    return str(getattr(file, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1][:80]


def _attachments_save(report: Report, message: ReportMessage | None, checked: list[Checked], saved: list) -> None:
    for item in checked:
        attachment = ReportAttachment(
            report=report,
            message=message,
            name=item.name,
            content_type=item.content_type,
            size=len(item.data),
            metadata_stripped=item.stripped,
        )
        attachment.file.save(stored_name(item.content_type), ContentFile(item.data), save=False)
        saved.append(attachment.file.name)
        attachment.save()


def _files_remove(names: list) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


# --- receipt codes ----------------------------------------------------------------------------------------------


def receipt_new() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))


def receipt_format(code: str) -> str:
    """1234 5678 9012 3456: the way a person reads it back."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def receipt_digits(text: str) -> str:
    """The digits of a code as typed: spaces and dashes dropped, full-width digits read as digits."""
    values = (unicodedata.decimal(ch, None) for ch in str(text or "")[:64])
    return "".join(str(value) for value in values if value is not None)


@functools.lru_cache(maxsize=4)
def _site_salt(suite: str, sealed_key: str) -> bytes:
    return bytes.fromhex(crypto.mac("qinglian-portal-receipt-salt", key=sealed_key, algorithm=suite))


def receipt_hash(digits: str, *, suite: str | None = None) -> str:
    """The slow, deterministic hash stored for a receipt code (hex)."""
    salt = _site_salt(suite or crypto.suite(), settings.SEALED_KEY)
    return hashlib.scrypt(digits.encode("ascii"), salt=salt, n=2**14, r=8, p=1, dklen=32).hex()


def receipt_hashes(digits: str) -> list[str]:
    """The hash of a code under every suite, the configured one first (see the module's docstring)."""
    suites = sorted(crypto.HASHES, key=lambda name: name != crypto.suite())
    return [receipt_hash(digits, suite=name) for name in suites]


def receipt_unknown_message() -> str:
    rules = ratelimit.limits()
    return _(
        "No report has this receipt code. Check the 16 digits and try again. After {n} wrong codes, looking up is "
        "paused for {m} minutes."
    ).format(n=rules["lock_after_failures"], m=rules["lock_minutes"])


def receipt_lookup(code: str, client_key: str | None) -> Report:
    """The report a receipt code opens, or ReceiptUnknown (a wrong code is counted against the client, and enough
    of them lock it: ratelimit.Limited). A wrong code costs the same slow hashing as a right one."""
    if client_key is not None:
        ratelimit.lock_check(client_key)
        ratelimit.check("lookup", client_key)
        ratelimit.count("lookup", client_key)
    digits = receipt_digits(code)
    shaped = len(digits) == RECEIPT_DIGITS
    hashes = receipt_hashes(digits if shaped else "0" * RECEIPT_DIGITS)  # the same work for a malformed code
    report = Report.objects.select_related("organisation").filter(receipt_hash__in=hashes).first() if shaped else None
    if report is None:
        if client_key is not None and ratelimit.failure(client_key):
            raise ratelimit.locked_error(client_key)
        raise ReceiptUnknown(receipt_unknown_message())
    return report


# --- filing and following up ------------------------------------------------------------------------------------


def report_file(
    *,
    organisation: Organisation,
    category: str,
    text: str,
    subject_name: str = "",
    subject_unit: str = "",
    subject_post: str = "",
    identity: dict | None = None,
    files=(),
    client_key: str | None = None,
    received_at=None,
) -> tuple[Report, str]:
    """File a report; returns it and its receipt code, which is shown to the reporter once and kept nowhere.

    `identity` (name, phone, email, id_number, address, unit) makes it a real-name report: checked, then sealed.
    `client_key` (from the portal's request) applies the rate limits; the demo and imports pass none.
    """
    if client_key is not None:
        ratelimit.check("report", client_key)
    errors: dict = {}
    if not portal_units().filter(pk=getattr(organisation, "pk", None)).exists():
        errors["organisation"] = _("Choose one of the units listed.")
    if category not in Category.values:
        errors["category"] = _("Choose what the problem is about.")
    subject = {
        "subject_name": (subject_name or "").strip(),
        "subject_unit": (subject_unit or "").strip(),
        "subject_post": (subject_post or "").strip(),
    }
    if not subject["subject_unit"]:
        errors["subject_unit"] = _("Say which unit or department the person works in.")
    _plain_checks(subject, SUBJECT_LIMITS, errors)
    text = (text or "").strip()
    text_check(text, field="text", errors=errors, least=MIN_TEXT)
    identity = identity_clean(identity, errors)
    if errors:
        raise ValidationError(errors)
    checked = attachments_check(files)

    received_at = received_at or timezone.now()
    day = timezone.localdate(received_at)
    rules = portal_rules(organisation.path, on=day)
    code = receipt_new()
    saved: list = []
    try:
        with transaction.atomic():
            report = Report(
                organisation=organisation,
                category=category,
                text=text,
                received_at=received_at,
                ack_due=day + timedelta(days=int(rules["ack_days"])),
                feedback_due=add_months(day, int(rules["feedback_months"])),
                **subject,
            )
            report.receipt_hash = receipt_hash(code)
            while Report.objects.filter(receipt_hash=report.receipt_hash).exists():  # 1 in 10**16; never loop on it
                code = receipt_new()
                report.receipt_hash = receipt_hash(code)
            seal_identity(report, identity)
            report.save()
            _attachments_save(report, None, checked, saved)
            audit_record(
                actor="portal",
                action="discipline.report.file",
                obj=report,
                changes={"anonymous": report.is_anonymous, "category": category, "attachments": len(checked)},
                sealed=True,
            )
    except BaseException:
        _files_remove(saved)
        raise
    if client_key is not None:
        ratelimit.count("report", client_key)
    return report, code


def reporter_thread(report: Report) -> list[ReportMessage]:
    """The report's messages, oldest first, with their attachments; handler replies are marked read now."""
    messages = list(
        report.messages.order_by("created_at", "pk").prefetch_related(
            Prefetch("attachments", queryset=ReportAttachment.objects.order_by("pk"))
        )
    )
    unread = [m.pk for m in messages if m.side == MessageSide.HANDLER and m.read_at is None]
    if unread:
        now = timezone.now()
        ReportMessage.objects.filter(pk__in=unread).update(read_at=now)
        for message in messages:
            if message.pk in unread:
                message.read_at = now
    return messages


def reporter_message(*, report: Report, body: str, files=(), client_key: str | None = None) -> ReportMessage:
    """The reporter adds information to their report (with files); handlers see it on the report's thread."""
    if client_key is not None:
        ratelimit.check("message", client_key)
    errors: dict = {}
    body = (body or "").strip()
    text_check(body, field="body", errors=errors)
    if errors:
        raise ValidationError(errors)
    checked = attachments_check(files)
    saved: list = []
    try:
        with transaction.atomic():
            message = ReportMessage.objects.create(report=report, side=MessageSide.REPORTER, body=body)
            _attachments_save(report, message, checked, saved)
            audit_record(
                actor="portal",
                action="discipline.report.message",
                obj=report,
                changes={"message": message.pk, "attachments": len(checked)},
                sealed=True,
            )
    except BaseException:
        _files_remove(saved)
        raise
    if client_key is not None:
        ratelimit.count("message", client_key)
    return message
