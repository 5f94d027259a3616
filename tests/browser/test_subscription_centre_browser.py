"""A contact opens the subscription centre from a marketing email's link: leaves one list,
joins another, refuses tracking, unsubscribes from all marketing and resubscribes; each
change is in their consent history, and a marketer sees them on the contact page's
Subscription lists section."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import ConsentChange, SubscriptionMembership
from accounts.subscriptions import services as subscriptions
from accounts.tests.factories import ContactFactory, UserFactory
from sales_actions import services
from sales_actions.tests.factories import EmailTemplateFactory
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contact_manages_their_subscriptions_in_the_centre(page, team):
    marketer = UserFactory(username="mia", role="marketer", team=team, first_name="Mia")
    news = subscriptions.subscription_list_create(
        user=marketer, name="Monthly newsletter", description="Product news, once a month."
    )
    events = subscriptions.subscription_list_create(
        user=marketer, name="Event invitations", description="Webinars and meet-ups near you."
    )
    subscriptions.subscription_list_create(user=marketer, name="Key accounts", is_public=False)
    jo = ContactFactory(first_name="Jo", last_name="Reader", email="jo.reader@globex.example")
    subscriptions.membership_set(user=marketer, contact=jo, subscription_list=news, subscribed=True)
    services.sales_email_send(
        user=marketer,
        template_id=EmailTemplateFactory(kind="marketing").pk,
        subscription_list_id=news.pk,
    )
    header = mail.outbox[-1].extra_headers["List-Unsubscribe"]
    link = re.search(r"<(https?://[^>]+)>", header).group(1)
    path = re.sub(r"^https?://[^/]+", "", link)

    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(path)
    centre = page.locator("#subscription-centre")
    expect(centre.get_by_role("heading", name="Your email preferences")).to_be_visible()
    expect(centre.get_by_text("jo.reader@globex.example")).to_be_visible()
    expect(centre.get_by_text("Key accounts")).to_have_count(0)  # internal lists stay inside
    expect(centre.get_by_label(re.compile("Monthly newsletter"))).to_be_checked()
    screenshot(page, "subscription-centre")

    centre.get_by_label(re.compile("Monthly newsletter")).uncheck()
    centre.get_by_label(re.compile("Event invitations")).check()
    centre.get_by_label(re.compile("open our emails")).uncheck()
    centre.get_by_role("button", name="Save my choices").click()
    expect(page.locator("#centre-notice")).to_have_text("Your choices are saved.")
    expect(centre.get_by_label(re.compile("Event invitations"))).to_be_checked()
    assert set(
        SubscriptionMembership.objects.filter(contact=jo).values_list(
            "subscription_list__name", flat=True
        )
    ) == {"Event invitations"}
    assert events.pk in set(
        SubscriptionMembership.objects.filter(contact=jo).values_list(
            "subscription_list_id", flat=True
        )
    )

    centre.get_by_role("button", name="Unsubscribe from all marketing email").click()
    expect(page.locator("#centre-notice")).to_have_text(
        "You are unsubscribed from all marketing email."
    )
    centre.get_by_role("button", name="Resubscribe to marketing email").click()
    expect(centre.get_by_role("button", name="Save my choices")).to_be_visible()
    jo.refresh_from_db()
    assert jo.allow_bulk_email is True and jo.follow_email is False
    sources = set(
        ConsentChange.objects.filter(contact=jo, user__isnull=True).values_list("source", flat=True)
    )
    assert sources == {"subscription_centre"}
    assert not page.js_errors

    # The marketer sees the changes on the contact page.
    login(page, "mia")
    page.goto(f"/contacts/{jo.pk}/")
    section = page.locator("#panel-subscriptions")
    expect(section.locator("#subscription-memberships")).to_contain_text("Event invitations")
    expect(section).to_contain_text("left “Monthly newsletter”")
    section.scroll_into_view_if_needed()
    screenshot(page, "contact-subscription-lists")
    assert not page.js_errors
