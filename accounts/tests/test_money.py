"""Issue 9, data truth: money shows with its currency and is never added across currencies.

Deals carry their own currency. Open deal value is one total per currency everywhere it
shows (the target cards, rows and overview, the account page, the buying-group overview and
the account summary); the target page's sortable column and card add amounts only once
converted to the base currency with the rates an admin keeps (test_currency_rates.py).
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from abm.templatetags.hub import money, money_text, money_totals
from accounts.selectors.money import (
    open_deal_value_by_currency,
    open_deal_value_per_account,
    totals_of,
)
from accounts.services.rollups import rollups_rebuild
from accounts.tests.factories import AccountFactory, ContactFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def test_money_keeps_its_currency_and_cents_only_when_there_are_some():
    assert money_text(Decimal("1234"), "usd") == "USD 1,234"
    assert money_text(Decimal("250.5"), "EUR") == "EUR 250.50"
    assert money_text(None, "GBP") == "GBP 0"
    assert money(1000, "JPY") == '<span class="money">JPY 1,000</span>'
    assert "—" in money_totals([])
    html = money_totals([{"currency": "USD", "amount": 10}, {"currency": "EUR", "amount": 5}])
    assert "USD 10" in html and "EUR 5" in html and " · " in html


@pytest.fixture
def mixed():
    """One target with a USD and a EUR deal, another with USD only; closed deals ignored."""
    a = AccountFactory(name="Alpha", is_target=True)
    b = AccountFactory(name="Beta", is_target=True)
    OpportunityFactory(account=a, amount=1000, currency="USD", stage="prospecting")
    OpportunityFactory(account=a, amount=500, currency="EUR", stage="negotiation")
    OpportunityFactory(account=a, amount=9999, currency="EUR", stage="closed_won")
    OpportunityFactory(account=b, amount=250, currency="USD", stage="proposal")
    rollups_rebuild()
    return a, b


def test_selectors_total_per_currency(mixed):
    a, b = mixed
    assert open_deal_value_by_currency(account_ids=[a.pk, b.pk]) == [
        {"currency": "USD", "amount": Decimal("1250.00")},
        {"currency": "EUR", "amount": Decimal("500.00")},
    ]
    per = open_deal_value_per_account(account_ids=[a.pk, b.pk])
    assert [t["currency"] for t in per[a.pk]] == ["USD", "EUR"]
    assert per[b.pk] == [{"currency": "USD", "amount": Decimal("250.00")}]
    assert totals_of([("EUR", 1), ("USD", 3), ("EUR", 4)]) == [
        {"currency": "EUR", "amount": Decimal("5")},
        {"currency": "USD", "amount": Decimal("3")},
    ]


def test_target_page_cards_and_rows_never_add_currencies(client, marketer, mixed):
    a, _ = mixed
    client.force_login(marketer)
    html = client.get(reverse("targets:index")).content.decode()
    # No EUR rate: the card converts what it can (USD 1,250) and counts the euro deal.
    card = html.split('data-metric="open_deal_value">', 1)[1].split("</div>", 1)[0]
    assert card == '<span class="money">USD 1,250</span>'
    hint = html.split('data-metric="open_deal_values">', 1)[1].split("</div></div>", 1)[0]
    assert "USD 1,250" in hint and "EUR 500" in hint
    assert "+1 deal in a currency without a rate" in hint
    assert "1,750" not in html  # the old sum of dollars and euros
    row = html.split(f'id="target-{a.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "USD 1,000" in row and "EUR 500" in row and "1,500" not in row
    assert "+1 deal in a currency without a rate" in row

    overview = client.get(reverse("targets:overview", args=[a.pk])).content.decode()
    assert "USD 1,000" in overview and "EUR 500" in overview and "EUR 9,999" in overview
    assert "$" not in overview.split("<main", 1)[1]


def test_account_page_and_buying_group_overview_per_currency(client, admin, mixed):
    from buying_groups.tests.factories import BuyingGroupFactory

    a, _ = mixed
    client.force_login(admin)
    page = client.get(reverse("accounts:account_detail", args=[a.pk])).content.decode()
    assert "USD 1,000" in page and "EUR 500" in page and "1,500" not in page
    group = BuyingGroupFactory(account=a)
    ContactFactory(account=a)
    overview = client.get(reverse("buying_groups:detail", args=[group.pk])).content.decode()
    assert "USD 1,000" in overview and "EUR 500" in overview and "1,500" not in overview


def test_account_summary_names_each_currency(mixed):
    from buying_groups.services.summaries import summary_generate

    a, _ = mixed
    ContactFactory(account=a)
    summary = summary_generate(subject="account", object_id=a.pk)
    assert "2 open opportunities worth USD 1,000 and EUR 500." in summary.text
