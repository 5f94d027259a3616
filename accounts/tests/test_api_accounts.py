"""Accounts through the API: roles, validation, filters, search, ordering, paging."""

import pytest

from accounts.models import Account
from accounts.tests.factories import AccountFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts/"


def test_list_shows_record_fields_and_owner_team(api_as, sales_rep, team):
    parent = AccountFactory(name="Parent Co", domain="parent.example")
    AccountFactory(
        name="Acme",
        domain="acme.example",
        owner=sales_rep,
        parent=parent,
        annual_revenue="1250000.50",
        fit_score=80,
    )

    response = api_as(sales_rep).get(URL, {"search": "acme"})

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["name"] == "Acme"
    assert row["domain"] == "acme.example"
    assert row["owner"] == sales_rep.pk
    assert row["team"] == team.pk
    assert row["parent"] == parent.pk
    assert row["annual_revenue"] == "1250000.50"
    assert row["fit_score"] == 80
    assert row["is_target"] is False
    assert {"created_at", "updated_at", "target_since", "industry", "country"} <= set(row)


def test_list_runs_a_fixed_number_of_queries(api_as, admin, django_assert_max_num_queries):
    owners = [UserFactory() for _ in range(5)]
    for i in range(60):
        AccountFactory(owner=owners[i % 5])
    client = api_as(admin)

    with django_assert_max_num_queries(3):
        response = client.get(URL, {"page_size": 60})

    assert len(response.json()["results"]) == 60


def test_sales_rep_creates_an_account_they_own(api_as, sales_rep):
    response = api_as(sales_rep).post(
        URL, {"name": "  Globex ", "domain": "https://www.Globex.example/about"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["domain"] == "globex.example"
    assert body["name"] == "Globex"
    assert body["owner"] == sales_rep.pk
    assert Account.objects.get(pk=body["id"]).owner == sales_rep


def test_sales_rep_cannot_give_a_new_account_to_someone_else(api_as, sales_rep, other_rep):
    response = api_as(sales_rep).post(URL, {"name": "Globex", "owner": other_rep.pk}, format="json")

    assert response.status_code == 403
    assert not Account.objects.exists()


def test_sales_rep_updates_own_but_not_anothers_account(api_as, sales_rep, other_rep):
    mine = AccountFactory(owner=sales_rep)
    theirs = AccountFactory(owner=other_rep, name="Theirs")
    client = api_as(sales_rep)

    ok = client.patch(f"{URL}{mine.pk}/", {"country": "France"}, format="json")
    denied = client.patch(f"{URL}{theirs.pk}/", {"name": "Mine now"}, format="json")
    denied_delete = client.delete(f"{URL}{theirs.pk}/")

    assert ok.status_code == 200
    assert ok.json()["country"] == "France"
    assert denied.status_code == 403
    assert denied_delete.status_code == 403
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_marketer_writes_any_account(api_as, marketer, other_rep):
    account = AccountFactory(owner=other_rep)
    client = api_as(marketer)

    response = client.put(
        f"{URL}{account.pk}/",
        {"name": "Renamed", "domain": "renamed.example", "industry": "retail"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["industry"] == "retail"
    assert client.delete(f"{URL}{account.pk}/").status_code == 204
    assert not Account.objects.filter(pk=account.pk).exists()


def test_admin_deletes_anything(api_as, admin, other_rep):
    account = AccountFactory(owner=other_rep)

    assert api_as(admin).delete(f"{URL}{account.pk}/").status_code == 204


def test_bad_domain_is_400_naming_domain(api_as, admin):
    response = api_as(admin).post(URL, {"name": "X", "domain": "not a domain"}, format="json")

    assert response.status_code == 400
    assert "domain" in response.json()
    assert not Account.objects.exists()


def test_duplicate_domain_is_400_even_in_another_spelling(api_as, admin):
    AccountFactory(domain="acme.example")

    response = api_as(admin).post(
        URL, {"name": "Acme 2", "domain": "WWW.ACME.example"}, format="json"
    )

    assert response.status_code == 400
    assert "acme.example" in response.json()["domain"][0]


def test_updating_an_account_keeps_its_own_domain(api_as, admin):
    account = AccountFactory(domain="acme.example")

    response = api_as(admin).patch(f"{URL}{account.pk}/", {"domain": "acme.example"}, format="json")

    assert response.status_code == 200


def test_missing_name_and_bad_numbers_are_named(api_as, admin):
    response = api_as(admin).post(URL, {"fit_score": 101, "employee_count": -1}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert {"name", "fit_score", "employee_count"} <= set(body)
    assert "name" in body["detail"]


def test_account_cannot_be_its_own_parent(api_as, admin):
    account = AccountFactory()

    response = api_as(admin).patch(f"{URL}{account.pk}/", {"parent": account.pk}, format="json")

    assert response.status_code == 400
    assert "parent" in response.json()


def test_target_fields_are_read_only(api_as, admin):
    account = AccountFactory(is_target=False)

    api_as(admin).patch(f"{URL}{account.pk}/", {"is_target": True}, format="json")

    account.refresh_from_db()
    assert account.is_target is False


def test_unknown_account_is_404(api_as, admin):
    client = api_as(admin)

    assert client.get(f"{URL}999999/").status_code == 404
    assert client.patch(f"{URL}999999/", {"name": "x"}, format="json").status_code == 404
    assert client.delete(f"{URL}999999/").status_code == 404


def test_filters_from_the_shared_filterset(api_as, sales_rep, other_rep):
    AccountFactory(name="A", industry="retail", owner=sales_rep, is_target=True, fit_score=90)
    AccountFactory(name="B", industry="software", owner=other_rep, fit_score=20)
    AccountFactory(name="C", industry="retail", owner=other_rep, fit_score=70)
    client = api_as(sales_rep)

    def names(**params):
        return [r["name"] for r in client.get(URL, params).json()["results"]]

    assert names(industry="retail") == ["A", "C"]
    assert names(owner=sales_rep.pk) == ["A"]
    assert names(team=other_rep.team_id) == ["B", "C"]
    assert names(is_target="true") == ["A"]
    assert names(fit_score_min=60) == ["A", "C"]


def test_search_matches_name_and_domain(api_as, sales_rep):
    AccountFactory(name="Initech", domain="initech.example")
    AccountFactory(name="Umbrella", domain="umbrella-corp.example")

    response = api_as(sales_rep).get(URL, {"search": "corp"})

    assert [r["name"] for r in response.json()["results"]] == ["Umbrella"]


def test_ordering_by_whitelisted_fields_only(api_as, sales_rep):
    AccountFactory(name="Low", fit_score=10)
    AccountFactory(name="High", fit_score=90)
    AccountFactory(name="Mid", fit_score=50)
    client = api_as(sales_rep)

    by_score = client.get(URL, {"ordering": "-fit_score"}).json()["results"]
    default = client.get(URL).json()["results"]
    refused = client.get(URL, {"ordering": "domain"})

    assert [r["name"] for r in by_score] == ["High", "Mid", "Low"]
    assert [r["name"] for r in default] == ["High", "Low", "Mid"]
    # A field the list does not sort by is a 400 naming the parameter, not ignored.
    assert refused.status_code == 400
    assert "fit_score" in refused.json()["ordering"][0]
