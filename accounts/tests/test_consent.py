"""Consent, one door: the form, the API and CSV import change ``allow_*`` fields only
through the consent service, each change a ConsentChange; a contact's own opt-out is
reversed only with a reason, never by a sales rep, never by an import."""

import pytest
from django.urls import reverse

from abm.exceptions import ApplicationError, ForbiddenError
from accounts.models import ConsentChange, Contact
from accounts.services import contact_consent_update, contact_update
from accounts.services.imports import import_start
from accounts.tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts/{}/"
OPT_OUT_MESSAGE = "contact opted out; change it on the contact page with a reason"


def _opted_out(**kwargs) -> Contact:
    """A contact who unsubscribed from marketing email themselves (one-click)."""
    contact = ContactFactory(**kwargs)
    contact_consent_update(contact=contact, changes={"allow_bulk_email": False}, source="one_click")
    contact.refresh_from_db()
    assert contact.allow_bulk_email is False
    return contact


def _changes(contact, **filters):
    return list(ConsentChange.objects.filter(contact=contact, **filters).order_by("id"))


# --- the service ----------------------------------------------------------------------


def test_service_records_who_when_source_and_a_default_reason(marketer):
    contact = ContactFactory(owner=marketer)
    rows = contact_consent_update(
        contact=contact,
        changes={"allow_email": False, "follow_email": True},  # follow_email unchanged
        source="user",
        user=marketer,
    )
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [("allow_email", True, False)]
    row = _changes(contact)[0]
    assert row.user == marketer and row.source == "user" and row.occurred_at
    assert row.reason  # a default that says where it came from
    contact.refresh_from_db()
    assert contact.allow_email is False


def test_service_refuses_unknown_fields_and_non_booleans(marketer):
    contact = ContactFactory()
    with pytest.raises(ApplicationError) as exc:
        contact_consent_update(contact=contact, changes={"email": False}, source="user")
    assert exc.value.field == "email"
    with pytest.raises(ApplicationError) as exc:
        contact_consent_update(contact=contact, changes={"allow_email": "no"}, source="user")
    assert exc.value.field == "allow_email"
    with pytest.raises(ApplicationError) as exc:
        contact_consent_update(
            contact=contact, changes={"allow_email": False}, source="user", reason="x" * 501
        )
    assert exc.value.field == "consent_reason"


def test_reversing_own_opt_out_needs_reason_and_no_rep(marketer, sales_rep):
    contact = _opted_out(owner=sales_rep)
    with pytest.raises(ForbiddenError):
        contact_consent_update(
            contact=contact,
            changes={"allow_bulk_email": True},
            source="user",
            user=sales_rep,
            reason="They asked me on the phone",
        )
    with pytest.raises(ApplicationError) as exc:
        contact_consent_update(
            contact=contact, changes={"allow_bulk_email": True}, source="user", user=marketer
        )
    assert exc.value.field == "consent_reason" and exc.value.status_code == 400
    assert len(_changes(contact)) == 1  # only the opt-out
    contact_consent_update(
        contact=contact,
        changes={"allow_bulk_email": True},
        source="user",
        user=marketer,
        reason="Signed up again at the trade fair",
    )
    last = _changes(contact)[-1]
    assert (last.new_value, last.user, last.reason) == (
        True,
        marketer,
        "Signed up again at the trade fair",
    )


def test_a_user_opt_out_is_reversed_without_a_reason(marketer):
    """Only the contact's own opt-out needs a reason; a user's change does not."""
    contact = ContactFactory()
    contact_consent_update(
        contact=contact, changes={"allow_bulk_email": False}, source="user", user=marketer
    )
    contact_consent_update(
        contact=contact, changes={"allow_bulk_email": True}, source="user", user=marketer
    )
    contact.refresh_from_db()
    assert contact.allow_bulk_email is True and len(_changes(contact)) == 2


# --- API ------------------------------------------------------------------------------


def test_api_patch_records_a_change_with_its_reason(api_as, marketer):
    contact = ContactFactory()
    response = api_as(marketer).patch(
        URL.format(contact.pk),
        {"allow_email": False, "consent_reason": "Asked by phone"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert "consent_reason" not in response.json()  # write-only
    (change,) = _changes(contact)
    assert (change.field, change.source, change.user, change.reason) == (
        "allow_email",
        "api",
        marketer,
        "Asked by phone",
    )


def test_api_create_records_consent_that_differs_from_the_default(api_as, marketer):
    response = api_as(marketer).post(
        "/api/v1/contacts/",
        {"email": "new@consent.example", "allow_bulk_email": False, "allow_email": True},
        format="json",
    )
    assert response.status_code == 201, response.json()
    contact = Contact.objects.get(pk=response.json()["id"])
    assert contact.allow_bulk_email is False
    assert [(c.field, c.old_value, c.new_value, c.source) for c in _changes(contact)] == [
        ("allow_bulk_email", True, False, "api")
    ]


def test_api_patch_cannot_reverse_an_opt_out_without_a_reason(api_as, marketer):
    contact = _opted_out()
    response = api_as(marketer).patch(
        URL.format(contact.pk), {"allow_bulk_email": True}, format="json"
    )
    assert response.status_code == 400
    assert "consent_reason" in response.json()
    contact.refresh_from_db()
    assert contact.allow_bulk_email is False

    response = api_as(marketer).patch(
        URL.format(contact.pk),
        {"allow_bulk_email": True, "consent_reason": "Re-subscribed at the event", "title": "X"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    contact.refresh_from_db()
    assert contact.allow_bulk_email is True and contact.title == "X"
    assert _changes(contact)[-1].reason == "Re-subscribed at the event"


def test_api_patch_reversal_by_a_sales_rep_is_403_and_saves_nothing(api_as, sales_rep):
    contact = _opted_out(owner=sales_rep)
    response = api_as(sales_rep).patch(
        URL.format(contact.pk),
        {"allow_bulk_email": True, "consent_reason": "They said yes", "title": "Changed"},
        format="json",
    )
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.allow_bulk_email is False and contact.title != "Changed"
    assert len(_changes(contact)) == 1


def test_a_rep_may_still_turn_consent_off(api_as, sales_rep):
    contact = ContactFactory(owner=sales_rep)
    response = api_as(sales_rep).patch(
        URL.format(contact.pk), {"allow_email": False}, format="json"
    )
    assert response.status_code == 200
    assert _changes(contact)[0].user == sales_rep


# --- the contact form and page ----------------------------------------------------------


def _form(contact, **overrides):
    data = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "legal_basis": contact.legal_basis,
        "consent_level": contact.consent_level,
        "owner": contact.owner_id or "",
    }
    for name in ("allow_email", "allow_bulk_email", "allow_prefill", "follow_email"):
        if getattr(contact, name):
            data[name] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_form_edit_records_a_change_with_source_form(client, marketer):
    contact = ContactFactory()
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:contact_edit", args=[contact.pk]),
        _form(contact, follow_email=None, consent_reason="Asked not to be tracked"),
    )
    assert response.status_code == 302
    (change,) = _changes(contact)
    assert (change.field, change.new_value, change.source, change.user, change.reason) == (
        "follow_email",
        False,
        "form",
        marketer,
        "Asked not to be tracked",
    )


def test_form_reversal_needs_a_reason_shown_on_the_form(client, marketer):
    contact = _opted_out()
    client.force_login(marketer)
    edit = reverse("accounts:contact_edit", args=[contact.pk])
    page = client.get(edit).content.decode()
    assert 'name="consent_reason"' in page and "turned this off themselves" in page

    response = client.post(edit, _form(contact, allow_bulk_email="on"))
    assert response.status_code == 200
    assert "consent_reason" in response.context["form"].errors
    contact.refresh_from_db()
    assert contact.allow_bulk_email is False

    response = client.post(
        edit, _form(contact, allow_bulk_email="on", consent_reason="Opted in again by letter")
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.allow_bulk_email is True
    assert _changes(contact)[-1].source == "form"


def test_form_reversal_by_a_sales_rep_is_refused(client, sales_rep):
    contact = _opted_out(owner=sales_rep)
    client.force_login(sales_rep)
    response = client.post(
        reverse("accounts:contact_edit", args=[contact.pk]),
        _form(contact, allow_bulk_email="on", consent_reason="Please"),
    )
    assert response.status_code == 403  # the form again, with the refusal on it
    errors = response.context["form"].errors["consent_reason"]
    assert "only a marketer or an admin" in errors[0]
    contact.refresh_from_db()
    assert contact.allow_bulk_email is False and len(_changes(contact)) == 1


def test_form_create_records_consent_off(client, marketer):
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:contact_create"),
        {
            "email": "fresh@consent.example",
            "legal_basis": "consent",
            "consent_level": "marketing",
            "allow_email": "on",
            "owner": marketer.pk,
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get(email="fresh@consent.example")
    fields = sorted(c.field for c in _changes(contact, source="form"))
    # What differs from the defaults, the legal basis and level included.
    assert fields == [
        "allow_bulk_email",
        "allow_prefill",
        "consent_level",
        "follow_email",
        "legal_basis",
    ]


def test_contact_page_shows_the_consent_history(client, marketer):
    contact = _opted_out()
    contact_consent_update(
        contact=contact,
        changes={"allow_bulk_email": True},
        source="user",
        user=marketer,
        reason="Opted in again by letter",
    )
    client.force_login(marketer)
    body = client.get(reverse("accounts:contact_detail", args=[contact.pk])).content.decode()
    assert "Consent history" in body
    assert "Opted in again by letter" in body and marketer.display_name in body
    assert "One-click unsubscribe" in body and "The contact" in body


# --- CSV import -------------------------------------------------------------------------

HEADER = "email,allow_email,allow_bulk_email\n"


def test_import_records_each_consent_change_with_who(marketer):
    existing = ContactFactory(email="old@consent.example")
    job = import_start(
        user=marketer,
        kind="contacts",
        raw=(HEADER + "old@consent.example,false,\nnew@consent.example,true,false\n").encode(),
        filename="list.csv",
    )
    assert job.status == "succeeded", job.errors
    (change,) = _changes(existing)
    assert (change.field, change.new_value, change.source, change.user) == (
        "allow_email",
        False,
        "import",
        marketer,
    )
    assert "list.csv" in change.reason and "row 2" in change.reason
    new = Contact.objects.get(email="new@consent.example")
    assert [(c.field, c.old_value, c.new_value) for c in _changes(new)] == [
        ("allow_bulk_email", True, False)
    ]


def test_import_cannot_reverse_a_contacts_own_opt_out(marketer):
    contact = _opted_out(email="gone@consent.example")
    user_off = ContactFactory(email="useroff@consent.example")
    contact_consent_update(
        contact=user_off, changes={"allow_bulk_email": False}, source="user", user=marketer
    )
    job = import_start(
        user=marketer,
        kind="contacts",
        raw=(HEADER + "useroff@consent.example,,true\ngone@consent.example,true,true\n").encode(),
    )
    assert job.status == "failed"
    assert job.errors == [{"row": 3, "column": "allow_bulk_email", "message": OPT_OUT_MESSAGE}]
    contact.refresh_from_db()
    user_off.refresh_from_db()
    assert contact.allow_bulk_email is False and user_off.allow_bulk_email is False

    # Without that row the file goes in, and the user's own opt-out is reversed.
    job = import_start(
        user=marketer,
        kind="contacts",
        raw=(HEADER + "useroff@consent.example,,true\n").encode(),
    )
    assert job.status == "succeeded", job.errors
    user_off.refresh_from_db()
    assert user_off.allow_bulk_email is True


def test_contact_update_service_takes_the_reason_from_data(marketer):
    contact = _opted_out()
    contact_update(
        user=marketer,
        contact=contact,
        data={"allow_bulk_email": True, "consent_reason": "Confirmed by email"},
    )
    assert _changes(contact)[-1].reason == "Confirmed by email"
    assert _changes(contact)[-1].source == "user"


def test_django_admin_shows_consent_but_does_not_edit_it(client):
    contact = _opted_out()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/accounts/contact/{contact.pk}/change/").content.decode()
    assert "Bulk email" in page or "bulk email" in page.lower()
    assert 'name="allow_bulk_email"' not in page
    history = client.get("/admin/accounts/consentchange/")
    assert history.status_code == 200 and "allow_bulk_email" in history.content.decode()


# --- legal basis and consent level: the same door ------------------------------------


def test_legal_basis_and_level_change_only_through_the_service_with_their_values(marketer):
    contact = ContactFactory(legal_basis="none", consent_level="none")
    contact_update(
        user=marketer,
        contact=contact,
        data={"legal_basis": "legitimate_interest", "consent_level": "marketing"},
    )
    contact.refresh_from_db()
    assert (contact.legal_basis, contact.consent_level) == ("legitimate_interest", "marketing")
    rows = {c.field: c for c in _changes(contact)}
    assert set(rows) == {"legal_basis", "consent_level"}
    basis = rows["legal_basis"]
    assert (basis.old_text, basis.new_text, basis.old_value, basis.new_value) == (
        "none",
        "legitimate_interest",
        None,
        None,
    )
    assert (basis.old_display, basis.new_display) == ("None recorded", "Legitimate interest")
    assert (basis.source, basis.user) == ("user", marketer)
    # The same value again writes nothing.
    contact_update(user=marketer, contact=contact, data={"legal_basis": "legitimate_interest"})
    assert len(_changes(contact)) == 2


def test_a_choice_outside_the_list_names_the_field(marketer):
    contact = ContactFactory()
    with pytest.raises(ApplicationError) as exc:
        contact_consent_update(contact=contact, changes={"legal_basis": "whim"}, source="user")
    assert exc.value.field == "legal_basis"
    with pytest.raises(ApplicationError) as exc:  # unhashable: a 400, not a TypeError
        contact_consent_update(contact=contact, changes={"consent_level": ["a"]}, source="user")
    assert exc.value.field == "consent_level"
    with pytest.raises(ApplicationError) as exc:
        contact_consent_update(contact=contact, changes={"allow_email": "none"}, source="user")
    assert exc.value.field == "allow_email"
    assert _changes(contact) == []


def test_api_and_form_record_legal_basis_changes_with_their_source(api_as, client, marketer):
    contact = ContactFactory(legal_basis="none")
    response = api_as(marketer).patch(
        URL.format(contact.pk),
        {"legal_basis": "contract", "consent_reason": "Signed the order form"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    (change,) = _changes(contact)
    assert (change.field, change.new_text, change.source, change.reason) == (
        "legal_basis",
        "contract",
        "api",
        "Signed the order form",
    )
    response = api_as(marketer).patch(
        URL.format(contact.pk), {"consent_level": "nonsense"}, format="json"
    )
    assert response.status_code == 400 and "consent_level" in response.json()
    contact.refresh_from_db()
    client.force_login(marketer)
    response = client.post(
        reverse("accounts:contact_edit", args=[contact.pk]),
        _form(contact, consent_level="tracking"),
    )
    assert response.status_code == 302
    change = _changes(contact)[-1]
    assert (change.field, change.old_text, change.new_text, change.source) == (
        "consent_level",
        "none",
        "tracking",
        "form",
    )
    body = client.get(reverse("accounts:contact_detail", args=[contact.pk])).content.decode()
    assert "Consent level: None → <strong>Tracking</strong>" in body
    assert "Legal basis: None recorded → <strong>Contract</strong>" in body


def test_import_records_legal_basis_changes(marketer):
    existing = ContactFactory(email="basis@consent.example", legal_basis="none")
    job = import_start(
        user=marketer,
        kind="contacts",
        raw=b"email,legal_basis\nbasis@consent.example,consent\n",
        filename="basis.csv",
    )
    assert job.status == "succeeded", job.errors
    existing.refresh_from_db()
    assert existing.legal_basis == "consent"
    (change,) = _changes(existing)
    assert (change.field, change.old_text, change.new_text, change.source, change.user) == (
        "legal_basis",
        "none",
        "consent",
        "import",
        marketer,
    )


def test_api_lists_the_consent_history_scoped_to_what_the_reader_sees(api_as, marketer, sales_rep):
    contact = ContactFactory(owner=marketer, legal_basis="none")
    contact_update(user=marketer, contact=contact, data={"legal_basis": "consent"})
    contact_consent_update(contact=contact, changes={"allow_email": False}, source="one_click")
    response = api_as(marketer).get(URL.format(contact.pk) + "consent-history/")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["field"], r["source"], r["by_contact"]) for r in rows] == [
        ("allow_email", "one_click", True),
        ("legal_basis", "user", False),
    ]
    assert (rows[1]["old_text"], rows[1]["new_display"], rows[1]["user"]) == (
        "none",
        "Consent",
        marketer.pk,
    )
    assert (rows[0]["old_value"], rows[0]["new_value"], rows[0]["new_display"]) == (
        True,
        False,
        "no",
    )
    missing = api_as(marketer).get(URL.format(999_999) + "consent-history/")
    assert missing.status_code == 404
