"""A marketer signs in, finds an account in the list, opens it and sees its people."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def northwind(team):
    account = AccountFactory(name="Northwind Robotics", domain="northwind-robotics.example")
    ContactFactory(
        account=account,
        first_name="Grace",
        last_name="Hopper",
        title="VP Engineering",
        email="grace@northwind-robotics.example",
    )
    AccountFactory(name="Contoso Freight", domain="contoso-freight.example")
    return account


def test_marketer_opens_an_account_from_the_list_and_sees_its_contacts(page, team, northwind):
    UserFactory(username="mia", role="marketer", team=team, first_name="Mia")

    login(page, "mia")
    page.goto(reverse("accounts:account_list"))

    expect(page.get_by_role("heading", name="Accounts", exact=True)).to_be_visible()
    table = page.locator("table.table")
    expect(table.get_by_role("link", name="Northwind Robotics")).to_be_visible()
    expect(table.get_by_role("link", name="Contoso Freight")).to_be_visible()
    screenshot(page, "accounts-list")

    table.get_by_role("link", name="Northwind Robotics").click()

    page.wait_for_url(f"**{reverse('accounts:account_detail', args=[northwind.pk])}")
    expect(page.get_by_role("heading", name="Northwind Robotics", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Grace Hopper")).to_be_visible()
    expect(page.get_by_text("VP Engineering")).to_be_visible()
    expect(page.get_by_text("Contoso Freight")).to_have_count(0)
    path = screenshot(page, "account-detail")
    assert path.stat().st_size > 10_000
    assert page.js_errors == []


def test_signing_in_with_a_wrong_password_stays_on_the_login_page(page, team):
    UserFactory(username="mia", role="marketer", team=team)

    page.goto(reverse("accounts:account_list"))
    # Anonymous visitors are sent to the login page first.
    assert "/login/" in page.url
    page.fill("input[name=username]", "mia")
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")

    expect(page.locator(".form-errors")).to_be_visible()
    assert "/login/" in page.url
