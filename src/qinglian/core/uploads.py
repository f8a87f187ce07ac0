"""Checking an uploaded evidence file: its type read from its bytes, its size, a name fit to show.

Shared by every module that keeps files people upload as records (meeting attachments, evidence of
rectification and of tasks). The stored name is random; the name the user gave is only shown.

Also the limits every upload meets before a view sees it: a request larger than FILE_UPLOAD_MAX_SIZE is answered
413 without its body being read (`UploadLimitMiddleware`, `LimitedUploadHandler`), and the upload folder's storage
turns a full disk into `StorageFull`, leaving no half-written file (`MediaStorage`, `write_file`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Iterable
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
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


# -- limits on the request and on the disk ----------------------------------------------------------------------


def _too_large_message(limit: int) -> str:
    return _("The upload is larger than {max} MB, the most the server accepts. Nothing was saved.").format(
        max=limit // (1024 * 1024)
    )


class UploadTooLarge(Exception):
    """A request's files exceed FILE_UPLOAD_MAX_SIZE; raised before (or as soon as) the excess is read."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(_too_large_message(limit))


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: refuses a multipart body larger than FILE_UPLOAD_MAX_SIZE, by its declared
    length before anything is read, and by the bytes actually received (a body that lies about its length)."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = settings.FILE_UPLOAD_MAX_SIZE
        self.received = 0
        if content_length > self.limit:
            raise UploadTooLarge(self.limit)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            raise UploadTooLarge(self.limit)
        return raw_data

    def file_complete(self, file_size):
        return None


def _refusal(request, status: int, code: str, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": code, "message": message}}, status=status)
    return render(request, "core/error.html", {"status": status, "title": title, "message": message}, status=status)


class UploadLimitMiddleware:
    """Answer 413 to a request whose body is larger than FILE_UPLOAD_MAX_SIZE without reading it (the server never
    writes the upload to disk), and parse a multipart body here, before any view, so that the upload handler's
    refusal becomes that answer too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.FILE_UPLOAD_MAX_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        refused = length > limit
        if not refused and request.method == "POST" and request.content_type == "multipart/form-data":
            try:
                request.FILES  # noqa: B018 - parsing is the point: the handler refuses while it reads
            except UploadTooLarge:
                refused = True
        if refused:
            response = _refusal(request, 413, "too_large", _("Upload too large"), _too_large_message(limit))
            # The rest of the body is not read: tell the client to stop sending it.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class StorageFull(ValidationError):
    """The upload folder's disk (or quota) is full; the partial file has been removed."""

    def __init__(self):
        super().__init__(
            _("The server's storage is full; nothing was saved. Tell your administrator."), code="storage_full"
        )


FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class MediaStorage(FileSystemStorage):
    """The upload folder: a write that fails for want of space removes what it wrote and raises StorageFull, which
    forms show as an error and the API answers with 507; the service's transaction then leaves no row either."""

    def _save(self, name, content):
        try:
            return super()._save(name, content)
        except OSError as exc:
            if exc.errno not in FULL_ERRNOS:
                raise
            # FileSystemStorage created the file exclusively under this name: what is there is our partial copy.
            with contextlib.suppress(OSError):
                os.remove(self.path(name))
            raise StorageFull from None


def write_file(path, data: bytes | str | Iterable[bytes]) -> None:
    """Write a whole file into the upload folder (an upload kept for its check, an import's checked rows): on a full
    disk the partial file is removed and StorageFull raised."""
    chunks = [data.encode("utf-8")] if isinstance(data, str) else [data] if isinstance(data, bytes) else data
    try:
        with open(path, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(path)
        if exc.errno in FULL_ERRNOS:
            raise StorageFull from None
        raise
