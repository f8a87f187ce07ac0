"""Importing questions: the Excel template end to end, each bad input named by row and column with nothing saved,
merged cells and missing columns, re-import by external code, Aiken and GIFT, exports that import again."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qinglian.core.models import Job
from qinglian.reports.xlsx import workbook_bytes
from qinglian.study.imports.aiken import read_aiken
from qinglian.study.imports.gift import read_gift
from qinglian.study.imports.xlsx import export_sheet, read_workbook, template_bytes
from qinglian.study.models import Exam, PaperSlot, Question
from qinglian.study.services import bank as services
from qinglian.study.vocab import QuestionType

pytestmark = pytest.mark.usefixtures("in_english")

HEADERS = [
    "题型",
    "题干",
    "选项A",
    "选项B",
    "选项C",
    "选项D",
    "答案",
    "解析",
    "分值",
    "难度",
    "题库/分类",
    "知识点",
    "标签",
    "出处",
    "多选计分",
    "填空选项",
    "状态",
    "外部编号",
]


def sheet(rows, headers=HEADERS, merge=None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(qtype="单选", stem="题目", a="甲", b="乙", c="丙", d="丁", answer="A", difficulty="中", code="", **more):
    values = {
        "explanation": "",
        "score": 2,
        "category": "党章党规/党章",
        "topic": "学党章党规",
        "tags": "两学一做",
        "source": "《党章》",
        "rule": "",
        "fill": "",
        "status": "发布",
        **more,
    }
    return [
        qtype,
        stem,
        a,
        b,
        c,
        d,
        answer,
        values["explanation"],
        values["score"],
        difficulty,
        values["category"],
        values["topic"],
        values["tags"],
        values["source"],
        values["rule"],
        values["fill"],
        values["status"],
        code,
    ]


def upload(cast, data: bytes, name="questions.xlsx", **kwargs) -> Job:
    return services.bank_import_upload(
        organisation=cast.tree.branch_a, actor=cast.secretary, name=name, data=data, **kwargs
    )


def save(cast, job: Job) -> Job:
    job = services.bank_import_confirm(job=job, actor=cast.secretary)
    return services.bank_import_run(job=job, actor=cast.secretary)


def test_the_template_imports_after_a_preview(cast):
    job = upload(cast, template_bytes())
    assert job.params["state"] == "ready", job.params["errors"]
    assert job.params["total"] == 5 and len(job.params["preview"]) == 5
    assert not Question.objects.exists()  # nothing before the confirmation
    job = save(cast, job)
    assert job.params["state"] == "done" and job.params["created"] == 5
    by_code = {q.external_code: q for q in Question.objects.select_related("current", "category")}
    multiple = by_code["DZ-002"]
    assert multiple.current.qtype == QuestionType.MULTIPLE and multiple.current.answer == ["A", "B", "C"]
    assert multiple.category.full_name == "党章党规/纪律处分条例"
    assert [t.name for t in multiple.tags.all()] == ["两学一做"]
    assert by_code["DZ-003"].current.answer == [True]
    assert by_code["DZ-004"].current.answer == [["两个基本点", "两个基本点。"]]
    assert by_code["DZ-005"].status == "draft" and by_code["DZ-005"].current.qtype == QuestionType.SHORT


def test_aliases_and_answer_spellings(cast):
    rows = [
        row("单项选择题", "一", answer="b", difficulty="较难"),
        row("多项选择题", "二", answer="A,B,D", difficulty=5, rule="全对"),
        row("判断题", "三", a="", b="", c="", d="", answer="×"),
        row("判断", "四", a="", b="", c="", d="", answer="正确"),
        row("填空题", "五 ____ ____", a="", b="", c="", d="", answer="党章|党规/党内法规", fill="答案无顺序"),
        row("问答", "六", a="", b="", c="", d="", answer=""),
    ]
    parsed = read_workbook(sheet(rows))
    assert parsed.ok, parsed.errors
    items = parsed.items
    assert items[0].answer == ["B"] and items[0].difficulty == 4
    assert items[1].answer == ["A", "B", "D"] and items[1].multiple_rule == "all"
    assert items[2].answer == [False] and items[3].answer == [True]
    assert items[4].answer == [["党章"], ["党规", "党内法规"]] and items[4].fill_any_order
    assert items[5].qtype == QuestionType.SHORT and items[5].answer == []
    assert items[0].topic == "charter" and items[0].tags == ["两学一做"]


def test_each_bad_row_is_named_by_row_and_column_and_nothing_is_saved(cast):
    rows = [
        row(stem="好的"),
        row(stem="没有答案", answer=""),
        row("多选", stem="超出范围", answer="ABE"),
        row(stem="两个答案", answer="AB"),
        row(stem="难度不对", difficulty="很难"),
        row("论文题", stem="类型不对"),
    ]
    job = upload(cast, sheet(rows))
    assert job.params["state"] == "invalid"
    errors = {(e["row"], e["column"]): e["message"] for e in job.params["errors"]}
    assert "no correct option" in errors[(3, "Answer")]
    assert "E is not among the options (A to D)" in errors[(4, "Answer")]
    assert "exactly one correct option" in errors[(5, "Answer")]
    assert "Difficulty is 1 to 5" in errors[(6, "Difficulty")]
    assert "Not a question type" in errors[(7, "Type")]
    assert 2 not in {e["row"] for e in job.params["errors"]}
    with pytest.raises(Exception, match="not ready"):
        services.bank_import_confirm(job=job, actor=cast.secretary)
    assert not Question.objects.exists()


def test_merged_cells_are_refused(cast):
    job = upload(cast, sheet([row(stem="一"), row(stem="二")], merge="K2:K3"))
    assert job.params["state"] == "invalid"
    assert "merged cells (K2:K3)" in job.params["errors"][0]["message"]


def test_missing_columns_are_named(cast):
    headers = [h for h in HEADERS if h not in ("题干", "答案")]
    job = upload(cast, sheet([], headers=headers))
    message = job.params["errors"][0]["message"]
    assert "missing columns" in message and "Question" in message and "Answer" in message


def test_the_same_external_code_twice_in_a_file_is_refused(cast):
    job = upload(cast, sheet([row(stem="一", code="X1"), row(stem="二", code="X1")]))
    assert job.params["errors"][0]["row"] == 3 and job.params["errors"][0]["column"] == "External code"


def test_reimport_by_external_code_updates_and_makes_a_version_when_used(cast):
    save(cast, upload(cast, sheet([row(stem="旧题干一", code="Q1"), row(stem="旧题干二", code="Q2")])))
    used = Question.objects.get(external_code="Q1")
    now = timezone.now()
    exam = Exam.objects.create(organisation=cast.tree.branch_a, title="考", opens_at=now, closes_at=now + timedelta(1))
    PaperSlot.objects.create(exam=exam, position=1, question_version=used.current, score=2)
    job = upload(
        cast, sheet([row(stem="新题干一", code="Q1"), row(stem="新题干二", code="Q2"), row(stem="三", code="Q3")])
    )
    assert job.params["updates"] == 2
    job = save(cast, job)
    assert (job.params["created"], job.params["updated"]) == (1, 2)
    assert Question.objects.count() == 3
    used.refresh_from_db()
    assert used.current.number == 2 and used.current.stem == "新题干一"
    assert PaperSlot.objects.get(exam=exam).question_version.stem == "旧题干一"
    unused = Question.objects.get(external_code="Q2")
    assert unused.current.number == 1 and unused.current.stem == "新题干二"


def test_export_imports_again_unchanged(cast):
    save(cast, upload(cast, template_bytes()))
    data = workbook_bytes([export_sheet(services.export_rows(Question.objects.order_by("pk")))])
    again = read_workbook(data)
    assert again.ok, again.errors
    first = read_workbook(template_bytes())
    strip = lambda items: [{**i.as_dict(), "row": 0} for i in items]  # noqa: E731
    assert sorted(strip(again.items), key=lambda d: d["external_code"]) == strip(first.items)


AIKEN = """党的最高理想和最终目标是什么？
A. 实现共产主义
B) 全面建成小康社会
ANSWER: A

党的纪律包括哪些？
A. 政治纪律
B. 组织纪律
C. 娱乐纪律
ANSWER: AB
"""

GIFT = r"""// 党章题
$CATEGORY: $course$/top/党章党规/党章
::Q1:: 党的最高理想是 {=实现共产主义 ~全面建成小康社会 ####见党章总纲}

党的纪律包括 {~%50%政治纪律 ~%50%组织纪律 ~%-100%娱乐纪律}

预备党员的预备期为一年。{TRUE}

党的根本宗旨是全心全意为 {=人民服务 =人民群众服务} 。

简述党支部的基本任务\: 三条。{}

比例 50\% 与 a\=b 的写法 {=对 ~错}
"""


def test_aiken_sample(cast):
    parsed = read_aiken(AIKEN)
    assert parsed.ok
    assert [(i.qtype, i.answer, i.row) for i in parsed.items] == [
        (QuestionType.SINGLE, ["A"], 1),
        (QuestionType.MULTIPLE, ["A", "B"], 6),
    ]
    bad = read_aiken("题目\nA. 甲\nB. 乙\nC. 丙\nD. 丁\nANSWER: E\n\n没有答案的题\nA. 甲\n")
    assert (bad.errors[0].row, "E is not among" in bad.errors[0].message) == (6, True)
    assert bad.errors[-1].row == 8 and "no ANSWER" in bad.errors[-1].message


def test_gift_sample(cast):
    parsed = read_gift(GIFT)
    assert parsed.ok, parsed.errors
    single, multiple, judge, fill, short, escaped = parsed.items
    assert single.category == "党章党规/党章" and single.explanation == "见党章总纲" and single.answer == ["A"]
    assert multiple.qtype == QuestionType.MULTIPLE and multiple.answer == ["A", "B"]
    assert judge.answer == [True]
    assert fill.qtype == QuestionType.FILL and fill.answer == [["人民服务", "人民群众服务"]]
    assert "____" in fill.stem
    assert short.qtype == QuestionType.SHORT and short.stem == "简述党支部的基本任务: 三条。"
    assert escaped.stem == "比例 50\\% 与 a=b 的写法"


def test_gift_errors_by_line_and_upload_through_the_service(cast):
    parsed = read_gift("好题 {=甲 ~乙}\n\n坏题 {=甲\n\n匹配 {=a -> b}\n")
    assert [e.row for e in parsed.errors] == [3, 5]
    job = upload(cast, GIFT.encode(), name="bank.txt")
    assert job.params["format"] == "gift" and job.params["state"] == "ready"
    assert save(cast, job).params["created"] == 6


def test_gift_export_reads_back(cast):
    save(cast, upload(cast, GIFT.encode(), name="bank.gift"))
    text = services.export_gift(Question.objects.all())
    again = read_gift(text)
    assert again.ok, again.errors
    assert sorted(i.stem for i in again.items) == sorted(q.current.stem for q in Question.objects.all())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("{}=~#%:\\$/\n ABCDanswerANSWER.)题TF-0123>")), max_size=300))
def test_text_parsers_never_crash(text):
    for reader in (read_gift, read_aiken):
        parsed = reader(text)
        assert all(e.message for e in parsed.errors)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_text_parsers_never_crash_on_any_text(text):
    read_gift(text)
    read_aiken(text)


def test_reimporting_the_same_file_changes_nothing(cast):
    data = sheet([row(stem="一", code="S1", tags="两学一做，党章"), row("判断", "二", "", "", "", "", "对", code="S2")])
    save(cast, upload(cast, data))
    job = save(cast, upload(cast, data))
    assert (job.params["created"], job.params["updated"]) == (0, 0)
    assert Question.objects.count() == 2
    assert all(q.versions.count() == 1 for q in Question.objects.all())
