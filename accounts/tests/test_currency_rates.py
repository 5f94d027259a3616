"""Issue 9, data truth: open deal value is converted with the rates an admin keeps.

The target rollup stores the value converted to settings.BASE_CURRENCY (what the target
table sorts on and the API returns), counts the deals in a currency without a rate instead
of adding them, and keeps each currency's own total; a rate change brings the rollups of
the accounts with open deals in that currency up to date through the dirty table.
"""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AccountRollup, AccountRollupDirty, CurrencyRate
from accounts.services.currency_rates import (
    currency_rate_delete,
    currency_rate_set,
)
from accounts.services.rollups import open_deal_money, rollups_rebuild, rollups_refresh
from accounts.tests.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db
TARGETS = "/api/v1/target-accounts/"
RATES = "/api/v1/currency-rates/"


@pytest.fixture
def deals():
    """Alpha: USD 1,000 and EUR 500 open (EUR 9,999 closed); Beta: EUR 2,000; Gamma: GBP 300."""
    alpha = AccountFactory(name="Alpha", is_target=True)
    beta = AccountFactory(name="Beta", is_target=True)
    gamma = AccountFactory(name="Gamma", is_target=True)
    OpportunityFactory(account=alpha, amount=Decimal("1000"), currency="USD")
    OpportunityFactory(account=alpha, amount=Decimal("500"), currency="EUR", stage="proposal")
    OpportunityFactory(account=alpha, amount=Decimal("9999"), currency="EUR", stage="closed_won")
    OpportunityFactory(account=beta, amount=Decimal("2000"), currency="EUR")
    OpportunityFactory(account=gamma, amount=Decimal("300"), currency="GBP")
    rollups_rebuild()
    return alpha, beta, gamma


def rollup(account) -> AccountRollup:
    return AccountRollup.objects.get(account=account)


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


def test_open_deal_money_converts_with_rates_and_counts_the_rest():
    groups = [
        {"currency": "USD", "n": 1, "value": Decimal("1000")},
        {"currency": "EUR", "n": 2, "value": Decimal("500")},
        {"currency": "GBP", "n": 1, "value": Decimal("300")},
    ]
    money = open_deal_money(groups=groups, rates={"USD": Decimal(1), "EUR": Decimal("1.1")})
    assert money == {
        "open_deals_count": 4,
        "open_deal_value": Decimal("1550.00"),
        "open_deals_unconverted": 1,
        "open_deal_values": [
            {"currency": "USD", "amount": "1000.00"},
            {"currency": "EUR", "amount": "500.00"},
            {"currency": "GBP", "amount": "300.00"},
        ],
    }


def test_usd_and_eur_with_a_eur_rate_convert_and_keep_each_currency(deals, admin, api_as):
    alpha, *_ = deals
    with_rate = currency_rate_set(user=admin, currency="EUR", rate_to_base="1.08")
    assert with_rate.updated_by == admin
    rollups_refresh(account_ids=[alpha.pk])
    r = rollup(alpha)
    assert (r.open_deals_count, r.open_deal_value, r.open_deals_unconverted) == (
        2,
        Decimal("1540.00"),  # 1,000 + 500 x 1.08
        0,
    )
    assert r.open_deal_values == [
        {"currency": "USD", "amount": "1000.00"},
        {"currency": "EUR", "amount": "500.00"},
    ]
    row = {row["name"]: row for row in api_as(admin).get(TARGETS).json()["results"]}["Alpha"]
    assert row["open_deal_value"] == "1540.00" and row["open_deal_currency"] == "USD"
    assert row["open_deal_values"] == [
        {"currency": "USD", "amount": "1000.00"},
        {"currency": "EUR", "amount": "500.00"},
    ]
    assert row["open_deals_unconverted"] == 0


def test_a_currency_without_a_rate_is_left_out_and_counted(deals, admin, api_as, client):
    alpha, beta, gamma = deals
    assert (rollup(alpha).open_deal_value, rollup(alpha).open_deals_unconverted) == (
        Decimal("1000.00"),
        1,
    )
    assert (rollup(beta).open_deal_value, rollup(beta).open_deals_unconverted) == (0, 1)
    summary = api_as(admin).get(TARGETS + "summary/").json()
    assert summary["open_deal_value"] == "1000.00"  # never 1,000 + 500 + 2,000 + 300
    assert summary["open_deal_currency"] == "USD"
    assert summary["open_deals_unconverted"] == 3
    assert summary["open_deal_values"] == [
        {"currency": "EUR", "amount": "2500.00"},
        {"currency": "USD", "amount": "1000.00"},
        {"currency": "GBP", "amount": "300.00"},
    ]
    client.force_login(admin)
    html = client.get(reverse("targets:index")).content.decode()
    assert "+3 deals in currencies without a rate" in html
    beta_row = html.split(f'id="target-{beta.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'title="EUR 2,000"' in beta_row and "USD 0" not in beta_row
    assert "+1 deal in a currency without a rate" in beta_row


def test_a_rate_change_marks_the_accounts_dirty_and_the_refresh_catches_up(
    deals, admin, django_capture_on_commit_callbacks
):
    alpha, beta, gamma = deals
    with django_capture_on_commit_callbacks(execute=True):
        rate = currency_rate_set(user=admin, currency="EUR", rate_to_base="1.10")
    # Eager Celery: the queued refresh ran at commit and drained the dirty table.
    assert not AccountRollupDirty.objects.exists()
    assert rollup(alpha).open_deal_value == Decimal("1550.00")
    assert rollup(beta).open_deal_value == Decimal("2200.00")
    assert rollup(gamma).open_deal_value == 0  # GBP: untouched

    with django_capture_on_commit_callbacks(execute=False):
        currency_rate_set(user=admin, currency="EUR", rate_to_base="0.5")
    # Marked (only the accounts with open EUR deals), not yet refreshed.
    assert set(AccountRollupDirty.objects.values_list("account_id", flat=True)) == {
        alpha.pk,
        beta.pk,
    }
    assert rollup(beta).open_deal_value == Decimal("2200.00")
    with django_capture_on_commit_callbacks(execute=True):
        currency_rate_delete(user=admin, currency_rate=CurrencyRate.objects.get(pk=rate.pk))
    assert rollup(beta).open_deal_value == 0 and rollup(beta).open_deals_unconverted == 1
    assert rollups_rebuild().drifted == 0


def test_sort_by_the_converted_value(deals, admin, api_as):
    client = api_as(admin)
    # No rates: Alpha 1,000; Beta and Gamma 0 (ties break on id).
    assert names(client.get(TARGETS, {"ordering": "-open_deal_value"})) == [
        "Alpha",
        "Gamma",
        "Beta",
    ]
    currency_rate_set(user=admin, currency="EUR", rate_to_base="1.08")
    currency_rate_set(user=admin, currency="GBP", rate_to_base="1.25")
    rollups_rebuild()
    # Alpha 1,540; Beta 2,160; Gamma 375.
    assert names(client.get(TARGETS, {"ordering": "-open_deal_value"})) == [
        "Beta",
        "Alpha",
        "Gamma",
    ]
    assert names(client.get(TARGETS, {"ordering": "open_deal_value"})) == [
        "Gamma",
        "Alpha",
        "Beta",
    ]


def test_rebuild_equals_incremental(deals, admin, django_capture_on_commit_callbacks):
    """Incremental refreshes (deal writes, rate changes) leave nothing for a rebuild to fix;
    the command's --fail-on-drift passes. Run on PostgreSQL too with DATABASE_URL."""
    from accounts.services.records import opportunity_create, opportunity_update

    alpha, beta, gamma = deals
    with django_capture_on_commit_callbacks(execute=True):
        currency_rate_set(user=admin, currency="EUR", rate_to_base="1.0833333333")
    with django_capture_on_commit_callbacks(execute=True):
        deal = opportunity_create(
            user=admin,
            data={
                "account": gamma,
                "name": "Yen",
                "amount": Decimal("12345.67"),
                "currency": "JPY",
            },
        )
    with django_capture_on_commit_callbacks(execute=True):
        currency_rate_set(user=admin, currency="JPY", rate_to_base="0.0066666667")
    with django_capture_on_commit_callbacks(execute=True):
        opportunity_update(user=admin, opportunity=deal, data={"currency": "EUR"})
    with django_capture_on_commit_callbacks(execute=True):
        currency_rate_set(user=admin, currency="GBP", rate_to_base="1.27")
    assert not AccountRollupDirty.objects.exists()
    g = rollup(gamma)
    # 300 x 1.27 + 12,345.67 x 1.0833333333 = 381 + 13,374.4758...
    assert g.open_deal_value == Decimal("13755.48") and g.open_deals_unconverted == 0
    call_command("rebuild_rollups", "--fail-on-drift")
    assert rollups_rebuild().drifted == 0


def test_rates_api_everybody_reads_admins_write(api_as, admin, sales_rep, marketer):
    CurrencyRate.objects.create(currency="EUR", rate_to_base=Decimal("1.08"))
    listed = api_as(sales_rep).get(RATES)
    assert listed.status_code == 200
    assert [
        (r["currency"], r["rate_to_base"], r["base_currency"]) for r in listed.json()["results"]
    ] == [("EUR", "1.0800000000", "USD")]
    for user in (sales_rep, marketer):
        assert (
            api_as(user).post(RATES, {"currency": "GBP", "rate_to_base": "1.27"}).status_code == 403
        )
    created = api_as(admin).post(RATES, {"currency": "GBP", "rate_to_base": "1.27"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["updated_by"] == admin.pk
    pk = created.json()["id"]
    changed = api_as(admin).patch(f"{RATES}{pk}/", {"rate_to_base": "1.3"}, format="json")
    assert changed.status_code == 200 and changed.json()["rate_to_base"] == "1.3000000000"
    assert api_as(sales_rep).delete(f"{RATES}{pk}/").status_code == 403
    assert api_as(admin).delete(f"{RATES}{pk}/").status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "USD", "rate_to_base": "1"}, "currency"),  # the base currency
        ({"currency": "EUR", "rate_to_base": "2"}, "currency"),  # already has one
        ({"currency": "eur1", "rate_to_base": "1"}, "currency"),
        ({"currency": "SEK", "rate_to_base": "0"}, "rate_to_base"),
        ({"currency": "SEK", "rate_to_base": "-1"}, "rate_to_base"),
        ({"currency": "SEK", "rate_to_base": "1e30"}, "rate_to_base"),
        ({"currency": "SEK", "rate_to_base": "abc"}, "rate_to_base"),
    ],
)
def test_rates_api_bad_input_is_a_400_naming_the_field(api_as, admin, body, field):
    CurrencyRate.objects.create(currency="EUR", rate_to_base=Decimal("1.08"))
    response = api_as(admin).post(RATES, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_admin_site_saves_through_the_service(client, admin, deals):
    alpha, beta, _ = deals
    admin.is_staff = True
    admin.save()
    client.force_login(admin)
    url = reverse("admin:accounts_currencyrate_add")
    refused = client.post(url, {"currency": "usd", "rate_to_base": "1"})
    assert refused.status_code == 200 and "base currency" in refused.content.decode()
    saved = client.post(url, {"currency": "eur", "rate_to_base": "1.08"})
    assert saved.status_code == 302
    rate = CurrencyRate.objects.get(currency="EUR")
    assert rate.updated_by == admin
    assert {alpha.pk, beta.pk} <= set(
        AccountRollupDirty.objects.values_list("account_id", flat=True)
    )
