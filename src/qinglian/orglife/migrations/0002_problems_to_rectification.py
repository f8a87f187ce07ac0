"""Organisational life's plain rectification list moves to rectification: every Problem becomes an Item.

An open problem stays being rectified. A problem marked done becomes awaiting verification, reported rectified
on the day it was done with what was done: nobody other than its owner ever verified it, so someone now must
before it is closed. Each keeps its unit, owner, member, deadline, who recorded it and when (recorded on the day
of its creation), and the meeting it was found at as its source record ("orglife.meeting", id); its history
starts with those two steps. All of them came from the life-meeting list, so their source is the life meeting.

Reversed, the life-meeting items go back to the list (awaiting verification or closed -> done on the day
reported) and are removed from rectification, with their history and evidence.
"""

from datetime import datetime, time

from django.db import migrations
from django.utils import timezone

MEETING = "orglife.meeting"


def _noon(day):
    return timezone.make_aware(datetime.combine(day, time(12)))


def problems_to_items(apps, schema_editor):
    Problem = apps.get_model("orglife", "Problem")
    Item = apps.get_model("rectification", "Item")
    Event = apps.get_model("rectification", "Event")
    for problem in Problem.objects.order_by("pk").iterator():
        done = problem.status == "done"
        item = Item.objects.create(
            organisation_id=problem.organisation_id,
            source="life_meeting",
            source_kind=MEETING if problem.meeting_id else "",
            source_id=problem.meeting_id,
            member_id=problem.member_id,
            problem=problem.description,
            measures=problem.measure,
            owner_id=problem.owner_id,
            due_on=problem.due_on,
            status="submitted" if done else "open",
            submitted_on=problem.done_on if done else None,
            result=problem.done_note if done else "",
            created_by_id=problem.created_by_id,
            created_on=timezone.localtime(problem.created_at).date(),
            created_at=problem.created_at,
        )
        Event.objects.create(item=item, kind="created", actor_id=problem.created_by_id, at=problem.created_at)
        if done:
            Event.objects.create(item=item, kind="submitted", comment=problem.done_note, at=_noon(problem.done_on))


def items_to_problems(apps, schema_editor):
    Problem = apps.get_model("orglife", "Problem")
    Meeting = apps.get_model("orglife", "Meeting")
    Item = apps.get_model("rectification", "Item")
    for item in Item.objects.filter(source="life_meeting").order_by("pk").iterator():
        done = item.status != "open"
        meeting_id = item.source_id if item.source_kind == MEETING else None
        if meeting_id is not None and not Meeting.objects.filter(pk=meeting_id).exists():
            meeting_id = None
        Problem.objects.create(
            organisation_id=item.organisation_id,
            meeting_id=meeting_id,
            member_id=item.member_id,
            description=item.problem,
            measure=item.measures,
            owner_id=item.owner_id,
            due_on=item.due_on,
            status="done" if done else "open",
            done_on=item.submitted_on if done else None,
            done_note=item.result if done else "",
            created_by_id=item.created_by_id,
            created_at=item.created_at,
        )
    Item.objects.filter(source="life_meeting").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orglife", "0001_initial"),
        ("rectification", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(problems_to_items, items_to_problems),
    ]
