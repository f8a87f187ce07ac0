"""Integrity opinion replies (党风廉政意见回复): discipline inspection's written opinion on a cadre before a
promotion or commendation.

`reply_compile` gathers in one step what the system holds about the cadre over the last few years -- each
integrity file's section statuses and what the cadre declared that matters (weddings and funerals held, gifts
handed in, private travel abroad, family businesses, family members abroad, changes in marriage), the facts
other modules keep about the person (talks, appraisal grades, assessment results, clues, sanctions, through
`core.registry.person_facts_of`), and confirmed conflicts of interest -- keeps them as plain values in
`facts`, and drafts the letter's body from them in the active language. Discipline inspection edits the draft
(`reply_update`), signs it with a number unique in the year (`reply_sign`) and exports it as .docx; a signed
reply never changes. A draft may be deleted.

Every integrity file read while compiling is an audit event (the action the files area uses), and so are the
compile, each change, the signature, and each opening or export of a reply. Only holders of risks.opinion at
the cadre's unit do any of this.

Person facts: a module that keeps facts of a topic declares it when it registers its provider
(`registry.add_person_facts(order, fn, topics=(FACT_CLUES, FACT_SANCTIONS))`). A topic no module keeps is one
"the system holds no records of" -- the reply says so rather than "none".
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.core.registry import (
    FACT_APPRAISAL,
    FACT_ASSESSMENT,
    FACT_CLUES,
    FACT_SANCTIONS,
    FACT_TALKS,
)
from qinglian.orgs.access import can
from qinglian.orgs.models import STEP, Member, Organisation, subtree_q
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.risks.models import ConflictMatch, FileSection, IntegrityFile, OpinionReply
from qinglian.risks.services import files as file_services
from qinglian.risks.services import opinion_draft
from qinglian.risks.vocab import MatchStatus, ReplyPurpose, ReplyStatus, SectionKind, SectionStatus

OPINION = "risks.opinion"
YEARS_MAX = 10
TOPICS = (FACT_TALKS, FACT_APPRAISAL, FACT_ASSESSMENT, FACT_CLUES, FACT_SANCTIONS)
# What a reply must not pass over: a sanction, a clue, a confirmed conflict of interest.
CONCERNS = (FACT_SANCTIONS, FACT_CLUES, "conflicts")
# The declared rows that matter to an opinion: (fact key, section kind, row-list key, fields kept).
DECLARED = (
    ("weddings", SectionKind.WEDDINGS_FUNERALS, "events", ("occasion", "date", "place", "guests", "gifts", "reported")),
    ("gifts", SectionKind.GIFTS, "gifts", ("date", "giver", "items", "value", "handed_to")),
    ("trips", SectionKind.PERSONAL_MATTERS, "trips", ("destination", "start", "end", "reason", "approved_by")),
    ("businesses", SectionKind.PERSONAL_MATTERS, "businesses", ("relation", "person", "company", "role")),
    ("emigration", SectionKind.PERSONAL_MATTERS, "emigration", ("relation", "name", "country", "status")),
    ("marriage", SectionKind.PERSONAL_MATTERS, "marriage", ("date", "change")),
)
DECLARED_KEYS = tuple(key for key, *_rest in DECLARED)
DECLARED_LABELS = (
    ("weddings", gettext_lazy("Weddings and funerals held")),
    ("gifts", gettext_lazy("Gifts and cash handed in")),
    ("trips", gettext_lazy("Private travel abroad")),
    ("businesses", gettext_lazy("Businesses run by spouse and children")),
    ("emigration", gettext_lazy("Family members who emigrated or live abroad")),
    ("marriage", gettext_lazy("Changes in marriage")),
)
TOPIC_LABELS = file_services.FACT_TOPICS
MISSING = opinion_draft.MISSING


# --- reading -----------------------------------------------------------------------------------------------


def replies_visible_to(user):
    """The replies about cadres of units where the user holds risks.opinion."""
    return OpinionReply.objects.filter(member__in=Member.objects.visible_to(user, OPINION).values("pk"))


def cadres_for(user, root):
    """The cadres on the register in `root`'s subtree whose replies the user may compile."""
    return (
        Member.objects.visible_to(user, OPINION)
        .in_subtree(root)
        .on_register()
        .filter(is_cadre=True)
        .select_related("organisation")
    )


def cadre_search(queryset, text: str):
    text = (text or "").strip()
    if not text:
        return queryset
    return queryset.filter(Q(name__icontains=text) | Q(name_pinyin__icontains=text.lower()))


def may_read_file(user, member: Member) -> bool:
    """Whether the user may open the cadre's integrity files (the reply page links to them only then)."""
    return file_services.file_can_read(user, member)


def reply_number_suggest(member: Member, today: date | None = None) -> str:
    """The next number after the last one signed this year in the cadre's agency (e.g. 纪检组廉复〔2026〕4号)."""
    year = (today or timezone.localdate()).year
    last = (
        _same_year_signed(member, year)
        .exclude(number="")
        .order_by("-signed_at", "-pk")
        .values_list("number", flat=True)
    ).first()
    found = re.search(r"(\d+)(\D*)$", last or "")
    if not found:
        return f"廉复〔{year}〕1号"
    start, end = found.span(1)
    return f"{last[:start]}{int(found.group(1)) + 1}{last[end:]}"


def _same_year_signed(member: Member, year: int):
    root_path = member.organisation.path[:STEP]
    return OpinionReply.objects.filter(
        subtree_q(root_path, "member__organisation__"), status=ReplyStatus.SIGNED, signed_at__year=year
    )


# --- gathering the facts -----------------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).date().isoformat() if timezone.is_aware(value) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _file_facts(member: Member, years: list[int]) -> tuple[list[dict], dict[str, list[dict]], list[IntegrityFile]]:
    """Each file's section statuses, and the rows declared in sections that are no longer drafts."""
    files = list(IntegrityFile.objects.filter(member=member, year__in=years).order_by("year"))
    sections = FileSection.objects.filter(file__in=files).order_by("file__year", "pk")
    by_file: dict[int, dict[str, FileSection]] = {}
    for section in sections:
        by_file.setdefault(section.file_id, {})[section.kind] = section
    summary, seen = [], {}
    for file in files:
        kinds = by_file.get(file.pk, {})
        summary.append(
            {
                "year": file.year,
                "id": file.pk,
                "sections": [
                    {
                        "kind": kind,
                        "id": kinds[kind].pk if kind in kinds else None,
                        "status": kinds[kind].status if kind in kinds else MISSING,
                    }
                    for kind in SectionKind.values
                ],
            }
        )
        for key, kind, list_key, fields in DECLARED:
            section = kinds.get(kind)
            if section is None or section.status == SectionStatus.DRAFT:
                continue
            for row in (section.data or {}).get(list_key) or []:
                if isinstance(row, dict):
                    kept = {name: _plain(row.get(name)) for name in fields}
                    # A business or a relative abroad is declared again every year: one fact, the latest file's.
                    entry = {"year": file.year, "section_id": section.pk, **kept}
                    seen.setdefault(key, {})[tuple(kept.items())] = entry
    declared = {key: list(seen.get(key, {}).values()) for key in DECLARED_KEYS}
    return summary, declared, files


def _person_facts(member: Member, years: list[int]) -> dict[str, dict]:
    """The facts other modules hold, by topic; `held` is False for a topic no module of this installation keeps."""
    topics = {topic: {"held": False, "items": []} for topic in TOPICS}
    for year in years:
        for group in file_services.file_facts(member, year):
            entry = topics.setdefault(group.topic, {"held": False, "items": []})
            entry["held"] = entry["held"] or group.recorded
            entry["items"] += [
                {
                    "year": year,
                    "day": _plain(fact.day),
                    "title": str(fact.title),
                    "detail": str(fact.detail or ""),
                    "url": fact.url or "",
                }
                for fact in group.facts
            ]
    return topics


def _conflicts(member: Member) -> list[dict]:
    matches = (
        ConflictMatch.objects.filter(member=member, status=MatchStatus.CONFIRMED)
        .select_related("supplier")
        .order_by("decided_at", "pk")
    )
    return [
        {
            "id": match.pk,
            "supplier": match.supplier.name,
            "credit_code": match.supplier.credit_code,
            "business": match.supplier.business,
            "declared": match.declared,
            "relation": match.relation,
            "basis": match.basis,
            "decided_on": _plain(match.decided_at),
            "year": timezone.localtime(match.decided_at).year if match.decided_at else None,
            "note": match.note,
        }
        for match in matches
    ]


def reply_facts(member: Member, *, years: int = 3, today: date | None = None) -> tuple[dict, list[IntegrityFile]]:
    """What the system holds about the cadre over the last `years` years, as plain values, and the files read."""
    today = today or timezone.localdate()
    span = list(range(today.year - years + 1, today.year + 1))
    files, declared, read = _file_facts(member, span)
    topics = _person_facts(member, span)
    conflicts = _conflicts(member)
    concerns = [topic for topic in (FACT_SANCTIONS, FACT_CLUES) if topics[topic]["items"]]
    if conflicts:
        concerns.append("conflicts")
    facts = {
        "compiled_on": today.isoformat(),
        "since": date(span[0], 1, 1).isoformat(),
        "years": span,
        "cadre": {
            "id": member.pk,
            "name": member.name,
            "gender": member.gender,
            "organisation": member.organisation.name,
            "post": member.post,
            "rank": member.rank,
        },
        "files": files,
        "declared": declared,
        "topics": topics,
        "conflicts": conflicts,
        "concerns": concerns,
    }
    return facts, read


# --- drafting ----------------------------------------------------------------------------------------------


def reply_draft(facts: dict, *, purpose: str, language: str | None = None) -> str:
    """The letter's body drafted from the facts, in Chinese or English: facts first, then a conclusion that
    depends on them. The addressee and the signature are not part of it (the letter adds them)."""
    language = language or get_language() or "zh-hans"
    writer = opinion_draft.english if language.startswith("en") else opinion_draft.chinese
    return writer(facts, purpose)


# --- writing -----------------------------------------------------------------------------------------------


def _check_opinion(actor, member: Member) -> None:
    if actor is not None and not can(actor, OPINION, member):
        raise PermissionDenied(_("Only discipline inspection at the cadre's unit compiles integrity opinion replies."))


def _text(value: str, field: str, message: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if limit and len(value) > limit:
        raise ValidationError({field: _("At most {n} characters.").format(n=limit)})
    return value


def _lock(reply: OpinionReply, version: int | None) -> OpinionReply:
    fresh = OpinionReply.objects.select_for_update(of=("self",)).select_related("member__organisation").get(pk=reply.pk)
    if version is not None and fresh.version != version:
        raise Conflict(
            _(
                "Someone else changed this reply while you were looking at it, so your change was not saved. "
                "Reload the page to see what changed, then try again."
            )
        )
    return fresh


def _still_draft(reply: OpinionReply) -> None:
    if reply.status != ReplyStatus.DRAFT:
        raise ValidationError(_("This reply is signed: a signed reply no longer changes."))


def _check_number(reply: OpinionReply, number: str, year: int) -> None:
    taken = _same_year_signed(reply.member, year).filter(number=number).exclude(pk=reply.pk)
    if taken.exists():
        raise ValidationError(
            {
                "number": _("The number “{number}” is already on a reply signed in {year}.").format(
                    number=number, year=year
                )
            }
        )


@transaction.atomic
def reply_compile(
    *, member: Member, purpose: str, requested_by: str, years: int = 3, actor, today: date | None = None
) -> OpinionReply:
    """Compile a draft reply on a cadre: gather the facts of the last `years` years and draft the body."""
    if member is None:
        raise ValidationError({"member": _("Choose the cadre the opinion is about.")})
    _check_opinion(actor, member)
    if not member.is_cadre:
        raise ValidationError(
            {"member": _("{name} is not marked as a cadre on the register.").format(name=member.name)}
        )
    if member.status not in ON_REGISTER:
        raise ValidationError({"member": _("{name} is no longer on the register.").format(name=member.name)})
    if purpose not in ReplyPurpose.values:
        raise ValidationError({"purpose": _("Choose what the opinion is asked for.")})
    requested_by = _text(
        requested_by,
        "requested_by",
        _("Name the unit that asked for the opinion (e.g. the organisation department)."),
        120,
    )
    if not isinstance(years, int) or isinstance(years, bool) or not 1 <= years <= YEARS_MAX:
        raise ValidationError({"years": _("Look back between 1 and {n} years.").format(n=YEARS_MAX)})
    facts, files_read = reply_facts(member, years=years, today=today)
    reply = OpinionReply.objects.create(
        member=member,
        purpose=purpose,
        requested_by=requested_by,
        facts=facts,
        body=reply_draft(facts, purpose=purpose),
        created_by=actor,
    )
    for file in files_read:
        file_services.file_view_record(user=actor, file=file, what="file", via="opinion")
    audit_record(
        actor=actor,
        action="risks.opinion.compile",
        obj=reply,
        changes={"purpose": purpose, "requested_by": requested_by, "years": years, "concerns": facts["concerns"]},
    )
    return reply


@transaction.atomic
def reply_update(
    *, reply: OpinionReply, body: str, number: str, requested_by: str, actor, version: int | None
) -> OpinionReply:
    """Change a draft's body, number or requesting unit."""
    _check_opinion(actor, reply.member)
    reply = _lock(reply, version)
    _still_draft(reply)
    body = _text(body, "body", _("The opinion cannot be empty."))
    requested_by = _text(requested_by, "requested_by", _("Name the unit that asked for the opinion."), 120)
    number = (number or "").strip()
    if len(number) > 40:
        raise ValidationError({"number": _("At most {n} characters.").format(n=40)})
    if number:
        _check_number(reply, number, timezone.localdate().year)
    changed = {
        name: True
        for name, value in (("body", body), ("number", number), ("requested_by", requested_by))
        if getattr(reply, name) != value
    }
    reply.body, reply.number, reply.requested_by = body, number, requested_by
    reply.version += 1
    reply.save(update_fields=["body", "number", "requested_by", "version"])
    audit_record(actor=actor, action="risks.opinion.update", obj=reply, changes={"changed": sorted(changed)})
    return reply


@transaction.atomic
def reply_sign(*, reply: OpinionReply, signer_title: str, number: str, actor, version: int | None) -> OpinionReply:
    """Sign a draft in the name of the discipline body, with a number unique among this year's signed replies."""
    _check_opinion(actor, reply.member)
    reply = _lock(reply, version)
    _still_draft(reply)
    number = _text(number, "number", _("Give the reply its number before signing it (e.g. 纪检组廉复〔2026〕3号)."), 40)
    signer_title = _text(
        signer_title, "signer_title", _("Name the body the reply is signed in the name of (e.g. 机关纪委)."), 120
    )
    if not reply.body.strip():
        raise ValidationError({"body": _("The opinion cannot be empty.")})
    # Two signatures in the agency at once must not both take the same number: they queue on its top unit's row.
    Organisation.objects.select_for_update().filter(path=reply.member.organisation.path[:STEP]).first()
    now = timezone.now()
    _check_number(reply, number, timezone.localtime(now).year)
    reply.number, reply.signer_title = number, signer_title
    reply.status, reply.signed_by, reply.signed_at = ReplyStatus.SIGNED, actor, now
    reply.version += 1
    reply.save(update_fields=["number", "signer_title", "status", "signed_by", "signed_at", "version"])
    audit_record(
        actor=actor, action="risks.opinion.sign", obj=reply, changes={"number": number, "signer_title": signer_title}
    )
    return reply


@transaction.atomic
def reply_delete(*, reply: OpinionReply, actor, version: int | None = None) -> None:
    """Delete a draft (a signed reply is kept for good)."""
    _check_opinion(actor, reply.member)
    reply = _lock(reply, version)
    _still_draft(reply)
    audit_record(actor=actor, action="risks.opinion.delete", obj=reply, changes={"purpose": reply.purpose})
    reply.delete()


@transaction.atomic
def reply_view_record(*, reply: OpinionReply, actor, export: bool = False) -> None:
    """Record that someone opened a reply (or exported it): it repeats what the cadre's files hold."""
    _check_opinion(actor, reply.member)
    audit_record(actor=actor, action="risks.opinion.export" if export else "risks.opinion.view", obj=reply)


def reply_history(reply: OpinionReply):
    """The audit events of a reply's life (compiled, changed, signed, exported), oldest first."""
    from qinglian.core.models import AuditEvent

    return AuditEvent.objects.filter(
        object_type="risks.opinionreply",
        object_id=str(reply.pk),
        action__in=["risks.opinion.compile", "risks.opinion.update", "risks.opinion.sign", "risks.opinion.export"],
    ).order_by("seq")
