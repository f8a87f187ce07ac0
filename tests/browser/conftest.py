"""Fixtures for the real-Chromium journeys: one browser per run, a fresh context per page.

Playwright drives Debian's chromium (/usr/bin/chromium); it never downloads a browser. Every
page records the requests it makes and the errors it logs, so that a test can check that nothing
left the application's own host (an intranet has no internet) and the console stayed clean.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

# Playwright's sync API keeps an event loop in this thread; Django would refuse the test's own
# database queries beside it without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("QINGLIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
RESULTS = Path(__file__).resolve().parents[2] / "test-results"


@dataclass
class Visit:
    """A browser tab on the live server, with what it requested and what it complained about."""

    page: object
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def foreign_requests(self) -> list[str]:
        own = urlparse(self.base).netloc
        return [u for u in self.requests if not u.startswith(("data:", "blob:")) and urlparse(u).netloc != own]

    def assert_clean(self) -> None:
        assert self.foreign_requests() == [], "the page reached another host"
        assert self.errors == [], "the page logged errors"


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"browser tests need Debian's chromium at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.failed_call = report.failed
    return report


@pytest.fixture
def open_page(request, browser, live_server):
    """open_page(phone=True) -> Visit; Chinese first, as a user in China would see it."""
    contexts = []

    def _open(*, phone: bool = False, locale: str = "zh-CN") -> Visit:
        context = browser.new_context(viewport=PHONE if phone else DESKTOP, locale=locale)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        visit = Visit(page=page, base=live_server.url)
        page.on("request", lambda r: visit.requests.append(r.url))
        page.on("console", lambda m: visit.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: visit.errors.append(str(exc)))
        return visit

    yield _open
    if getattr(request.node, "failed_call", False):
        RESULTS.mkdir(exist_ok=True)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                name = re.sub(r"[^\w.-]+", "_", request.node.name)
                page.screenshot(path=RESULTS / f"{name}-{i}-{j}.png", full_page=True)
    for context in contexts:
        context.close()
