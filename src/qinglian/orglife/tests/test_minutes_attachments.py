"""Attachments: only photos, PDF and Office files, checked by content; stored under a random name;
served only through access control with the name they were given; fixed once the record is locked."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from qinglian.core.uploads import safe_name
from qinglian.orglife.models import Attachment
from qinglian.orglife.services.minutes import attachment_add, attachment_remove, minutes_correct
from qinglian.orglife.tests.factories import attend_all, meeting_make, minutes_make
from qinglian.orglife.vocab import AttachmentKind
from qinglian.reports import docx

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"


@pytest.fixture
def meeting(cast):
    return attend_all(meeting_make(cast.tree.branch_a, title="第一支部党员大会"))


def _docx_bytes() -> bytes:
    doc = docx.document_new()
    docx.add_paragraph(doc, "签到表")
    return docx.document_bytes(doc)


def test_photos_pdf_and_office_files_are_kept_under_a_random_name(cast, meeting, settings):
    photo = attachment_add(
        meeting=meeting, file=ContentFile(JPEG, name="会场照片.JPG"), kind=AttachmentKind.PHOTO, actor=cast.secretary
    )
    assert photo.name == "会场照片.JPG" and photo.content_type == "image/jpeg" and photo.size == len(JPEG)
    assert "会场" not in photo.file.name and photo.file.name.endswith(".jpg")
    assert Path(settings.MEDIA_ROOT, photo.file.name).read_bytes() == JPEG
    scan = attachment_add(meeting=meeting, file=ContentFile(PDF, name="签到表.pdf"), kind="sign_in", actor=None)
    assert scan.content_type == "application/pdf"
    word = attachment_add(meeting=meeting, file=ContentFile(_docx_bytes(), name="材料"), kind="document", actor=None)
    assert word.name == "材料.docx" and "wordprocessingml" in word.content_type


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00" + b"\0" * 32, "照片.png"),  # a program named as a photo
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "图.svg"),
        (b"just text", "说明.txt"),
        (b"PK\x03\x04not really a zip", "假的.docx"),
    ],
    ids=["exe-as-png", "svg", "text", "broken-zip"],
)
def test_other_files_are_refused(cast, meeting, content, name):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        attachment_add(meeting=meeting, file=ContentFile(content, name=name), kind="document", actor=cast.secretary)
    assert "is not a photo (JPEG, PNG, GIF, WebP), PDF, Word (.docx) or Excel (.xlsx) file" in " ".join(
        exc.value.messages
    )
    assert not Attachment.objects.exists()


def test_a_photo_must_be_an_image_and_files_have_a_size_limit(cast, meeting, settings):
    with pytest.raises(ValidationError):
        attachment_add(meeting=meeting, file=ContentFile(PDF, name="a.pdf"), kind="photo", actor=None)
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    big = ContentFile(PNG + b"\0" * (1024 * 1024), name="大照片.png")
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        attachment_add(meeting=meeting, file=big, kind="photo", actor=None)
    assert "at most 1 MB can be uploaded" in " ".join(exc.value.messages)
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("given", "content_type", "kept"),
    [
        ("../../etc/照片.png", "image/png", "照片.png"),
        ("C:\\Users\\张伟\\签到表.pdf", "application/pdf", "签到表.pdf"),
        ("a<b>:c|d?.png", "image/png", "a_b_c_d_.png"),
        ("照片\u202egnp.exe", "image/png", "照片gnp.exe.png"),
        ("报告.pdf.exe", "application/pdf", "报告.pdf.exe.pdf"),
        ("", "image/jpeg", "attachment.jpg"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
    ],
)
def test_file_names_are_made_safe(given, content_type, kept):
    with translation.override("en"):
        assert safe_name(given, content_type) == kept


def test_attachments_are_fixed_while_the_record_is_locked(cast, meeting):
    kept = attachment_add(meeting=meeting, file=ContentFile(PNG, name="照片.png"), kind="photo", actor=None)
    record = minutes_make(meeting, actor=cast.secretary, approve_by=cast.secretary)
    with pytest.raises(ValidationError):
        attachment_remove(attachment=kept, actor=cast.secretary)
    with pytest.raises(ValidationError):
        attachment_add(meeting=meeting, file=ContentFile(PNG, name="后补.png"), kind="photo", actor=None)
    assert Attachment.objects.filter(pk=kept.pk).exists()
    minutes_correct(meeting=meeting, reason="补充照片", actor=cast.secretary, version=record.version)
    attachment_add(meeting=meeting, file=ContentFile(PNG, name="后补.png"), kind="photo", actor=None)
    attachment_remove(attachment=kept, actor=cast.secretary)
    assert list(Attachment.objects.values_list("name", flat=True)) == ["后补.png"]


def test_upload_and_download_through_the_pages(cast, meeting, login, django_capture_on_commit_callbacks, settings):
    client = login(cast.secretary)
    upload = SimpleUploadedFile("第一支部 会场照片.png", PNG, content_type="image/png")
    response = client.post(reverse("orglife:attachment_upload", args=[meeting.pk]), {"kind": "photo", "file": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    page = client.get(reverse("orglife:minutes_detail", args=[meeting.pk])).content.decode()
    download = reverse("orglife:attachment_download", args=[attachment.pk])
    assert f'src="{download}?inline=1"' in page  # the thumbnail comes through the checked view
    assert settings.MEDIA_URL not in page
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" + quote("第一支部 会场照片.png") in response["Content-Disposition"]
    assert client.get(download + "?inline=1")["Content-Disposition"].startswith("inline;")
    # Another branch's secretary and a user without a role get nothing.
    for user in (cast.secretary_b, cast.outsider):
        assert login(user).get(download).status_code == 404
    member = login(cast.member)
    assert member.get(download).status_code == 200  # a member of the branch may see the photos
    assert member.post(reverse("orglife:attachment_remove", args=[attachment.pk])).status_code == 404
    client = login(cast.secretary)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orglife:attachment_remove", args=[attachment.pk]))
    assert response.status_code == 302 and not Attachment.objects.exists()
    assert not Path(settings.MEDIA_ROOT, attachment.file.name).exists()


def test_a_refused_upload_says_why(cast, meeting, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("orglife:attachment_upload", args=[meeting.pk]),
        {"kind": "photo", "file": SimpleUploadedFile("病毒.png", b"MZ" + b"\0" * 40)},
        follow=True,
    )
    assert "“病毒.png” is not a photo" in response.content.decode()
    assert not Attachment.objects.exists()
