"""Contacts through the API: buying roles, account links, consent, uniqueness."""

import pytest

from accounts.models import Contact, ContactAccount
from accounts.tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts/"


def test_create_with_roles_and_extra_accounts(api_as, sales_rep):
    primary = AccountFactory()
    other = AccountFactory()

    response = api_as(sales_rep).post(
        URL,
        {
            "account": primary.pk,
            "accounts": [other.pk],
            "first_name": "Dana",
            "last_name": "Scully",
            "email": "Dana.Scully@FBI.example",
            "buying_roles": ["decision_maker", "champion"],
            "legal_basis": "consent",
            "allow_bulk_email": False,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "dana.scully@fbi.example"
    assert body["buying_roles"] == ["decision_maker", "champion"]
    assert body["accounts"] == sorted([primary.pk, other.pk])
    assert body["owner"] == sales_rep.pk
    assert body["engagement_score"] == 0
    assert body["allow_bulk_email"] is False
    contact = Contact.objects.get(pk=body["id"])
    assert ContactAccount.objects.get(contact=contact, account=primary).is_primary


def test_duplicate_email_is_400_case_insensitive(api_as, marketer):
    ContactFactory(email="dana@fbi.example")

    response = api_as(marketer).post(URL, {"email": "DANA@fbi.example"}, format="json")

    assert response.status_code == 400
    assert "email" in response.json()
    assert Contact.objects.count() == 1


def test_unknown_buying_role_is_400_naming_the_field(api_as, marketer):
    response = api_as(marketer).post(
        URL, {"email": "a@b.example", "buying_roles": ["king"]}, format="json"
    )

    assert response.status_code == 400
    assert "buying_roles" in response.json()
    assert not Contact.objects.exists()


def test_guardian_only_for_minors(api_as, marketer):
    guardian = ContactFactory()
    client = api_as(marketer)

    adult = client.post(URL, {"email": "kid@b.example", "guardian": guardian.pk}, format="json")
    minor = client.post(
        URL, {"email": "kid@b.example", "guardian": guardian.pk, "is_minor": True}, format="json"
    )

    assert adult.status_code == 400
    assert "guardian" in adult.json()
    assert minor.status_code == 201
    assert minor.json()["guardian"] == guardian.pk


def test_update_roles_and_links(api_as, marketer):
    contact = ContactFactory(roles=["blocker"])
    extra = AccountFactory()

    response = api_as(marketer).patch(
        f"{URL}{contact.pk}/",
        {"buying_roles": ["influencer"], "accounts": [extra.pk]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["buying_roles"] == ["influencer"]
    assert response.json()["accounts"] == sorted([contact.account_id, extra.pk])


def test_engagement_score_is_read_only(api_as, admin):
    contact = ContactFactory()

    api_as(admin).patch(f"{URL}{contact.pk}/", {"engagement_score": 99}, format="json")

    contact.refresh_from_db()
    assert contact.engagement_score == 0


def test_roles_sales_rep_vs_marketer(api_as, sales_rep, other_rep, marketer):
    theirs = ContactFactory(owner=other_rep)

    denied = api_as(sales_rep).patch(f"{URL}{theirs.pk}/", {"title": "CEO"}, format="json")
    allowed = api_as(marketer).patch(f"{URL}{theirs.pk}/", {"title": "CEO"}, format="json")

    assert denied.status_code == 403
    assert allowed.status_code == 200
    assert api_as(sales_rep).delete(f"{URL}{theirs.pk}/").status_code == 403
    assert api_as(marketer).delete(f"{URL}{theirs.pk}/").status_code == 204


def test_list_query_count_is_flat(api_as, admin, django_assert_max_num_queries):
    for _ in range(40):
        contact = ContactFactory(roles=["champion"])
        ContactAccount.objects.create(contact=contact, account=AccountFactory())
    client = api_as(admin)

    with django_assert_max_num_queries(4):
        response = client.get(URL, {"page_size": 40})

    rows = response.json()["results"]
    assert len(rows) == 40
    assert all(len(r["accounts"]) == 2 for r in rows)


def test_filters_search_and_ordering(api_as, sales_rep):
    acme = AccountFactory()
    ContactFactory(account=acme, first_name="Ann", last_name="Zed", roles=["decision_maker"])
    ContactFactory(first_name="Bob", last_name="Young", email="bob@globex.example")
    ContactFactory(first_name="Cid", last_name="Xu", roles=["decision_maker"])
    client = api_as(sales_rep)

    def names(**params):
        return [r["first_name"] for r in client.get(URL, params).json()["results"]]

    assert names() == ["Cid", "Bob", "Ann"]
    assert names(account=acme.pk) == ["Ann"]
    assert names(buying_role="decision_maker") == ["Cid", "Ann"]
    assert names(search="globex") == ["Bob"]
    assert names(ordering="first_name") == ["Ann", "Bob", "Cid"]


def test_unknown_contact_is_404(api_as, admin):
    assert api_as(admin).get(f"{URL}424242/").status_code == 404
