"""The transfer letter (中国共产党党员组织关系介绍信): its fields on screen and as a Word document."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from qinglian.orgs.models import Member, Transfer
from qinglian.reports import docx

# The printed letter is an official Chinese form: its wording is fixed, whatever the reader's language.
TITLE = "中国共产党党员组织关系介绍信"
GENDER_ZH = {"M": "男", "F": "女"}
CATEGORY_ZH = {Member.Category.FULL: "正式党员", Member.Category.PROBATIONARY: "预备党员"}


def _age(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def person(transfer: Transfer) -> dict:
    """Name, gender, birth date, category and masked ID number, from the register or the incoming details."""
    if transfer.member_id and transfer.kind != "in":
        m = transfer.member
        return {
            "name": m.name,
            "gender": m.gender,
            "birth_date": m.birth_date,
            "category": m.category,
            "id_masked": m.id_number_masked,
        }
    data = transfer.incoming
    born = data.get("birth_date")
    return {
        "name": data.get("name", ""),
        "gender": data.get("gender", ""),
        "birth_date": date.fromisoformat(born) if born else None,
        "category": data.get("category", ""),
        "id_masked": data.get("id_number_masked", ""),
    }


def places(transfer: Transfer) -> tuple[str, str]:
    """(from, to) as names: an organisation's full name, or the unit outside the system."""
    source = transfer.from_org.name if transfer.from_org_id else transfer.external_unit
    target = transfer.to_org.name if transfer.to_org_id else transfer.external_unit
    return source, target


def letter_fields(transfer: Transfer) -> list[tuple[str, object]]:
    """The letter's details in the reader's language, for the detail page."""
    who = person(transfer)
    source, target = places(transfer)
    return [
        (_("Letter number"), transfer.letter_no),
        (pgettext("person", "Name"), who["name"]),
        (_("Gender"), dict(Member.Gender.choices).get(who["gender"], "")),
        (_("Age"), _age(who["birth_date"], transfer.requested_on) or "—"),
        (_("Category"), dict(Member.Category.choices).get(who["category"], "")),
        (_("Identity number"), who["id_masked"] or "—"),
        (_("Sending organisation"), source),
        (_("Receiving organisation"), target),
        (_("Scope"), transfer.get_scope_display()),
        (_("Dues paid until"), transfer.dues_paid_until or "—"),
        (_("Issued on"), transfer.requested_on),
        (_("Valid until"), transfer.expires_on),
    ]


def _zh_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "　　年　　月　　日"


def letter_document(transfer: Transfer):
    """The letter as a python-docx Document: the body in the usual wording, a table of its details, a receipt."""
    who = person(transfer)
    source, target = places(transfer)
    age = _age(who["birth_date"], transfer.requested_on)
    dues = transfer.dues_paid_until
    doc = docx.document_new()
    docx.add_title(doc, TITLE)
    docx.add_paragraph(doc, f"（{transfer.letter_no}）号", align="right", size=12)
    docx.add_paragraph(doc, f"{target}：")
    docx.add_paragraph(
        doc,
        f"{who['name']}同志（{GENDER_ZH.get(who['gender'], '')}，{age if age is not None else '　'}岁），"
        f"系中共{CATEGORY_ZH.get(who['category'], '党员')}，由{source}去{target}，请转接组织关系。"
        f"该同志党费已交到{f'{dues.year}年{dues.month}月' if dues else '　　年　　月'}。",
        indent=True,
    )
    docx.add_paragraph(doc, f"（有效期{transfer.valid_days}天）", indent=True)
    docx.add_fields(
        doc,
        [
            ("介绍信编号", transfer.letter_no),
            ("姓名", who["name"]),
            ("性别", GENDER_ZH.get(who["gender"], "")),
            ("年龄", age if age is not None else ""),
            ("党员类别", CATEGORY_ZH.get(who["category"], "")),
            ("身份证号码", who["id_masked"]),
            ("转出党组织", source),
            ("转入党组织", target),
            ("转接范围", transfer.scope),
            ("党费交至", _zh_date(dues) if dues else ""),
            ("有效期", f"{transfer.valid_days}天（至{_zh_date(transfer.expires_on)}）"),
        ],
    )
    docx.add_paragraph(doc, "")
    docx.add_paragraph(doc, f"{source}（盖章）", align="right")
    docx.add_paragraph(doc, _zh_date(transfer.requested_on), align="right")
    docx.add_paragraph(doc, "┄" * 30, align="center", size=10)
    docx.add_title(doc, "回　执", size=16)
    docx.add_paragraph(
        doc, f"{source}：{who['name']}同志的党员组织关系已转达我处。（{transfer.letter_no}）号", indent=True
    )
    docx.add_paragraph(doc, "（盖章）　　　　　　", align="right")
    received = timezone.localtime(transfer.decided_at).date() if transfer.status == "accepted" else None
    docx.add_paragraph(doc, _zh_date(received), align="right")
    return doc
