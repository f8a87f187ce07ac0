"""The materials library: writing materials (articles, documents, audio and video, links), publishing and
withdrawing them, indexing them for a search that works for Chinese, and who opened and finished what.

Search uses our own inverted index (`MaterialTerm`): character pairs of each run of Chinese characters plus
lower-cased Latin words and numbers, a title term weighing TITLE_WEIGHT times a body term. The same splitting
of the query, and "every term present, ranked by summed weight", work alike on SQLite and PostgreSQL without
a dictionary or an extension. An actor of None is the system (demo data).
"""

from __future__ import annotations

import html
import re
import secrets
import zipfile
from collections import Counter
from pathlib import PurePath

import nh3
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qinglian.core.audit import audit_record
from qinglian.orglife.people import member_of
from qinglian.orgs.access import can, scope_q
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.services import Conflict
from qinglian.orgs.vocab import ON_REGISTER
from qinglian.study.models import Category, Material, MaterialTerm, ReadingRecord, Tag
from qinglian.study.services.points import points_award
from qinglian.study.vocab import MaterialKind, PointsKind, PublishStatus, TopicKind

TITLE_WEIGHT = 5
MAX_TERM = 32
# Uploads larger than this are refused with a clear message (video is the large case).
MAX_UPLOAD_BYTES = getattr(settings, "STUDY_UPLOAD_MAX_MB", 200) * 1024 * 1024

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FILE_TYPES = {
    MaterialKind.DOCUMENT: {"application/pdf": ".pdf", DOCX_TYPE: ".docx"},
    MaterialKind.AUDIO: {"audio/mpeg": ".mp3", "audio/mp4": ".m4a"},
    MaterialKind.VIDEO: {"video/mp4": ".mp4", "video/webm": ".webm"},
}
FILE_KINDS_TEXT = {
    MaterialKind.DOCUMENT: gettext_lazy("a PDF or Word (.docx) document"),
    MaterialKind.AUDIO: gettext_lazy("an MP3 or M4A audio file"),
    MaterialKind.VIDEO: gettext_lazy("an MP4 or WebM video"),
}

ALLOWED_TAGS = {
    *("h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "ul", "ol", "li", "strong", "b", "em", "i", "u"),
    *("a", "blockquote", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "span", "div", "sub"),
    "sup",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[0-9a-z]+")

_STALE = gettext_lazy(
    "Someone else changed this material while you were editing, so your changes were not saved. "
    "Reload the page to see their changes, then make yours again."
)


# -- text --------------------------------------------------------------------------------------------


def html_sanitise(body: str) -> str:
    """The article's HTML with only headings, paragraphs, lists, emphasis, links, tables and quotes kept:
    no scripts, styles or event handlers."""
    return nh3.clean(
        body or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def html_text(body: str) -> str:
    """The plain text of some HTML."""
    text = nh3.clean(re.sub(r"<(br|/p|/li|/h\d|/tr|/div)\b[^>]*>", "\n", body or ""), tags=set())
    return html.unescape(text)


def text_terms(text: str) -> Counter:
    """The index terms of a text with their counts: each pair of adjacent Chinese characters and each
    lower-cased Latin word or number."""
    terms: Counter = Counter()
    text = (text or "").lower()
    for run in _CJK.findall(text):
        terms.update(run[i : i + 2] for i in range(len(run) - 1))
    terms.update(word[:MAX_TERM] for word in _LATIN.findall(text))
    return terms


def query_terms(query: str) -> list[str]:
    return sorted(text_terms(query))


@transaction.atomic
def material_index(material: Material) -> int:
    """Rebuild the material's search terms from its title and search text; the number of terms."""
    weights = Counter({term: count * TITLE_WEIGHT for term, count in text_terms(material.title).items()})
    weights.update(text_terms(f"{material.summary}\n{material.search_text}"))
    MaterialTerm.objects.filter(material=material).delete()
    MaterialTerm.objects.bulk_create(
        [MaterialTerm(material=material, term=term, weight=weight) for term, weight in weights.items()],
        batch_size=500,
    )
    return len(weights)


def material_search(queryset, query: str):
    """`queryset` narrowed to the materials containing every term of `query`, best first; a single Chinese
    character (too short for the pairs) matches titles and texts containing it."""
    query = (query or "").strip()[:100]
    if not query:
        return queryset
    terms = query_terms(query)
    if not terms:
        return queryset.filter(Q(title__icontains=query) | Q(search_text__icontains=query))
    matching = (
        MaterialTerm.objects.filter(term__in=terms)
        .values("material_id")
        .annotate(hits=Count("term"))
        .filter(hits=len(terms))
        .values("material_id")
    )
    return (
        queryset.filter(pk__in=matching)
        .annotate(score=Sum("terms__weight", filter=Q(terms__term__in=terms)))
        .order_by("-score", "-pk")
    )


def snippet(text: str, query: str, width: int = 60) -> str:
    """A short piece of `text` around the first place the query (or one of its terms) appears, as HTML with
    the match in <mark>."""
    text = re.sub(r"\s+", " ", text or "").strip()
    query = (query or "").strip()
    candidates = [query, *sorted(query_terms(query), key=len, reverse=True)] if query else []
    lowered = text.lower()
    for needle in candidates:
        at = lowered.find(needle.lower()) if needle else -1
        if at >= 0:
            start = max(0, at - width // 2)
            piece = text[start : at + len(needle) + width]
            found = piece.lower().find(needle.lower())
            head, hit, tail = piece[:found], piece[found : found + len(needle)], piece[found + len(needle) :]
            prefix = "…" if start else ""
            suffix = "…" if at + len(needle) + width < len(text) else ""
            return f"{prefix}{html.escape(head)}<mark>{html.escape(hit)}</mark>{html.escape(tail)}{suffix}"
    return html.escape(text[: width * 2]) + ("…" if len(text) > width * 2 else "")


# -- files -------------------------------------------------------------------------------------------


def file_sniff(head: bytes, file=None) -> str | None:
    """The type of a file from its first bytes (and, for a zip, its parts); None when not one we take."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04") and file is not None:
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return None
        finally:
            file.seek(0)
        return DOCX_TYPE if "word/document.xml" in names else None
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:11] == b"M4A" else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    return None


def file_text(file, content_type: str) -> str:
    """The text of a .docx or .pdf for the search index; "" for other files."""
    file.seek(0)
    try:
        if content_type == DOCX_TYPE:
            import docx

            document = docx.Document(file)
            parts = [p.text for p in document.paragraphs]
            for table in document.tables:
                parts.extend(cell.text for row in table.rows for cell in row.cells)
            return "\n".join(parts)
        if content_type == "application/pdf":
            from pypdf import PdfReader

            reader = PdfReader(file)
            return "\n".join((page.extract_text() or "") for page in reader.pages)
    except Exception as exc:  # a damaged file: say so rather than store what cannot be read
        raise ValidationError({"file": _("The file could not be read: is it damaged?")}) from exc
    finally:
        file.seek(0)
    return ""


def _check_file(kind: str, file) -> tuple[str, str]:
    """(content type, file name shown) of an upload fit for `kind`, or a ValidationError."""
    shown = PurePath((getattr(file, "name", "") or "").replace("\\", "/")).name[:200]
    size = getattr(file, "size", 0) or 0
    if size == 0:
        raise ValidationError({"file": _("“{name}” is empty.").format(name=shown)})
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {
                "file": _("The file is {size:.1f} MB; at most {max} MB can be uploaded.").format(
                    size=size / (1024 * 1024), max=MAX_UPLOAD_BYTES // (1024 * 1024)
                )
            }
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    content_type = file_sniff(head, file)
    if content_type not in FILE_TYPES[kind]:
        raise ValidationError({"file": _("“{name}” is not {what}.").format(name=shown, what=FILE_KINDS_TEXT[kind])})
    return content_type, shown


# -- categories and tags -----------------------------------------------------------------------------


def category_get(full_name: str) -> Category | None:
    """The category named by a path such as 党章党规/纪律处分条例, made (with its parents) if new."""
    names = [part.strip() for part in (full_name or "").replace("／", "/").split("/") if part.strip()]
    parent = None
    for depth in range(1, len(names) + 1):
        path = "/".join(names[:depth])
        if len(names[depth - 1]) > 60 or len(path) > 400:
            raise ValidationError({"category": _("The category name is too long.")})
        parent, _created = Category.objects.get_or_create(
            full_name=path, defaults={"name": names[depth - 1], "parent": parent}
        )
    return parent


def tags_get(names) -> list[Tag]:
    if isinstance(names, str):
        names = re.split(r"[,，;；\s]+", names)
    tags = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        if len(name) > 40:
            raise ValidationError({"tags": _("A tag has at most 40 characters.")})
        tags.append(Tag.objects.get_or_create(name=name)[0])
    return tags


# -- who sees what -----------------------------------------------------------------------------------


def materials_readable(user):
    """Materials the user may open: the published ones of their unit and above, and every material in the
    scope where they hold study.manage."""
    q = scope_q(user, "study.manage", model=Material)
    member = member_of(user)
    if member is not None:
        q |= Q(pk__in=Material.objects.for_member(member).values("pk"))
    return Material.objects.filter(q)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def materials_filter(user, params) -> tuple:
    """The readable materials matching the request's filters, and the filters as read."""
    materials = materials_readable(user).select_related("organisation", "category")
    category_id = _int(params.get("category"))
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    tag = (params.get("tag") or "").strip()[:40]
    topic = params.get("topic") if params.get("topic") in TopicKind.values else ""
    kind = params.get("kind") if params.get("kind") in MaterialKind.values else ""
    q = (params.get("q") or "").strip()[:100]
    if category:
        materials = materials.filter(category__in=Category.objects.filter(category.subtree_q()))
    if tag:
        materials = materials.filter(tags__name=tag)
    if topic:
        materials = materials.filter(topic=topic)
    if kind:
        materials = materials.filter(kind=kind)
    materials = material_search(materials, q) if q else materials.order_by("-published_at", "-pk")
    return materials, {"category": category, "tag": tag, "topic": topic, "kind": kind, "q": q}


def material_may_edit(user, material: Material) -> bool:
    return can(user, "study.manage", material)


# -- writing -----------------------------------------------------------------------------------------


def _may(actor, obj) -> None:
    if actor is not None and not can(actor, "study.manage", obj):
        raise PermissionDenied(_("You may not edit this unit's library."))


def _fill(material: Material, *, kind, title, summary, body, url, category, topic, minutes, file) -> None:
    if kind not in MaterialKind.values:
        raise ValidationError({"kind": _("Unknown kind of material: {kind}.").format(kind=kind)})
    if topic not in TopicKind.values:
        raise ValidationError({"topic": _("Unknown topic: {topic}.").format(topic=topic)})
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the material a title.")})
    material.kind, material.title, material.summary, material.topic = kind, title[:200], summary or "", topic
    material.minutes = max(0, int(minutes or 0))
    material.category = category_get(category) if isinstance(category, str) else category
    material.body, material.url = "", ""
    if kind == MaterialKind.ARTICLE:
        material.body = html_sanitise(body)
        material.search_text = html_text(material.body)
        if not material.search_text.strip():
            raise ValidationError({"body": _("Write the article.")})
    elif kind == MaterialKind.LINK:
        url = (url or "").strip()
        if not url.startswith("/") or url.startswith("//") or "\\" in url:
            raise ValidationError({"url": _("Give an address on this site, starting with “/”.")})
        material.url = url[:500]
        material.search_text = ""
    if kind in FILE_TYPES:
        if file is None:
            if not material.file or material.content_type not in FILE_TYPES[kind]:
                raise ValidationError({"file": _("Choose {what} to upload.").format(what=FILE_KINDS_TEXT[kind])})
            return
        content_type, shown = _check_file(kind, file)
        material.search_text = file_text(file, content_type)
        material.content_type, material.file_name, material.file_size = content_type, shown, file.size
        # Stored under a random name: the name the user gave never reaches the file system.
        material.file.save(
            f"{timezone.now():%Y%m%d}-{secrets.token_hex(8)}{FILE_TYPES[kind][content_type]}", file, save=False
        )
    elif material.file:
        material.file = None
        material.content_type, material.file_name, material.file_size = "", "", 0


@transaction.atomic
def material_create(
    *,
    org: Organisation,
    kind: str,
    title: str,
    summary: str = "",
    body: str = "",
    file=None,
    url: str = "",
    category: str | Category | None = "",
    tags=(),
    topic: str = TopicKind.CHARTER,
    minutes: int = 0,
    actor,
) -> Material:
    """A draft material of `org`'s library, indexed for search."""
    _may(actor, org)
    material = Material(organisation=org, created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _fill(material, kind=kind, title=title, summary=summary, body=body, url=url, category=category,
          topic=topic, minutes=minutes, file=file)  # fmt: skip
    try:
        material.save()
        material.tags.set(tags_get(tags))
        material_index(material)
        audit_record(
            actor=actor,
            action="study.material_create",
            obj=material,
            changes={"title": material.title, "kind": kind, "file": material.file_name},
        )
    except Exception:
        if material.file:
            material.file.delete(save=False)
        raise
    return material


def _lock(material: Material, version: int | None) -> Material:
    fresh = Material.objects.select_for_update().select_related("organisation").get(pk=material.pk)
    if version is not None and fresh.version != version:
        raise Conflict(str(_STALE))
    return fresh


@transaction.atomic
def material_update(
    *,
    material: Material,
    version: int | None,
    kind: str,
    title: str,
    summary: str = "",
    body: str = "",
    file=None,
    url: str = "",
    category: str | Category | None = "",
    tags=(),
    topic: str = TopicKind.CHARTER,
    minutes: int = 0,
    actor,
) -> Material:
    """Change a material (keeping its file when no new one is given); refused (Conflict) on a stale version."""
    _may(actor, material)
    material = _lock(material, version)
    old_file = material.file.name if material.file else ""
    _fill(material, kind=kind, title=title, summary=summary, body=body, url=url, category=category,
          topic=topic, minutes=minutes, file=file)  # fmt: skip
    material.version += 1
    material.save()
    material.tags.set(tags_get(tags))
    material_index(material)
    audit_record(actor=actor, action="study.material_update", obj=material, changes={"title": material.title})
    if old_file and old_file != (material.file.name if material.file else ""):
        storage = Material._meta.get_field("file").storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return material


TRANSITIONS = {
    PublishStatus.DRAFT: {PublishStatus.PUBLISHED},
    PublishStatus.PUBLISHED: {PublishStatus.WITHDRAWN},
    PublishStatus.WITHDRAWN: {PublishStatus.PUBLISHED},
}


@transaction.atomic
def material_transition(*, material: Material, version: int | None, status: str, actor) -> Material:
    """Publish or withdraw a material."""
    _may(actor, material)
    material = _lock(material, version)
    if status not in TRANSITIONS.get(material.status, set()):
        raise ValidationError(
            _("A material that is {old} cannot become {new}.").format(
                old=material.get_status_display(), new=PublishStatus(status).label if status in PublishStatus.values
                else status,
            )
        )  # fmt: skip
    old = material.status
    material.status = status
    if status == PublishStatus.PUBLISHED:
        material.published_at = timezone.now()
    material.version += 1
    material.save(update_fields=["status", "published_at", "version", "updated_at"])
    material_index(material)
    audit_record(actor=actor, action="study.material_transition", obj=material, changes={"status": [old, status]})
    return material


# -- reading -----------------------------------------------------------------------------------------


def material_open(*, material: Material, member: Member) -> ReadingRecord:
    """Record, once, that the member opened the material."""
    record, _created = ReadingRecord.objects.get_or_create(material=material, member=member)
    return record


@transaction.atomic
def material_finish(*, material: Material, member: Member, actor) -> ReadingRecord:
    """The member says they have finished studying the material (once; points if the organisation gives
    them)."""
    if material.status != PublishStatus.PUBLISHED:
        raise ValidationError(_("The material is not published."))
    record, _created = ReadingRecord.objects.select_for_update().get_or_create(material=material, member=member)
    if record.finished_at is not None:
        return record
    record.finished_at = timezone.now()
    record.save(update_fields=["finished_at"])
    audit_record(actor=actor, action="study.material_finish", obj=material, changes={"member": member.pk})
    points_award(member=member, kind=PointsKind.MATERIAL_FINISHED, ref=f"material:{material.pk}")
    return record


def material_reading_stats(material: Material, user) -> dict:
    """How many of the members in the user's scope opened and finished the material, per unit."""
    members = Member.objects.filter(scope_q(user, "study.view", model=Member), status__in=ON_REGISTER)
    readings = ReadingRecord.objects.filter(material=material, member__in=members)
    rows = list(
        readings.values("member__organisation_id", "member__organisation__name")
        .annotate(opened=Count("pk"), finished=Count("pk", filter=Q(finished_at__isnull=False)))
        .order_by("member__organisation__path")
    )
    return {
        "members": members.count(),
        "opened": sum(r["opened"] for r in rows),
        "finished": sum(r["finished"] for r in rows),
        "units": rows,
    }


def file_stream_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `Range: bytes=a-b` request; None when absent or not one we serve
    (the whole file is sent); ValueError when unsatisfiable."""
    match = re.fullmatch(r"\s*bytes=(\d*)-(\d*)\s*", header or "")
    if not match or (not match[1] and not match[2]):
        return None
    if match[1]:
        first = int(match[1])
        last = min(int(match[2]), size - 1) if match[2] else size - 1
    else:
        first, last = max(0, size - int(match[2])), size - 1
    if first >= size or first > last:
        raise ValueError(header)
    return first, last
