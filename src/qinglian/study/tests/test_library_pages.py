"""The library as members and staff use it: who sees what, the list and search, the file with byte ranges,
reading records, writing a material, and the API."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qinglian.study.models import Material, ReadingRecord
from qinglian.study.services import library as services
from qinglian.study.tests.test_library_search import docx_bytes
from qinglian.study.vocab import MaterialKind, PublishStatus

pytestmark = pytest.mark.usefixtures("in_english")

VIDEO = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 8


def published(org, title, **fields):
    fields.setdefault("kind", MaterialKind.ARTICLE)
    if fields["kind"] == MaterialKind.ARTICLE:
        fields.setdefault("body", f"<p>{title}的正文</p>")
    material = services.material_create(org=org, title=title, actor=None, **fields)
    return services.material_transition(material=material, version=None, status=PublishStatus.PUBLISHED, actor=None)


def test_members_see_their_units_and_the_units_above_not_a_sibling_branch(cast, login):
    tree = cast.tree
    own = published(tree.branch_a, "第一支部材料")
    above = published(tree.root, "机关党委材料")
    sibling = published(tree.branch_b, "第二支部材料")
    draft = services.material_create(org=tree.root, kind=MaterialKind.ARTICLE, title="草稿", body="<p>x</p>",
                                      actor=None)  # fmt: skip
    client = login(cast.member)
    page = client.get(reverse("study:library")).content.decode()
    assert own.title in page and above.title in page
    assert sibling.title not in page and draft.title not in page
    assert client.get(reverse("study:material_detail", args=[sibling.pk])).status_code == 404
    assert client.get(reverse("study:material_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("study:material_detail", args=[above.pk])).status_code == 200
    # branch_a's secretary manages branch_a's library only.
    secretary = login(cast.secretary)
    assert secretary.get(reverse("study:material_update", args=[own.pk])).status_code == 200
    assert secretary.get(reverse("study:material_update", args=[above.pk])).status_code == 404


def test_search_page_highlights_and_its_queries_are_bounded(cast, login, django_assert_max_num_queries):
    org = cast.tree.branch_a
    for n in range(25):
        published(org, f"学习材料{n}", category="党章党规/纪律处分条例", tags="两学一做")
    published(org, "纪律处分条例解读", body="<p>新修订的纪律处分条例全文。</p>")
    client = login(cast.member)
    with django_assert_max_num_queries(17):
        response = client.get(reverse("study:library"), {"q": "纪律处分"})
    body = response.content.decode()
    assert "<mark>纪律处分</mark>" in body and "学习材料" not in body
    with django_assert_max_num_queries(17):
        response = client.get(reverse("study:library"))
    assert response.context["page"].paginator.count == 26
    category = Material.objects.filter(title="学习材料1").get().category.parent
    filtered = client.get(reverse("study:library"), {"category": category.pk, "tag": "两学一做"})
    assert filtered.context["page"].paginator.count == 25


def test_a_video_is_served_with_its_type_and_byte_ranges(cast, login):
    video = published(
        cast.tree.branch_a, "警示教育片", kind=MaterialKind.VIDEO, file=SimpleUploadedFile("片.webm", VIDEO)
    )
    client = login(cast.member)
    url = reverse("study:material_file", args=[video.pk])
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Content-Type"] == "video/webm"
    assert whole["Accept-Ranges"] == "bytes" and b"".join(whole.streaming_content) == VIDEO
    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(VIDEO)}" and part["Content-Length"] == "100"
    assert b"".join(part.streaming_content) == VIDEO[100:200]
    tail = client.get(url, headers={"Range": "bytes=-10"})
    assert b"".join(tail.streaming_content) == VIDEO[-10:]
    assert client.get(url, headers={"Range": f"bytes={len(VIDEO)}-"}).status_code == 416
    assert login(cast.secretary_b).get(url).status_code == 404


def test_opening_is_recorded_once_and_finishing_when_the_member_says_so(cast, login):
    material = published(cast.tree.branch_a, "党章")
    client = login(cast.member)
    client.cookies["django_language"] = "en"  # in_english covers this thread, not the request
    client.get(reverse("study:material_detail", args=[material.pk]))
    first = ReadingRecord.objects.get()
    client.get(reverse("study:material_detail", args=[material.pk]))
    assert ReadingRecord.objects.get().opened_at == first.opened_at and first.finished_at is None
    response = client.post(reverse("study:material_finish", args=[material.pk]), follow=True)
    assert "You have finished studying" in response.content.decode() or "You finished studying" in (
        response.content.decode()
    )
    assert ReadingRecord.objects.get().finished_at is not None
    stats = login(cast.secretary).get(reverse("study:material_stats", args=[material.pk]))
    assert stats.context["stats"]["opened"] == 1 and stats.context["stats"]["finished"] == 1


def test_staff_add_a_document_and_a_fake_pdf_is_refused(cast, login):
    client = login(cast.secretary)
    client.cookies["django_language"] = "en"  # in_english covers this thread, not the request
    unit = cast.tree.branch_a.pk
    fake = SimpleUploadedFile("条例.pdf", b"not really a pdf at all")
    refused = client.post(
        reverse("study:material_create"),
        {"organisation": unit, "kind": "document", "title": "条例", "topic": "charter", "file": fake},
    )
    assert refused.status_code == 422 and "is not a PDF or Word" in refused.content.decode()
    upload = SimpleUploadedFile("条例.docx", docx_bytes("中国共产党纪律处分条例全文"))
    response = client.post(
        reverse("study:material_create"),
        {"organisation": unit, "kind": "document", "title": "条例", "topic": "charter", "file": upload,
         "category": "党章党规/纪律处分条例"},
    )  # fmt: skip
    material = Material.objects.get()
    assert response.status_code == 302 and material.status == PublishStatus.DRAFT
    assert list(services.material_search(Material.objects.all(), "处分条例")) == [material]
    publish = client.post(
        reverse("study:material_transition", args=[material.pk]), {"status": "published", "version": 1}
    )
    assert publish.status_code == 302
    material.refresh_from_db()
    assert material.status == PublishStatus.PUBLISHED and material.version == 2


def test_the_api_lists_searches_writes_and_marks_finished(cast, login, django_assert_max_num_queries):
    client = login(cast.secretary)
    created = client.post(
        "/api/v1/study/library/materials",
        {"organisation_id": cast.tree.branch_a.pk, "kind": "article", "title": "廉洁自律准则",
         "body": "<p>廉洁自律<script>x()</script></p>"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    data = created.json()
    assert "<script" not in data["body"] and data["status"] == "draft"
    url = f"/api/v1/study/library/materials/{data['id']}"
    changed = client.post(url, {"version": 1, "kind": "article", "title": "廉洁自律准则（2026）", "body": "<p>新</p>"})
    assert changed.json()["version"] == 2
    stale = client.post(url, {"version": 1, "kind": "article", "title": "旧", "body": "<p>旧</p>"})
    assert stale.status_code == 409
    published = client.post(f"{url}/status", {"version": 2, "status": "published"}, "application/json")
    assert published.json()["status"] == "published"
    member = login(cast.member)
    with django_assert_max_num_queries(11):
        listed = member.get("/api/v1/study/library/materials", {"q": "自律"}).json()
    assert [m["id"] for m in listed["items"]] == [data["id"]]
    assert member.post(f"{url}/finish").json()["finished_at"] is not None
    assert login(cast.secretary_b).get(url).status_code == 404
