"""A democratic appraisal run from opening to the report upward: through the services, and through the pages
as the secretary, two members and a committee member would."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from qinglian.core.models import AuditEvent, Notification
from qinglian.orglife.models import AppraisalEntry, AppraisalRound, AppraisalTally, AppraisalVoter
from qinglian.orglife.services import appraisal as services
from qinglian.orglife.tests.factories import appraisal_people, meeting_make
from qinglian.orglife.vocab import FollowUpStatus, MeetingKind

YEAR = timezone.localdate().year


def _entries(round):
    return {e.member.name: e for e in AppraisalEntry.objects.filter(round=round).select_related("member")}


def test_a_round_through_the_services(cast, django_capture_on_commit_callbacks):
    appraisal_people(cast)
    tree, secretary = cast.tree, cast.secretary
    round = services.appraisal_open(org=tree.branch_a, year=YEAR, actor=secretary)
    entries = _entries(round)
    assert set(entries) == {"张伟", "李娜", "陈静", "周强"}  # the unit's subtree: group_a's members too
    assert entries["陈静"].probationary and not entries["周强"].probationary

    services.self_assessment_submit(entry=entries["张伟"], text="认真学习，按时交纳党费。", actor=cast.member)
    services.self_assessment_submit(entry=entries["李娜"], text="草稿", submit=False, actor=cast.member2)
    assert AppraisalEntry.objects.get(pk=entries["李娜"].pk).self_submitted_at is None
    services.self_assessment_submit(entry=entries["李娜"], text="完成了本职工作。", actor=cast.member2)
    round = services.appraisal_transition(round=round, to_status="peer", version=round.version, actor=secretary)

    ids = {name: e.pk for name, e in entries.items()}
    services.peer_vote(round=round, grades={ids["李娜"]: "优秀", ids["周强"]: "合格"}, actor=cast.member)
    services.peer_vote(round=round, grades={ids["张伟"]: "合格", ids["周强"]: "基本合格"}, actor=cast.member2)
    assert AppraisalVoter.objects.filter(round=round).count() == 2
    peer = {
        (t.entry.member.name, t.grade): t.count
        for t in AppraisalTally.objects.filter(entry__round=round, source="peer").select_related("entry__member")
    }
    assert peer == {("李娜", "优秀"): 1, ("周强", "合格"): 1, ("张伟", "合格"): 1, ("周强", "基本合格"): 1}
    round = services.masses_tally_enter(
        round=round, counts={ids["张伟"]: {"优秀": 4, "合格": 6}}, version=round.version, actor=secretary
    )
    round = services.appraisal_transition(round=round, to_status="proposal", version=round.version, actor=secretary)

    proposal = {ids["张伟"]: "优秀", ids["李娜"]: "合格", ids["周强"]: "基本合格"}
    round = services.grades_propose(round=round, grades=proposal, version=round.version, actor=cast.organiser)
    round = services.appraisal_transition(round=round, to_status="decision", version=round.version, actor=secretary)
    meeting = meeting_make(tree.branch_a, kind=MeetingKind.GENERAL_MEETING, days=-1, title="评议党员大会")
    round = services.grades_decide(
        round=round, grades=proposal, meeting=meeting, version=round.version, actor=secretary
    )
    assert round.meeting == meeting and round.decided_on == meeting.starts_on
    round = services.appraisal_transition(round=round, to_status="notified", version=round.version, actor=secretary)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.results_tell(round=round, actor=secretary) == 4
    entries = _entries(round)
    assert all(e.told_at for e in entries.values())
    assert entries["周强"].follow_up_status == FollowUpStatus.OPEN and entries["周强"].follow_up_due
    assert entries["李娜"].follow_up_status == FollowUpStatus.NONE
    # Members with a login were told in their inbox.
    assert Notification.objects.filter(user=cast.member, kind="appraisal").exists()
    assert Notification.objects.filter(user=cast.member2, kind="appraisal").exists()
    services.result_acknowledge(entry=entries["张伟"], actor=cast.member)
    services.follow_up_set(entry=entries["周强"], measure="党小组长结对帮扶，每月谈心一次。", actor=secretary)

    round.refresh_from_db()
    round = services.report_upward(round=round, version=round.version, actor=secretary)
    assert round.status == "reported" and round.reported_at
    # The report locks the round; the follow-up goes on.
    entry = AppraisalEntry.objects.get(pk=entries["周强"].pk)
    services.follow_up_done(entry=entry, actor=secretary)
    assert AppraisalEntry.objects.get(pk=entry.pk).follow_up_status == FollowUpStatus.DONE
    actions = set(AuditEvent.objects.filter(action__startswith="orglife.appraisal").values_list("action", flat=True))
    assert {
        "orglife.appraisal_open",
        "orglife.appraisal_self_assessment",
        "orglife.appraisal_vote",
        "orglife.appraisal_masses_tally",
        "orglife.appraisal_propose",
        "orglife.appraisal_decide",
        "orglife.appraisal_tell",
        "orglife.appraisal_acknowledge",
        "orglife.appraisal_follow_up",
        "orglife.appraisal_follow_up_done",
        "orglife.appraisal_transition",
    } <= actions


def _post(client, name, pk, data, *, status=302):
    response = client.post(reverse(f"orglife:{name}", args=[pk]), data)
    assert response.status_code == status, response.content.decode()[:3000]
    return response


def test_a_round_through_the_pages(cast, client):
    """The secretary opens and drives the round, two members self-assess and vote, the organisation
    commissioner (a committee member) proposes the grades, the members read and acknowledge their result."""
    appraisal_people(cast)
    branch_a = cast.tree.branch_a
    client.cookies["django_language"] = "en"

    client.force_login(cast.secretary)
    page = client.get(reverse("orglife:appraisal_list")).content.decode()
    assert 'id="open-form"' in page
    response = client.post(reverse("orglife:appraisal_open"), {"organisation": branch_a.pk, "year": YEAR})
    round = AppraisalRound.objects.get(organisation=branch_a, year=YEAR)
    assert response["Location"] == reverse("orglife:appraisal_detail", args=[round.pk])
    ids = {name: e.pk for name, e in _entries(round).items()}
    page = client.get(response["Location"]).content.decode()
    assert "陈静" in page and "Probationary" in page and 'id="step-self"' in page

    for user, text in ((cast.member, "张伟的自我评价"), (cast.member2, "李娜的自我评价")):
        client.force_login(user)
        entry = AppraisalEntry.objects.get(round=round, member__user=user)
        page = client.get(reverse("orglife:appraisal_self", args=[round.pk])).content.decode()
        assert 'id="self-form"' in page
        _post(client, "appraisal_self", round.pk, {"text": text, "version": entry.version, "action": "submit"})
    assert AppraisalEntry.objects.filter(round=round, self_submitted_at__isnull=False).count() == 2

    client.force_login(cast.secretary)
    round.refresh_from_db()
    _post(client, "appraisal_advance", round.pk, {"to_status": "peer", "version": round.version})

    client.force_login(cast.member)
    ballot = client.get(reverse("orglife:appraisal_vote", args=[round.pk])).content.decode()
    assert f'name="grade-{ids["李娜"]}"' in ballot and f'name="grade-{ids["周强"]}"' in ballot
    assert f'name="grade-{ids["张伟"]}"' not in ballot  # not oneself
    assert f'name="grade-{ids["陈静"]}"' not in ballot  # probationary: no grade
    _post(client, "appraisal_vote", round.pk, {f"grade-{ids['李娜']}": "优秀", f"grade-{ids['周强']}": "合格"})
    assert "You cast your ballot" in client.get(reverse("orglife:appraisal_vote", args=[round.pk])).content.decode()
    client.force_login(cast.member2)
    _post(client, "appraisal_vote", round.pk, {f"grade-{ids['张伟']}": "合格", f"grade-{ids['周强']}": "合格"})

    client.force_login(cast.secretary)
    round.refresh_from_db()
    masses = {"version": round.version, f"masses-{ids['张伟']}-excellent": "3", f"masses-{ids['张伟']}-qualified": "9"}
    _post(client, "appraisal_masses", round.pk, masses)
    round.refresh_from_db()
    _post(client, "appraisal_advance", round.pk, {"to_status": "proposal", "version": round.version})

    client.force_login(cast.organiser)
    page = client.get(reverse("orglife:appraisal_detail", args=[round.pk])).content.decode()
    assert "Qualified 2" in page  # 周强's peer count, shown now that voting has closed
    assert f'name="grade-{ids["张伟"]}"' in page and f'name="grade-{ids["陈静"]}"' not in page
    round.refresh_from_db()
    proposal = {f"grade-{ids['张伟']}": "优秀", f"grade-{ids['李娜']}": "合格", f"grade-{ids['周强']}": "基本合格"}
    _post(client, "appraisal_propose", round.pk, {"version": round.version, **proposal})
    round.refresh_from_db()
    _post(client, "appraisal_advance", round.pk, {"to_status": "decision", "version": round.version})

    client.force_login(cast.secretary)
    meeting = meeting_make(branch_a, kind=MeetingKind.GENERAL_MEETING, days=-1, title="民主评议党员大会")
    page = client.get(reverse("orglife:appraisal_detail", args=[round.pk])).content.decode()
    assert "民主评议党员大会" in page  # offered as the deciding meeting
    round.refresh_from_db()
    _post(client, "appraisal_decide", round.pk, {"version": round.version, "meeting": meeting.pk, **proposal})
    round.refresh_from_db()
    _post(client, "appraisal_advance", round.pk, {"to_status": "notified", "version": round.version})
    round.refresh_from_db()
    _post(client, "appraisal_tell", round.pk, {"version": round.version})
    zhou = AppraisalEntry.objects.get(pk=ids["周强"])
    _post(client, "appraisal_follow_up", zhou.pk, {"measure": "结对帮扶。", "version": zhou.version})

    client.force_login(cast.member)
    page = client.get(reverse("orglife:appraisal_self", args=[round.pk])).content.decode()
    assert 'id="my-grade"' in page and "Excellent" in page
    _post(client, "appraisal_self", round.pk, {"acknowledge": "1"})
    assert AppraisalEntry.objects.get(pk=ids["张伟"]).acknowledged_at is not None

    client.force_login(cast.secretary)
    round.refresh_from_db()
    _post(client, "appraisal_advance", round.pk, {"to_status": "reported", "version": round.version})
    round.refresh_from_db()
    assert round.status == "reported" and round.meeting == meeting
    page = client.get(reverse("orglife:appraisal_detail", args=[round.pk])).content.decode()
    assert 'id="advance-form"' not in page and 'id="propose-form"' not in page
    final = dict(AppraisalEntry.objects.filter(round=round).values_list("member__name", "final_grade"))
    assert final == {"张伟": "优秀", "李娜": "合格", "周强": "基本合格", "陈静": ""}

    results = client.get(reverse("orglife:appraisal_results"), {"org": branch_a.pk, "year": YEAR}).content.decode()
    assert "第一党支部" in results
