"""People filters for the seven sales events on the contacts and leads lists and APIs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Activity, Contact
from accounts.people_filters import SALES_EVENTS, sales_event_filter
from accounts.tests.factories import ActivityFactory, ContactFactory, LeadFactory

pytestmark = pytest.mark.django_db
C, U = Activity.InitiatedBy.CONTACT, Activity.InitiatedBy.USER

# What each sales event's activity looks like when the sales features record it.
FACTS = {
    "email_sent": {"type": "email_sent", "initiated_by": U, "metadata": {"sales_email": 1}},
    "email_opened": {"type": "email_opened", "metadata": {"sales_email": 1}},
    "email_clicked": {"type": "email_clicked", "metadata": {"sales_email": 1}},
    "email_replied": {"type": "email_replied", "metadata": {"sales_email": 1}},
    "call_received": {"type": "call", "initiated_by": U, "metadata": {"call": 1}},
    "cadence_added": {"type": "campaign_added", "initiated_by": U, "metadata": {"cadence": 1}},
    "cadence_removed": {
        "type": "campaign_removed",
        "initiated_by": U,
        "metadata": {"cadence": 1},
    },
}


def fact(contact, event, days_ago, **more):
    return ActivityFactory(
        contact=contact,
        occurred_at=timezone.now() - timedelta(days=days_ago),
        **{"initiated_by": C, **FACTS[event], **more},
    )


def ids(queryset):
    return sorted(queryset.values_list("pk", flat=True))


@pytest.mark.parametrize("event", list(SALES_EVENTS))
def test_each_event_with_window_and_count(event):
    twice_recent, once_recent, twice_old, nothing = ContactFactory.create_batch(4)
    fact(twice_recent, event, 1)
    fact(twice_recent, event, 6)
    fact(once_recent, event, 2)
    fact(twice_old, event, 10)
    fact(twice_old, event, 12)
    contacts = Contact.objects.all()
    hit = sales_event_filter(contacts, contact_field="pk", event=event, days=7, min_count=2)
    assert ids(hit) == [twice_recent.pk]
    once = sales_event_filter(contacts, contact_field="pk", event=event, days=7)
    assert ids(once) == sorted([twice_recent.pk, once_recent.pk])
    wide = sales_event_filter(contacts, contact_field="pk", event=event, days=30, min_count=2)
    assert ids(wide) == sorted([twice_recent.pk, twice_old.pk])
    assert nothing.pk not in ids(wide)


def test_lookalikes_do_not_count():
    person = ContactFactory()
    # A marketing email's open, a bot's open of a sales email, an inbound call and a marketing
    # campaign membership are not sales events.
    ActivityFactory(contact=person, type="email_opened", metadata={"campaign": 3})
    fact(person, "email_opened", 0, is_bot=True)
    ActivityFactory(contact=person, type="call", initiated_by=C)
    ActivityFactory(contact=person, type="campaign_added", initiated_by=U, metadata={})
    for event in ("email_opened", "call_received", "cadence_added"):
        assert not sales_event_filter(
            Contact.objects.all(), contact_field="pk", event=event, days=7
        ).exists()


@pytest.fixture
def openers():
    keen, replied, once, replied_long_ago = ContactFactory.create_batch(4)
    for person in (keen, replied, replied_long_ago):
        fact(person, "email_opened", 1)
        fact(person, "email_opened", 3)
    fact(once, "email_opened", 2)
    fact(replied, "email_replied", 0)
    fact(replied_long_ago, "email_replied", 20)
    return {"keen": keen, "replied": replied, "once": once, "old": replied_long_ago}


def test_opened_twice_in_7_days_not_replied_on_the_api(openers, api_as, sales_rep):
    url = "/api/v1/contacts/?sales_event=email_opened&sales_event_min=2&sales_event_days=7"
    answer = api_as(sales_rep).get(url + "&sales_event_not=email_replied")
    assert answer.status_code == 200
    found = sorted(row["id"] for row in answer.json()["results"])
    # A reply 20 days ago is outside the 7-day window: still a hit.
    assert found == sorted([openers["keen"].pk, openers["old"].pk])
    without_not = api_as(sales_rep).get(url).json()["results"]
    assert len(without_not) == 3


def test_combines_with_other_filters(openers, api_as, sales_rep):
    openers["keen"].owner = sales_rep
    openers["keen"].save()
    answer = api_as(sales_rep).get(
        f"/api/v1/contacts/?owner={sales_rep.pk}&sales_event=email_opened&sales_event_min=2"
    )
    assert [row["id"] for row in answer.json()["results"]] == [openers["keen"].pk]


def test_leads_list_and_api(openers, api_as, client, sales_rep):
    lead = LeadFactory(contact=openers["keen"], topic="Keen lead")
    LeadFactory(contact=openers["replied"], topic="Replied lead")
    LeadFactory(contact=openers["once"], topic="Once lead")
    query = (
        "sales_event=email_opened&sales_event_min=2&sales_event_days=7"
        "&sales_event_not=email_replied"
    )
    answer = api_as(sales_rep).get(f"/api/v1/leads/?{query}")
    assert [row["id"] for row in answer.json()["results"]] == [lead.pk]
    client.force_login(sales_rep)
    page = client.get(f"{reverse('accounts:lead_list')}?{query}")
    assert page.status_code == 200
    assert [row.pk for row in page.context["rows"]] == [lead.pk]
    assert 'name="sales_event"' in page.content.decode()


def test_contacts_page_filters_and_keeps_the_values(openers, client, sales_rep):
    client.force_login(sales_rep)
    page = client.get(
        reverse("accounts:contact_list"),
        {"sales_event": "email_opened", "sales_event_min": "2", "sales_event_not": "email_replied",
         "sales_event_days": "7"},
    )  # fmt: skip
    assert page.status_code == 200
    assert sorted(row.pk for row in page.context["rows"]) == sorted(
        [openers["keen"].pk, openers["old"].pk]
    )
    html = page.content.decode()
    assert '<option value="email_opened" selected>' in html
    assert (
        'name="sales_event_min" min="1" max="10000" step="1" inputmode="numeric" value="2"' in html
    )


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("sales_event=opened", "sales_event"),
        ("sales_event=email_opened&sales_event_min=0", "sales_event_min"),
        ("sales_event=email_opened&sales_event_min=2.5", "sales_event_min"),
        ("sales_event=email_opened&sales_event_days=abc", "sales_event_days"),
        ("sales_event=email_opened&sales_event_days=99999", "sales_event_days"),
        ("sales_event_min=2", "sales_event_min"),
        ("sales_event=email_opened&sales_event_not=email_opened", "sales_event_not"),
        ("sales_event_not=nope", "sales_event_not"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(query, field, api_as, sales_rep, client):
    for resource in ("contacts", "leads"):
        answer = api_as(sales_rep).get(f"/api/v1/{resource}/?{query}")
        assert answer.status_code == 400, (resource, query)
        assert field in answer.json() or field in answer.content.decode()
    client.force_login(sales_rep)
    page = client.get(f"{reverse('accounts:contact_list')}?{query}")
    assert page.status_code < 500
    assert f'data-field="{field}"' in page.content.decode()
    assert list(page.context["rows"]) == []


def test_one_query_for_the_filtered_rows(openers, django_assert_num_queries):
    contacts = sales_event_filter(
        Contact.objects.all(),
        contact_field="pk",
        event="email_opened",
        days=7,
        min_count=2,
        without="email_replied",
    )
    with django_assert_num_queries(1):
        assert len(list(contacts)) == 2
