"""Contact pages: list with filters, detail with consent, create and edit forms."""

import pytest
from django.urls import reverse

from accounts.models import Contact, ContactAccount
from accounts.tests.factories import (
    AccountFactory,
    ActivityFactory,
    ContactFactory,
    LeadFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("accounts:contact_list")
ROLES = ["admin", "marketer", "sales_rep"]


def _emails(response):
    return sorted(c.email for c in response.context["rows"])


@pytest.mark.parametrize("role", ROLES)
def test_contact_list_and_detail_render_for_every_role(client, request, role):
    contact = ContactFactory(first_name="Ada", last_name="Lovelace", roles=["decision_maker"])
    LeadFactory(contact=contact, topic="Wants a demo")
    ActivityFactory(contact=contact, subject="Visited pricing")
    client.force_login(request.getfixturevalue(role))

    listing = client.get(LIST)
    detail = client.get(reverse("accounts:contact_detail", args=[contact.pk]))

    assert listing.status_code == 200 and "Ada Lovelace" in listing.content.decode()
    body = detail.content.decode()
    assert detail.status_code == 200
    for text in ["Decision maker", "Wants a demo", "Visited pricing", "Consent and preferences"]:
        assert text in body


def test_contact_list_empty_state(client, marketer):
    client.force_login(marketer)
    assert "No contacts yet" in client.get(LIST).content.decode()


def test_contact_list_search_and_filters(client, marketer, sales_rep):
    acme = AccountFactory(name="Acme")
    ContactFactory(
        email="ada@acme.example", account=acme, roles=["decision_maker"], owner=sales_rep
    )
    ContactFactory(email="bob@acme.example", account=acme, allow_bulk_email=False)
    ContactFactory(email="cy@other.example", allow_email=False, legal_basis="none")
    client.force_login(marketer)

    assert _emails(client.get(LIST, {"q": "ada@"})) == ["ada@acme.example"]
    assert _emails(client.get(LIST, {"account": acme.pk})) == [
        "ada@acme.example",
        "bob@acme.example",
    ]
    assert _emails(client.get(LIST, {"buying_role": "decision_maker"})) == ["ada@acme.example"]
    assert _emails(client.get(LIST, {"owner": sales_rep.pk})) == ["ada@acme.example"]
    assert _emails(client.get(LIST, {"allow_bulk_email": "false"})) == ["bob@acme.example"]
    assert _emails(client.get(LIST, {"allow_email": "false"})) == ["cy@other.example"]
    assert _emails(client.get(LIST, {"legal_basis": "none"})) == ["cy@other.example"]
    filtered = client.get(LIST, {"account": acme.pk}).content.decode()
    assert "Account: Acme" in filtered


def test_contact_list_queries_are_constant(client, marketer, queries_constant):
    client.force_login(marketer)
    ContactFactory.create_batch(2, owner=UserFactory())

    def grow():
        for _ in range(25):
            ContactFactory(owner=UserFactory(), roles=["champion"])

    response = queries_constant(LIST, grow)
    assert len(response.context["rows"]) == 27


def test_contact_detail_queries_are_constant(client, marketer, queries_constant):
    client.force_login(marketer)
    contact = ContactFactory()
    ActivityFactory(contact=contact)

    def grow():
        for _ in range(10):
            LeadFactory(contact=contact)
            ActivityFactory(contact=contact, user=UserFactory(), initiated_by="user", type="call")
            ContactAccount.objects.create(contact=contact, account=AccountFactory())

    queries_constant(reverse("accounts:contact_detail", args=[contact.pk]), grow, at_most=20)


def test_contact_detail_shows_consent_clearly(client, marketer):
    guardian = ContactFactory(first_name="Gina", last_name="Guardian")
    contact = ContactFactory(
        allow_email=True,
        allow_bulk_email=False,
        allow_prefill=False,
        follow_email=True,
        legal_basis="legitimate_interest",
        consent_level="marketing",
        is_minor=True,
        guardian=guardian,
    )
    client.force_login(marketer)
    body = client.get(reverse("accounts:contact_detail", args=[contact.pk])).content.decode()
    assert "Bulk (marketing) email: <strong>No</strong>" in body
    assert "Email: <strong>Yes</strong>" in body
    assert "Form prefill: <strong>No</strong>" in body
    # Dynamics' "Follow email" is named for what it does here: the tracking consent.
    assert "Open and click tracking: <strong>Yes</strong>" in body
    assert "no guardian consent: no marketing email" in body
    assert "Legitimate interest" in body and "Marketing" in body
    assert "guardian:" in body and "Gina Guardian" in body


def _contact_data(**overrides):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "Ada@Example.com",
        "legal_basis": "consent",
        "consent_level": "marketing",
        "allow_email": "on",
        "allow_bulk_email": "on",
    }
    data.update(overrides)
    return data


def test_create_contact_with_accounts_roles_and_consent(client, marketer):
    primary = AccountFactory(name="Primary Co", domain="primary.example")
    other = AccountFactory(name="Other Co", domain="other.example")
    client.force_login(marketer)

    response = client.post(
        reverse("accounts:contact_create"),
        _contact_data(
            account="primary.example",
            add_account="Other Co",
            buying_roles=["decision_maker", "blocker"],
        ),
    )

    contact = Contact.objects.get()
    assert response["Location"] == reverse("accounts:contact_detail", args=[contact.pk])
    assert contact.email == "ada@example.com"
    assert contact.account == primary
    assert sorted(contact.buying_roles) == ["blocker", "decision_maker"]
    assert contact.allow_bulk_email and not contact.allow_prefill
    links = dict(ContactAccount.objects.values_list("account_id", "is_primary"))
    assert links == {primary.pk: True, other.pk: False}


def test_create_contact_prefills_account_from_query(client, marketer):
    account = AccountFactory(domain="prefill.example")
    client.force_login(marketer)
    form = client.get(reverse("accounts:contact_create"), {"account": account.pk}).context["form"]
    assert form.initial["account"] == "prefill.example"


def test_duplicate_email_is_a_field_error(client, marketer):
    ContactFactory(email="ada@example.com")
    client.force_login(marketer)
    response = client.post(reverse("accounts:contact_create"), _contact_data())
    assert response.status_code == 200
    assert "already has this email" in response.context["form"].errors["email"][0]
    assert Contact.objects.count() == 1


def test_guardian_only_for_minors(client, marketer):
    guardian = ContactFactory(email="mum@example.com")
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:contact_create"), _contact_data(guardian="mum@example.com")
    )
    assert "Only a minor" in response.context["form"].errors["guardian"][0]
    client.post(
        reverse("accounts:contact_create"),
        _contact_data(guardian="mum@example.com", is_minor="on"),
    )
    assert Contact.objects.get(email="ada@example.com").guardian == guardian


def test_edit_contact_removes_an_untick_association(client, marketer):
    primary, other = AccountFactory(), AccountFactory()
    contact = ContactFactory(account=primary, email="x@example.com")
    ContactAccount.objects.create(contact=contact, account=other)
    client.force_login(marketer)
    url = reverse("accounts:contact_edit", args=[contact.pk])

    form = client.get(url).context["form"]
    assert form.initial["other_accounts"] == [other.pk]
    client.post(
        url,
        _contact_data(email="x@example.com", account=primary.domain, buying_roles=["champion"]),
    )

    contact.refresh_from_db()
    assert contact.buying_roles == ["champion"]
    assert list(ContactAccount.objects.values_list("account_id", flat=True)) == [primary.pk]


def test_sales_rep_cannot_edit_another_reps_contact(client, sales_rep, other_rep):
    contact = ContactFactory(owner=other_rep, first_name="Keep")
    client.force_login(sales_rep)
    response = client.post(
        reverse("accounts:contact_edit", args=[contact.pk]),
        _contact_data(first_name="Changed", owner=sales_rep.pk),
        follow=True,
    )
    assert "you do not own it" in response.content.decode()
    contact.refresh_from_db()
    assert contact.first_name == "Keep"


def test_contact_lookup_suggests_by_email(client, marketer):
    ContactFactory(email="findme@example.com", first_name="Fin")
    client.force_login(marketer)
    body = client.get(reverse("accounts:contact_lookup"), {"guardian": "findme"}).content.decode()
    assert '<option value="findme@example.com">' in body
