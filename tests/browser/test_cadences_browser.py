"""A rep builds a three-step cadence (email, call task, LinkedIn task), enrols an account's
contacts from the account page (the dialog says who is skipped and why) and sees them in
the cadence with their next step; the account's Cadences panel lists it."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import AccountFactory, ContactFactory, UserFactory
from sales_actions.cadences.models import Enrolment
from sales_actions.tests.factories import EmailTemplateFactory
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_a_three_step_cadence_and_enrol_an_account(page, team):
    UserFactory(username="sam", role="sales_rep", team=team, first_name="Sam")
    template = EmailTemplateFactory(name="Intro email")
    account = AccountFactory(name="Globex Analytics")
    people = [
        ContactFactory(account=account, first_name="Paula", last_name="Prospect"),
        ContactFactory(account=account, first_name="Omar", last_name="Owner"),
    ]
    ContactFactory(account=account, first_name="Nora", last_name="Nope", allow_email=False)

    login(page, "sam")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto("/")
    page.locator("nav.mainnav").get_by_role("link", name="Cadences").click()
    page.get_by_role("link", name="New cadence").click()
    screenshot(page, "cadence-form")
    page.fill("input[name=name]", "Globex outreach")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Globex outreach")).to_be_visible()

    form = page.locator("#step-form")
    form.locator("select[name=kind]").select_option("auto_email")
    form.locator("input[name=day_offset]").fill("0")
    form.locator("select[name=template]").select_option(str(template.pk))
    form.get_by_role("button", name="Add step").click()
    form = page.locator("#step-form")
    form.locator("select[name=kind]").select_option("call")
    form.locator("input[name=day_offset]").fill("2")
    form.locator("input[name=title]").fill("Call about the guide")
    form.get_by_role("button", name="Add step").click()
    form = page.locator("#step-form")
    form.locator("select[name=kind]").select_option("linkedin")
    form.locator("input[name=day_offset]").fill("1")
    form.get_by_role("button", name="Add step").click()
    expect(page.locator("#steps-table tbody tr")).to_have_count(3)
    screenshot(page, "cadence-steps")

    # Enrol the account's contacts from the account page.
    page.goto(reverse("accounts:account_detail", args=[account.pk]))
    page.get_by_role("link", name="Add to cadence").first.click()
    dialog = page.locator("dialog#modal")
    expect(dialog.locator("#enrol-summary")).to_contain_text("2 people will be enrolled")
    expect(dialog.locator("#enrol-skipped")).to_contain_text("does not allow email")
    screenshot(page, "cadence-enrol-dialog")
    dialog.get_by_role("button", name="Enrol").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#panel-cadences")).to_contain_text("Globex outreach")
    assert Enrolment.objects.filter(status="active").count() == 2

    page.locator("nav.mainnav").get_by_role("link", name="Cadences").click()
    expect(page.locator("#cadence-table")).to_contain_text("Globex outreach")
    screenshot(page, "cadence-list")
    page.get_by_role("link", name="Globex outreach").click()
    rows = page.locator("#people-table tbody tr")
    expect(rows).to_have_count(2)
    for person in people:
        expect(page.locator("#people-table")).to_contain_text(person.full_name)
    expect(rows.first).to_contain_text("Automatic email")
    screenshot(page, "cadence-detail")
    assert not page.js_errors
