"""Issue 9: "Select target accounts" keeps every tick across searches and adds them all.

A marketer searches, ticks two companies, searches for something else, ticks one more:
the counter says 3, the first ticks are still listed (and come back ticked when their
search returns), unticking one takes it out, and "Make targets" adds every kept one.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Account
from accounts.services.rollups import rollups_rebuild
from accounts.tests.factories import AccountFactory, UserFactory
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def companies():
    for name in ("Acme Robotics", "Acme Foods", "Acme Freight", "Borealis Energy", "Borealis Air"):
        AccountFactory(name=name)
    AccountFactory(name="Already Targeted", is_target=True)
    rollups_rebuild()


def _search(dialog, text):
    box = dialog.get_by_label("Search companies that are not targets")
    box.fill(text)
    # The list is swapped after a short pause; wait for a name only this search shows.
    return box


def test_ticks_survive_a_new_search_and_all_are_added(page, team, companies):
    UserFactory(username="mia", role="marketer", team=team)
    login(page, "mia")
    page.set_viewport_size({"width": 1440, "height": 900})
    page.goto(reverse("targets:index"))
    page.get_by_role("button", name="Select target accounts").click()
    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="Select target accounts")).to_be_visible()
    count = dialog.locator("[data-selection-count]")
    submit = dialog.get_by_role("button", name="Make targets")
    expect(count).to_have_text("0")
    expect(submit).to_be_disabled()

    # First search: tick two.
    _search(dialog, "Acme")
    expect(dialog.get_by_label("Select Borealis Energy", exact=True)).to_have_count(0)
    dialog.get_by_label("Select Acme Robotics", exact=True).check()
    dialog.get_by_label("Select Acme Freight", exact=True).check()
    expect(count).to_have_text("2")

    # Second search: the first ticks stay kept, one more is ticked.
    _search(dialog, "Borealis")
    expect(dialog.get_by_label("Select Acme Robotics", exact=True)).to_have_count(0)
    dialog.get_by_label("Select Borealis Energy", exact=True).check()
    expect(count).to_have_text("3")
    chips = dialog.locator("[data-kept] .chip")
    expect(chips).to_have_text(["Acme Robotics×", "Acme Freight×", "Borealis Energy×"])
    screenshot(page, "target-select-kept-ticks")

    # Back to the first search: its ticks show ticked; unticking one drops it.
    _search(dialog, "Acme")
    expect(dialog.get_by_label("Select Acme Robotics", exact=True)).to_be_checked()
    expect(dialog.get_by_label("Select Acme Freight", exact=True)).to_be_checked()
    expect(dialog.get_by_label("Select Acme Foods", exact=True)).not_to_be_checked()
    dialog.get_by_label("Select Acme Freight", exact=True).uncheck()
    expect(count).to_have_text("2")
    # A chip's × unticks too, and a tick again brings it back.
    dialog.get_by_label("Select Acme Freight", exact=True).check()
    dialog.get_by_role("button", name="Unselect Acme Freight").click()
    expect(count).to_have_text("2")
    expect(dialog.get_by_label("Select Acme Freight", exact=True)).not_to_be_checked()

    # An empty search (every company) still adds exactly the kept ones.
    _search(dialog, "")
    expect(dialog.get_by_label("Select Borealis Energy", exact=True)).to_be_checked()
    submit.click()

    expect(page.get_by_text("2 accounts added to targets.")).to_be_visible()
    targeted = set(
        Account.objects.filter(is_target=True)
        .exclude(name="Already Targeted")
        .values_list("name", flat=True)
    )
    assert targeted == {"Acme Robotics", "Borealis Energy"}
    table = page.get_by_role("table", name="Target accounts")
    expect(table.get_by_role("link", name="Acme Robotics")).to_be_visible()
    expect(table.get_by_role("link", name="Borealis Energy")).to_be_visible()
    assert page.js_errors == []
