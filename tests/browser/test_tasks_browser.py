"""A rep works the tasks page: completes a call task (the call-log dialog opens for it),
snoozes another, and finds the done one on the Done tab; the opportunity page shows its
task panel."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import OpportunityContactRole, Task
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    TaskFactory,
    UserFactory,
)
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_complete_a_call_task_and_snooze_another_from_the_tasks_page(page, team):
    rep = UserFactory(username="sam", role="sales_rep", team=team, first_name="Sam")
    account = AccountFactory(name="Globex Analytics", owner=rep)
    paula = ContactFactory(
        account=account, first_name="Paula", last_name="Prospect", phone="+1 415 555 0100"
    )
    now = timezone.now()
    call = TaskFactory(
        owner=rep,
        contact=paula,
        account=account,
        type="call",
        title="Call Paula about pricing",
        due_at=now - timedelta(days=1),
    )
    later = TaskFactory(
        owner=rep,
        account=account,
        type="custom",
        title="Prepare the QBR deck",
        due_at=now - timedelta(hours=3),
    )
    deal = OpportunityFactory(account=account, name="Globex renewal", owner=rep)
    OpportunityContactRole.objects.create(opportunity=deal, contact=paula, role="champion")

    login(page, "sam")
    page.goto(reverse("tasks:task_list") + "?tab=overdue")
    expect(page.locator("nav.mainnav .nav-count")).to_have_text("2")
    rows = page.locator("#task-table tbody tr")
    expect(rows).to_have_count(2)
    screenshot(page, "tasks-overdue")

    # Completing the call task opens the call log for Paula, tied to the task.
    page.locator(f"#task-{call.pk}").get_by_role("button", name="Complete and log call").click()
    dialog = page.locator("dialog#modal")
    expect(dialog.get_by_role("heading", name="Log call with Paula Prospect")).to_be_visible()
    expect(page.get_by_text("Task “Call Paula about pricing” done.")).to_be_visible()
    screenshot(page, "tasks-complete-call-log")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).not_to_be_visible()
    expect(rows).to_have_count(1)  # the list refreshed itself

    # Snooze the other one to next week from its menu.
    row = page.locator(f"#task-{later.pk}")
    row.get_by_text("Snooze").first.click()
    row.get_by_role("button", name="Next week").click()
    expect(page.get_by_text("Task “Prepare the QBR deck” snoozed until")).to_be_visible()
    expect(page.locator("#task-table")).to_have_count(0)
    expect(page.locator("nav.mainnav .nav-count")).to_have_count(0)

    call.refresh_from_db()
    later.refresh_from_db()
    assert call.status == Task.Status.DONE
    assert later.status == Task.Status.OPEN and later.due_at > now + timedelta(days=1)

    page.goto(reverse("tasks:task_list") + "?tab=done")
    expect(page.locator(f"#task-{call.pk}")).to_contain_text("Call Paula about pricing")
    page.locator(f"#task-{call.pk}").get_by_role("button", name="Reopen").click()
    expect(page.locator(f"#task-{call.pk}")).to_have_count(0)
    call.refresh_from_db()
    assert call.status == Task.Status.OPEN

    # The deal's page lists its tasks in a panel and links the contact's phone.
    page.goto(reverse("accounts:opportunity_detail", args=[deal.pk]))
    panel = page.locator("#panel-tasks")
    expect(panel.locator(f"#task-{call.pk}")).to_be_visible()
    screenshot(page, "opportunity-page")
    assert page.js_errors == []
