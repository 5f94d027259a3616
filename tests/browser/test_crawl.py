"""The crawl: every page a role can reach, in a real browser, on the demo data.

As each role, start at the home page and follow every same-site link breadth-first: the
navigation, then what each page links to (record pages, tabs, detail pages). On every page
the dialogs its buttons load by htmx (``hx-get`` into ``#modal-body``: new task, note,
remove, member dialogs …) are opened too, and their links followed. One page of each kind
is enough — a URL's kind is its path with every number replaced by ``<id>`` and its query
string dropped — so the demo data's first account, contact, lead, deal, buying group,
template, email … each gets visited once.

The browser window is 1440×900. On every page and dialog the test fails on:

- any 5xx answer (the page, a fragment htmx loads, a script or style), any failed request,
  any console error or uncaught exception;
- a link or dialog button the role is offered that answers 4xx (a broken promise of the page);
- sideways scrolling (the document wider than the window: a hidden actions column);
- a navigation entry listed twice;
- a raw stored code where its label belongs (``financial_services``, ``closed_won``): every
  choice value with an underscore, of every model, must not show in the visible text.

Each failure names the page it happened on. This is the test that catches a page that
crashes for everybody, or for one role only.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from playwright.sync_api import TimeoutError as PlaywrightTimeout

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
VIEWPORT = {"width": 1440, "height": 900}

# Sideways scrolling: the document wider than the window, or a box inside it (a table
# wrapper with overflow-x: auto) whose content is wider than the box, which hides the
# columns on its right just as well. Names the widest offender.
_OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  const doc = document.documentElement.scrollWidth;
  const describe = el => {
    const cls = typeof el.className === 'string' ? el.className.trim() : '';
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (cls ? '.' + cls.split(/\\s+/).join('.') : '');
  };
  const found = [];
  if (doc > width) {
    let worst = null;
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > width + 1 && (!worst || r.right > worst.r)) worst = {r: r.right, el};
    }
    const who = worst ? ` (${describe(worst.el)} ends at ${Math.round(worst.r)} px)` : '';
    found.push(`the page is ${doc} px wide${who}`);
  }
  for (const el of document.querySelectorAll('main *, #modal *')) {
    if (!el.offsetParent) continue;  // hidden
    const style = getComputedStyle(el).overflowX;
    if ((style === 'auto' || style === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
      found.push(`${describe(el)} scrolls sideways (${el.scrollWidth} px in ${el.clientWidth} px)`);
    }
  }
  return found.length ? {width, found} : null;
}"""
# The visible text of the page and of an open dialog (not form values, not hidden parts).
# The visible text of the page and of an open dialog: not form values, not hidden parts,
# not code samples (``<code>buying_roles include decision_maker</code>`` is syntax to type).
_TEXT_JS = """() => {
  const parts = [];
  for (const root of [document.querySelector('main'), document.getElementById('modal')]) {
    if (!root || (root.tagName === 'DIALOG' && !root.open)) continue;
    const copy = root.cloneNode(true);
    copy.querySelectorAll('code, kbd, samp, pre, .mono, textarea, select, script, style')
      .forEach(el => el.remove());
    document.body.appendChild(copy);
    copy.style.position = 'absolute'; copy.style.left = '-99999px';
    parts.push(copy.innerText);
    copy.remove();
  }
  return parts.join('\\n');
}"""
_DIALOG_BUTTONS_JS = """() => Array.from(document.querySelectorAll('[hx-get]'))
  .filter(el => el.getAttribute('hx-target') === '#modal-body')
  .map(el => el.getAttribute('hx-get'))"""
# A button that needs a selection (members' "Edit roles") is pressed with one row ticked.
_PRESS_JS = """el => {
  if (el.disabled && el.hasAttribute('data-needs-selection')) {
    const root = el.closest('[data-selection-root]') || document;
    const box = root.querySelector("input[name='selected']");
    if (box) { box.checked = true; box.dispatchEvent(new Event('change', {bubbles: true})); }
  }
  el.click();
}"""


def _kind(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/<id>", path)


def _raw_codes() -> re.Pattern:
    """Every stored choice value with an underscore, of every model field, as one pattern."""
    codes = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and "_" in value:
                    codes.add(value)
    return re.compile(r"(?<![\w./=-])(" + "|".join(sorted(map(re.escape, codes))) + r")(?![\w/-])")


def _seed_demo() -> None:
    call_command("seed_demo", accounts=12, seed=7, force=True, verbosity=0)
    _records_the_demo_lacks()


def _records_the_demo_lacks() -> None:
    """One of each kind of page the demo data has none of, made through the services: a
    targeting rule, an import job, saved analyses shared with the team and a static list,
    and a sent sales email (so their detail and edit pages are crawled too)."""
    from accounts.models import Contact, User
    from accounts.services.imports.service import import_start
    from accounts.services.rules import targeting_rule_create
    from analytics.services import entity_list_create, saved_analysis_create
    from analytics.tests.book import COHORT, FLOW, JOURNEY
    from sales_actions.models import EmailTemplate
    from sales_actions.services import sales_email_send

    admin = User.objects.get(username="admin")
    marketer = User.objects.get(username="marketer")
    targeting_rule_create(
        user=marketer,
        name="Crawl: high fit",
        conditions=[{"field": "fit_score", "op": ">=", "value": 95}],
        is_active=False,
    )
    import_start(
        user=admin,
        kind="accounts",
        raw=b"name,domain,industry\nCrawl Imports Ltd,crawl-imports.example,software\n",
        filename="crawl.csv",
        inline=True,
    )
    for user in (admin, marketer):
        for kind, settings in (("journey", JOURNEY), ("cohort", COHORT), ("flow", FLOW)):
            saved_analysis_create(
                user=user, name=f"Crawl {kind}", kind=kind, settings=settings, visibility="team"
            )
    contacts = list(Contact.objects.order_by("pk").values_list("pk", flat=True)[:3])
    for user in (admin, marketer):
        entity_list_create(user=user, name="Crawl list", container="person", ids=contacts)
    template = EmailTemplate.objects.filter(status="approved", kind="sales").first()
    rep = User.objects.get(username="rep1")
    mine = Contact.objects.filter(account__owner=rep, allow_email=True).first()
    sales_email_send(user=rep, template_id=template.pk, contact_ids=[mine.pk])


def _sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"demo-{username}-2026!")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


class _Crawl:
    def __init__(self, page, base_url: str):
        self.page = page
        self.host = urlsplit(base_url).netloc
        self.problems: list[str] = []
        self.current = "/"
        self.refused: list[tuple[str, int]] = []  # (url, status) of 4xx fragments
        self.seen_kinds: set[str] = set()
        self.visited: list[str] = []
        self.dialogs: list[str] = []
        self.queue: deque[str] = deque(["/"])
        self.codes = _raw_codes()
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_failed)
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_response(self, response):
        if response.status >= 500:
            self.problems.append(f"{self.current}: {response.status} from {response.url}")
        elif response.status >= 400 and response.request.resource_type in {"fetch", "xhr"}:
            self.refused.append((response.url, response.status))

    def _on_failed(self, request):
        failure = request.failure or ""
        # A navigation that the next goto() interrupts is not a fault of the page.
        if "ERR_ABORTED" in failure and request.resource_type in {"document", "fetch", "xhr"}:
            return
        self.problems.append(f"{self.current}: request failed {request.url} ({failure})")

    def _on_console(self, message):
        if message.type == "error":
            # A refused htmx fragment also logs "Failed to load resource"; it is reported
            # once, by its status, below.
            if self.refused and "status of 4" in message.text:
                return
            self.problems.append(f"{self.current}: console error: {message.text}")

    def _on_page_error(self, exc):
        self.problems.append(f"{self.current}: uncaught exception: {exc}")

    def _settle(self, where: str) -> None:
        """Wait until the page has loaded what it loads by itself.

        Chromium never reports a sandboxed ``srcdoc`` frame (the sent-email preview) as
        idle, so when the network does not go quiet the page counts as settled once no
        htmx request is in flight; one still in flight after that is a fault of the page.
        """
        try:
            self.page.wait_for_load_state("networkidle", timeout=10_000)
        except PlaywrightTimeout:
            try:
                self.page.wait_for_function(
                    "() => !document.querySelector('.htmx-request')", timeout=10_000
                )
            except PlaywrightTimeout:
                self.problems.append(f"{where}: an htmx request still runs after 20 s")

    def _check_layout_and_text(self, where: str) -> None:
        overflow = self.page.evaluate(_OVERFLOW_JS)
        if overflow:
            self.problems.append(
                f"{where}: scrolls sideways at {overflow['width']} px: "
                + "; ".join(overflow["found"][:3])
            )
        nav = self.page.eval_on_selector_all(
            ".mainnav a", "els => els.map(e => e.textContent.trim())"
        )
        twice = sorted({label for label in nav if nav.count(label) > 1})
        if twice:
            self.problems.append(f"{where}: the navigation lists {twice} more than once")
        text = self.page.evaluate(_TEXT_JS)
        found = sorted(set(self.codes.findall(text)))
        if found:
            self.problems.append(f"{where}: raw codes shown instead of labels: {found}")

    def _collect_links(self, selector: str) -> None:
        hrefs = self.page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
        for href in hrefs:
            url = urlsplit(urljoin(self.page.url, href))
            if url.scheme not in {"http", "https"} or url.netloc != self.host:
                continue
            if SKIP.search(url.path) or _kind(url.path) in self.seen_kinds:
                continue
            self.queue.append(url.path + (f"?{url.query}" if url.query else ""))

    def _open_dialogs(self, path: str) -> None:
        for target in self.page.evaluate(_DIALOG_BUTTONS_JS):
            url = urlsplit(urljoin(self.page.url, target))
            kind = "dialog " + _kind(url.path)
            if url.netloc != self.host or SKIP.search(url.path) or kind in self.seen_kinds:
                continue
            self.seen_kinds.add(kind)
            where = f"{path} → dialog {url.path}"
            self.current = where
            self.refused.clear()
            button = self.page.locator(f'[hx-get="{target}"]').first
            try:
                path_part = url.path
                with self.page.expect_response(lambda r, p=path_part: p in r.url, timeout=10_000):
                    # A click, even when the button sits in a closed menu.
                    button.evaluate(_PRESS_JS)
                self.page.wait_for_function(
                    "() => document.getElementById('modal').open", timeout=5_000
                )
            except PlaywrightTimeout:
                pass
            self._settle(where)
            self.dialogs.append(url.path)
            for refused_url, status in self.refused:
                self.problems.append(f"{where}: answered {status} ({refused_url})")
            if not self.page.evaluate("() => document.getElementById('modal').open"):
                if not self.refused:
                    self.problems.append(f"{where}: the dialog did not open")
                continue
            self._check_layout_and_text(where)
            self._collect_links("#modal a[href]")
            self.page.evaluate("() => document.getElementById('modal').close()")
        self.current = path

    def run(self) -> None:
        while self.queue and len(self.visited) < MAX_PAGES_PER_ROLE:
            path = self.queue.popleft()
            kind = _kind(urlsplit(path).path)
            if kind in self.seen_kinds:
                continue
            self.seen_kinds.add(kind)
            self.current = path
            self.refused.clear()
            response = self.page.goto(path)
            self._settle(path)
            self.visited.append(path)
            if response is None or response.status >= 400:
                status = response.status if response else "no answer"
                # A role refused a page it can see a link to is a broken promise of the nav.
                self.problems.append(f"{path}: answered {status}")
                continue
            for refused_url, status in self.refused:
                self.problems.append(f"{path}: a fragment answered {status} ({refused_url})")
            self._check_layout_and_text(path)
            self._collect_links("a[href]")
            self._open_dialogs(path)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_page_a_role_can_reach_loads_cleanly(page, live_server, role):
    _seed_demo()
    page.set_viewport_size(VIEWPORT)
    _sign_in(page, ROLES[role])

    crawl = _Crawl(page, live_server.url)
    crawl.run()

    print(
        f"\ncrawl as {role}: {len(crawl.visited)} pages, {len(crawl.dialogs)} dialogs: "
        + " ".join(sorted(map(_kind, crawl.visited)))
        + " | dialogs: "
        + " ".join(sorted(map(_kind, crawl.dialogs)))
    )
    if crawl.problems:
        screenshot(page, f"crawl-{role}-last")
    assert not crawl.problems, "\n".join(crawl.problems[:60])
    # The crawl must have found the hub, not just the home page.
    assert len(crawl.visited) >= 15, crawl.visited
