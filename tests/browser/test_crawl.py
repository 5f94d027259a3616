"""The crawl: every page a role can reach, in a real browser, on the demo data.

As each role, start at the home page and follow every same-site link breadth-first: the
navigation, then what each page links to (record pages, tabs, detail pages, dialogs loaded
by htmx on the way). One page of each kind is enough — a URL's kind is its path with every
number replaced by ``<id>`` and its query string dropped — so the demo data's first account,
contact, lead, deal, buying group, template, email … each gets visited once.

Any 5xx answer (the page, a fragment htmx loads, a script or style), any failed request, any
console error or uncaught exception fails the test, naming the page it happened on. This is
the test that catches a page that crashes for everybody, or for one role only.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command

from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Logins that seed_demo creates (see README, "Demo logins").
ROLES = {"admin": "admin", "marketer": "marketer", "sales_rep": "rep1"}
# Never followed: leaving the session, Django's admin (its own product), the raw API and
# its docs (the API has its own fuzzer), files to download, public pages reached by
# signed links in emails (they take POSTs and have their own tests).
SKIP = re.compile(
    r"^/(logout|admin|api|static|media|t/|u/)|/(download|export|raw|template\.csv)|\.csv$"
)
# Enough for every kind of page the hub has, small enough to stay a few minutes in CI.
MAX_PAGES_PER_ROLE = 150


def _kind(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/<id>", path)


def _seed_demo() -> None:
    call_command("seed_demo", accounts=12, seed=7, force=True, verbosity=0)


def _sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"demo-{username}-2026!")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def _crawl(page, base_url: str) -> tuple[list[str], list[str]]:
    """Visit pages breadth-first from home; return (visited paths, problems)."""
    problems: list[str] = []
    current = {"path": "/"}

    def on_response(response):
        if response.status >= 500:
            problems.append(f"{current['path']}: {response.status} from {response.url}")

    def on_failed(request):
        failure = request.failure or ""
        # A navigation that the next goto() interrupts is not a fault of the page.
        if "ERR_ABORTED" in failure and request.resource_type in {"document", "fetch", "xhr"}:
            return
        problems.append(f"{current['path']}: request failed {request.url} ({failure})")

    def on_console(message):
        if message.type == "error":
            problems.append(f"{current['path']}: console error: {message.text}")

    def on_page_error(exc):
        problems.append(f"{current['path']}: uncaught exception: {exc}")

    page.on("response", on_response)
    page.on("requestfailed", on_failed)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)

    host = urlsplit(base_url).netloc
    seen_kinds: set[str] = set()
    visited: list[str] = []
    queue: deque[str] = deque(["/"])
    while queue and len(visited) < MAX_PAGES_PER_ROLE:
        path = queue.popleft()
        kind = _kind(urlsplit(path).path)
        if kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        current["path"] = path
        response = page.goto(path)
        page.wait_for_load_state("networkidle")
        visited.append(path)
        if response is None or response.status >= 400:
            status = response.status if response else "no answer"
            # A role refused a page it can see a link to is a broken promise of the nav.
            problems.append(f"{path}: answered {status}")
            continue
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            url = urlsplit(urljoin(page.url, href))
            if url.scheme not in {"http", "https"} or url.netloc != host:
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if SKIP.search(url.path) or _kind(url.path) in seen_kinds:
                continue
            queue.append(target)
    return visited, problems


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_page_a_role_can_reach_loads_cleanly(page, live_server, role):
    _seed_demo()
    _sign_in(page, ROLES[role])

    visited, problems = _crawl(page, live_server.url)

    print(f"\ncrawl as {role}: {len(visited)} pages: " + " ".join(sorted(map(_kind, visited))))
    if problems:
        screenshot(page, f"crawl-{role}-last")
    assert not problems, "\n".join(problems[:40])
    # The crawl must have found the hub, not just the home page.
    assert len(visited) >= 15, visited
