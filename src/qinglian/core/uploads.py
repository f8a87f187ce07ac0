"""Checking an uploaded evidence file: its type read from its bytes, its size, a name fit to show.

Shared by every module that keeps files people upload as records (meeting attachments, evidence of
rectification and of tasks). The stored name is random; the name the user gave is only shown.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

IMAGE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALLOWED_TYPES = {**IMAGE_TYPES, "application/pdf": ".pdf", DOCX_TYPE: ".docx", XLSX_TYPE: ".xlsx"}


def sniff(head: bytes) -> str | None:
    """The content type of an allowed file, read from its first bytes; None for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def office_type(file) -> str | None:
    """.docx or .xlsx: a zip holding the part each format requires."""
    try:
        file.seek(0)
        names = set(zipfile.ZipFile(file).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX_TYPE
    if "xl/workbook.xml" in names:
        return XLSX_TYPE
    return None


def safe_name(name: str, content_type: str) -> str:
    """A file name fit to show and to send back: no folders, controls or reserved characters; the right extension."""
    base = PurePath(str(name or "").replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = re.sub(r'[<>:"/\\|?*]+', "_", base).strip(" .")
    wanted = ALLOWED_TYPES[content_type]
    suffix = PurePath(base).suffix.lower() if base else ""
    if suffix == wanted or (suffix == ".jpeg" and wanted == ".jpg"):
        stem, ext = base[: -len(suffix)], base[-len(suffix) :]
    else:
        stem, ext = base, wanted
    stem = stem.strip(" .")[: 150 - len(ext)] or _("attachment")
    return f"{stem}{ext}"


def upload_accept(file, *, name: str = "", field: str = "file") -> tuple[str, str, int]:
    """Check an uploaded file and return (content type, display name, size).

    Images (JPEG, PNG, GIF, WebP), PDF, .docx and .xlsx only, checked by content; at most the upload
    limit. Raises ValidationError on `field` with a message naming the file.
    """
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    size = file.size or 0
    shown = name or getattr(file, "name", "") or ""
    plain = PurePath(shown.replace("\\", "/")).name
    if size == 0:
        raise ValidationError({field: _("“{name}” is empty.").format(name=plain)})
    if size > limit:
        raise ValidationError(
            {
                field: _("The file is {size:.1f} MB; at most {max} MB can be uploaded.").format(
                    size=size / (1024 * 1024), max=limit // (1024 * 1024)
                )
            }
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    content_type = sniff(head) or (office_type(file) if head.startswith(b"PK") else None)
    if content_type is None:
        message = _("“{name}” is not a photo (JPEG, PNG, GIF, WebP), PDF, Word (.docx) or Excel (.xlsx) file.")
        raise ValidationError({field: message.format(name=plain)})
    return content_type, safe_name(shown, content_type), size


def stored_name(content_type: str) -> str:
    """A random file name under which an upload is stored (the user's name never reaches the file system)."""
    return f"{timezone.now():%Y%m%d}-{secrets.token_hex(8)}{ALLOWED_TYPES[content_type]}"
