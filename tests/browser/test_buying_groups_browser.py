"""A sales rep assigns two members with roles, edits one role and removes one member."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.tests.factories import AccountFactory, ContactFactory, UserFactory
from buying_groups.models import Member
from buying_groups.tests.factories import BuyingGroupFactory, TemplateRoleFactory
from tests.browser.conftest import login, screenshot

pytestmark = pytest.mark.browser


def test_assign_edit_role_and_remove_members(page, team):
    rep = UserFactory(username="sam", role="sales_rep", team=team)
    account = AccountFactory(name="Northwind Robotics", owner=rep)
    group = BuyingGroupFactory(account=account, name="Northwind — Robotics Cloud")
    TemplateRoleFactory(template=group.role_template, name="Decision maker", weight=3)
    TemplateRoleFactory(template=group.role_template, name="Champion", weight=1)
    ContactFactory(account=account, first_name="Grace", last_name="Hopper", title="VP Eng")
    ContactFactory(account=account, first_name="Alan", last_name="Turing", title="Architect")
    ContactFactory(account=account, first_name="Ada", last_name="Lovelace", title="Analyst")

    login(page, "sam")
    page.goto(reverse("buying_groups:members", args=[group.pk]))
    page.get_by_role("button", name="Assign new members").click()
    dialog = page.locator("#modal")
    expect(dialog.get_by_role("heading", name="Assign members")).to_be_visible()
    dialog.get_by_label("Grace Hopper").check()
    dialog.get_by_label("Alan Turing").check()
    dialog.get_by_role("button", name="Next").click()
    expect(dialog.get_by_role("heading", name="Choose new members' roles")).to_be_visible()
    dialog.get_by_label("Role for Grace Hopper").select_option(label="Decision maker")
    dialog.get_by_label("Role for Alan Turing").select_option(label="Champion")
    screenshot(page, "buying-groups-assign-roles")
    dialog.get_by_role("button", name="Save").click()

    expect(page.locator(".flash-success")).to_contain_text("Added 2 members")
    rows = page.locator("table.table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("row", name="Grace Hopper")).to_contain_text("Decision maker")

    # Edit Alan's role.
    page.get_by_label("Select Alan Turing").check()
    expect(page.locator("[data-selection-bar]")).to_be_visible()
    page.get_by_role("button", name="Edit roles").click()
    expect(dialog.get_by_role("heading", name="Edit member roles")).to_be_visible()
    dialog.get_by_label("Role for Alan Turing").select_option(label="Decision maker")
    dialog.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("Updated the role of 1 member")
    expect(page.get_by_role("row", name="Alan Turing")).to_contain_text("Decision maker")

    # Remove Grace, with confirmation.
    page.get_by_label("Select Grace Hopper").check()
    page.get_by_role("button", name="Remove members").click()
    expect(dialog).to_contain_text("Remove 1 member from")
    dialog.get_by_role("button", name="Remove", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Removed 1 member")
    expect(rows).to_have_count(1)
    screenshot(page, "buying-groups-members")

    members = dict(
        Member.objects.filter(group=group).values_list("contact__last_name", "role__name")
    )
    assert members == {"Turing": "Decision maker"}
    group.refresh_from_db()
    assert (group.member_count, group.completeness_score) == (1, 75)
    assert page.js_errors == []
