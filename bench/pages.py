"""Server time and query count of the key pages, against a minimal page measured in the same run.

    python -m bench.pages [--members 20000] [--repeat 60] [--data-dir DIR]

Loads the demo organisation with --members members into its own data folder (once; SQLite unless
DATABASE_URL is set), then requests each page through the full middleware stack in-process and
prints JSON: p50/p95 milliseconds, queries per request, and each page's p50 as a multiple of the
baseline (a view returning a fixed string behind the same middleware).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
from pathlib import Path

from bench.common import measure


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=60)
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "qinglian-bench"))
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()

    os.environ["QINGLIAN_DATA_DIR"] = args.data_dir
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

    call_command("demo", members=args.members, no_serve=True, stdout=io.StringIO())
    setup_test_environment()
    settings.DEBUG = False

    def baseline(request):
        return HttpResponse("ok")

    module = type(sys)("bench_urls")
    module.urlpatterns = [path("bench-baseline/", baseline), path("", include(settings.ROOT_URLCONF))]
    sys.modules["bench_urls"] = module

    pages = {
        "secretary": ["/", "/orgs/", "/orgs/members/", "/orgs/members/?q=wang", "/api/v1/orgs/", "/inbox/"],
        "admin": ["/orgs/", "/orgs/members/", "/orgs/roles/", "/rules/"],
        "auditor": ["/audit/", "/api/v1/audit"],
        "member": ["/duties/lists/mine/", "/rectification/mine/", "/risks/mine/", "/risks/files/mine/"],
        "inspector": ["/risks/files/", "/risks/suppliers/", "/risks/opinions/", "/api/v1/risks/files"],
        "office": [
            "/duties/tasks/",
            "/duties/plans/",
            "/duties/dashboard/",
            "/duties/assessment/",
            "/rectification/",
            "/rectification/ledger/",
            "/api/v1/duties/tasks",
            "/api/v1/rectification/items",
            "/risks/points/",
            "/risks/rounds/",
            "/risks/warnings/",
            "/risks/heat-map/",
            "/api/v1/risks/points",
        ],
    }
    results = {"members": args.members, "database": connection.vendor, "repeat": args.repeat, "pages": []}
    with override_settings(ROOT_URLCONF="bench_urls", ALLOWED_HOSTS=["testserver"]):
        user_model = get_user_model()
        for username, paths in pages.items():
            client = Client()
            client.force_login(user_model.objects.get(username=username))
            base = measure(client, "/bench-baseline/", args.repeat, CaptureQueriesContext, connection)
            for page in paths:
                row = measure(client, page, args.repeat, CaptureQueriesContext, connection)
                row.update(user=username, ratio_to_baseline_p50=round(row["p50_ms"] / base["p50_ms"], 1))
                results["pages"].append(row)
            results.setdefault("baseline", base)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
