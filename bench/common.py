"""What the page benchmarks share: timing a page in-process, and making every paginator's pages larger."""

from __future__ import annotations

import os
import statistics
import time
from contextlib import contextmanager


def measure(client, url: str, repeat: int, capture, connection) -> dict:
    """p50/p95 milliseconds of `repeat` GETs of `url` (after one to warm up), with the queries of the last one."""
    client.get(url)  # warm caches and the connection
    times, queries, status = [], 0, None
    for _ in range(repeat):
        with capture(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        queries, status = len(ctx.captured_queries), response.status_code
    times.sort()
    return {
        "url": url,
        "status": status,
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2),
        "queries": queries,
    }


@contextmanager
def pages_larger(factor: int):
    """Every Django Paginator made inside holds `factor` times as many rows per page (the views' page sizes are
    constants): a page whose query count grows with it fetches something per row."""
    from django.core.paginator import Paginator

    original = Paginator.__init__

    def scaled(self, object_list, per_page, *args, **kwargs):
        original(self, object_list, int(per_page) * factor, *args, **kwargs)

    Paginator.__init__ = scaled
    try:
        yield
    finally:
        Paginator.__init__ = original


def server_env(data_dir, **extra) -> dict:
    """The environment of a `qinglian serve` started by a bench: production mode on 127.0.0.1 over plain HTTP, with
    the keys the data in `data_dir` was written under."""
    from pathlib import Path

    from django.conf import settings

    data = Path(data_dir)
    return dict(
        os.environ,
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        SECRET_KEY=settings.SECRET_KEY,
        QINGLIAN_AUDIT_KEY=(data / "audit_key").read_text().strip(),
        QINGLIAN_DATA_KEY=(data / "data_key").read_text().strip(),
        QINGLIAN_SEALED_KEY=(data / "sealed_key").read_text().strip(),
        **extra,
    )


def wait_ready(base: str, path: str = "/api/v1/health", seconds: int = 600) -> None:
    """Until the server at `base` answers `path` with 200 (a server collecting its static files takes a while)."""
    import urllib.request

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}{path}", timeout=3) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the server did not answer {base}{path} within {seconds} s")
