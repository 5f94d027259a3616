"""A sales rep converts their sales-accepted lead into an opportunity from the lead page:
the dialog opens in the modal, the deal is created with the contact in a role, and the
page shows the conversion and its history row."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.lifecycle import services
from accounts.models import Lead, Opportunity
from accounts.tests.factories import ContactFactory, UserFactory
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_rep_converts_a_lead_to_an_opportunity_on_the_page(page, team):
    rep = UserFactory(username="sam", role="sales_rep", team=team, first_name="Sam")
    contact = ContactFactory(first_name="Grace", last_name="Hopper", owner=rep)
    lead = Lead.objects.create(
        contact=contact, account=contact.account, owner=rep, topic="Fleet analytics", status="mql"
    )
    services.lead_accept(user=rep, lead=lead, reason="Asked for a demo")

    login(page, "sam")
    page.goto(reverse("accounts:lead_detail", args=[lead.pk]))
    expect(page.locator("#lead-history")).to_contain_text("Asked for a demo")
    page.locator("#lead-convert").click()

    dialog = page.locator("#modal")
    expect(dialog.get_by_role("heading", name="Convert to opportunity")).to_be_visible()
    dialog.get_by_label("Opportunity name").fill("Fleet analytics — pilot")
    dialog.get_by_label("Amount").fill("25000")
    dialog.get_by_label("Currency").fill("EUR")
    dialog.get_by_label("Their role").select_option("decision_maker")
    screenshot(page, "lead-convert-dialog")
    dialog.get_by_role("button", name="Convert").click()

    expect(page.locator("#lead-opportunity")).to_contain_text("Fleet analytics — pilot")
    expect(page.locator("#lead-history")).to_contain_text("Sales-accepted → Converted")
    expect(page.locator("#lead-convert")).to_have_count(0)
    screenshot(page, "lead-converted")

    opportunity = Opportunity.objects.get()
    assert (opportunity.name, str(opportunity.amount), opportunity.currency) == (
        "Fleet analytics — pilot",
        "25000.00",
        "EUR",
    )
    role = opportunity.contact_roles.get()
    assert (role.contact_id, role.role) == (contact.pk, "decision_maker")
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.opportunity_id == opportunity.pk
    assert page.js_errors == []
