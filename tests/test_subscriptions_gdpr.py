"""Cross-app flows of subscription lists, minors and GDPR: a send to a list reaches only
its members, marketing email links to the centre (header and footer), a minor gets no
marketing email without recorded guardian consent, a refused tracking is honoured, and a
person's export contains and erasure removes what they say."""

import re

import pytest
from django.apps import apps
from django.core import mail
from django.db import models
from django.test import Client
from django.urls import reverse

from abm.exceptions import ApplicationError
from accounts.models import (
    Activity,
    ConsentChange,
    Contact,
    ErasureRecord,
    Lead,
    SubscriptionMembership,
)
from accounts.services import activity_record, contact_consent_update
from accounts.subscriptions import services as subscriptions
from accounts.tests.factories import ContactFactory, LeadFactory
from sales_actions import services
from sales_actions.models import SalesEmail, SendBatch
from sales_actions.services.sending import REASON_MINOR, REASON_NOT_ON_LIST
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return services.sales_email_send(**kwargs)

    return run


@pytest.fixture
def newsletter(marketer):
    return subscriptions.subscription_list_create(user=marketer, name="Newsletter")


def _join(user, contact, sl):
    subscriptions.membership_set(user=user, contact=contact, subscription_list=sl, subscribed=True)


def _local(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


# --- list-targeted sends --------------------------------------------------------------


def test_a_send_to_a_list_reaches_only_its_members(send, marketer, newsletter):
    template = EmailTemplateFactory(kind="marketing")
    a, b, outsider = ContactFactory(), ContactFactory(), ContactFactory()
    _join(marketer, a, newsletter)
    _join(marketer, b, newsletter)
    result = send(
        user=marketer,
        template_id=template.pk,
        contact_ids=[a.pk, b.pk, outsider.pk],
        subscription_list_id=newsletter.pk,
    )
    assert {m.to[0] for m in mail.outbox} == {a.email, b.email}
    assert [(r["contact_id"], r["reason"]) for r in result.skipped] == [
        (outsider.pk, REASON_NOT_ON_LIST)
    ]
    assert SendBatch.objects.get().subscription_list == newsletter
    # The list alone: its members.
    mail.outbox.clear()
    send(user=marketer, template_id=template.pk, subscription_list_id=newsletter.pk)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([a.email, b.email])


def test_list_sends_are_marketing_only_and_checked_in_the_api(api_as, marketer, newsletter):
    sales = EmailTemplateFactory(kind="sales")
    marketing = EmailTemplateFactory(kind="marketing")
    member = ContactFactory()
    _join(marketer, member, newsletter)
    with pytest.raises(ApplicationError) as exc:
        services.sales_email_send(
            user=marketer, template_id=sales.pk, subscription_list_id=newsletter.pk
        )
    assert exc.value.field == "subscription_list"
    client = api_as(marketer)
    bad = client.post(
        "/api/v1/sales-emails/",
        {"template": marketing.pk, "subscription_list": 999999, "dry_run": True},
        format="json",
    )
    assert bad.status_code == 400 and "subscription_list" in bad.json()
    ok = client.post(
        "/api/v1/sales-emails/",
        {"template": marketing.pk, "subscription_list": newsletter.pk, "dry_run": True},
        format="json",
    )
    assert ok.status_code == 200
    assert [r["contact_id"] for r in ok.json()["recipients"]] == [member.pk]


def test_marketing_email_links_to_the_centre_and_one_click_leaves_the_list(
    send, marketer, newsletter
):
    template = EmailTemplateFactory(kind="marketing")
    member = ContactFactory()
    _join(marketer, member, newsletter)
    send(user=marketer, template_id=template.pk, subscription_list_id=newsletter.pk)
    message = mail.outbox[0]
    https = re.search(r"<(https?://[^>]+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert "/preferences/" in https
    assert https in message.alternatives[0][0] and https in message.body  # footer link
    page = Client().get(_local(https))
    assert page.status_code == 200 and b"Newsletter" in page.content
    assert Client().post(_local(https), {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not SubscriptionMembership.objects.filter(contact=member).exists()
    change = ConsentChange.objects.filter(contact=member).order_by("id").last()
    assert (change.field, change.source) == ("subscription", "one_click")
    assert change.sales_email_id == SalesEmail.objects.get(contact=member).pk
    member.refresh_from_db()
    assert member.allow_bulk_email is True  # only that list


def test_send_dialog_to_a_list(client, marketer, newsletter):
    EmailTemplateFactory(kind="marketing")
    _join(marketer, ContactFactory(), newsletter)
    client.force_login(marketer)
    page = client.get(reverse("sales_actions:send_dialog") + f"?subscription_list={newsletter.pk}")
    assert page.status_code == 200 and b"subscription list Newsletter" in page.content


# --- minors ---------------------------------------------------------------------------


def test_minors_get_no_marketing_email_without_recorded_guardian_consent(send, marketer):
    template = EmailTemplateFactory(kind="marketing")
    guardian = ContactFactory()
    no_guardian = ContactFactory(is_minor=True)
    with_guardian = ContactFactory(is_minor=True, guardian=guardian)
    consented = ContactFactory(is_minor=True, guardian=guardian)
    contact_consent_update(
        contact=consented,
        changes={"guardian_consent": True},
        source="user",
        user=marketer,
        reason="Signed form from the parent",
    )
    adult = ContactFactory()
    result = send(
        user=marketer,
        template_id=template.pk,
        contact_ids=[no_guardian.pk, with_guardian.pk, consented.pk, adult.pk],
    )
    assert {r["contact_id"]: r["reason"] for r in result.skipped} == {
        no_guardian.pk: REASON_MINOR,
        with_guardian.pk: REASON_MINOR,
    }
    assert {m.to[0] for m in mail.outbox} == {consented.email, adult.email}
    # A sales (1:1) email is not marketing: it reaches the minor.
    mail.outbox.clear()
    send(user=marketer, template_id=EmailTemplateFactory().pk, contact_ids=[no_guardian.pk])
    assert [m.to[0] for m in mail.outbox] == [no_guardian.email]


def test_guardian_consent_only_for_a_minor_with_a_guardian(marketer):
    adult = ContactFactory()
    with pytest.raises(ApplicationError) as exc:
        contact_consent_update(
            contact=adult, changes={"guardian_consent": True}, source="user", user=marketer
        )
    assert exc.value.field == "guardian_consent"
    minor = ContactFactory(is_minor=True)
    with pytest.raises(ApplicationError):
        contact_consent_update(
            contact=minor, changes={"guardian_consent": True}, source="user", user=marketer
        )
    assert not ConsentChange.objects.exists()


# --- tracking refusal -----------------------------------------------------------------


def test_a_refused_tracking_is_honoured_for_mail_already_sent(send, sales_rep):
    contact = ContactFactory()
    send(user=sales_rep, template_id=EmailTemplateFactory().pk, contact_ids=[contact.pk])
    html = mail.outbox[0].alternatives[0][0]
    click = _local(re.search(r'href="([^"]*/emails/t/c/[^"]+)"', html).group(1))
    pixel = _local(re.search(r'src="([^"]*/emails/t/o/[^"]+)"', html).group(1))
    subscriptions.centre_save(contact=contact, list_ids=set(), allow_tracking=False)
    response = Client().get(click)
    assert response.status_code == 302 and response["Location"].startswith("https://example.com")
    assert Client().get(pixel).status_code == 404
    assert not Activity.objects.filter(type__in=["email_opened", "email_clicked"]).exists()


# --- GDPR -----------------------------------------------------------------------------

NAME, SURNAME, ADDRESS = "Zebulon", "Quartermaine", "zeb.quartermaine@unique.example"


@pytest.fixture
def person(send, marketer, newsletter):
    contact = ContactFactory(
        first_name=NAME, last_name=SURNAME, email=ADDRESS, phone="+44 20 7946 0000"
    )
    _join(marketer, contact, newsletter)
    activity_record(
        contact=contact,
        type=Activity.Type.WEB_VISIT,
        subject=f"{NAME} read pricing",
        url=f"https://example.com/pricing?who={ADDRESS}",
        metadata={"note": f"{NAME} {SURNAME}"},
    )
    send(user=marketer, template_id=EmailTemplateFactory().pk, contact_ids=[contact.pk])
    LeadFactory(contact=contact, topic=f"{SURNAME} expansion")
    contact_consent_update(
        contact=contact,
        changes={"allow_prefill": False},
        source="user",
        user=marketer,
        reason=f"{NAME} asked on the phone",
    )
    return contact


def test_export_contains_what_it_says(api_as, admin, marketer, person):
    assert api_as(marketer).get(f"/api/v1/contacts/{person.pk}/export/").status_code == 403
    response = api_as(admin).get(f"/api/v1/contacts/{person.pk}/export/")
    assert response.status_code == 200
    data = response.json()
    assert data["contact"]["email"] == ADDRESS and data["contact"]["first_name"] == NAME
    records = data["records"]
    for label in (
        "accounts.activity",
        "accounts.consentchange",
        "accounts.subscriptionmembership",
        "accounts.lead",
        "sales_actions.salesemail",
        "sales_actions.trackedlink",
    ):
        assert records.get(label), label
        assert data["counts"][label] == len(records[label])
    assert any(r["subject"] == f"{NAME} read pricing" for r in records["accounts.activity"])
    assert records["sales_actions.salesemail"][0]["to_email"] == ADDRESS
    assert any(
        r["reason"] == f"{NAME} asked on the phone" for r in records["accounts.consentchange"]
    )
    assert records["accounts.lead"][0]["topic"] == f"{SURNAME} expansion"


def _rows_mentioning(needle: str) -> list[str]:
    """Every stored row, of every model, whose text mentions ``needle``."""
    found = []
    for model in apps.get_models():
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not text_fields:
            continue
        for row in model._default_manager.values_list(*text_fields):
            if needle.lower() in str(row).lower():
                found.append(f"{model._meta.label}: {row}")
    return found


def _webhook_copies(admin, settings, person) -> int:
    """A webhook subscription's deliveries of the person's hub events (copies of them)."""
    from accounts.models import HubEvent, WebhookDelivery
    from accounts.webhooks.services import subscription_create, webhooks_handle_events

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    subscription_create(
        user=admin,
        url="http://127.0.0.1:9/hook",
        event_types=["activity.recorded"],
        description="ERP",
        owner=admin,
        is_active=True,
    )
    webhooks_handle_events(list(HubEvent.objects.filter(contact=person)))
    return sum(NAME in str(d.body) for d in WebhookDelivery.objects.all())


def test_erase_removes_what_it_says_and_keeps_counts(api_as, admin, person, settings):
    assert _webhook_copies(admin, settings, person)  # the person's data, copied
    assert _rows_mentioning(SURNAME) and _rows_mentioning(ADDRESS)  # the search can fail
    activities = Activity.objects.filter(contact=person).count()
    emails = SalesEmail.objects.filter(contact=person).count()
    types = sorted(Activity.objects.filter(contact=person).values_list("type", flat=True))
    response = api_as(admin).post(f"/api/v1/contacts/{person.pk}/erase/")
    assert response.status_code == 201
    for needle in (NAME, SURNAME, ADDRESS, "7946"):
        assert _rows_mentioning(needle) == [], needle
    person.refresh_from_db()
    assert person.full_name == "" and person.email.endswith("@erased.invalid")
    assert not (person.allow_email or person.allow_bulk_email or person.follow_email)
    assert not SubscriptionMembership.objects.filter(contact=person).exists()
    # Counts stay: the rows are there, blank where they were personal.
    assert Activity.objects.filter(contact=person).count() == activities
    assert sorted(Activity.objects.filter(contact=person).values_list("type", flat=True)) == types
    assert SalesEmail.objects.filter(contact=person).count() == emails
    assert Lead.objects.filter(contact=person).count() == 1
    record = ErasureRecord.objects.get(contact_id=person.pk)
    assert record.erased_by == admin and record.counts["memberships_removed"] == 1
    assert record.counts["accounts.activity"] >= 1
    # Idempotent: a second call answers the same record and changes nothing.
    changes = ConsentChange.objects.count()
    again = api_as(admin).post(f"/api/v1/contacts/{person.pk}/erase/")
    assert again.status_code == 200 and again.json()["id"] == record.pk
    assert ConsentChange.objects.count() == changes
    # The erased person's subscription centre is gone.
    from accounts.subscriptions.tokens import centre_path

    assert Client().get(centre_path(person.pk)).status_code == 404


def test_erase_page_is_for_admins_and_needs_confirmation(client, admin, marketer, person):
    url = reverse("gdpr:contact", args=[person.pk])
    client.force_login(marketer)
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": ADDRESS}).status_code == 403
    assert Contact.objects.filter(pk=person.pk, email=ADDRESS).exists()  # nothing erased
    client.force_login(admin)
    page = client.get(url)
    assert page.status_code == 200 and b"accounts.activity" in page.content
    export = client.get(reverse("gdpr:contact_export", args=[person.pk]))
    assert export.status_code == 200 and ADDRESS.encode() in export.content
    assert client.post(url, {"confirm": "someone@else.example"}).status_code == 400
    assert not ErasureRecord.objects.exists()
    assert client.post(url, {"confirm": ADDRESS.upper()}).status_code == 302
    assert ErasureRecord.objects.filter(contact_id=person.pk).exists()
    assert b"Erased" in client.get(url).content


def test_erasing_a_guardian_withdraws_the_wards_guardian_consent_through_the_door(admin):
    from accounts.gdpr.services import person_erase
    from accounts.models import ConsentChange

    guardian = ContactFactory()
    ward = ContactFactory(is_minor=True, guardian=guardian)
    contact_consent_update(
        contact=ward, changes={"guardian_consent": True}, source="user", user=admin
    )
    person_erase(user=admin, contact=guardian)
    ward.refresh_from_db()
    assert (ward.guardian_id, ward.guardian_consent) == (None, False)
    change = ConsentChange.objects.filter(contact=ward).order_by("id").last()
    assert (change.field, change.old_value, change.new_value, change.source) == (
        "guardian_consent",
        True,
        False,
        "erasure",
    )
