"""The library's rows of the route table: branch_b's materials, refused to branch_a's people (their members see
only their own unit's and the units' above), to branch_a's manager and to users without a role."""

from __future__ import annotations

from qinglian.core.tests.web import Route

B_REFUSED = ("outsider", "secretary", "manager_a", "member")
NO_MANAGE = ("outsider", "member")
SECRET = "第二支部的学习材料"


def world_extend(world) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qinglian.study.services import library
    from qinglian.study.vocab import MaterialKind, PublishStatus

    branch_b = world.cast.tree.branch_b
    article = library.material_create(
        org=branch_b, kind=MaterialKind.ARTICLE, title=SECRET, body="<p>第二支部的正文</p>", actor=None
    )
    article = library.material_transition(material=article, version=None, status=PublishStatus.PUBLISHED, actor=None)
    video = library.material_create(
        org=branch_b,
        kind=MaterialKind.VIDEO,
        title="第二支部的视频",
        file=SimpleUploadedFile("v.webm", b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 4),
        actor=None,
    )
    world.extra.update(material_b=article, video_b=video)


def _pk(name):
    return lambda w: {"pk": w.extra[name].pk}


ROUTES: list[Route] = [
    Route("study:library", allowed="secretary_b", secret=lambda w: SECRET),
    Route("study:material_create", refused=NO_MANAGE, allowed="secretary_b"),
    Route(
        "study:material_detail",
        kwargs=_pk("material_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: SECRET,
    ),
    Route("study:material_file", kwargs=_pk("video_b"), refused=B_REFUSED, allowed="secretary_b"),
    Route("study:material_finish", "post", kwargs=_pk("material_b"), refused=B_REFUSED, allowed="secretary_b"),
    Route(
        "study:material_update",
        kwargs=_pk("material_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: SECRET,
    ),
    Route(
        "study:material_transition",
        "post",
        kwargs=_pk("material_b"),
        data=lambda w: {"status": "draft", "version": 0},
        refused=B_REFUSED,
        allowed="secretary_b",
    ),
    Route(
        "study:material_stats",
        kwargs=_pk("material_b"),
        refused=B_REFUSED,
        allowed="secretary_b",
        secret=lambda w: SECRET,
    ),
]
