"""Roster export: the members of a filtered list written to an .xlsx file by a task.

The file has the import template's columns, so that an export can be edited and imported again in
update mode. Identity numbers are masked unless the user holds `member.view_id` where the member
is; when any are shown in full, the export is audited as such, once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO

from django.db.models import BooleanField, Case, Value, When
from django.utils.translation import gettext as _

from qinglian.core import crypto
from qinglian.core.audit import audit_record
from qinglian.orgs.access import scope_q
from qinglian.orgs.filters import MemberFilterForm
from qinglian.orgs.models import Member, Organisation
from qinglian.orgs.services.imports import CATEGORIES, GENDERS, NO, ROSTER_COLUMNS, YES
from qinglian.reports.xlsx import Sheet, write_workbook

CHUNK = 2000
GENDER_TEXT = {code: text for text, code in GENDERS.items()}
CATEGORY_TEXT = {code: text for text, code in CATEGORIES.items()}


def member_export_queryset(*, user, root: Organisation, params: dict):
    """The members an export of `root` with the list's filters covers: those the user may export."""
    form = MemberFilterForm(params)
    members = form.apply(Member.objects.visible_to(user, "member.import").in_subtree(root))
    return members.annotate(
        full_id=Case(
            When(scope_q(user, "member.view_id", model=Member), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    ).order_by("name_pinyin", "id")


def member_export(
    *, user, root: Organisation, params: dict, out: IO[bytes], progress: Callable[[int, int], None] | None = None
) -> int:
    """Write the filtered members to `out` as .xlsx; returns the number of rows. Audited once."""
    members = member_export_queryset(user=user, root=root, params=params)
    total = members.count()
    report = progress or (lambda done, total: None)
    report(0, total)
    shown = {"full": 0}

    def rows() -> Iterator[list]:
        values = members.values_list(
            "name", "gender", "ethnicity", "birth_date", "id_number_masked", "id_number_cipher", "full_id",
            "native_place", "education", "phone", "organisation__code", "organisation__name", "post", "rank",
            "category", "joined_on", "full_member_on", "status", "is_mobile", "is_lost_contact", "is_cadre",
            "cadre_level",
        )  # fmt: skip
        for row in values.iterator(chunk_size=CHUNK):
            (name, gender, ethnicity, born, masked, cipher, full_id, native, education, phone, code, org_name, post,
             rank, category, joined, full, status, mobile, lost, cadre, level) = row  # fmt: skip
            if full_id and cipher:
                number = crypto.decrypt(cipher)
                shown["full"] += 1
            else:
                number = masked
            yield [
                name, GENDER_TEXT.get(gender, gender), ethnicity, born, number, native, education, phone,
                code or org_name, post, rank, CATEGORY_TEXT.get(category, category), joined, full, status,
                YES if mobile else NO, YES if lost else NO, YES if cadre else NO, level,
            ]  # fmt: skip

    sheet = Sheet(
        title=_("Members"),
        headers=[str(c.header) for c in ROSTER_COLUMNS],
        rows=rows(),
        widths=[c.width for c in ROSTER_COLUMNS],
    )
    written = write_workbook(out, [sheet], progress=lambda n: report(n, total))
    audit_record(
        actor=user,
        action="member.export",
        obj=root,
        changes={"rows": written, "filters": {k: v for k, v in params.items() if v}, "full_id_numbers": shown["full"]},
    )
    return written
