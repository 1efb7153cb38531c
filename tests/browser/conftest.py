"""Playwright in the system Chromium against pytest-django's live server.

Chromium comes from the distribution (apt-get install chromium), not from Playwright's own
download. Without /usr/bin/chromium every browser test is skipped with the reason; the root
conftest turns that skip into a failure in CI.

The live server is pytest-django's: transactional (each test's data is committed, the database
is flushed afterwards) and it serves static files through django.contrib.staticfiles' finders,
so the CSS and JavaScript come straight from node_modules and salescore/core/static.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from salescore.org.tests.seeding import restore_seed

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def browser(django_db_setup):
    """Chromium, for one test module at a time.

    Playwright's sync API leaves its asyncio loop marked as running in this thread between calls.
    While it is, Django (1) refuses ORM calls as "async-unsafe" and (2) keeps its connections per
    asyncio context instead of per thread, so the test body would open connections of its own
    beside the ones the test database setup and the live server use. The tests use the ORM only
    between browser calls, never alongside the loop: switch the check off and hand the thread's
    connections to the new storage, and only for as long as the browser runs, so none of this
    reaches tests outside this directory (nor the subprocesses they start).
    """
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install Chromium (apt-get install -y chromium / make browser-deps)"
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    thread_connections = {alias: connections[alias] for alias in connections}
    playwright = sync_playwright().start()
    try:
        for alias, connection in thread_connections.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class PageLog:
    """What went wrong in a page: script errors, console errors, failed or refused requests."""

    errors: list[str] = field(default_factory=list)

    # Chromium asks for /favicon.ico on its own, and fetches icons in the background; whether
    # one exists is no page fault.
    @staticmethod
    def _ignored(url: str) -> bool:
        return "favicon" in url.rsplit("/", 1)[-1]

    def _request_failed(self, request) -> None:
        # ERR_ABORTED: the page navigated away while the request was still loading.
        if request.failure != "net::ERR_ABORTED" and not self._ignored(request.url):
            self.errors.append(f"request failed: {request.url} {request.failure}")

    def _console(self, msg) -> None:
        if msg.type == "error" and not self._ignored(msg.location.get("url", "")):
            self.errors.append(f"console error: {msg.text} ({msg.location.get('url')})")

    def _response(self, response) -> None:
        if response.status >= 400 and not self._ignored(response.url):
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def attach(self, page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("console", self._console)
        page.on("requestfailed", self._request_failed)
        page.on("response", self._response)

    def assert_clean(self) -> None:
        assert not self.errors, "\n".join(self.errors)


@pytest.fixture(autouse=True)
def _seed(transactional_db):
    """The live server needs a transactional database, flushed after each test: put back the
    regions and the organisation tree the migrations seed, before the cast is built on them."""
    restore_seed()


@pytest.fixture
def open_page(browser, live_server):
    """open_page(locale="zh-CN") -> (page, log): a fresh browser context, so a fresh session."""
    contexts = []

    def make(locale: str = "zh-CN"):
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        log = PageLog()
        log.attach(page)
        return page, log

    yield make
    for context in contexts:
        context.close()
