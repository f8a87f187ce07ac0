"""What the page benchmarks share: timing a page in-process, and making every paginator's pages larger."""

from __future__ import annotations

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
