"""Unsubscribe paths of sales emails go through the consent service: each is a
ConsentChange naming its source and email; the contact's own opt-out then needs a
reason to reverse and cannot be reversed by a sales rep."""

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import ConsentChange
from accounts.tests.factories import ContactFactory
from sales_actions.models import SalesEmail
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unsubscribe_url(send, sales_rep):
    template = EmailTemplateFactory(kind="marketing")
    contact = ContactFactory(owner=sales_rep)
    send(user=sales_rep, template_id=template.pk, contact_ids=[contact.pk])
    header = mail.outbox[-1].extra_headers["List-Unsubscribe"]
    url = re.search(r"<(https?://[^>]+)>", header).group(1).replace("http://127.0.0.1:8000", "")
    return contact, SalesEmail.objects.get(contact=contact), url


@pytest.mark.parametrize(
    ("post", "source"),
    [
        ({"List-Unsubscribe": "One-Click"}, "one_click"),
        # the link lands in the subscription centre: its "unsubscribe from all" button
        ({"action": "unsubscribe_all"}, "subscription_centre"),
    ],
)
def test_unsubscribe_records_source_email_and_reason(unsubscribe_url, post, source):
    contact, email, url = unsubscribe_url
    assert Client(enforce_csrf_checks=True).post(url, post).status_code == 200
    change = ConsentChange.objects.get(contact=contact)
    assert (change.field, change.new_value, change.source) == ("allow_bulk_email", False, source)
    assert change.sales_email_id == email.pk and change.user is None and change.reason
    # Unsubscribing twice changes nothing more.
    Client().post(url, post)
    assert ConsentChange.objects.filter(contact=contact).count() == 1


def test_after_one_click_only_a_marketer_with_a_reason_resubscribes(
    unsubscribe_url, api_as, sales_rep, marketer
):
    contact, _email, url = unsubscribe_url
    Client().post(url, {"List-Unsubscribe": "One-Click"})
    path = f"/api/v1/contacts/{contact.pk}/"
    body = {"allow_bulk_email": True, "consent_reason": "Said yes on the phone"}
    assert api_as(sales_rep).patch(path, body, format="json").status_code == 403
    response = api_as(marketer).patch(path, {"allow_bulk_email": True}, format="json")
    assert response.status_code == 400 and "consent_reason" in response.json()
    assert api_as(marketer).patch(path, body, format="json").status_code == 200
    sources = list(
        ConsentChange.objects.filter(contact=contact).order_by("id").values_list("source", "user")
    )
    assert sources == [("one_click", None), ("api", marketer.pk)]
