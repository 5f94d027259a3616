"""A marketer builds a hosted form and copies its embed snippet; a visitor (signed out, in
their own browser) fills and sends the public form, which creates contact, lead and activity."""

import pytest
from playwright.sync_api import expect

from accounts.models import Activity, Contact, Lead, WebForm, WebFormSubmission
from accounts.tests.factories import UserFactory
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_a_form_then_a_visitor_submits_it(page, browser, live_server, team, settings):
    settings.WEBFORM_MIN_FILL_SECONDS = 1
    UserFactory(username="mia", role="marketer", team=team, first_name="Mia")
    login(page, "mia")
    page.get_by_role("link", name="Forms", exact=True).click()
    page.get_by_role("link", name="New form").click()
    page.fill("input[name=name]", "Talk to sales")
    page.fill("textarea[name=thank_you_message]", "Thanks — we will call you today.")
    page.check("input[name=use_company]")
    page.check("input[name=required_company]")
    page.check("input[name=use_title]")
    page.get_by_role("button", name="Create form").click()
    expect(page.get_by_role("heading", name="Talk to sales")).to_be_visible()
    snippet = page.locator("#wf-embed")
    assert "<iframe src=" in snippet.input_value()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    copy = page.locator('[data-copy-target="#wf-embed"]')
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == snippet.input_value()
    public_url = page.locator("#wf-public-url").input_value()
    assert not page.js_errors

    # The visitor: a fresh browser context, no hub session.
    visitor = browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-US")
    errors: list[str] = []
    form_page = visitor.new_page()
    form_page.on("pageerror", lambda exc: errors.append(str(exc)))
    form_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    form_page.goto(public_url)
    expect(form_page.get_by_role("heading", name="Talk to sales")).to_be_visible()
    form_page.get_by_label("Work email").fill("grace@hopper-labs.example")
    form_page.get_by_label("First name").fill("Grace")
    form_page.get_by_label("Last name").fill("Hopper")
    form_page.get_by_label("Company").fill("Hopper Labs")
    form_page.get_by_label("Job title").fill("Head of Engineering")
    form_page.get_by_label("Send me news and offers by email.").check()
    screenshot(form_page, "webform-public")
    form_page.wait_for_timeout(1100)  # the minimum fill time
    form_page.get_by_role("button", name="Send").click()
    expect(form_page.locator("#wf-thanks")).to_have_text("Thanks — we will call you today.")
    assert not errors, errors
    visitor.close()

    contact = Contact.objects.get(email="grace@hopper-labs.example")
    assert (contact.first_name, contact.title, contact.account.name) == (
        "Grace",
        "Head of Engineering",
        "Hopper Labs",
    )
    assert Lead.objects.filter(contact=contact).count() == 1
    webform = WebForm.objects.get(name="Talk to sales")
    assert (
        Activity.objects.filter(
            contact=contact, type="form_submitted", subject="Talk to sales"
        ).count()
        == 1
    )
    assert WebFormSubmission.objects.filter(form=webform, contact=contact).count() == 1

    page.reload()
    expect(page.locator("#wf-submissions")).to_contain_text("grace@hopper-labs.example")
