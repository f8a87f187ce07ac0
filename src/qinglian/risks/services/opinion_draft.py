"""The wording of an integrity opinion reply drafted from its facts (see services.opinion.reply_facts): facts
first, then a conclusion that depends on them -- never that nothing was found when a sanction, a clue or a
confirmed conflict of interest is among them, and never "none" for a kind of record the system does not hold.

The Chinese draft and the letter's Chinese labels are fixed official wording (as on the printed letter,
whatever the reader's language); the English draft is for English-speaking users. Pure functions of plain
values: no database.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from qinglian.core.registry import FACT_APPRAISAL, FACT_ASSESSMENT, FACT_CLUES, FACT_SANCTIONS, FACT_TALKS
from qinglian.risks.sections import SECTIONS
from qinglian.risks.vocab import ReplyPurpose, SectionKind, SectionStatus

MISSING = "missing"  # a section the cadre has not started


# Chinese wording of the letter and its table: an official document reads the same whatever the reader's language.
PURPOSE_ZH = {
    ReplyPurpose.PROMOTION: "提拔任用",
    ReplyPurpose.COMMENDATION: "评先评优和表彰奖励",
    ReplyPurpose.OTHER: "有关事项",
}
PURPOSE_EN = {
    ReplyPurpose.PROMOTION: "promotion or appointment",
    ReplyPurpose.COMMENDATION: "commendation",
    ReplyPurpose.OTHER: "the matter in hand",
}
SECTION_ZH = {
    SectionKind.BASICS: "基本情况",
    SectionKind.FAMILY: "家庭成员",
    SectionKind.POSTS: "任职经历",
    SectionKind.PERSONAL_MATTERS: "个人有关事项报告",
    SectionKind.INCOME_PROPERTY: "收入和财产",
    SectionKind.WEDDINGS_FUNERALS: "操办婚丧喜庆事宜",
    SectionKind.GIFTS: "拒收上交礼金礼品",
}
STATUS_ZH = {
    SectionStatus.DRAFT: "未提交",
    SectionStatus.SUBMITTED: "已提交",
    SectionStatus.RETURNED: "退回修改",
    SectionStatus.ACCEPTED: "已审核",
    SectionStatus.ARCHIVED: "已归档",
    MISSING: "未填报",
}
OCCASION_ZH = {"wedding": "婚礼", "funeral": "丧事", "other": "其他喜庆事宜"}
RELATION_ZH = {
    "spouse": "配偶",
    "son": "儿子",
    "daughter": "女儿",
    "son_in_law": "女婿",
    "daughter_in_law": "儿媳",
    "father": "父亲",
    "mother": "母亲",
    "other": "其他亲属",
}
ROLE_ZH = {
    "owner": "出资人（股东）",
    "legal_representative": "法定代表人",
    "manager": "高级管理人员",
    "employee": "从业人员",
}
ABROAD_ZH = {"emigrated": "已移居", "permanent_residence": "取得外国永久居留权", "living_abroad": "在国（境）外居住"}
MARRIAGE_ZH = {"married": "结婚", "divorced": "离婚", "remarried": "再婚"}
BASIS_ZH = {
    "credit_code": "统一社会信用代码相同",
    "person_id": "身份证号码相同",
    "name_exact": "企业名称相同",
    "name_similar": "企业名称相近",
    "person_name": "人员姓名相同",
}
TOPIC_ZH = {
    FACT_TALKS: "谈心谈话和廉政谈话",
    FACT_APPRAISAL: "民主评议",
    FACT_ASSESSMENT: "责任制考核",
    FACT_CLUES: "问题线索",
    FACT_SANCTIONS: "党纪政务处分",
}
CONCERN_ZH = {FACT_SANCTIONS: "受到党纪政务处分", FACT_CLUES: "有反映其问题的线索", "conflicts": "存在经确认的利益冲突"}
CONCERN_EN = {
    FACT_SANCTIONS: "a disciplinary or administrative sanction",
    FACT_CLUES: "problem clues concerning them",
    "conflicts": "a confirmed conflict of interest",
}
NUMERALS_ZH = "一二三四五六七八九十"


def zh_day(value) -> str:
    """2025-05-01 -> 2025年5月1日 (other text as it is)."""
    try:
        day = date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return str(value or "")
    return f"{day.year}年{day.month}月{day.day}日"


def _money(values) -> str:
    total = Decimal(0)
    for value in values:
        try:
            total += Decimal(str(value or 0))
        except InvalidOperation:
            continue
    return f"{total:f}".rstrip("0").rstrip(".") if "." in f"{total:f}" else f"{total:f}"


def _label(choices, code) -> str:
    return str(dict(choices).get(code, code or ""))


def _choices(kind: str, list_key: str, field_key: str) -> tuple:
    for row_list in SECTIONS[kind].lists:
        if row_list.key == list_key:
            for field in row_list.fields:
                if field.key == field_key:
                    return field.choices
    return ()


def file_lines_zh(facts: dict) -> list[str]:
    """One phrase per year of the period: whether the file exists and how far its sections are."""
    files = {file["year"]: file for file in facts.get("files", [])}
    lines = []
    for year in facts.get("years", []):
        file = files.get(year)
        if file is None:
            lines.append(f"{year}年度尚未建立廉政档案")
            continue
        statuses = [section["status"] for section in file["sections"]]
        handed = sum(status not in (MISSING, SectionStatus.DRAFT) for status in statuses)
        reviewed = sum(status in (SectionStatus.ACCEPTED, SectionStatus.ARCHIVED) for status in statuses)
        lines.append(f"{year}年度廉政档案{len(statuses)}项内容已填报{handed}项（其中已审核{reviewed}项）")
    return lines


def _given(row: dict, key: str) -> bool:
    return row.get(key) not in (None, "")


def _wedding_zh(r: dict) -> str:
    extra = [f"宾客{r['guests']}人"] if _given(r, "guests") else []
    extra += [f"收受礼金{r['gifts']}元"] if _given(r, "gifts") else []
    extra.append("事先已报告" if r.get("reported") else "未事先报告")
    return f"{zh_day(r.get('date'))}操办{OCCASION_ZH.get(r.get('occasion'), '喜庆事宜')}（{'，'.join(extra)}）"


def _wedding_en(r: dict) -> str:
    occasion = _label(_choices(SectionKind.WEDDINGS_FUNERALS, "events", "occasion"), r.get("occasion"))
    return (
        f"{r.get('date')} {occasion.lower()}"
        + (f", {r['guests']} guests" if _given(r, "guests") else "")
        + (f", {r['gifts']} yuan of gift money" if _given(r, "gifts") else "")
        + (", reported beforehand" if r.get("reported") else ", not reported beforehand")
    )


def _relation_en(r: dict) -> str:
    return _label(_choices(SectionKind.PERSONAL_MATTERS, "businesses", "relation"), r.get("relation"))


ROW_ZH = {
    "weddings": _wedding_zh,
    "gifts": lambda r: (
        f"{zh_day(r.get('date'))}将{r.get('giver') or '他人'}所送{r.get('items') or '礼品'}"
        + (f"（价值{r['value']}元）" if _given(r, "value") else "")
        + f"上交{r.get('handed_to') or '组织'}"
    ),
    "trips": lambda r: (
        f"{zh_day(r.get('start'))}至{zh_day(r.get('end'))}赴{r.get('destination') or '境外'}"
        + (f"（{r['reason']}）" if r.get("reason") else "")
    ),
    "businesses": lambda r: (
        f"{RELATION_ZH.get(r.get('relation'), '亲属')}{r.get('person') or ''}在{r.get('company') or ''}"
        f"任{ROLE_ZH.get(r.get('role'), '相关职务')}"
    ),
    "emigration": lambda r: (
        f"{RELATION_ZH.get(r.get('relation'), '亲属')}{r.get('name') or ''}{ABROAD_ZH.get(r.get('status'), '在')}"
        f"（{r.get('country') or ''}）"
    ),
    "marriage": lambda r: f"{zh_day(r.get('date'))}{MARRIAGE_ZH.get(r.get('change'), '婚姻变化')}",
}
ROW_EN = {
    "weddings": _wedding_en,
    "gifts": lambda r: (
        f"{r.get('date')} {r.get('items')} from {r.get('giver')}"
        + (f" ({r['value']} yuan)" if _given(r, "value") else "")
        + f" handed in to {r.get('handed_to')}"
    ),
    "trips": lambda r: (
        f"{r.get('start')} to {r.get('end')}, {r.get('destination')}" + (f" ({r['reason']})" if r.get("reason") else "")
    ),
    "businesses": lambda r: (
        f"{_relation_en(r)} {r.get('person')}: "
        f"{_label(_choices(SectionKind.PERSONAL_MATTERS, 'businesses', 'role'), r.get('role')).lower()} "
        f"of {r.get('company')}"
    ),
    "emigration": lambda r: (
        f"{_relation_en(r)} {r.get('name')}: "
        f"{_label(_choices(SectionKind.PERSONAL_MATTERS, 'emigration', 'status'), r.get('status')).lower()} "
        f"({r.get('country')})"
    ),
    "marriage": lambda r: (
        f"{r.get('date')} "
        f"{_label(_choices(SectionKind.PERSONAL_MATTERS, 'marriage', 'change'), r.get('change')).lower()}"
    ),
}
# What each kind of declaration reads as in the opinion: (heading with {n} and {total}, when there is none).
HEADS_ZH = {
    "weddings": ("报告操办婚丧喜庆事宜{n}次", "未报告操办婚丧喜庆事宜"),
    "gifts": ("拒收上交礼金礼品{n}次，合计{total}元", "无拒收上交礼金礼品记录"),
    "trips": ("报告因私出国（境）{n}次", "未报告因私出国（境）"),
    "businesses": ("报告配偶、子女经营企业{n}项", "未报告配偶、子女经商办企业情况"),
    "emigration": ("报告家庭成员移居国（境）外{n}人", "未报告家庭成员移居国（境）外情况"),
    "marriage": ("报告婚姻变化{n}次", ""),
}
HEADS_EN = {
    "weddings": ("Weddings and funerals held: {n}", "No wedding or funeral held was reported"),
    "gifts": ("Gifts and cash handed in: {n}, {total} yuan in all", "No gift or cash was handed in"),
    "trips": ("Private travel abroad: {n}", "No private travel abroad was reported"),
    "businesses": ("Businesses run by spouse and children: {n}", "No business run by spouse or children was reported"),
    "emigration": ("Family members abroad: {n}", "No family member living abroad was reported"),
    "marriage": ("Changes in marriage: {n}", ""),
}


def row_text(key: str, row: dict, *, english: bool = False) -> str:
    """One declared row as a phrase (key: weddings, gifts, trips, businesses, emigration, marriage)."""
    return (ROW_EN if english else ROW_ZH)[key](row)


def declared_lines(facts: dict, *, english: bool = False) -> list[str]:
    """One sentence per kind of declaration: how many and which, or that none was declared."""
    heads, joiner, colon = (HEADS_EN, "; ", " — ") if english else (HEADS_ZH, "；", "：")
    lines = []
    for key, (head, none) in heads.items():
        rows = facts.get("declared", {}).get(key, [])
        if rows:
            total = _money(r.get("value") for r in rows)
            parts = joiner.join(row_text(key, r, english=english) for r in rows)
            lines.append(head.format(n=len(rows), total=total) + colon + parts)
        elif none:
            lines.append(none)
    return lines


def _fact_phrase_zh(item: dict) -> str:
    text = f"{zh_day(item.get('day'))}{item.get('title', '')}"
    return text + (f"（{item['detail']}）" if item.get("detail") else "")


def topic_line_zh(facts: dict, topic: str, *, none: str, since: str) -> str:
    entry = facts.get("topics", {}).get(topic, {"held": False, "items": []})
    items = entry.get("items", [])
    if items:
        return f"{TOPIC_ZH[topic]}{len(items)}项：{'；'.join(_fact_phrase_zh(i) for i in items)}"
    if entry.get("held"):
        return f"{since}以来{none}"
    return f"本系统尚未存有{TOPIC_ZH[topic]}记录，未能核查"


def conflict_line_zh(facts: dict) -> str:
    rows = facts.get("conflicts", [])
    if not rows:
        return "经将本人及家庭成员申报的经商办企业情况与本单位供应商、承包商名录比对，未确认存在利益冲突"
    parts = [
        f"申报的“{r.get('declared')}”与本单位供应商“{r.get('supplier')}”"
        f"（{BASIS_ZH.get(r.get('basis'), '比对一致')}，{zh_day(r.get('decided_on'))}确认）"
        for r in rows
    ]
    return f"经比对核实，确认存在利益冲突{len(rows)}项：{'；'.join(parts)}"


def chinese(facts: dict, purpose: str) -> str:
    name = facts["cadre"]["name"]
    since = zh_day(facts["since"])
    what = PURPOSE_ZH.get(purpose, PURPOSE_ZH[ReplyPurpose.OTHER])
    topics = facts.get("topics", {})
    paragraphs = [
        f"你单位关于征求{name}同志党风廉政意见的函收悉。经查阅{name}同志{since}以来的廉政档案、个人有关事项报告，"
        f"以及谈心谈话、问题线索、党纪政务处分和利益冲突核查等有关情况，现将{name}同志党风廉政情况回复如下："
    ]
    has_files = any(
        section["status"] not in (MISSING, SectionStatus.DRAFT)
        for file in facts.get("files", [])
        for section in file["sections"]
    )
    if has_files:
        files = "，".join(file_lines_zh(facts))
        declared = "；".join(declared_lines(facts))
        paragraphs.append(f"一、廉政档案和个人有关事项报告情况。{files}。{declared}。")
    else:
        paragraphs.append(
            f"一、廉政档案和个人有关事项报告情况。{since}以来该同志廉政档案未填报，无个人有关事项报告记录可查。"
        )
    talks = topic_line_zh(facts, FACT_TALKS, none="无谈心谈话和廉政谈话记录", since=since)
    appraisal = topic_line_zh(facts, FACT_APPRAISAL, none="无民主评议记录", since=since)
    assessment = topic_line_zh(facts, FACT_ASSESSMENT, none="无责任制考核记录", since=since)
    paragraphs.append(f"二、谈心谈话、民主评议和考核情况。{talks}。{appraisal}。{assessment}。")
    clues = topic_line_zh(facts, FACT_CLUES, none="未收到反映该同志问题的信访举报和问题线索", since=since)
    sanctions = topic_line_zh(facts, FACT_SANCTIONS, none="该同志未受到党纪政务处分", since=since)
    paragraphs.append(f"三、信访举报、问题线索和处分情况。{clues}。{sanctions}。")
    paragraphs.append(f"四、利益冲突核查情况。{conflict_line_zh(facts)}。")
    concerns = facts.get("concerns", [])
    unheld = [TOPIC_ZH[t] for t in (FACT_CLUES, FACT_SANCTIONS) if not topics.get(t, {}).get("held")]
    if concerns:
        found = "、".join(CONCERN_ZH[c] for c in concerns)
        conclusion = f"综上，鉴于{name}同志{found}（详见上文），请你单位在研究其{what}时予以综合考虑。"
    elif unheld:
        conclusion = (
            f"综上，在上述已查阅资料范围内，未发现{name}同志有违反党风廉政建设规定的情况；"
            f"{'和'.join(unheld)}情况本系统尚未掌握，请结合纪检监察机关的核查意见综合研判。"
        )
    else:
        conclusion = f"综上，截至目前，未发现{name}同志有违反党风廉政建设规定的问题，对其{what}无不同意见。"
    paragraphs += [conclusion, "本意见仅依据我单位目前掌握的情况作出。", "特此回复。"]
    return "\n\n".join(paragraphs)


def _fact_phrase_en(item: dict) -> str:
    text = f"{item.get('day') or ''} {item.get('title', '')}".strip()
    return text + (f" ({item['detail']})" if item.get("detail") else "")


def _topic_line_en(facts: dict, topic: str, label: str, none: str) -> str:
    entry = facts.get("topics", {}).get(topic, {"held": False, "items": []})
    items = entry.get("items", [])
    if items:
        return f"{label}: {len(items)} — " + "; ".join(_fact_phrase_en(i) for i in items)
    if entry.get("held"):
        return none
    return f"The system holds no records of {label.lower()}, so these could not be checked"


def english(facts: dict, purpose: str) -> str:
    name = facts["cadre"]["name"]
    since = facts["since"]
    what = PURPOSE_EN.get(purpose, PURPOSE_EN[ReplyPurpose.OTHER])
    topics = facts.get("topics", {})
    paragraphs = [
        f"We have received your letter asking for an integrity opinion on Comrade {name}. Having checked "
        f"Comrade {name}'s integrity files and reports on personal matters since {since}, and the talks, problem "
        "clues, disciplinary and administrative sanctions and conflict-of-interest checks on record, we reply as "
        "follows."
    ]
    has_files = any(
        section["status"] not in (MISSING, SectionStatus.DRAFT)
        for file in facts.get("files", [])
        for section in file["sections"]
    )
    if has_files:
        files = {file["year"]: file for file in facts.get("files", [])}
        years = []
        for year in facts.get("years", []):
            file = files.get(year)
            if file is None:
                years.append(f"{year}: no file")
                continue
            statuses = [section["status"] for section in file["sections"]]
            handed = sum(status not in (MISSING, SectionStatus.DRAFT) for status in statuses)
            years.append(f"{year}: {handed} of {len(statuses)} sections submitted")
        declared = ". ".join(declared_lines(facts, english=True))
        paragraphs.append(f"1. Integrity files and reports on personal matters. {'; '.join(years)}. {declared}.")
    else:
        paragraphs.append(
            f"1. Integrity files and reports on personal matters. No integrity file has been filled in since {since}, "
            "so there is no report on personal matters to check."
        )
    talks = _topic_line_en(facts, FACT_TALKS, "Talks received", "No talk is on record")
    appraisal = _topic_line_en(facts, FACT_APPRAISAL, "Democratic appraisal", "No appraisal result is on record")
    assessment = _topic_line_en(
        facts, FACT_ASSESSMENT, "Responsibility assessment", "No assessment result is on record"
    )
    paragraphs.append(f"2. Talks, democratic appraisal and assessment. {talks}. {appraisal}. {assessment}.")
    clues = _topic_line_en(facts, FACT_CLUES, "Problem clues", "No report or problem clue concerning them was received")
    sanctions = _topic_line_en(
        facts, FACT_SANCTIONS, "Disciplinary and administrative sanctions", "They have received no sanction"
    )
    paragraphs.append(f"3. Reports, problem clues and sanctions. {clues}. {sanctions}.")
    conflicts = facts.get("conflicts", [])
    if conflicts:
        parts = [
            f"“{r.get('declared')}” and the supplier “{r.get('supplier')}” ({r.get('decided_on')})" for r in conflicts
        ]
        paragraphs.append(
            f"4. Conflicts of interest. Confirmed conflicts: {len(conflicts)} — " + "; ".join(parts) + "."
        )
    else:
        paragraphs.append(
            "4. Conflicts of interest. Checked against the register of suppliers and contractors, no conflict of "
            "interest has been confirmed."
        )
    concerns = facts.get("concerns", [])
    unheld = [
        label
        for t, label in ((FACT_CLUES, "problem clues"), (FACT_SANCTIONS, "sanctions"))
        if not topics.get(t, {}).get("held")
    ]
    if concerns:
        found = ", ".join(CONCERN_EN[c] for c in concerns)
        conclusion = (
            f"In view of the above — {found} — we ask you to weigh these facts when considering Comrade {name} "
            f"for {what}."
        )
    elif unheld:
        conclusion = (
            f"Within the records checked above, nothing contrary to the rules on Party conduct and integrity was "
            f"found concerning Comrade {name}; the system holds no records of {' and '.join(unheld)}, so please "
            "weigh the findings of the discipline inspection and supervision bodies as well."
        )
    else:
        conclusion = (
            f"In sum, to date no violation of the rules on Party conduct and integrity by Comrade {name} has been "
            f"found, and we have no objection to their {what}."
        )
    paragraphs += [conclusion, "This opinion rests only on what we hold at present.", "We hereby reply."]
    return "\n\n".join(paragraphs)
