"""A rep ticks two buying-group members, sends them an approved template, and sees the
email in a member's emails tab."""

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import AccountFactory, ContactFactory, UserFactory
from buying_groups.tests.factories import BuyingGroupFactory, MemberFactory
from sales_actions.models import SalesEmail
from sales_actions.tests.factories import EmailTemplateFactory, WorkspaceFactory
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_send_an_approved_email_to_two_buying_group_members(page, team):
    rep = UserFactory(username="sam", role="sales_rep", team=team, first_name="Sam")
    account = AccountFactory(name="Globex Analytics", owner=rep)
    group = BuyingGroupFactory(account=account, name="Analytics platform")
    jo = ContactFactory(account=account, first_name="Jo", last_name="Buyer")
    li = ContactFactory(account=account, first_name="Li", last_name="Champion")
    left_out = ContactFactory(account=account, first_name="Max", last_name="Other")
    for contact in (jo, li, left_out):
        MemberFactory(group=group, contact=contact)
    EmailTemplateFactory(
        name="Meeting follow-up", subject="Great to meet, {{ contact.first_name }}"
    )

    login(page, "sam")
    page.goto(reverse("buying_groups:members", args=[group.pk]))
    page.get_by_label("Select Jo Buyer").check()
    page.get_by_label("Select Li Champion").check()
    page.get_by_role("button", name="Send email").click()

    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="Send email to 2 selected contacts")).to_be_visible()
    expect(dialog.locator("[data-queued-count]")).to_have_text("2")
    screenshot(page, "sales-email-send-dialog")
    dialog.locator("[data-send-button]").click()
    expect(dialog.get_by_role("heading", name="Email queued")).to_be_visible()
    expect(page.get_by_text("Queued 2 email(s).")).to_be_visible()
    dialog.get_by_role("button", name="Done").click()

    assert sorted(m.to[0] for m in mail.outbox) == sorted([jo.email, li.email])
    assert not SalesEmail.objects.filter(contact=left_out).exists()

    page.goto(reverse("sales_actions:contact_emails", args=[jo.pk]))
    row = page.locator("[data-emails-table] tbody tr")
    expect(row).to_have_count(1)
    expect(row.first).to_contain_text("Great to meet, Jo")
    expect(row.first).to_contain_text("Sent")
    row.first.get_by_role("link", name="Great to meet, Jo").click()
    expect(dialog.get_by_text("Meeting follow-up")).to_be_visible()
    screenshot(page, "sales-email-detail")
    assert page.js_errors == []


def test_template_editor_previews_live_for_a_chosen_contact(page, team):
    UserFactory(username="mia", role="marketer", team=team, first_name="Mia")
    WorkspaceFactory(name="Global")
    ContactFactory(first_name="Jo", last_name="Buyer", account__name="Globex Analytics")

    login(page, "mia")
    page.goto(reverse("sales_actions:template_create"))
    page.get_by_label("Subject").fill('Hello {{ contact.first_name|default:"friend" }}')
    page.get_by_label("Body (HTML)").fill("<p>News for {{ account.name }}</p>")
    preview = page.locator("#preview")
    expect(preview.locator("[data-preview-subject]")).to_have_text("Hello friend")
    page.locator("#preview-contact").select_option(label="Jo Buyer")
    expect(preview.locator("[data-preview-subject]")).to_have_text("Hello Jo")
    frame = page.frame_locator("#preview iframe")
    expect(frame.get_by_text("News for Globex Analytics")).to_be_visible()
    page.get_by_label("Body (HTML)").fill("<p>{{ contact.salary }}</p>")
    expect(preview.get_by_role("alert")).to_contain_text("Unknown token “contact.salary”")
    assert page.js_errors == []
