"""Each record rule lives once, in its service: the page form and the API say the same
thing on the same field, and a constraint lost to a race is a 400 naming the field."""

import pytest
from django.urls import reverse

from abm.exceptions import ApplicationError
from accounts import services
from accounts.models import Account, Contact
from accounts.services import records
from accounts.tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db

OWN_PARENT = "An account cannot be its own parent."
EMAIL_TAKEN = "Another contact already has this email."
ONLY_MINOR = "Only a minor has a parent or guardian."
OWN_GUARDIAN = "A contact cannot be their own guardian."


def _page_errors(response, field):
    assert response.status_code == 200, response.status_code
    return list(response.context["form"].errors.get(field, []))


def _api_errors(response, field):
    assert response.status_code == 400, response.content
    return response.json()[field]


def _contact_form(**overrides):
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "legal_basis": "consent",
        "consent_level": "marketing",
    }
    data.update(overrides)
    return data


@pytest.fixture
def both(client, api_as, marketer):
    client.force_login(marketer)
    return client, api_as(marketer)


def test_own_parent_same_message_on_page_and_api(both):
    page, api = both
    account = AccountFactory(name="Acme", domain="acme.example")

    on_page = page.post(
        reverse("accounts:account_edit", args=[account.pk]),
        {"name": "Acme", "domain": "acme.example", "fit_score": 1, "parent": "acme.example"},
    )
    on_api = api.patch(f"/api/v1/accounts/{account.pk}/", {"parent": account.pk}, format="json")

    assert _page_errors(on_page, "parent") == [OWN_PARENT]
    assert _api_errors(on_api, "parent") == [OWN_PARENT]
    account.refresh_from_db()
    assert account.parent_id is None


def test_unique_domain_same_message_on_page_and_api(both):
    page, api = both
    AccountFactory(name="Acme", domain="acme.example")
    expected = ["An account with the domain acme.example already exists."]

    on_page = page.post(
        reverse("accounts:account_create"),
        {"name": "Other", "domain": "https://www.ACME.example/about", "fit_score": 0},
    )
    on_api = api.post("/api/v1/accounts/", {"name": "Other", "domain": "acme.example"})

    assert _page_errors(on_page, "domain") == expected
    assert _api_errors(on_api, "domain") == expected
    assert Account.objects.filter(domain="acme.example").count() == 1


def test_unique_email_same_message_on_page_and_api(both):
    page, api = both
    other = ContactFactory(email="ada@example.com")
    mine = ContactFactory(email="me@example.com")

    on_page = page.post(reverse("accounts:contact_create"), _contact_form(email="ADA@example.com"))
    on_api = api.post("/api/v1/contacts/", {"email": "Ada@Example.com"}, format="json")
    on_edit_page = page.post(
        reverse("accounts:contact_edit", args=[mine.pk]), _contact_form(email=other.email)
    )
    on_patch = api.patch(f"/api/v1/contacts/{mine.pk}/", {"email": other.email}, format="json")

    for errors in (
        _page_errors(on_page, "email"),
        _api_errors(on_api, "email"),
        _page_errors(on_edit_page, "email"),
        _api_errors(on_patch, "email"),
    ):
        assert errors == [EMAIL_TAKEN]
    assert Contact.objects.filter(email__iexact="ada@example.com").count() == 1


def test_guardian_only_for_a_minor_on_create_page_and_api(both):
    page, api = both
    guardian = ContactFactory(email="mum@example.com")

    on_page = page.post(reverse("accounts:contact_create"), _contact_form(guardian=guardian.email))
    on_api = api.post(
        "/api/v1/contacts/", {"email": "kid@example.com", "guardian": guardian.pk}, format="json"
    )

    assert _page_errors(on_page, "guardian") == [ONLY_MINOR]
    assert _api_errors(on_api, "guardian") == [ONLY_MINOR]


def test_guardian_rule_holds_on_update_page_api_and_service(both, marketer):
    page, api = both
    guardian = ContactFactory(email="mum@example.com")
    adult = ContactFactory(email="adult@example.com", is_minor=False)

    on_page = page.post(
        reverse("accounts:contact_edit", args=[adult.pk]),
        _contact_form(email=adult.email, guardian=guardian.email),
    )
    on_api = api.patch(f"/api/v1/contacts/{adult.pk}/", {"guardian": guardian.pk}, format="json")
    with pytest.raises(ApplicationError) as raised:
        services.contact_update(user=marketer, contact=adult, data={"guardian": guardian})

    assert _page_errors(on_page, "guardian") == [ONLY_MINOR]
    assert _api_errors(on_api, "guardian") == [ONLY_MINOR]
    assert (raised.value.field, raised.value.message) == ("guardian", ONLY_MINOR)
    adult.refresh_from_db()
    assert adult.guardian_id is None


def test_a_minor_who_stops_being_one_keeps_no_guardian(api_as, marketer):
    guardian = ContactFactory(email="mum@example.com")
    kid = ContactFactory(email="kid@example.com", is_minor=True, guardian=guardian)

    response = api_as(marketer).patch(
        f"/api/v1/contacts/{kid.pk}/", {"is_minor": False}, format="json"
    )

    assert _api_errors(response, "guardian") == [ONLY_MINOR]


def test_not_ones_own_guardian_on_page_and_api(both):
    page, api = both
    kid = ContactFactory(email="kid@example.com", is_minor=True)

    on_page = page.post(
        reverse("accounts:contact_edit", args=[kid.pk]),
        _contact_form(email=kid.email, is_minor="on", guardian=kid.email),
    )
    on_api = api.patch(
        f"/api/v1/contacts/{kid.pk}/", {"guardian": kid.pk, "is_minor": True}, format="json"
    )

    assert _page_errors(on_page, "guardian") == [OWN_GUARDIAN]
    assert _api_errors(on_api, "guardian") == [OWN_GUARDIAN]


def test_email_race_lost_at_the_database_is_a_400_naming_email(api_as, marketer, monkeypatch):
    """Two requests check, both see the email free, one insert loses to the constraint."""
    ContactFactory(email="ada@example.com")
    monkeypatch.setattr(records.rules, "_email_taken", lambda email, *, exclude_pk: False)

    response = api_as(marketer).post("/api/v1/contacts/", {"email": "ada@example.com"})

    assert _api_errors(response, "email") == [EMAIL_TAKEN]
    body = response.content.decode()
    assert "constraint" not in body.lower() and "accounts_contact" not in body


def test_domain_race_lost_at_the_database_is_a_400_naming_domain(api_as, marketer, monkeypatch):
    AccountFactory(name="Acme", domain="acme.example")
    monkeypatch.setattr(records.rules, "_domain_taken", lambda domain, *, exclude_pk: False)

    response = api_as(marketer).post("/api/v1/accounts/", {"name": "B", "domain": "acme.example"})

    assert _api_errors(response, "domain") == [
        "An account with the domain acme.example already exists."
    ]
    assert "constraint" not in response.content.decode().lower()


def test_email_race_on_the_page_is_a_form_error(client, marketer, monkeypatch):
    ContactFactory(email="ada@example.com")
    monkeypatch.setattr(records.rules, "_email_taken", lambda email, *, exclude_pk: False)
    client.force_login(marketer)

    response = client.post(reverse("accounts:contact_create"), _contact_form())

    assert _page_errors(response, "email") == [EMAIL_TAKEN]


def test_field_validation_from_the_model_is_an_application_error(marketer):
    """The services raise one error type: a model's field check comes back as one too."""
    with pytest.raises(ApplicationError) as raised:
        services.account_create(user=marketer, data={"name": "x" * 300})

    assert raised.value.field == "name"


def test_campaign_dates_rule_lives_in_the_service(api_as, marketer):
    response = api_as(marketer).post(
        "/api/v1/campaigns/",
        {
            "name": "Spring",
            "channel": "email",
            "start_date": "2026-05-01",
            "end_date": "2026-04-01",
        },
        format="json",
    )

    assert _api_errors(response, "end_date") == ["A campaign cannot end before it starts."]
