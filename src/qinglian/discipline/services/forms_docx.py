"""An approval form (呈批表) as a Word document: the title of its kind, the clue's number, the person reported, the
problem reported, the proposal, the content (and, for a verification report, the checkers' signatures), the author,
and each level's opinion with the name and date of whoever gave it — blank rows, to be written by hand, for the levels
still to come. A form not yet approved says so at the top of every page.

The form is a Chinese official document: its wording is fixed, whatever the reader's language. Every export is a
sealed read of the clue in the audit trail (`form_export`).
"""

from __future__ import annotations

from django.utils import timezone

from qinglian.discipline.models import ApprovalForm
from qinglian.discipline.services import disposal as services
from qinglian.discipline.vocab import Category, FormKind, FormStatus, Source
from qinglian.reports import docx

SOURCE_ZH = {
    Source.PORTAL: "网上举报",
    Source.LETTER: "来信",
    Source.VISIT: "来访",
    Source.PHONE: "电话举报（12388）",
    Source.INSPECTION: "巡视巡察移交",
    Source.AUDIT: "审计移交",
    Source.REFERRAL: "上级交办",
    Source.SUPERVISION: "日常监督发现",
}
CATEGORY_ZH = {
    Category.POLITICAL: "违反政治纪律",
    Category.ORGANISATIONAL: "违反组织纪律",
    Category.INTEGRITY: "违反廉洁纪律",
    Category.MASSES: "违反群众纪律",
    Category.WORK: "违反工作纪律",
    Category.LIFE: "违反生活纪律",
    Category.FOUR_WINDS: "“四风”问题",
    Category.DUTY_CRIME: "涉嫌职务犯罪",
    Category.OTHER: "其他",
}
STATUS_MARK = {
    FormStatus.PENDING: "审批中　尚未批准",
    FormStatus.RETURNED: "已退回　未予批准",
    FormStatus.WITHDRAWN: "已撤回　未予批准",
}
PROPOSAL_LABEL = {
    FormKind.DISPOSAL: "拟采取的处置方式",
    FormKind.VERIFY_REPORT: "处理建议",
    FormKind.INQUIRY_REPORT: "处理建议",
}
BODY_LABEL = {
    FormKind.DISPOSAL: "处置理由",
    FormKind.VERIFY_PLAN: "工作方案",
    FormKind.VERIFY_REPORT: "初步核实情况",
    FormKind.INQUIRY_REPORT: "谈话函询情况",
}


def zh_day(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "　　年　　月　　日"


def form_title(form: ApprovalForm) -> str:
    return f"{services.KIND_ZH.get(form.kind, '')}呈批表"


def form_filename(form: ApprovalForm) -> str:
    name = f"{form.clue.number}{form_title(form)}.docx"
    return name.replace("/", "_").replace("\\", "_")


def _person(clue) -> str:
    parts = [clue.subject_name]
    unit = clue.subject_unit.name if clue.subject_unit_id else ""
    parts += [p for p in (unit, clue.subject_post) if p]
    return "　".join(parts)


def _opinion_rows(form: ApprovalForm) -> list[tuple[str, list]]:
    rows = []
    for entry in services.opinion_chain(form):
        opinion = entry["opinion"]
        label = entry["level"].zh if entry["level"] is not None else entry["name"]
        if opinion is None:
            rows.append((label, ["", "", "签名：　　　　　　　　　　　　　　年　　月　　日"]))
            continue
        day = timezone.localtime(opinion.at).date()
        rows.append(
            (
                label,
                [
                    *[line for line in opinion.text.splitlines() if line.strip()],
                    ("同意" if opinion.agree else "不同意，退回", True),
                    f"签名：{services.person(opinion.user)}　　{zh_day(day)}",
                ],
            )
        )
    return rows


def form_document(form: ApprovalForm):
    """The 呈批表 as it stands (see `form_export` for the audited door)."""
    clue = form.clue
    doc = docx.document_new(margins_cm=2.5)
    mark = STATUS_MARK.get(form.status)
    if mark:
        for section in doc.sections:
            section.header.paragraphs[0].text = mark
    docx.add_title(doc, form_title(form))
    created = timezone.localtime(form.created_at).date()
    docx.add_paragraph(doc, f"呈批日期：{zh_day(created)}", align="right", size=12)
    rows: list[tuple[str, object]] = [
        ("线索编号", clue.number),
        ("被反映人", _person(clue)),
        ("线索来源", SOURCE_ZH.get(clue.source, clue.source)),
        ("问题类别", CATEGORY_ZH.get(clue.category, clue.category)),
        ("反映的主要问题", [line for line in clue.summary.splitlines() if line.strip()] or [""]),
    ]
    if form.kind in PROPOSAL_LABEL:
        rows.append((PROPOSAL_LABEL[form.kind], (services.proposal_zh(form), True)))
    body = [line for line in services.body_text(form).splitlines() if line.strip()]
    rows.append((BODY_LABEL.get(form.kind, "呈批内容"), body or [""]))
    tall = {BODY_LABEL.get(form.kind, "呈批内容"): 5.0}
    checkers = services.checkers_of(form)
    if checkers:
        rows.append(("核查组成员签名", "　　".join(f"{name}（签名）：　　　　" for name in checkers)))
    rows.append(("承办人", f"{services.person(form.created_by)}　　{zh_day(created)}"))
    for label, lines in _opinion_rows(form):
        rows.append((label, lines))
        tall[label] = 3.0
    docx.add_fields(doc, rows, size=12, label_cm=3.6, tall=tall)
    if form.status == FormStatus.APPROVED and form.decided_at:
        day = timezone.localtime(form.decided_at).date()
        docx.add_paragraph(doc, f"审批完成：{zh_day(day)}", align="right", size=12)
    docx.add_paragraph(doc, "（本表属纪检监察工作秘密，注意保密）", align="center", size=10.5)
    docx.add_page_numbers(doc, before="第 ", after=" 页")
    return doc


def form_export(*, form: ApprovalForm, actor):
    """The 呈批表 for download, recording in the audit trail that `actor` took a copy (a sealed read of the clue)."""
    services.form_view_record(form=form, actor=actor, export=True)
    return form_document(form)
