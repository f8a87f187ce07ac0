"""An integrity opinion reply as a Word letter (.docx): title, number, addressee, the opinion, the facts checked
year by year, and the signature block with the signing body and date. A reply not yet signed says so at the top
of every page.

The letter is a Chinese official document: its wording is fixed, whatever the reader's language (the opinion
itself is as the signer wrote it). Every export is an audit event (`reply_export`).
"""

from __future__ import annotations

from django.utils import timezone

from qinglian.core.registry import FACT_APPRAISAL, FACT_ASSESSMENT, FACT_CLUES, FACT_SANCTIONS, FACT_TALKS
from qinglian.reports import docx
from qinglian.risks.models import OpinionReply
from qinglian.risks.services import opinion as services
from qinglian.risks.services.opinion_draft import (
    MISSING,
    OCCASION_ZH,
    PURPOSE_ZH,
    RELATION_ZH,
    STATUS_ZH,
    TOPIC_ZH,
    zh_day,
)
from qinglian.risks.vocab import ReplyStatus, SectionStatus

DRAFT_MARK = "草稿　未签发　不作正式回复使用"
HEADERS = ["年度", "廉政档案", "报告的有关事项", "谈话、评议和考核", "问题线索、处分和利益冲突"]
WIDTHS = [1.9, 2.7, 4.5, 3.5, 3.4]


def reply_title(reply: OpinionReply) -> str:
    return f"关于{reply.member.name}同志党风廉政情况的意见回复"


def reply_filename(reply: OpinionReply) -> str:
    tail = reply.number if reply.status == ReplyStatus.SIGNED and reply.number else "（草稿）"
    return f"{reply.member.name}同志党风廉政意见回复{tail}.docx".replace("/", "_").replace("\\", "_")


def _file_cell(file: dict | None) -> list[str]:
    if file is None:
        return ["未建档"]
    statuses = [section["status"] for section in file["sections"]]
    handed = sum(status not in (MISSING, SectionStatus.DRAFT) for status in statuses)
    reviewed = sum(status in (SectionStatus.ACCEPTED, SectionStatus.ARCHIVED) for status in statuses)
    lines = [f"已填报{handed}/{len(statuses)}项", f"已审核{reviewed}项"]
    returned = [s for s in file["sections"] if s["status"] == SectionStatus.RETURNED]
    if returned:
        lines.append(f"{STATUS_ZH[SectionStatus.RETURNED]}{len(returned)}项")
    return lines


def _declared_cell(facts: dict, year: int, has_file: bool) -> list[str]:
    if not has_file:
        return ["—"]
    d = {key: [row for row in rows if row.get("year") == year] for key, rows in facts.get("declared", {}).items()}
    lines = []
    for row in d.get("weddings", []):
        lines.append(f"操办{OCCASION_ZH.get(row.get('occasion'), '喜庆事宜')}（{zh_day(row.get('date'))}）")
    for row in d.get("gifts", []):
        value = f"，{row['value']}元" if row.get("value") not in (None, "") else ""
        lines.append(f"上交{row.get('items') or '礼品'}（{zh_day(row.get('date'))}{value}）")
    for row in d.get("trips", []):
        lines.append(f"因私出国（境）：{row.get('destination') or ''}（{zh_day(row.get('start'))}）")
    for row in d.get("businesses", []):
        lines.append(f"{RELATION_ZH.get(row.get('relation'), '亲属')}经商：{row.get('company') or ''}")
    for row in d.get("emigration", []):
        lines.append(f"{RELATION_ZH.get(row.get('relation'), '亲属')}移居：{row.get('country') or ''}")
    for _row in d.get("marriage", []):
        lines.append("婚姻变化")
    return lines or ["无"]


def _topic_lines(facts: dict, year: int, topics: tuple[str, ...]) -> list[str]:
    lines = []
    for topic in topics:
        entry = facts.get("topics", {}).get(topic, {"held": False, "items": []})
        items = [item for item in entry.get("items", []) if item.get("year") == year]
        lines += [f"{TOPIC_ZH[topic]}：{item.get('title', '')}" for item in items]
        if not items and not entry.get("held") and topic in (FACT_CLUES, FACT_SANCTIONS):
            lines.append(f"{TOPIC_ZH[topic]}：系统未掌握")
    return lines


def _concern_cell(facts: dict, year: int) -> list[str]:
    lines = _topic_lines(facts, year, (FACT_CLUES, FACT_SANCTIONS))
    lines += [f"利益冲突：{c.get('supplier', '')}" for c in facts.get("conflicts", []) if c.get("year") == year]
    return lines or ["无"]


def reply_document(reply: OpinionReply):
    """The letter: a pure rendering of the reply as it stands (see `reply_export` for the audited door)."""
    facts = reply.facts or {}
    signed = reply.status == ReplyStatus.SIGNED
    doc = docx.document_new(margins_cm=2.6)
    if not signed:
        for section in doc.sections:
            header = section.header.paragraphs[0]
            header.text = DRAFT_MARK
        docx.add_paragraph(doc, f"【{DRAFT_MARK}】", align="center", bold=True, size=12)
    docx.add_title(doc, reply_title(reply))
    docx.add_paragraph(doc, reply.number or "〔　　〕　号", align="center", size=14)
    docx.add_paragraph(doc, f"{reply.requested_by}：", size=16)
    for paragraph in (p.strip() for p in reply.body.splitlines()):
        if paragraph:
            docx.add_paragraph(doc, paragraph, indent=True, size=16)
    cadre = facts.get("cadre", {})
    since = zh_day(facts.get("since", ""))
    docx.add_paragraph(doc, f"附：{cadre.get('name', reply.member.name)}同志党风廉政情况核查表", bold=True, size=14)
    doc.paragraphs[-1].paragraph_format.keep_with_next = True  # never the heading alone at the foot of a page
    docx.add_fields(
        doc,
        [
            ("姓名", cadre.get("name", reply.member.name)),
            (
                "单位及职务",
                "　".join(v for v in (cadre.get("organisation"), cadre.get("post"), cadre.get("rank")) if v),
            ),
            ("征求意见事由", PURPOSE_ZH.get(reply.purpose, "有关事项")),
            ("核查范围", f"{since}至{zh_day(facts.get('compiled_on', ''))}"),
        ],
        size=11,
        label_cm=3.5,
    )
    files = {file["year"]: file for file in facts.get("files", [])}
    rows = []
    for year in facts.get("years", []):
        file = files.get(year)
        talks = _topic_lines(facts, year, (FACT_TALKS, FACT_APPRAISAL, FACT_ASSESSMENT)) or ["无记录"]
        rows.append(
            [
                f"{year}年",
                _file_cell(file),
                _declared_cell(facts, year, file is not None),
                talks,
                _concern_cell(facts, year),
            ]
        )
    docx.add_table(doc, HEADERS, rows, widths_cm=WIDTHS, size=10.5)
    earlier = [c for c in facts.get("conflicts", []) if c.get("year") not in facts.get("years", [])]
    if earlier:
        docx.add_paragraph(doc, "此前确认的利益冲突：" + "；".join(c.get("supplier", "") for c in earlier), size=11)
    docx.add_paragraph(doc, "")
    docx.add_paragraph(doc, reply.signer_title if signed else "（署名单位）", align="right", size=16)
    day = timezone.localtime(reply.signed_at).date() if signed else None
    docx.add_paragraph(doc, zh_day(day.isoformat()) if day else "　　年　　月　　日", align="right", size=16)
    docx.add_paragraph(doc, "（盖章）", align="right", size=12)
    docx.add_page_numbers(doc, before="— ", after=" —")
    return doc


def reply_export(*, reply: OpinionReply, actor):
    """The letter for download, recording in the audit trail that `actor` took a copy."""
    services.reply_view_record(reply=reply, actor=actor, export=True)
    return reply_document(reply)
