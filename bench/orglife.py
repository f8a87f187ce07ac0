"""Compliance of organisational life at scale: the traffic-light table, a unit's plan, against a minimal page.

    python -m bench.orglife [--scale small|province] [--repeat 10] [--data-dir DIR]

Seeds the register with `bench.seed` (once), then a year of meetings for every branch and Party
group in bulk (each branch: 12 committee meetings, 12 thematic Party days, 4 general meetings, a
lecture and a life meeting, a few missed or short of quorum; each group: 12 group meetings), and
measures, through the full middleware stack in-process, the compliance page and API of the
provincial committee office and of a branch secretary, and one branch's year plan. Prints JSON:
p50/p95 milliseconds, queries per request, and each p50 as a multiple of the baseline (a view
returning a fixed string behind the same middleware) measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

PLAN = [("committee_meeting", range(1, 13)), ("theme_day", range(1, 13)), ("general_meeting", (3, 6, 9, 12))]
PLAN += [("party_lecture", (6,)), ("life_meeting", (12,))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("small", "province"), default="small")
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "qinglian-bench-orglife"))
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()

    if not os.environ.get("DATABASE_URL"):
        os.environ["QINGLIAN_DATA_DIR"] = args.data_dir
        Path(args.data_dir).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QINGLIAN_2FA_REQUIRED", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglian.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment
    from django.urls import include, path

    from bench.pages import measure
    from bench.seed import seed
    from qinglian.orglife.models import Meeting
    from qinglian.orgs.models import Organisation, RoleAssignment

    call_command("migrate", verbosity=0)
    year = date.today().year - 1
    seeded = {}
    if not Organisation.objects.exists():
        seeded = seed(scale=args.scale, seed=1, replace=False, password="demo123", keep_indexes=False) or {}
    started = time.perf_counter()
    meetings = Meeting.objects.count() or seed_meetings(year)
    seed_seconds = round(time.perf_counter() - started, 1)
    setup_test_environment()
    settings.DEBUG = False

    def baseline(request):
        return HttpResponse("ok")

    module = type(sys)("bench_urls")
    module.urlpatterns = [path("bench-baseline/", baseline), path("", include(settings.ROOT_URLCONF))]
    sys.modules["bench_urls"] = module
    users = get_user_model().objects
    province = RoleAssignment.objects.get(user__username="bench_province").organisation
    branch = RoleAssignment.objects.get(user__username="bench_secretary").organisation
    pages = {
        "bench_province": [
            f"/orglife/compliance/?year={year}",
            f"/api/v1/orglife/compliance/{province.pk}?year={year}",
            f"/orglife/compliance/plan/{branch.pk}/?year={year}",
        ],
        "bench_secretary": [f"/orglife/compliance/?year={year}"],
    }
    result = {
        "scale": args.scale,
        "database": connection.vendor,
        "units": Organisation.objects.count(),
        "meetings": meetings,
        "meetings_seed_seconds": seed_seconds,
        "register_seed": seeded,
        "repeat": args.repeat,
        "pages": [],
    }
    with override_settings(ROOT_URLCONF="bench_urls", ALLOWED_HOSTS=["testserver"]):
        for username, urls in pages.items():
            client = Client()
            client.force_login(users.get(username=username))
            base = measure(client, "/bench-baseline/", args.repeat * 3, CaptureQueriesContext, connection)
            result.setdefault("baseline", base)
            for url in urls:
                row = measure(client, url, args.repeat, CaptureQueriesContext, connection)
                row.update(user=username, ratio_to_baseline_p50=round(row["p50_ms"] / base["p50_ms"], 1))
                result["pages"].append(row)
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


def seed_meetings(year: int) -> int:
    """A year of held, counted meetings for every branch and group, in bulk; ~3% missed, ~5% short of quorum."""
    from qinglian.orglife.models import Meeting
    from qinglian.orgs.models import Organisation

    rng = random.Random(year)
    rows, total = [], 0
    units = Organisation.objects.filter(kind__in=["branch", "group"], is_active=True).values_list("pk", "kind")
    for pk, kind in units.iterator(chunk_size=5000):
        plan = [("group_meeting", range(1, 13))] if kind == "group" else PLAN
        for meeting_kind, months in plan:
            for month in months:
                if rng.random() < 0.03:
                    continue
                day = date(year, month, 15)
                rows.append(
                    Meeting(
                        organisation_id=pk,
                        kind=meeting_kind,
                        title="基准会议",
                        starts_at=datetime(year, month, 15, 6, tzinfo=UTC),
                        starts_on=day,
                        status="held",
                        invitee_count=20,
                        present_count=18,
                        quorum_met=rng.random() > 0.05,
                        counted=True,
                    )
                )
        if len(rows) >= 20000:
            Meeting.objects.bulk_create(rows)
            total += len(rows)
            rows = []
    Meeting.objects.bulk_create(rows)
    return total + len(rows)


if __name__ == "__main__":
    sys.exit(main())
