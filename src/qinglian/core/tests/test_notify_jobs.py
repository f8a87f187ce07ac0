"""Notifications, scheduled tasks and background jobs with progress."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db import connection

from qinglian.core.jobs import job_create, job_enqueue
from qinglian.core.models import AuditEvent, Job, Notification, ScheduledRun
from qinglian.core.notify import notification_mark_read, notification_send
from qinglian.core.registry import registry
from qinglian.core.tasks import audit_check, audit_export, daily_reminders, schedule_due


@pytest.fixture
def people(django_user_model):
    return [
        django_user_model.objects.create_user("zhang", "zhang@example.cn", "pw"),
        django_user_model.objects.create_user("li", "", "pw"),  # no email address
    ]


def test_notification_send_puts_a_message_in_each_inbox(people):
    sent = notification_send(users=people, title="学习提醒", body="请完成本周学习", url="/study/", kind="study")
    assert len(sent) == 2
    for user in people:
        note = Notification.objects.for_user(user).unread().get()
        assert (note.title, note.body, note.url, note.kind) == ("学习提醒", "请完成本周学习", "/study/", "study")


def test_notification_send_emails_only_when_asked_and_only_those_with_an_address(people, mailoutbox):
    notification_send(users=people, title="不发邮件")
    assert mailoutbox == []
    notification_send(users=people, title="会议通知", body="周五下午召开支部大会", url="/m/1/", email=True)
    assert len(mailoutbox) == 1
    assert (mailoutbox[0].subject, mailoutbox[0].to) == ("会议通知", ["zhang@example.cn"])
    assert "周五下午召开支部大会" in mailoutbox[0].body and "/m/1/" in mailoutbox[0].body
    emailed = dict(Notification.objects.filter(title="会议通知").values_list("user__username", "emailed_at"))
    assert emailed["zhang"] is not None and emailed["li"] is None


def test_notification_send_sends_once_per_dedupe_key(people, mailoutbox):
    first = notification_send(users=people, title="截止提醒", dedupe_key="task:7:due-3", email=True)
    again = notification_send(users=people, title="截止提醒", dedupe_key="task:7:due-3", email=True)
    assert (len(first), again) == (2, [])
    assert Notification.objects.filter(dedupe_key="task:7:due-3").count() == 2
    assert len(mailoutbox) == 1
    notification_send(users=people, title="截止提醒", dedupe_key="task:7:due-1")
    assert Notification.objects.count() == 4


def test_notification_send_for_a_new_user_under_an_old_key(people, django_user_model):
    notification_send(users=people[:1], title="提醒", dedupe_key="k")
    sent = notification_send(users=people, title="提醒", dedupe_key="k")
    assert [n.user for n in sent] == [people[1]]


def test_a_message_sent_by_another_process_meanwhile_is_not_sent_again(people, monkeypatch):
    """The inbox rows go in with one insert; when another worker sent one of them after the check, the rest still go."""
    Notification.objects.create(user=people[0], title="提醒", dedupe_key="k")  # sent once the check had looked
    real = Notification.objects.filter

    def checked_before_it_was_sent(*args, **kwargs):
        return Notification.objects.none() if "dedupe_key" in kwargs else real(*args, **kwargs)

    monkeypatch.setattr(Notification.objects, "filter", checked_before_it_was_sent)
    sent = notification_send(users=people, title="提醒", dedupe_key="k")
    monkeypatch.undo()
    assert [n.user for n in sent] == [people[1]]
    assert Notification.objects.filter(dedupe_key="k").count() == 2


def test_a_user_named_twice_gets_one_message(people):
    assert len(notification_send(users=[people[0], people[0]], title="通知")) == 1


def test_messages_without_a_key_are_not_deduplicated(people):
    notification_send(users=people[:1], title="通知")
    notification_send(users=people[:1], title="通知")
    assert Notification.objects.count() == 2


def test_mark_read_by_id_and_all(people):
    mine = notification_send(users=people[:1], title="一") + notification_send(users=people[:1], title="二")
    theirs = notification_send(users=people[1:], title="别人的")
    # Another user's id is ignored: only one's own messages can be marked.
    assert notification_mark_read(user=people[0], ids=[mine[0].pk, theirs[0].pk]) == 1
    assert list(Notification.objects.for_user(people[0]).unread()) == [mine[1]]
    assert Notification.objects.for_user(people[1]).unread().count() == 1
    assert notification_mark_read(user=people[0]) == 1
    assert notification_mark_read(user=people[0]) == 0
    assert not Notification.objects.for_user(people[0]).unread().exists()


@pytest.fixture
def reminders(monkeypatch):
    calls = []

    def remind(day):
        calls.append(day)
        return 2

    monkeypatch.setattr(registry, "reminders", [remind])
    return calls


def test_schedule_due_queues_the_daily_task_once_per_day(reminders, db, django_capture_on_commit_callbacks):
    today = date(2025, 10, 9)
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule_due(today) == ["daily_reminders"]
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule_due(today) == []
    assert len(reminders) == 1
    assert ScheduledRun.objects.get(name="daily_reminders").last_run_on == today
    with django_capture_on_commit_callbacks(execute=True):
        assert schedule_due(today + timedelta(days=1)) == ["daily_reminders"]
    assert len(reminders) == 2


def test_schedule_due_queues_only_after_commit(reminders, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        schedule_due(date(2025, 10, 9))
    assert reminders == [] and len(callbacks) == 1


def test_one_failing_reminder_does_not_stop_the_others(monkeypatch, db):
    def broken(day):
        raise RuntimeError("module down")

    monkeypatch.setattr(registry, "reminders", [broken, lambda day: 3, lambda day: None])
    assert daily_reminders.call() == 3


@pytest.fixture
def owner(cast):
    return cast.auditor


def _run(task, owner, kind, params=None, *, capture):
    job = job_create(owner=owner, kind=kind, title=kind, params={"lang": "en", **(params or {})})
    with capture(execute=True):
        job_enqueue(task, job)
    return Job.objects.get(pk=job.pk)


def test_audit_export_writes_the_file_and_finishes_the_job(cast, owner, settings, django_capture_on_commit_callbacks):
    job = _run(audit_export, owner, "audit_export", capture=django_capture_on_commit_callbacks)
    total = AuditEvent.objects.count()
    assert (job.status, job.finished, job.percent) == ("done", True, 100)
    # The progress line reads "done / total": it must end at the total, not where it started.
    assert (job.done, job.total) == (total, total)
    assert job.message == f"{total} events exported."
    assert job.finished_at is not None
    lines = (settings.EXPORT_DIR / job.result_file).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["seq"] for line in lines] == list(range(1, total + 1))


def test_audit_export_follows_the_jobs_filters(cast, owner, settings, django_capture_on_commit_callbacks):
    job = _run(audit_export, owner, "audit_export", {"action": "role."}, capture=django_capture_on_commit_callbacks)
    records = [json.loads(line) for line in (settings.EXPORT_DIR / job.result_file).open(encoding="utf-8")]
    assert len(records) == 11 == job.total
    assert {r["action"] for r in records} == {"role.assign"}


def test_audit_export_failure_marks_the_job_failed(cast, owner, settings, django_capture_on_commit_callbacks):
    blocker = settings.EXPORT_DIR
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_text("a file where the folder should be")
    job = _run(audit_export, owner, "audit_export", capture=django_capture_on_commit_callbacks)
    assert job.status == "failed" and job.finished and job.message


def test_audit_check_reports_an_intact_chain(cast, owner, django_capture_on_commit_callbacks):
    job = _run(audit_check, owner, "audit_check", capture=django_capture_on_commit_callbacks)
    total = AuditEvent.objects.count()
    assert job.status == "done"
    assert job.message == f"The chain is intact: {total} events checked."
    assert (job.done, job.total) == (total, total)


def test_audit_check_reports_a_broken_chain(cast, owner, django_capture_on_commit_callbacks):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE seq = 5")
    job = _run(audit_check, owner, "audit_check", capture=django_capture_on_commit_callbacks)
    assert job.status == "done"
    assert job.message.startswith("The chain is broken:")
    assert "#5" in job.message
