"""Server time and query count of the register's pages on seeded data, against a minimal page.

    python -m bench.seed --scale province          # first, on the database to measure
    python -m bench.register [--repeat 20] [--data-dir DIR] [--out FILE]

Requests each page in-process through the full middleware stack (Django's test Client with
force_login, DEBUG off), with the organisation scope set in the session as the scope selector
would, and prints JSON: p50/p95 milliseconds, queries per request, and each page's p50 as a
multiple of the baseline (a view returning a fixed string behind the same middleware, measured
in the same run). The member list and the API list are also asked for page 50, to show that the
query count does not grow with the page."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from bench.common import measure

BUDGET_MS = 200


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--data-dir", default=str(Path(tempfile.gettempdir()) / "qinglian-bench"))
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()

    os.environ.setdefault("QINGLIAN_DATA_DIR", args.data_dir)
    os.environ.setdefault("QINGLIAN_2FA_REQUIRED", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qinglian.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment
    from django.urls import include, path

    from qinglian.orgs.middleware import SESSION_KEY
    from qinglian.orgs.models import Member, Organisation, RoleAssignment

    users = {
        a.user.username: a
        for a in RoleAssignment.objects.select_related("user", "organisation").filter(
            user__username__in=["bench_admin", "bench_province", "bench_secretary"]
        )
    }
    if len(users) < 3:
        print("No bench logins here: run `python -m bench.seed` on this database first.", file=sys.stderr)
        return 2
    root = users["bench_admin"].organisation
    province = users["bench_province"].organisation
    branch = users["bench_secretary"].organisation
    general_branch = branch.parent

    setup_test_environment()
    settings.DEBUG = False

    def baseline(request):
        return HttpResponse("ok")

    module = type(sys)("bench_register_urls")
    module.urlpatterns = [
        path("bench-baseline/", baseline),
        path("", include(settings.ROOT_URLCONF)),
    ]
    sys.modules["bench_register_urls"] = module

    # (label, user, scope, url)
    pages = [
        ("member list, province, page 1", "bench_province", province, "/orgs/members/"),
        ("member list, province, page 50", "bench_province", province, "/orgs/members/?page=50"),
        ("member list, province, search 'wang'", "bench_province", province, "/orgs/members/?q=wang"),
        ("member list, province, probationary", "bench_province", province, "/orgs/members/?category=probationary"),
        ("statistics, general branch", "bench_province", general_branch, "/orgs/stats/"),
        ("organisation page, province", "bench_province", province, f"/orgs/{province.pk}/"),
        ("org tree browser, root", "bench_admin", root, "/orgs/"),
        ("org tree search 'gjsw', root", "bench_admin", root, "/orgs/?q=gjsw"),
        ("member list, root (all members), page 1", "bench_admin", root, "/orgs/members/"),
        ("API member list, province, page 1", "bench_province", province, f"/api/v1/orgs/{province.pk}/members"),
        (
            "API member list, province, page 50",
            "bench_province",
            province,
            f"/api/v1/orgs/{province.pk}/members?page=50",
        ),
        ("member list, branch (secretary)", "bench_secretary", branch, "/orgs/members/"),
    ]
    results = {
        "database": connection.vendor,
        "members": Member.objects.count(),
        "organisations": Organisation.objects.count(),
        "repeat": args.repeat,
        "budget_ms": BUDGET_MS,
        "scopes": {
            "province": {
                "id": province.pk,
                "path": province.path,
                "name": province.name,
                "members": Member.objects.in_subtree(province).count(),
            },
            "general_branch": {
                "id": general_branch.pk,
                "path": general_branch.path,
                "name": general_branch.name,
                "members": Member.objects.in_subtree(general_branch).count(),
            },
            "branch": {"id": branch.pk, "path": branch.path, "name": branch.name},
        },
        "pages": [],
    }
    user_model = get_user_model()
    with override_settings(ROOT_URLCONF="bench_register_urls", ALLOWED_HOSTS=["testserver"]):
        clients: dict[tuple[str, int], Client] = {}
        for label, username, scope, url in pages:
            key = (username, scope.pk)
            if key not in clients:
                client = Client()
                client.force_login(user_model.objects.get(username=username))
                session = client.session
                session[SESSION_KEY] = scope.pk
                session.save()
                clients[key] = client
            client = clients[key]
            # The baseline right before each page, with the same client: on this machine a request's
            # session write (an fsync'd COMMIT) drifts with the disk, so a distant baseline misleads.
            base = measure(client, "/bench-baseline/", args.repeat, CaptureQueriesContext, connection)
            row = measure(client, url, args.repeat, CaptureQueriesContext, connection)
            row.update(
                page=label,
                user=username,
                scope=scope.pk,
                baseline_p50_ms=base["p50_ms"],
                baseline_queries=base["queries"],
                ratio_to_baseline_p50=round(row["p50_ms"] / base["p50_ms"], 1),
                within_budget=row["p50_ms"] < BUDGET_MS,
            )
            results["pages"].append(row)
    by_label = {r["page"]: r for r in results["pages"]}
    results["queries_constant_in_page"] = {
        "member list": by_label["member list, province, page 1"]["queries"]
        == by_label["member list, province, page 50"]["queries"],
        "API member list": by_label["API member list, province, page 1"]["queries"]
        == by_label["API member list, province, page 50"]["queries"],
    }
    results["load_average_1m"] = round(os.getloadavg()[0], 2)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
