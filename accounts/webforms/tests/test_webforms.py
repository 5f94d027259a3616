"""Hosted forms: submissions write contact, account, lead and activity once; prefill;
spam; double opt-in; consent through the one door; roles; bad input; the API."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from accounts.models import (
    Account,
    Activity,
    ConsentChange,
    Contact,
    Lead,
    WebForm,
    WebFormSubmission,
)
from accounts.services.consent import contact_consent_update
from accounts.tests.factories import AccountFactory, CampaignFactory, ContactFactory
from accounts.webforms import services

pytestmark = pytest.mark.django_db

FIELDS = [
    {"key": "email", "label": "", "required": True},
    {"key": "first_name", "label": "", "required": True},
    {"key": "last_name", "label": "", "required": False},
    {"key": "company", "label": "", "required": False},
    {"key": "title", "label": "", "required": False},
    {"key": "country", "label": "", "required": False},
    {"key": "allow_bulk_email", "label": "", "required": False},
    {"key": "allow_prefill", "label": "", "required": False},
    {"key": "message", "label": "", "required": False},
]


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.WEBFORM_MIN_FILL_SECONDS = 0


@pytest.fixture
def campaign():
    return CampaignFactory(name="Spring webinar")


@pytest.fixture
def webform(marketer, campaign):
    return services.webform_create(
        user=marketer,
        data={
            "name": "Request a demo",
            "fields": FIELDS,
            "thank_you_message": "Thanks, we will call you.",
            "campaign": campaign,
            "lead_topic": "Demo request",
        },
    )


def _url(webform, **query):
    url = reverse("webforms_public:form", args=[webform.public_key])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _stamp(client, webform, **query) -> str:
    body = client.get(_url(webform, **query)).content.decode()
    return re.search(r'name="stamp" value="([^"]+)"', body).group(1)


def _post(client, webform, *, stamp=None, **data):
    payload = {"stamp": stamp if stamp is not None else _stamp(client, webform), **data}
    return client.post(_url(webform), payload)


def test_submission_creates_contact_account_lead_and_activity_once(client, webform, campaign):
    response = _post(
        client,
        webform,
        email="Jane.Doe@Acme-Robotics.com",
        first_name="Jane",
        last_name="Doe",
        company="Acme Robotics",
        title="CTO",
        country="Germany",
        allow_bulk_email="on",
        allow_prefill="on",
        message="Call me after 3 pm.",
    )
    assert response.status_code == 200
    assert "Thanks, we will call you." in response.content.decode()

    contact = Contact.objects.get()
    assert (contact.email, contact.first_name, contact.title) == (
        "jane.doe@acme-robotics.com",
        "Jane",
        "CTO",
    )
    assert contact.source_campaign == campaign
    account = Account.objects.get()
    assert (account.name, account.domain, account.country) == (
        "Acme Robotics",
        "acme-robotics.com",
        "Germany",
    )
    assert contact.account == account
    lead = Lead.objects.get()
    assert (lead.contact, lead.topic, lead.source_campaign) == (contact, "Demo request", campaign)
    activity = Activity.objects.get(type=Activity.Type.FORM_SUBMITTED)
    assert (activity.contact, activity.subject, activity.campaign) == (
        contact,
        "Request a demo",
        campaign,
    )
    assert activity.metadata["message"] == "Call me after 3 pm."
    submission = WebFormSubmission.objects.get()
    assert (submission.contact, submission.lead, submission.activity) == (contact, lead, activity)
    assert submission.contact_created and submission.data["company"] == "Acme Robotics"
    # Consent through the one door: source "form", no user (the contact acted).
    assert contact.allow_bulk_email and contact.allow_prefill
    # The boxes ticked keep the defaults (True): nothing changed, nothing recorded.
    assert not ConsentChange.objects.filter(contact=contact, new_value=True).exists()


def test_new_contact_without_consent_is_recorded_as_not_given(client, webform):
    _post(client, webform, email="raj@globex.io", first_name="Raj")
    contact = Contact.objects.get()
    assert not contact.allow_bulk_email and not contact.allow_prefill
    rows = ConsentChange.objects.filter(contact=contact)
    assert {(r.field, r.new_value, r.source, r.user_id) for r in rows} == {
        ("allow_bulk_email", False, "form", None),
        ("allow_prefill", False, "form", None),
    }
    assert "Request a demo" in rows[0].reason


def test_existing_contact_is_updated_and_open_lead_reused(client, webform):
    account = AccountFactory(name="Initech", domain="initech.com")
    contact = ContactFactory(email="bill@initech.com", first_name="B", title="", account=account)
    _post(client, webform, email="BILL@initech.com", first_name="Bill", title="VP Sales")
    _post(client, webform, email="bill@initech.com", first_name="Bill")
    assert Contact.objects.count() == 1
    contact.refresh_from_db()
    assert (contact.first_name, contact.title, contact.account) == ("Bill", "VP Sales", account)
    assert Lead.objects.filter(contact=contact).count() == 1  # open lead, same topic: reused
    assert Activity.objects.filter(contact=contact, type="form_submitted").count() == 2
    assert list(WebFormSubmission.objects.values_list("contact_created", flat=True)) == [
        False,
        False,
    ]


def test_account_matched_by_domain_else_by_name(client, webform):
    by_domain = AccountFactory(name="Umbrella Corp", domain="umbrella.com")
    by_name = AccountFactory(name="Hooli", domain="hooli.xyz")
    _post(client, webform, email="a@umbrella.com", first_name="A", company="Something else")
    _post(client, webform, email="b@gmail.com", first_name="B", company="hooli")
    assert Contact.objects.get(email="a@umbrella.com").account == by_domain
    assert Contact.objects.get(email="b@gmail.com").account == by_name
    assert Account.objects.count() == 2


def test_prefill_only_where_allowed_and_forged_token_is_a_blank_form(client, webform):
    allowing = ContactFactory(email="yes@initech.com", first_name="Yolanda", allow_prefill=True)
    refusing = ContactFactory(email="no@initech.com", first_name="Norbert", allow_prefill=False)
    body = client.get(_url(webform, c=services.prefill_token(allowing))).content.decode()
    assert 'value="yes@initech.com"' in body and 'value="Yolanda"' in body

    for token in (
        services.prefill_token(refusing),
        "forged-token",
        signing.dumps({"c": allowing.pk}, salt="another.purpose"),
    ):
        response = client.get(_url(webform, c=token))
        body = response.content.decode()
        assert response.status_code == 200
        assert "initech.com" not in body and "Norbert" not in body and "Yolanda" not in body


def test_expired_prefill_link_is_a_blank_form(client, webform, settings):
    contact = ContactFactory(email="old@initech.com", first_name="Olive", allow_prefill=True)
    settings.WEBFORM_PREFILL_MAX_AGE = -1
    body = client.get(_url(webform, c=services.prefill_token(contact))).content.decode()
    assert "Olive" not in body


def test_remember_me_unticked_on_a_prefilled_form_turns_prefill_off(client, webform):
    contact = ContactFactory(email="kim@initech.com", first_name="Kim", allow_prefill=True)
    token = services.prefill_token(contact)
    stamp = _stamp(client, webform, c=token)
    _post(client, webform, stamp=stamp, email="kim@initech.com", first_name="Kim", c=token)
    contact.refresh_from_db()
    assert contact.allow_prefill is False
    change = ConsentChange.objects.get(contact=contact, field="allow_prefill")
    assert (change.new_value, change.source, change.user) == (False, "form", None)
    assert WebFormSubmission.objects.get().prefilled

    # Ticking it again (no link) turns it back on, recorded the same way.
    _post(client, webform, email="kim@initech.com", first_name="Kim", allow_prefill="on")
    contact.refresh_from_db()
    assert contact.allow_prefill is True
    assert ConsentChange.objects.filter(contact=contact, field="allow_prefill").count() == 2


def test_honeypot_and_missing_or_fast_stamp_are_dropped_silently(client, webform, settings):
    response = _post(client, webform, email="bot@spam.io", first_name="x", website="http://x")
    assert response.status_code == 200 and "Thanks, we will call you." in response.content.decode()
    response = _post(client, webform, stamp="", email="bot@spam.io", first_name="x")
    assert response.status_code == 200
    _post(client, webform, stamp="forged:stamp", email="bot@spam.io", first_name="x")
    settings.WEBFORM_MIN_FILL_SECONDS = 60
    _post(client, webform, email="bot@spam.io", first_name="x")
    assert not Contact.objects.exists() and not WebFormSubmission.objects.exists()
    webform.refresh_from_db()
    assert (webform.spam_honeypot, webform.spam_too_fast) == (1, 3)


def test_rate_limit_per_address(client, webform, settings):
    settings.WEBFORM_RATE_LIMIT = 2
    for n in range(3):
        response = _post(client, webform, email=f"p{n}@initech.com", first_name="P")
        assert response.status_code == 200
    assert Contact.objects.count() == 2
    webform.refresh_from_db()
    assert webform.spam_rate_limited == 1
    # Another address is not limited.
    response = client.post(
        _url(webform),
        {"stamp": _stamp(client, webform), "email": "p9@initech.com", "first_name": "P"},
        REMOTE_ADDR="10.0.0.9",
    )
    assert Contact.objects.filter(email="p9@initech.com").exists()


def test_bad_input_answers_form_errors_and_writes_nothing(client, webform):
    response = _post(client, webform, email="not-an-email", first_name="")
    assert response.status_code == 400
    body = response.content.decode()
    assert "errorlist" in body
    assert not Contact.objects.exists() and not WebFormSubmission.objects.exists()
    response = _post(client, webform, email="ok@initech.com", first_name="x" * 500)
    assert response.status_code == 400 and not Contact.objects.exists()


def test_double_opt_in_pending_until_the_link_is_confirmed(
    client, webform, django_capture_on_commit_callbacks
):
    webform.double_opt_in = True
    webform.save()
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, webform, email="dee@initech.com", first_name="Dee", allow_bulk_email="on")
    contact = Contact.objects.get()
    submission = WebFormSubmission.objects.get()
    assert contact.allow_bulk_email is False
    assert submission.opt_in_status == "pending" and submission.opt_in_fields == [
        "allow_bulk_email"
    ]
    assert submission.opt_in_sent_at is not None
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dee@initech.com"]
    link = re.search(r"http\S+/f/confirm/\S+/", mail.outbox[0].body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]

    # Opening the link (a mail scanner too) changes nothing; the button confirms.
    assert client.get("/" + path).status_code == 200
    contact.refresh_from_db()
    assert contact.allow_bulk_email is False
    response = client.post("/" + path)
    assert response.status_code == 200 and "confirmed" in response.content.decode()
    contact.refresh_from_db()
    submission.refresh_from_db()
    assert contact.allow_bulk_email is True and submission.opt_in_status == "confirmed"
    change = ConsentChange.objects.get(contact=contact, field="allow_bulk_email", new_value=True)
    assert change.source == "form" and "double opt-in" in change.reason
    client.post("/" + path)  # twice: nothing more
    assert ConsentChange.objects.filter(contact=contact, new_value=True).count() == 1

    assert client.get("/f/confirm/forged:token/").status_code == 404


def test_own_opt_out_needs_the_confirmation_link_even_without_double_opt_in(client, webform):
    contact = ContactFactory(email="gone@initech.com", allow_bulk_email=True)
    contact_consent_update(
        contact=contact, changes={"allow_bulk_email": False}, source="unsubscribe_page"
    )
    _post(client, webform, email="gone@initech.com", first_name="G", allow_bulk_email="on")
    contact.refresh_from_db()
    assert contact.allow_bulk_email is False  # typing an address proves nothing
    submission = WebFormSubmission.objects.get()
    assert submission.opt_in_status == "pending"
    token = services.opt_in_token(submission)
    client.post(reverse("webforms_public:opt_in", args=[token]))
    contact.refresh_from_db()
    assert contact.allow_bulk_email is True


def test_inactive_form_is_closed_and_public_page_is_frameable(client, webform):
    response = client.get(_url(webform))
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    assert "<script>" not in response.content.decode()
    webform.embed_origins = "https://www.example.com"
    webform.save()
    response = client.get(_url(webform))
    assert "frame-ancestors https://www.example.com" in response["Content-Security-Policy"]
    webform.is_active = False
    webform.save()
    assert client.get(_url(webform)).status_code == 404
    assert client.get("/f/no-such-form/").status_code == 404


def test_builder_pages_by_role(client, marketer, sales_rep, webform):
    client.force_login(sales_rep)
    for name, args in (("list", []), ("create", []), ("detail", [webform.pk])):
        assert client.get(reverse(f"webforms:{name}", args=args)).status_code == 403
    client.force_login(marketer)
    for name, args in (
        ("list", []),
        ("create", []),
        ("detail", [webform.pk]),
        ("edit", [webform.pk]),
        ("preview", [webform.pk]),
    ):
        assert client.get(reverse(f"webforms:{name}", args=args)).status_code == 200
    body = client.get(reverse("webforms:detail", args=[webform.pk])).content.decode()
    assert "&lt;iframe src=" in body and "data-copy-target" in body


def test_prefill_link_page(client, marketer, webform):
    contact = ContactFactory(email="pat@initech.com")
    client.force_login(marketer)
    url = reverse("webforms:prefill_link", args=[webform.pk])
    response = client.post(url, {"email": "PAT@initech.com"})
    assert response.status_code == 200
    token = re.search(r"\?c=([^\"&]+)", response.content.decode()).group(1)
    assert services.prefill_contact(token) == contact
    response = client.post(url, {"email": "nobody@initech.com"})
    assert response.status_code == 400 and "No contact has this email." in response.content.decode()


def test_submission_as_a_builder_who_lost_the_role_is_a_form_error(client, webform, marketer):
    marketer.role = "sales_rep"
    marketer.save()
    response = _post(client, webform, email="x@initech.com", first_name="X")
    assert response.status_code == 400 and not Contact.objects.exists()


# --- API -----------------------------------------------------------------------------------


def test_api_crud_and_submissions(api_as, marketer, sales_rep, client, webform):
    api = api_as(marketer)
    response = api.post(
        "/api/v1/webforms/",
        {
            "name": "Newsletter",
            "fields": [{"key": "email"}, {"key": "allow_bulk_email", "required": True}],
            "thank_you_message": "Welcome!",
            "double_opt_in": True,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["public_url"].endswith(f"/f/{created['public_key']}/")
    assert [f["key"] for f in created["fields"]] == ["email", "allow_bulk_email"]
    response = api.patch(f"/api/v1/webforms/{created['id']}/", {"is_active": False}, format="json")
    assert response.status_code == 200 and response.json()["is_active"] is False

    _post(client, webform, email="api@initech.com", first_name="Api")
    response = api.get(f"/api/v1/webforms/{webform.pk}/submissions/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1 and rows[0]["data"]["email"] == "api@initech.com"

    contact = Contact.objects.get(email="api@initech.com")
    response = api.post(
        f"/api/v1/webforms/{webform.pk}/prefill-link/", {"contact": contact.pk}, format="json"
    )
    assert response.status_code == 200 and "?c=" in response.json()["url"]

    assert api.delete(f"/api/v1/webforms/{created['id']}/").status_code == 204
    assert not WebForm.objects.filter(pk=created["id"]).exists()

    rep = api_as(sales_rep)
    assert rep.get("/api/v1/webforms/").status_code == 403
    assert rep.post("/api/v1/webforms/", {"name": "x"}, format="json").status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "thank_you_message": "t", "fields": [{"key": "shoe_size"}]}, "fields"),
        ({"name": "x", "thank_you_message": "t", "fields": "email"}, "fields"),
        (
            {
                "name": "x",
                "thank_you_message": "t",
                "fields": [{"key": "email"}, {"key": "email"}],
            },
            "fields",
        ),
        ({"name": "x", "thank_you_message": "t", "embed_origins": "javascript:x"}, "embed_origins"),
        (
            {"name": "x", "thank_you_message": "t", "embed_origins": "https://a.com; script-src *"},
            "embed_origins",
        ),
        ({"name": "", "thank_you_message": "t"}, "name"),
        ({"name": "x"}, "thank_you_message"),
        ({"name": "x", "thank_you_message": "t", "campaign": 999999}, "campaign"),
    ],
)
def test_api_bad_input_names_the_field(api_as, marketer, body, field):
    response = api_as(marketer).post("/api/v1/webforms/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.content.decode()
    assert not WebForm.objects.exists()


def test_a_refusal_midway_writes_nothing(client, webform, monkeypatch):
    from abm.exceptions import ApplicationError

    def refuse(**kwargs):
        raise ApplicationError("No leads today.", field="topic")

    monkeypatch.setattr(services, "lead_create", refuse)
    response = _post(client, webform, email="half@initech.com", first_name="Half", company="X")
    assert response.status_code == 400 and "No leads today." in response.content.decode()
    assert not Contact.objects.exists() and not Account.objects.exists()
    assert not ConsentChange.objects.exists() and not WebFormSubmission.objects.exists()
