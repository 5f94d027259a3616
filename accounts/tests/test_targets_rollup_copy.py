"""The rollup's copy of is_target, which the target page reads, stays right.

accounts_mark_target/unmark write it in their own transaction (no refresh needed), every
refresh copies it, rebuild_rollups reports and repairs a stale one, and migration 0003
filled it in for existing data.
"""

import datetime as dt
import importlib
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Account, AccountRollup, AccountRollupDirty
from accounts.selectors import targets as selectors
from accounts.services.rollups import rollups_rebuild, rollups_refresh
from accounts.services.targets import accounts_mark_target, accounts_unmark_target
from accounts.tests.factories import AccountFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("targets:index")


def listed(client, **params) -> str:
    return client.get(INDEX, params).content.decode()


def card(html: str, name: str) -> str:
    start = html.index(f'data-metric="{name}">') + len(f'data-metric="{name}">')
    return html[start : html.index("<", start)]


def test_a_new_target_shows_with_its_figures_before_any_refresh(client, marketer):
    account = AccountFactory(name="Fresh Target")
    ContactFactory(account=account, roles=["decision_maker"])
    OpportunityFactory(account=account, amount=500)
    assert not AccountRollup.objects.filter(account=account).exists()
    # on_commit hooks (the debounced refresh) do not run in this test transaction
    assert accounts_mark_target(user=marketer, account_ids=[account.pk]) == 1
    row = AccountRollup.objects.get(account=account)
    assert row.is_target and row.contacts_count == 1 and row.has_decision_maker
    client.force_login(marketer)
    html = listed(client)
    assert "Fresh Target" in html
    assert card(html, "target_accounts") == "1"
    value = html.split('data-metric="open_deal_value">', 1)[1].split("</div>", 1)[0]
    assert '<span class="money">USD 500</span>' in value  # money with its currency
    assert card(html, "missing_decision_makers") == "0"


def test_removing_a_target_takes_it_off_rows_cards_and_counts_at_once(client, marketer):
    keep, drop = AccountFactory(name="Keep Co", is_target=True), AccountFactory(name="Drop Co")
    drop.is_target = True
    drop.save()
    rollups_rebuild()
    client.force_login(marketer)
    assert card(listed(client), "target_accounts") == "2"
    assert accounts_unmark_target(user=marketer, account_ids=[drop.pk]) == 1
    assert not AccountRollup.objects.get(account=drop).is_target
    html = listed(client)
    assert "Keep Co" in html and "Drop Co" not in html
    assert card(html, "target_accounts") == "1"
    assert 'data-category="all">All target accounts <span class="count">1</span>' in html
    # marking it again flips the existing row back, still without a refresh
    accounts_mark_target(user=marketer, account_ids=[drop.pk])
    assert "Drop Co" in listed(client) and AccountRollup.objects.get(account=drop).is_target
    assert AccountRollup.objects.get(account=keep).is_target


def test_a_refresh_copies_is_target_written_elsewhere():
    # e.g. the CSV import sets Account.is_target and notifies a change
    account = AccountFactory(name="Imported")
    rollups_rebuild()
    Account.objects.filter(pk=account.pk).update(is_target=True)
    filters = selectors.TargetFilters()
    assert selectors.target_page(filters=filters).rows == []
    rollups_refresh(account_ids=[account.pk])
    assert [r["name"] for r in selectors.target_page(filters=filters).rows] == ["Imported"]
    assert selectors.target_summary(filters=filters)["target_accounts"] == 1


def test_rebuild_reports_and_repairs_a_stale_copy():
    account = AccountFactory(is_target=True)
    rollups_rebuild()
    AccountRollup.objects.filter(account=account).update(is_target=False)
    out = StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert f"account {account.pk}: is_target: False -> True" in out.getvalue()
    assert "1 differed" in out.getvalue()
    assert AccountRollup.objects.get(account=account).is_target
    assert rollups_rebuild().drifted == 0


def test_every_sort_pages_through_all_targets_in_both_directions(admin):
    now = timezone.now()
    for i in range(7):
        account = AccountFactory(name=f"Acct {i}", is_target=True, owner=admin if i % 2 else None)
        if i % 3:
            OpportunityFactory(account=account, amount=100 * i)
        if i % 2:
            ContactFactory(account=account)
    AccountFactory(name="Not a target")
    rollups_rebuild()
    AccountRollup.objects.filter(account__name__in=["Acct 1", "Acct 4"]).update(
        last_touch_at=now - dt.timedelta(days=2)
    )
    filters = selectors.TargetFilters()
    for key in selectors.sort_fields():
        for sort in (key, f"-{key}"):
            whole = [r["id"] for r in selectors.target_page(filters=filters, sort=sort).rows]
            assert len(whole) == 7, sort
            seen, cursor, pages = [], None, []
            while True:
                page = selectors.target_page(filters=filters, sort=sort, cursor=cursor, size=3)
                pages.append(page)
                seen += [r["id"] for r in page.rows]
                cursor = page.next_cursor
                if not cursor:
                    break
            assert seen == whole, sort
            back = selectors.target_page(
                filters=filters, sort=sort, cursor=pages[-1].previous_cursor, size=3
            )
            assert [r["id"] for r in back.rows] == whole[3:6], sort


def test_row_cells_are_formatted_like_the_cards(client, marketer):
    account = AccountFactory(name="Big Deal Co", is_target=True)
    OpportunityFactory(account=account, amount=Decimal("1234567.50"))
    rollups_rebuild()
    client.force_login(marketer)
    html = listed(client)
    assert '<span class="money">USD 1,234,567.50</span></td>' in html
    assert '<span class="faint">—</span>' in html  # never touched
    assert f'href="{reverse("targets:overview", args=[account.pk])}"' in html
    assert f"{reverse('targets:remove', args=[account.pk])}?next=%2Ftarget-accounts%2F" in html


def test_migration_0003_fills_the_copy_and_queues_missing_rollups():
    migration = importlib.import_module("accounts.migrations.0003_target_page_indexes")
    with_row, without_row = AccountFactory(is_target=True), AccountFactory(is_target=True)
    other = AccountFactory()
    rollups_rebuild()
    AccountRollup.objects.update(is_target=False)
    AccountRollup.objects.filter(account=without_row).delete()
    migration.copy_is_target(apps, None)
    assert AccountRollup.objects.get(account=with_row).is_target
    assert AccountRollup.objects.get(account=without_row).is_target
    assert not AccountRollup.objects.get(account=other).is_target
    assert list(AccountRollupDirty.objects.values_list("account_id", flat=True)) == [without_row.pk]
