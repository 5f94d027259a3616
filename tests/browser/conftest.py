"""Playwright in Debian's chromium against pytest-django's live server.

Use ``page`` (a fresh context per test, pointed at ``live_server``), ``login(page, username,
password)``, and ``screenshot(page, name)`` which saves into tests/artifacts/ (gitignored).
Mark every browser test with ``@pytest.mark.browser``. When a test using ``page`` fails, the
page as it was is saved as tests/artifacts/FAILED-<test name>.png.
"""

import os
import re
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 15_000
PASSWORD = "pass-1234!"  # what accounts.tests.factories.UserFactory sets


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test
    # body are still synchronous, so Django's async-safety guard must stand aside.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        yield playwright
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(_playwright, request):
    chromium_path = request.getfixturevalue("chromium_path")
    browser = _playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def chromium_path():
    """Session-scoped twin of the root fixture (the browser outlives a single test)."""
    from conftest import CHROMIUM, skip_or_fail

    if not CHROMIUM or not os.path.exists(CHROMIUM):
        skip_or_fail("Debian's chromium is not installed (set CHROMIUM_PATH)")
    return CHROMIUM


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_call_failed = report.failed
    return report


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 900}, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    if getattr(request.node, "browser_call_failed", False):
        screenshot(page, "FAILED-" + re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name))
    context.close()


def login(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait until the hub has left the login page."""
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG as tests/artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
