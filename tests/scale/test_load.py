"""The mixed load of bench.load, reduced to a minute: zero server errors, zero lost writes, p95 within the budgets.

`python -m bench.load` runs the same for ten minutes (README, "Benchmarks"); here fewer users for one minute, against
`qinglian serve --workers 2` on PostgreSQL with Redis as cache and queue.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.scale.stack import REDIS_BASE, SHARED_DIR, database_url, drop_database, outside_env

pytestmark = pytest.mark.scale

PORT = 8210


def test_a_minute_of_mixed_load_has_no_server_error_and_loses_no_write():
    name = f"qinglian_c_load_{os.getpid()}"
    env = outside_env()
    env["QINGLIAN_STATIC_DIR"] = str(SHARED_DIR / "static")  # collected once for every server of the run
    with tempfile.TemporaryDirectory(prefix="qinglian-load-") as folder:
        out = Path(folder) / "load.json"
        try:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.load",
                    "--minutes",
                    "1",
                    "--members",
                    "6",
                    "--staff",
                    "2",
                    "--discipline",
                    "1",
                    "--database-url",
                    database_url(name),
                    "--redis-url",
                    f"{REDIS_BASE}/3",
                    "--bind",
                    f"127.0.0.1:{PORT}",
                    "--data-dir",
                    str(Path(folder) / "data"),
                    "--out",
                    str(out),
                ],
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                cwd=Path(__file__).resolve().parents[2],
            )
        finally:
            drop_database(name)
        assert out.exists(), done.stderr[-4000:]
        result = json.loads(out.read_text(encoding="utf-8"))

    assert result["server_errors"] == 0, result["error_samples"]
    assert result["failed_requests"] == 0, result["error_samples"]
    writes = result["writes"]
    assert writes["hand_ins_told"] > 0 and writes["practice_told"] > 0, writes
    assert result["writes_ok"], writes
    # Every kind of request was made, and each is within its budget.
    kinds = set(result["classes"])
    assert {
        "member: home",
        "member: practice queue",
        "member: practice answer",
        "member: exam start",
        "member: exam hand-in",
        "staff: /discipline/clues/",
    } <= kinds, kinds
    assert {kind for kind in kinds if kind.startswith("staff:")} >= {"staff: /orgs/members/"}
    # Latency is measured, not asserted: a test's timing on a shared CI host says little (speed is judged by
    # `python -m bench.load` for ten minutes, whose JSON marks every budget met or names the gap). It is shown here.
    for kind, c in sorted(result["classes"].items()):
        print(f"{kind}: p95 {c['p95_ms']} ms (budget {c['budget_p95_ms']} ms)")
