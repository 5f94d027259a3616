"""A rep clicks a contact's phone number: the tel: link also opens the call-log dialog,
pre-filled; saving it shows the call in the contact's Calls panel and on the calls page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Activity
from accounts.tests.factories import AccountFactory, ContactFactory, UserFactory
from sales_actions.calls.models import Call, CallOutcome
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_a_call_from_a_tel_link_on_a_contact_page(page, team):
    rep = UserFactory(username="sam", role="sales_rep", team=team, first_name="Sam")
    account = AccountFactory(name="Globex Analytics", owner=rep)
    paula = ContactFactory(
        account=account, first_name="Paula", last_name="Prospect", phone="+1 415 555 0100"
    )
    # A transactional test starts from an empty table: the outcome the migration seeds.
    booked, _ = CallOutcome.objects.get_or_create(name="Meeting booked")

    login(page, "sam")
    page.goto(reverse("accounts:contact_detail", args=[paula.pk]))
    calls_panel = page.locator("#panel-calls")
    expect(calls_panel.get_by_text("No calls yet.")).to_be_visible()

    link = page.get_by_role("link", name="+1 415 555 0100")
    expect(link).to_have_attribute("href", "tel:+14155550100")
    # The phone's part of the click: headless Chromium answers a tel: navigation with its
    # external-protocol prompt, which then takes every input meant for the page. The page's
    # own handler (static/js/hub.js) runs before this one, on the document.
    page.evaluate(
        """() => window.addEventListener("click", event => {
            const link = event.target.closest("a[href^='tel:']");
            if (link) { window.dialled = link.getAttribute("href"); event.preventDefault(); }
        })"""
    )
    link.click()

    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="Log call with Paula Prospect")).to_be_visible()
    expect(dialog.get_by_label("Number dialled")).to_have_value("+1 415 555 0100")
    assert page.evaluate("() => window.dialled") == "tel:+14155550100"
    dialog.get_by_label("Connected").check()
    dialog.get_by_label("Outcome").select_option(label="Meeting booked")
    dialog.get_by_label("Notes").fill("Demo booked for Tuesday")
    dialog.get_by_label("Duration").fill("4:05")
    screenshot(page, "calls-log-dialog")
    dialog.get_by_role("button", name="Save call").click()

    expect(dialog).not_to_be_visible()
    expect(page.get_by_text("Call with Paula Prospect logged.")).to_be_visible()
    row = calls_panel.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("Meeting booked")
    expect(row.first).to_contain_text("Demo booked for Tuesday")
    expect(row.first).to_contain_text("4:05")
    # The activity timeline shows the call as it happened ("received sales call").
    expect(page.locator("#timeline-card")).to_contain_text("Sales call: Connected")
    screenshot(page, "calls-contact-panel")

    call = Call.objects.get()
    assert (call.user, call.contact, call.outcome, call.duration_seconds) == (
        rep,
        paula,
        booked,
        245,
    )
    assert Activity.objects.filter(contact=paula, type=Activity.Type.CALL).count() == 1

    # The calls page lists it; its time opens the call's card.
    page.goto(reverse("calls:call_list"))
    page.locator("#call-table tbody tr").first.get_by_role("link", name="details").click()
    expect(dialog.get_by_role("heading", name="Call with Paula Prospect")).to_be_visible()
    expect(dialog).to_contain_text("+1 415 555 0100")
    expect(dialog).to_contain_text("Connected")
    screenshot(page, "calls-card")
    assert page.js_errors == []
