"""The users of the mixed load (bench.load), as a locustfile: run by `locust -f bench/load_users.py --headless ...`.

The plan (base URL, each member's API token and session, the staff sessions, the exam, the pages) comes from the
JSON file named by QINGLIAN_LOAD_PLAN, written by bench.load after seeding. Every request's time and status, and
every write the server confirmed (exam hand-ins, practice answers), go to QINGLIAN_LOAD_OUT when locust quits, for
bench.load to compare with what the database holds.
"""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from pathlib import Path

from locust import HttpUser, between, events, task

from bench.exam_load import answer_for

PLAN = json.loads(Path(os.environ["QINGLIAN_LOAD_PLAN"]).read_text(encoding="utf-8"))
SEEN: dict = {
    "times": defaultdict(list),  # request class -> [ms]
    "status": defaultdict(lambda: defaultdict(int)),  # request class -> status -> count
    "errors": [],
    "handed_in": [],  # attempt ids the server answered "finished" for
    "practice": [],  # [member index, question id, token] the server recorded
}
_members = iter(range(len(PLAN["members"])))


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    status = getattr(response, "status_code", 0) or 0
    SEEN["times"][name].append(response_time)
    SEEN["status"][name][status] += 1
    if exception is not None or status >= 400:
        SEEN["errors"].append([name, status, str(exception or getattr(response, "text", ""))[:200]])


@events.quitting.add_listener
def _write(environment, **kw):
    with open(os.environ["QINGLIAN_LOAD_OUT"], "w", encoding="utf-8") as out:
        json.dump(SEEN, out)


class Member(HttpUser):
    """A member: home page, a few practice questions, then an exam taken and handed in; then the next member."""

    weight = PLAN["member_weight"]
    wait_time = between(*PLAN["think_s"])

    def on_start(self):
        self.rng = random.Random()
        self._next_member()

    def _next_member(self) -> bool:
        self.index = next(_members, None)
        if self.index is None:
            return False
        me = PLAN["members"][self.index]
        self.client.cookies.clear()
        self.client.cookies.set("sessionid", me["session"])
        self.api = {"Authorization": f"Bearer {me['token']}"}
        return True

    @task
    def study_day(self):
        if self.index is None:
            self.wait()
            return
        self.client.get("/", name="member: home")
        self.wait()
        for _ in range(PLAN["practice_per_exam"]):
            queue = self.client.get("/api/v1/study/practice/today", headers=self.api, name="member: practice queue")
            items = queue.json()["items"] if queue.status_code == 200 else []
            if items:
                item = items[0]
                response = self._practice(item)
                answer = self.client.post(
                    "/api/v1/study/practice/answer",
                    json={"question_id": item["question_id"], "token": item["token"], "response": response},
                    headers=self.api,
                    name="member: practice answer",
                )
                if answer.status_code == 200:
                    SEEN["practice"].append([self.index, item["question_id"], item["token"]])
            self.wait()
        started = self.client.post(
            f"/api/v1/study/my/exams/{PLAN['exam_id']}/attempts", headers=self.api, name="member: exam start"
        )
        if started.status_code == 201:
            attempt = started.json()
            self.wait()
            answers = [{"item_id": i["id"], "response": answer_for(i, self.rng)} for i in attempt["items"]]
            done = self.client.post(
                f"/api/v1/study/my/attempts/{attempt['id']}/finish",
                json={"answers": answers},
                headers=self.api,
                name="member: exam hand-in",
            )
            if done.status_code == 200 and done.json().get("status") == "finished":
                SEEN["handed_in"].append(attempt["id"])
        self._next_member()

    def _practice(self, item: dict):
        if item["qtype"] == "fill":
            return ["党章"] * max(1, item["blanks"])
        return answer_for({"qtype": item["qtype"], "options": item["options"]}, self.rng)


class Staff(HttpUser):
    """Committee office staff: the member list, meetings, rectification and the evaluation dashboard."""

    weight = PLAN["staff_weight"]
    wait_time = between(*PLAN["think_s"])

    def on_start(self):
        self.client.cookies.set("sessionid", PLAN["staff"]["office"])

    @task
    def lists(self):
        path = random.choice(PLAN["pages"]["office"])
        self.client.get(path, name=f"staff: {path}")


class DisciplineStaff(HttpUser):
    """Discipline inspection staff on the clue register."""

    weight = PLAN["discipline_weight"]
    wait_time = between(*PLAN["think_s"])

    def on_start(self):
        self.client.cookies.set("sessionid", PLAN["staff"]["discipline"])

    @task
    def clues(self):
        path = random.choice(PLAN["pages"]["discipline"])
        self.client.get(path, name=f"staff: {path}")
