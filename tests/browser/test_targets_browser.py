"""A marketer opens the target accounts, picks a category and removes a target."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Account
from accounts.services.rollups import rollups_rebuild
from accounts.tests.factories import AccountFactory, ContactFactory, UserFactory
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def targets(team):
    with_dm = AccountFactory(name="Globex Analytics", is_target=True)
    ContactFactory(account=with_dm, roles=["decision_maker", "champion"])
    AccountFactory(name="Initech Systems", is_target=True)
    AccountFactory(name="Umbrella Freight", is_target=True)
    AccountFactory(name="Not Targeted Ltd")
    rollups_rebuild()


def test_filter_by_category_then_remove_a_target_through_its_dialog(page, team, targets):
    UserFactory(username="mia", role="marketer", team=team, first_name="Mia")
    login(page, "mia")
    page.goto(reverse("targets:index"))

    expect(page.get_by_role("heading", name="Target accounts", exact=True)).to_be_visible()
    expect(page.locator('[data-metric="target_accounts"]')).to_have_text("3")
    expect(page.locator('[data-metric="missing_decision_makers"]')).to_have_text("2")
    screenshot(page, "target-accounts-index")

    page.locator('[data-category="no_decision_maker"]').click()
    page.wait_for_url("**category=no_decision_maker**")
    table = page.get_by_role("table", name="Target accounts")
    expect(table.get_by_role("link", name="Initech Systems")).to_be_visible()
    expect(table.get_by_role("link", name="Umbrella Freight")).to_be_visible()
    expect(table.get_by_role("link", name="Globex Analytics")).to_have_count(0)

    page.get_by_label("Actions for Initech Systems").click()  # the row's menu
    page.get_by_role("menuitem", name="Remove Initech Systems as target").click()
    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="Remove as target?")).to_be_visible()
    screenshot(page, "target-accounts-remove-dialog")
    dialog.get_by_role("button", name="Remove as target").click()

    expect(page.get_by_text("Initech Systems is no longer a target account.")).to_be_visible()
    expect(table.get_by_role("link", name="Initech Systems")).to_have_count(0)
    expect(page.locator('[data-category="no_decision_maker"] .count')).to_have_text("1")
    assert "category=no_decision_maker" in page.url  # the filter survived the removal
    assert Account.objects.filter(name="Initech Systems", is_target=False).exists()
    assert page.js_errors == []
