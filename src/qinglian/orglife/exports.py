"""Official exports of meeting records: the minutes of one meeting (会议记录) and a unit's yearly
meeting ledger (会议记录本) as Word documents, and the ledger as a workbook.

The Word documents are Chinese official forms: their wording is fixed, whatever the reader's
language. The workbook's headers follow the language of the person who asked for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import IO

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from qinglian.core.audit import audit_record
from qinglian.orglife.models import Attendee, Meeting, Minutes
from qinglian.orglife.people import person_name
from qinglian.orglife.vocab import MeetingKind, MeetingStatus, MinutesStatus, Presence
from qinglian.orgs.models import Organisation
from qinglian.reports import docx
from qinglian.reports.xlsx import Sheet, write_workbook

KIND_ZH = {
    MeetingKind.GENERAL_MEETING: "支部党员大会",
    MeetingKind.COMMITTEE_MEETING: "支部委员会会议",
    MeetingKind.GROUP_MEETING: "党小组会",
    MeetingKind.PARTY_LECTURE: "党课",
    MeetingKind.THEME_DAY: "主题党日",
    MeetingKind.LIFE_MEETING: "组织生活会",
    MeetingKind.DEMOCRATIC_LIFE: "民主生活会",
}
STATUS_ZH = {MinutesStatus.DRAFT: "草稿", MinutesStatus.SUBMITTED: "待审定", MinutesStatus.APPROVED: "已审定"}
WEEKDAYS_ZH = "一二三四五六日"
DIGITS_ZH = "〇一二三四五六七八九"


def zh_number(n: int) -> str:
    """一, 二, … 十, 十一, … 九十九: the numbering of items in a Chinese document."""
    if n < 10:
        return DIGITS_ZH[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS_ZH[tens]) + "十" + (DIGITS_ZH[ones] if ones else "")


def zh_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def zh_when(meeting: Meeting) -> str:
    start = timezone.localtime(meeting.starts_at)
    text = f"{zh_date(start.date())}（星期{WEEKDAYS_ZH[start.weekday()]}）{start:%H:%M}"
    if meeting.ends_at:
        end = timezone.localtime(meeting.ends_at)
        text += f"—{end:%H:%M}" if end.date() == start.date() else f"—{zh_date(end.date())}{end:%H:%M}"
    return text


def _absent(attendees: list[Attendee]) -> str:
    parts = []
    for a in attendees:
        if a.member_id is None or a.presence not in (Presence.ABSENT, Presence.ON_LEAVE):
            continue
        reason = a.absence_reason or a.leave_reason or ("请假" if a.presence == Presence.ON_LEAVE else "缺席")
        parts.append(f"{a.name}（{reason}）")
    return "、".join(parts) or "无"


def _guests(attendees: list[Attendee]) -> str:
    parts = [f"{a.guest_name}（{a.guest_unit}）" if a.guest_unit else a.guest_name for a in attendees if a.is_guest]
    return "、".join(parts) or "无"


def _votes(votes: dict | None) -> str:
    if not votes:
        return ""
    return f"赞成{votes.get('for', 0)}票，反对{votes.get('against', 0)}票，弃权{votes.get('abstain', 0)}票"


def _content(minutes: Minutes | None) -> list:
    if minutes is None:
        return ["（尚无会议记录）"]
    lines: list = [line for line in minutes.summary.splitlines() if line.strip()]
    for n, item in enumerate(minutes.items, start=1):
        lines.append((f"{zh_number(n)}、{item.get('title', '')}", True))
        if item.get("discussion"):
            lines.extend(f"讨论情况：{line}" if i == 0 else line for i, line in enumerate(_split(item["discussion"])))
        if item.get("decision"):
            lines.extend(f"形成决议：{line}" if i == 0 else line for i, line in enumerate(_split(item["decision"])))
        if item.get("votes"):
            lines.append(f"表决结果：{_votes(item['votes'])}")
    return lines or ["（无）"]


def _split(text: str) -> list[str]:
    return [line for line in str(text).splitlines() if line.strip()] or [""]


def minutes_fields(meeting: Meeting, minutes: Minutes | None, attendees: list[Attendee]) -> list[tuple[str, object]]:
    """The rows of the printed record form, in order."""
    rows: list[tuple[str, object]] = [
        ("会议名称", meeting.title),
        ("会议类型", KIND_ZH.get(meeting.kind, meeting.kind)),
    ]
    if meeting.topic:
        rows.append(("会议主题", meeting.topic))
    rows += [
        ("时　　间", zh_when(meeting)),
        ("地　　点", meeting.place),
        ("主 持 人", meeting.host.name if meeting.host else ""),
        ("记 录 人", meeting.recorder.name if meeting.recorder else ""),
    ]
    if meeting.kind == MeetingKind.PARTY_LECTURE:
        rows.append(("授 课 人", meeting.lecturer.name if meeting.lecturer else meeting.lecturer_name))
    rows += [
        ("应到人数", f"{meeting.invitee_count}人"),
        ("实到人数", f"{meeting.present_count}人"),
        ("缺席人员及原因", _absent(attendees)),
        ("列席人员", _guests(attendees)),
        ("会议议程", [f"{n}. {line}" for n, line in enumerate(meeting.agenda, start=1)] or "—"),
        ("会议内容", _content(minutes)),
    ]
    if minutes is not None and minutes.status == MinutesStatus.APPROVED:
        approval = f"审定人：{person_name(minutes.approved_by)}　　审定日期：{zh_date(_day(minutes.approved_at))}"
    elif minutes is not None:
        approval = f"未审定（{STATUS_ZH[minutes.status]}）"
    else:
        approval = "未审定"
    rows.append(("记录审定", approval))
    if minutes is not None:
        note = f"第{minutes.number}版"
        if minutes.number > 1:
            note += f"（更正）。更正原因：{minutes.reason}"
        rows.append(("版本说明", note))
    return rows


def _day(moment) -> date | None:
    return timezone.localtime(moment).date() if moment else None


def _record_into(doc, meeting: Meeting, minutes: Minutes | None, attendees: list[Attendee]) -> None:
    docx.add_title(doc, f"{meeting.organisation.name}会议记录", size=18)
    if minutes is None or minutes.status != MinutesStatus.APPROVED:
        docx.add_paragraph(doc, "（未审定稿）", align="center", size=12)
    docx.add_fields(
        doc, minutes_fields(meeting, minutes, attendees), size=12, label_cm=3.6, row_cm=0.85, tall={"会议内容": 7.5}
    )


def _attendees(meeting: Meeting) -> list[Attendee]:
    cached = getattr(meeting, "ledger_attendees", None)
    if cached is not None:
        return cached
    return list(Attendee.objects.filter(meeting=meeting).select_related("member"))


def minutes_document(meeting: Meeting, minutes: Minutes | None):
    """One meeting's record (会议记录) as a python-docx Document."""
    doc = docx.document_new()
    _record_into(doc, meeting, minutes, _attendees(meeting))
    docx.add_page_numbers(doc, before="第 ", after=" 页")
    return doc


def minutes_filename(meeting: Meeting) -> str:
    day = timezone.localtime(meeting.starts_at).date()
    return f"{meeting.organisation.name}会议记录-{day:%Y%m%d}-{meeting.title}.docx".replace("/", "_")


# -- the ledger -------------------------------------------------------------------------------------


def ledger_meetings(org: Organisation, year: int):
    """The unit's meetings of the year that have begun (not cancelled), oldest first, with the
    number of the approved record (`record_number`) and the status of a version in the making (`open_status`)."""
    approved = Minutes.objects.filter(meeting=OuterRef("pk"), status=MinutesStatus.APPROVED).order_by("-number")
    in_making = Minutes.objects.filter(meeting=OuterRef("pk")).exclude(status=MinutesStatus.APPROVED)
    return (
        Meeting.objects.filter(organisation=org, starts_at__lte=timezone.now())
        .between(date(year, 1, 1), date(year + 1, 1, 1))
        .not_cancelled()
        .select_related("organisation", "host", "recorder", "lecturer")
        .annotate(
            record_number=Subquery(approved.values("number")[:1]),
            open_status=Subquery(in_making.values("status")[:1]),
        )
        .order_by("starts_at", "pk")
    )


def minutes_state(meeting: Meeting) -> str:
    """The minutes as the ledger shows them, in the reader's language."""
    if meeting.record_number and meeting.open_status:
        return _("Approved; correction in progress")
    if meeting.record_number:
        return _("Approved")
    if meeting.open_status == MinutesStatus.SUBMITTED:
        return _("Waiting for approval")
    if meeting.open_status == MinutesStatus.DRAFT:
        return _("Draft")
    return _("No minutes")


def _with_records(meetings) -> list[Meeting]:
    """The held meetings with their attendees and approved record (or the version in the making)."""
    meetings = list(
        meetings.filter(status=MeetingStatus.HELD).prefetch_related(
            Prefetch(
                "attendees",
                queryset=Attendee.objects.select_related("member").order_by("pk"),
                to_attr="ledger_attendees",
            ),
            Prefetch(
                "minutes",
                queryset=Minutes.objects.select_related("approved_by__member").order_by("-number"),
                to_attr="ledger_minutes",
            ),
        )
    )
    for meeting in meetings:
        versions = meeting.ledger_minutes
        meeting.ledger_record = next((m for m in versions if m.status == MinutesStatus.APPROVED), None) or next(
            iter(versions), None
        )
    return meetings


def ledger_document(org: Organisation, year: int, meetings, *, progress: Callable[[int, int], None] | None = None):
    """The yearly meeting ledger (会议记录本): a cover, a table of contents, then each held meeting's record."""
    records = _with_records(meetings)
    report = progress or (lambda done, total: None)
    report(0, len(records))
    doc = docx.document_new()
    for _blank in range(6):
        docx.add_paragraph(doc, "")
    docx.add_title(doc, org.name, size=26)
    docx.add_paragraph(doc, "")
    docx.add_title(doc, "会议记录本", size=36)
    docx.add_paragraph(doc, "")
    docx.add_paragraph(doc, f"（{year}年度）", align="center", size=18)
    for _blank in range(8):
        docx.add_paragraph(doc, "")
    docx.add_paragraph(doc, f"共{len(records)}次会议", align="center", size=14)
    docx.add_paragraph(doc, f"编印日期：{zh_date(timezone.localdate())}", align="center", size=14)
    docx.add_page_break(doc)
    docx.add_title(doc, "目　　录", size=18)
    _contents(doc, records)
    for n, meeting in enumerate(records, start=1):
        docx.add_page_break(doc)
        docx.add_paragraph(doc, f"（{n}）", align="right", size=10.5)
        _record_into(doc, meeting, meeting.ledger_record, meeting.ledger_attendees)
        report(n, len(records))
    docx.add_page_numbers(doc, before="第 ", after=" 页", skip_first=True)
    return doc


def _contents(doc, records: list[Meeting]) -> None:
    rows = [
        [
            str(n),
            f"{timezone.localtime(m.starts_at):%Y-%m-%d}",
            KIND_ZH.get(m.kind, m.kind),
            m.title,
            STATUS_ZH[m.ledger_record.status] if m.ledger_record else "无记录",
        ]
        for n, m in enumerate(records, start=1)
    ]
    docx.add_table(
        doc,
        ["序号", "日期", "会议类型", "会议名称", "记录状态"],
        rows or [["", "", "", "本年度尚无已召开的会议", ""]],
        widths_cm=[1.3, 2.9, 3.3, 6.5, 2.0],
    )


def ledger_rows(meetings: Iterable[Meeting]):
    for m in meetings:
        rate = round(100 * m.present_count / m.invitee_count, 1) if m.invitee_count else None
        quorum = "" if m.quorum_met is None else (_("Yes") if m.quorum_met else _("No"))
        yield [
            timezone.localtime(m.starts_at).date(),
            m.get_kind_display(),
            m.title,
            m.place,
            m.host.name if m.host else "",
            m.recorder.name if m.recorder else "",
            m.invitee_count,
            m.present_count,
            rate,
            quorum,
            minutes_state(m),
            _("Yes") if m.counted else _("No"),
        ]


def ledger_workbook(out: IO[bytes], org: Organisation, year: int, meetings) -> int:
    """The ledger as one row per meeting; returns the number of rows."""
    sheet = Sheet(
        title=_("Meeting ledger {year}").format(year=year),
        headers=[
            _("Date"),
            _("Kind"),
            _("Title"),
            _("Place"),
            _("Host"),
            _("Recorder"),
            _("Members expected"),
            _("Members present"),
            _("Attendance (%)"),
            _("Quorum met"),
            _("Minutes"),
            _("Counts towards the requirements"),
        ],
        rows=ledger_rows(meetings),
        widths=[12, 22, 36, 20, 10, 10, 10, 10, 10, 10, 22, 14],
        notes=[
            _("{org}: meetings of {year} that have taken place, cancelled ones left out.").format(
                org=org.name, year=year
            )
        ],
    )
    return write_workbook(out, [sheet])


def ledger_export(
    *,
    user,
    org: Organisation,
    year: int,
    fmt: str,
    out: IO[bytes],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the unit's ledger for the year as .docx or .xlsx to `out`; returns the meetings written. Audited."""
    meetings = ledger_meetings(org, year).filter(pk__in=Meeting.objects.visible_to(user).values("pk"))
    if fmt == "docx":
        written = meetings.filter(status=MeetingStatus.HELD).count()
        ledger_document(org, year, meetings, progress=progress).save(out)
    elif fmt == "xlsx":
        written = ledger_workbook(out, org, year, meetings)
        if progress:
            progress(written, written)
    else:
        raise ValueError(fmt)
    audit_record(actor=user, action="orglife.ledger_export", obj=org, changes={"year": year, "format": fmt})
    return written
