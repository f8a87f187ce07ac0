"""A roster import whose worker died: the import page stops waiting and says nothing was saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from qinglian.core import jobs
from qinglian.core.models import Job
from qinglian.orgs.models import Member, RosterImport
from qinglian.orgs.services.imports import roster_confirm
from qinglian.orgs.tests.test_imports import book, row, upload_file

pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def branch_a_code(cast):
    cast.tree.branch_a.code = "A001"
    cast.tree.branch_a.save(update_fields=["code"])
    return "A001"


def test_a_save_abandoned_by_a_dead_worker_fails_the_import_and_saves_nothing(cast, branch_a_code):
    before = Member.objects.count()
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(1), row(2)]))
    assert upload.status == RosterImport.Status.READY
    upload = roster_confirm(upload=upload, actor=cast.organiser)
    stale = timezone.now() - timedelta(seconds=jobs.STALE_SECONDS + 1)
    Job.objects.filter(pk=upload.job_id).update(status=Job.Status.RUNNING, heartbeat_at=stale)

    assert [j.pk for j in jobs.job_reap_abandoned()] == [upload.job_id]

    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.FAILED
    assert upload.errors[0]["message"] == jobs.abandoned_message()
    assert Member.objects.count() == before


def test_other_kinds_of_job_leave_imports_alone(cast, branch_a_code):
    upload = upload_file(cast.organiser, cast.tree.branch_a, book([row(1)]))
    upload = roster_confirm(upload=upload, actor=cast.organiser)
    other = jobs.job_create(owner=cast.organiser, kind="member.export", title="x")
    stale = timezone.now() - timedelta(seconds=jobs.STALE_SECONDS + 1)
    Job.objects.filter(pk=other.pk).update(status=Job.Status.RUNNING, heartbeat_at=stale)
    jobs.job_reap_abandoned()
    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.IMPORTING
