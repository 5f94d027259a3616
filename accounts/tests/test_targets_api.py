"""Target accounts API: rows, metric cards, categories, paging, adding/removing, bad input."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Account
from accounts.services.rollups import rollups_rebuild
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    OpportunityFactory,
    TaskFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/target-accounts/"


@pytest.fixture
def world(sales_rep, other_rep):
    """Five targets, each the known answer of some card or category, and one non-target."""
    now = timezone.now()
    # Alpha: a contact with two roles (decision maker + blocker), an open deal, a call.
    alpha = AccountFactory(name="Alpha", is_target=True, owner=sales_rep)
    c = ContactFactory(account=alpha, roles=["decision_maker", "blocker"])
    OpportunityFactory(account=alpha, amount=1000)
    ActivityFactory(
        contact=c, type="call", initiated_by="user", occurred_at=now - dt.timedelta(days=1)
    )
    # Beta: no contacts at all, only closed deals.
    beta = AccountFactory(name="Beta", is_target=True, owner=other_rep)
    OpportunityFactory(account=beta, amount=5000, stage="closed_won")
    OpportunityFactory(account=beta, amount=7000, stage="closed_lost")
    # Gamma: contacts without roles, two open deals, a meeting and an open task.
    gamma = AccountFactory(name="Gamma", is_target=True, owner=sales_rep)
    g = ContactFactory(account=gamma)
    ContactFactory(account=gamma)
    OpportunityFactory(account=gamma, amount=250)
    OpportunityFactory(account=gamma, amount=250.25, stage="proposal")
    ActivityFactory(
        contact=g, type="meeting", initiated_by="user", occurred_at=now - dt.timedelta(days=2)
    )
    TaskFactory(account=gamma, due_at=now + dt.timedelta(days=3))
    # Delta: a champion only (a buying role, but no decision maker).
    delta = AccountFactory(name="Delta", is_target=True, owner=None)
    ContactFactory(account=delta, roles=["champion"])
    # Epsilon: a decision maker, nothing else.
    epsilon = AccountFactory(name="Epsilon", is_target=True, owner=other_rep)
    ContactFactory(account=epsilon, roles=["decision_maker"])
    # Not a target: never counted.
    outsider = AccountFactory(name="Outsider", is_target=False, owner=sales_rep)
    OpportunityFactory(account=outsider, amount=99999)
    rollups_rebuild()
    return {
        "alpha": alpha,
        "beta": beta,
        "gamma": gamma,
        "delta": delta,
        "epsilon": epsilon,
        "outsider": outsider,
    }


def names(response):
    return [row["name"] for row in response.json()["results"]]


def test_summary_cards_known_answers(world, api_as, sales_rep):
    data = api_as(sales_rep).get(URL + "summary/").json()
    assert data == {
        "target_accounts": 5,
        "accounts_with_open_deals": 2,  # Alpha, Gamma (Beta's are closed)
        "open_deal_value": "1500.25",
        "open_deal_currency": "USD",
        "open_deal_values": [{"currency": "USD", "amount": "1500.25"}],
        "open_deals_unconverted": 0,
        "no_buying_role": 2,  # Beta (no contacts), Gamma (contacts without roles)
        "missing_decision_makers": 3,  # Beta, Gamma, Delta
    }


def test_summary_follows_the_filters(world, api_as, sales_rep, other_rep):
    client = api_as(sales_rep)
    mine = client.get(URL + "summary/", {"owner": sales_rep.pk}).json()
    assert (mine["target_accounts"], mine["open_deal_value"]) == (2, "1500.25")
    south = client.get(URL + "summary/", {"team": other_rep.team_id}).json()
    assert (south["target_accounts"], south["no_buying_role"]) == (2, 1)
    searched = client.get(URL + "summary/", {"q": "gam"}).json()
    assert searched["target_accounts"] == 1


def test_rows_have_every_column(world, api_as, sales_rep):
    rows = {r["name"]: r for r in api_as(sales_rep).get(URL).json()["results"]}
    assert set(rows) == {"Alpha", "Beta", "Gamma", "Delta", "Epsilon"}
    gamma = rows["Gamma"]
    assert gamma["contacts"] == 2
    assert gamma["open_deals"] == 2
    assert gamma["open_deal_value"] == "500.25"
    assert gamma["last_touch"] is not None and gamma["next_scheduled"] is not None
    assert gamma["owner"]["id"] == sales_rep.pk
    beta = rows["Beta"]
    assert (beta["contacts"], beta["open_deals"], beta["open_deal_value"]) == (0, 0, "0.00")
    assert beta["last_touch"] is None and beta["last_engagement"] is None
    assert rows["Alpha"]["has_decision_maker"] and rows["Alpha"]["has_blocker"]
    assert rows["Delta"]["owner"] is None


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("all", ["Alpha", "Beta", "Delta", "Epsilon", "Gamma"]),
        ("no_open_tasks", ["Alpha", "Beta", "Delta", "Epsilon"]),
        ("no_logged_calls", ["Beta", "Delta", "Epsilon", "Gamma"]),
        ("no_meetings", ["Alpha", "Beta", "Delta", "Epsilon"]),
        ("no_open_deals", ["Beta", "Delta", "Epsilon"]),
        ("no_decision_maker", ["Beta", "Delta", "Gamma"]),
        ("has_blocker", ["Alpha"]),
    ],
)
def test_categories_known_answers(world, api_as, sales_rep, category, expected):
    client = api_as(sales_rep)
    assert names(client.get(URL, {"category": category})) == expected
    counts = client.get(URL + "categories/").json()
    assert counts[category] == len(expected)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("-name", ["Gamma", "Epsilon", "Delta", "Beta", "Alpha"]),
        # Ties break on id, in the column's direction.
        ("-open_deal_value", ["Alpha", "Gamma", "Epsilon", "Delta", "Beta"]),
        ("contacts", ["Beta", "Alpha", "Delta", "Epsilon", "Gamma"]),
        ("-last_touch", ["Alpha", "Gamma", "Epsilon", "Delta", "Beta"]),  # nulls last
        ("last_touch", ["Gamma", "Alpha", "Beta", "Delta", "Epsilon"]),
    ],
)
def test_ordering(world, api_as, sales_rep, ordering, expected):
    assert names(api_as(sales_rep).get(URL, {"ordering": ordering})) == expected


@pytest.mark.parametrize(
    "ordering",
    [
        "name",
        "-owner",
        "contacts",
        "-open_deals",
        "open_deal_value",
        "-last_touch",
        "last_engagement",
        "-next_scheduled",
        "next_scheduled",
    ],
)
def test_cursor_paging_walks_forward_and_back_without_gaps(world, api_as, sales_rep, ordering):
    client = api_as(sales_rep)
    everything = names(client.get(URL, {"ordering": ordering}))
    seen, url, pages = [], f"{URL}?ordering={ordering}&page_size=2", []
    while url:
        data = client.get(url).json()
        pages.append(data)
        seen += [r["name"] for r in data["results"]]
        url = data["next"]
    assert seen == everything and len(pages) == 3
    back = client.get(pages[-1]["previous"]).json()
    assert [r["name"] for r in back["results"]] == everything[2:4]


def test_constant_query_count_whatever_the_page_size(
    world, api_as, sales_rep, django_assert_max_num_queries
):
    for i in range(30):
        AccountFactory(name=f"Extra {i}", is_target=True, owner=sales_rep)
    rollups_rebuild()
    client = api_as(sales_rep)
    for size in (1, 10, 35):
        with django_assert_max_num_queries(2):
            response = client.get(URL, {"page_size": size, "ordering": "-last_touch"})
        assert len(response.json()["results"]) == size


def test_gdpr_mode_leaves_out_contacts_with_no_legal_basis(api_as, sales_rep, settings):
    now = timezone.now()
    account = AccountFactory(name="Acme", is_target=True)
    consented = ContactFactory(account=account, legal_basis="consent")
    no_basis = ContactFactory(account=account, legal_basis="none")
    ActivityFactory(
        contact=consented, type="form_submitted", occurred_at=now - dt.timedelta(days=5)
    )
    ActivityFactory(contact=no_basis, type="web_visit", occurred_at=now - dt.timedelta(days=1))
    rollups_rebuild()
    client = api_as(sales_rep)
    settings.GDPR_MODE = False
    row = client.get(URL).json()["results"][0]
    assert row["last_engagement"].startswith(str((now - dt.timedelta(days=1)).date()))
    settings.GDPR_MODE = True
    row = client.get(URL).json()["results"][0]
    assert row["last_engagement"].startswith(str((now - dt.timedelta(days=5)).date()))


def test_bad_input_names_the_field(world, api_as, sales_rep):
    client = api_as(sales_rep)
    response = client.get(URL, {"category": "everything"})
    assert response.status_code == 400 and "category" in response.json()
    response = client.get(URL + "summary/", {"category": "nope"})
    assert response.status_code == 400 and "category" in response.json()
    assert "ordering" in client.get(URL, {"ordering": "fit_score"}).json()
    assert "cursor" in client.get(URL, {"cursor": "garbage!"}).json()
    assert "owner" in client.get(URL, {"owner": "x"}).json()
    assert "owner" in client.get(URL, {"owner": 999999}).json()
    assert "page_size" in client.get(URL, {"page_size": 0}).json()
    response = client.post(URL, {"account_ids": [world["outsider"].pk, 987654]}, format="json")
    assert response.status_code == 400
    assert "987654" in response.json()["account_ids"][0]
    assert not Account.objects.get(pk=world["outsider"].pk).is_target  # all or nothing
    for body in ({}, {"account_ids": []}, {"account_ids": "1,2"}, {"account_ids": ["a"]}):
        response = client.post(URL, body, format="json")
        assert response.status_code == 400 and "account_ids" in response.json()


def test_add_and_remove_targets(api_as, marketer, django_capture_on_commit_callbacks):
    a, b = AccountFactory(name="A"), AccountFactory(name="B")
    client = api_as(marketer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {"account_ids": [a.pk, b.pk]}, format="json")
    assert response.status_code == 201 and response.json() == {"added": 2}
    a.refresh_from_db()
    assert a.is_target and a.target_since is not None and a.target_source == "manual"
    assert names(client.get(URL)) == ["A", "B"]  # rollups exist at once (eager refresh)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"{URL}{a.pk}/").status_code == 204
    a.refresh_from_db()
    assert not a.is_target and Account.objects.filter(pk=a.pk).exists()
    assert client.delete(f"{URL}999999/").status_code == 404


def test_sales_rep_changes_only_their_own_accounts(api_as, sales_rep, other_rep):
    mine = AccountFactory(owner=sales_rep)
    theirs = AccountFactory(owner=other_rep, is_target=True)
    client = api_as(sales_rep)
    assert client.post(URL, {"account_ids": [mine.pk]}, format="json").status_code == 201
    response = client.post(URL, {"account_ids": [theirs.pk]}, format="json")
    assert response.status_code == 403
    assert client.delete(f"{URL}{theirs.pk}/").status_code == 403
    theirs.refresh_from_db()
    assert theirs.is_target


def test_anonymous_is_refused(api_client):
    assert api_client.get(URL).status_code in (401, 403)
    assert api_client.get(URL + "summary/").status_code in (401, 403)


def test_team_filter_uses_the_owners_team(world, api_as, sales_rep):
    team = TeamFactory(name="Elsewhere")
    user = UserFactory(username="elsewhere", team=team)
    AccountFactory(name="Zeta", is_target=True, owner=user)
    rollups_rebuild()
    assert names(api_as(sales_rep).get(URL, {"team": team.pk})) == ["Zeta"]
    assert "team" in api_as(sales_rep).get(URL, {"team": 424242}).json()
    assert Decimal(api_as(sales_rep).get(URL + "summary/").json()["open_deal_value"]) == Decimal(
        "1500.25"
    )


@pytest.mark.parametrize("category", ["all", "no_open_deals", "has_blocker", "no_decision_maker"])
def test_page_cards_in_one_query_match_the_api(world, category, sales_rep):
    from accounts.selectors import targets as selectors

    filters = selectors.TargetFilters(category=category)
    summary, counts = selectors.target_summary_and_counts(filters=filters)
    assert summary == selectors.target_summary(filters=filters)
    assert counts == selectors.target_category_counts(filters=filters)
