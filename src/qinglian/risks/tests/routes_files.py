"""Integrity files: rows of the route table.

a1 张伟 of branch_a (login "member") is a cadre with this year's file (risks_files_file): the family section is a
draft naming his spouse (SECRET), the gifts section is submitted, the posts section accepted; a login made for the
purpose (risks_files_reviewer) is his named reviewer. Only the cadre, discipline inspection (the inspector, on the
root with its subtree) and named reviewers open the file: the administrator, the committee office, the auditor, the
liaison, branch_a's secretary and commissioners, branch_b's secretary, manager_a and those without a role get 404.
Filling in and submitting are the cadre's alone; review steps and reviewers are discipline inspection's alone.
"""

from __future__ import annotations

from django.utils import timezone

from qinglian.core.tests.web import Route

SECRET = "赵秀英"
READ_REFUSED = (
    "outsider", "admin", "office", "auditor", "liaison", "secretary", "organiser", "propagandist", "discipline",
    "secretary_b", "manager_a",
)  # fmt: skip
CADRE_ONLY = (*READ_REFUSED, "inspector")
REVIEW_ONLY = (*READ_REFUSED, "member")
NO_MEMBER_RECORD = ("outsider", "admin", "office", "inspector", "secretary")


def world_extend(world) -> None:
    from qinglian.risks.tests import factories_files as f
    from qinglian.risks.vocab import SectionKind

    file = f.file_open(world.cast.members["a1"])
    f.family_saved(file, spouse=SECRET)
    f.submitted(file, SectionKind.GIFTS, {"gifts": [{"date": "2026-01-05", "giver": "某公司", "items": "购物卡",
                                                     "handed_to": "机关纪委"}]})  # fmt: skip
    f.accepted(file, SectionKind.POSTS, {"posts": [{"start": "2020-01-01", "unit": "财务处", "post": "处长"}]})
    reviewer = f.reviewer(file.member, f.plain_user("risks_files_reviewer"), by=world.cast.inspector)
    world.extra.update(risks_files_file=file, risks_files_named=reviewer)


def _file(w):
    return {"pk": w.extra["risks_files_file"].pk}


def _section(kind):
    def kwargs(w):
        from qinglian.risks.models import FileSection

        return {"pk": FileSection.objects.get(file=w.extra["risks_files_file"], kind=kind).pk}

    return kwargs


def _version(kind, **more):
    def data(w):
        from qinglian.risks.models import FileSection

        return {"version": FileSection.objects.get(file=w.extra["risks_files_file"], kind=kind).version, **more}

    return data


def _secret(w):
    return SECRET


def _year(w):
    return {"year": timezone.localdate().year - 1}


ROUTES = [
    Route("risks:file_mine", allowed="member"),
    Route("risks:file_open_mine", "post", refused=NO_MEMBER_RECORD, allowed="member"),
    Route("risks:file_list", refused=REVIEW_ONLY, allowed="inspector", secret=lambda w: "张伟"),
    Route("risks:file_open_all", "post", data=_year, refused=REVIEW_ONLY, allowed="inspector"),
    Route(
        "risks:file_open_for",
        "post",
        kwargs=lambda w: {"pk": w.cast.members["a1"].pk},
        data=_year,
        refused=REVIEW_ONLY,
        allowed="inspector",
    ),
    Route("risks:file_detail", kwargs=_file, refused=READ_REFUSED, allowed="member", secret=_secret),
    Route("risks:file_print", kwargs=_file, refused=READ_REFUSED, allowed="inspector", secret=_secret),
    Route("risks:file_log", kwargs=_file, refused=READ_REFUSED, allowed="member"),
    Route(
        "risks:reviewer_grant",
        "post",
        kwargs=_file,
        data=lambda w: {"username": "outsider", "reason": "越权指定"},
        refused=REVIEW_ONLY,
        allowed="inspector",
        secret=_secret,
    ),
    Route(
        "risks:reviewer_revoke",
        "post",
        kwargs=lambda w: {"pk": w.extra["risks_files_named"].pk},
        refused=REVIEW_ONLY,
        allowed="inspector",
    ),
    Route("risks:section_edit", kwargs=_section("family"), refused=CADRE_ONLY, allowed="member", secret=_secret),
    Route(
        "risks:section_row",
        kwargs=_section("family"),
        data=lambda w: {"list": "members"},
        refused=CADRE_ONLY,
        allowed="member",
    ),
    Route("risks:section_print", kwargs=_section("family"), refused=READ_REFUSED, allowed="inspector", secret=_secret),
    Route(
        "risks:section_submit",
        "post",
        kwargs=_section("family"),
        data=_version("family"),
        refused=CADRE_ONLY,
        allowed="member",
        secret=_secret,
    ),
    Route(
        "risks:section_return",
        "post",
        kwargs=_section("gifts"),
        data=_version("gifts", reason="越权退回"),
        refused=REVIEW_ONLY,
        allowed="inspector",
    ),
    Route(
        "risks:section_accept",
        "post",
        kwargs=_section("gifts"),
        data=_version("gifts"),
        refused=REVIEW_ONLY,
        allowed="inspector",
    ),
    Route(
        "risks:section_archive",
        "post",
        kwargs=_section("posts"),
        data=_version("posts"),
        refused=REVIEW_ONLY,
        allowed="inspector",
    ),
]
