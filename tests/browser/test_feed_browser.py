"""A rep docks the live feed beside a page; a sales event recorded elsewhere (an email
opened, through the services) appears in it while the page stays open, the unread count
on the bell follows, the dock stays open on the next page, and its actions open the
existing dialogs.

The test live server is WSGI (pytest-django's threaded server), where the push stream
refuses itself (503) and the page polls ``/api/v1/feed/?since=`` — the same fallback a
hub without Redis uses. The stream itself is tested in sales_actions/tests/test_feed.py
and measured by bench/feed_bench.py against the ASGI server.
"""

import time

import pytest
from django.db import transaction
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import HubEvent
from accounts.services.hub_events import hub_event_emit
from accounts.tests.factories import AccountFactory, ContactFactory, UserFactory
from sales_actions.feed.models import FeedCursor
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def opened(contact, subject: str, *, is_bot: bool = False) -> None:
    with transaction.atomic():
        hub_event_emit(
            HubEvent.Kind.SALES_EMAIL_OPENED,
            subject_type="contact",
            subject_id=contact.pk,
            contact_id=contact.pk,
            account_id=contact.account_id,
            is_bot=is_bot,
            payload={"subject": subject},
        )


def test_a_feed_item_appears_while_the_page_stays_open(page, team, settings):
    settings.FEED_POLL_SECONDS = 1
    rep = UserFactory(username="sam", role="sales_rep", team=team, first_name="Sam")
    account = AccountFactory(name="Globex Analytics", owner=rep)
    paula = ContactFactory(
        account=account, owner=rep, first_name="Paula", last_name="Prospect",
        phone="+1 415 555 0100",
    )  # fmt: skip
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, "sam")
    page.goto(reverse("accounts:contact_list"))

    bell = page.locator("[data-feed-toggle]")
    expect(bell.locator("[data-feed-unread]")).to_be_hidden()
    dock = page.locator("#feed-dock")
    expect(dock).to_be_hidden()
    bell.click()
    expect(dock).to_be_visible()
    expect(dock.get_by_text("Nothing yet.", exact=False)).to_be_visible()

    # Recorded from outside the page: a bot's open never shows, the person's does.
    opened(paula, "Security scan", is_bot=True)
    opened(paula, "Pricing follow-up")
    item = dock.locator(".feed-item")
    expect(item).to_have_count(1, timeout=10_000)
    expect(item).to_contain_text("Paula Prospect")
    expect(item).to_contain_text("opened “Pricing follow-up”")
    expect(item).to_contain_text("Globex Analytics")
    expect(item.locator("time")).to_have_text("now")
    # Seen in the open dock: read (the cursor is stored), no count on the bell.
    expect(bell.locator("[data-feed-unread]")).to_be_hidden()
    newest = HubEvent.objects.filter(is_bot=False).latest("id").pk
    deadline = time.monotonic() + 10
    while FeedCursor.objects.filter(user=rep, last_seen_id=newest).count() == 0:
        assert time.monotonic() < deadline, "the open dock never marked the item read"
        time.sleep(0.2)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1440, f"the docked page scrolls sideways ({width} px)"
    screenshot(page, "feed-docked")

    # The dock stays open on the next page and shows the same item.
    page.goto(reverse("accounts:account_list"))
    expect(page.locator("#feed-dock")).to_be_visible()
    expect(page.locator("#feed-dock .feed-item")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440

    # Closed, a new item counts on the bell instead.
    page.locator("[data-feed-close]").click()
    expect(page.locator("#feed-dock")).to_be_hidden()
    opened(paula, "Second look")
    expect(bell.locator("[data-feed-unread]")).to_have_text("1", timeout=10_000)

    # The next page remembers the dock is closed, the count comes from the server.
    page.goto(reverse("accounts:contact_list"))
    expect(page.locator("#feed-dock")).to_be_hidden()
    expect(page.locator("[data-feed-toggle] [data-feed-unread]")).to_have_text("1")

    # An item's action opens the existing send dialog.
    page.locator("[data-feed-toggle]").click()
    first = page.locator("#feed-dock .feed-item").first
    expect(first).to_contain_text("Second look")
    first.get_by_role("button", name="Email").click()
    expect(page.locator("dialog#modal")).to_be_visible()
    expect(page.locator("dialog#modal")).to_contain_text("Send email to 1 contact")
    assert page.js_errors == []
