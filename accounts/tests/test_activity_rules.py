"""Activity rules live in the activity service: bulk size and all-or-nothing, who may be
named as ``user``, the metadata cap, and idempotent retries of the two POSTs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from abm.exceptions import ApplicationError
from accounts.models import Activity, IdempotencyKey
from accounts.services.activities import BULK_MAX, ActivityInput, activities_record_bulk
from accounts.tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities/"
BULK = "/api/v1/activities/bulk/"


# --- Bulk: size, per-item errors, all or nothing ------------------------------------------


def test_bulk_over_the_cap_is_refused_before_reading_items(api_as, sales_rep):
    items = [{"contact": 1, "type": "call"}] * (BULK_MAX + 1)

    with CaptureQueriesContext(connection) as queries:
        response = api_as(sales_rep).post(BULK, {"activities": items}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "too_many" and f"got {BULK_MAX + 1}" in body["activities"][0]
    assert not [q for q in queries if "accounts_contact" in q["sql"]]


def test_bulk_empty_is_a_400_naming_activities(api_as, sales_rep):
    response = api_as(sales_rep).post(BULK, {"activities": []}, format="json")

    assert response.status_code == 400 and "activities" in response.json()


def test_bulk_reports_every_rejected_item_and_records_nothing(api_as, sales_rep):
    contact = ContactFactory()
    items = [
        {"contact": contact.pk, "type": "call"},
        "not an object",
        {"contact": contact.pk, "type": "telepathy"},
        {"contact": 987654, "type": "call"},
        {"contact": contact.pk, "type": "web_visit", "metadata": {"x": "y" * 20000}},
    ]

    response = api_as(sales_rep).post(BULK, items, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "bulk_rejected"
    assert body["detail"] == "4 of 5 activities were rejected; nothing was recorded."
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, None),
        (2, "type"),
        (3, "contact"),
        (4, "metadata"),
    ]
    assert not Activity.objects.exists()


def test_service_alone_keeps_all_or_nothing(sales_rep):
    contact = ContactFactory()

    with pytest.raises(ApplicationError) as raised:
        activities_record_bulk(
            [
                ActivityInput(contact_id=contact.pk, type="call"),
                ActivityInput(contact_id=0, type="call"),
            ],
            requester=sales_rep,
        )

    assert raised.value.extra["errors"] == [
        {"index": 1, "field": "contact", "message": "Contact 0 does not exist."}
    ]
    assert not Activity.objects.exists()


def test_service_names_an_unknown_campaign_or_user(admin):
    contact = ContactFactory()

    with pytest.raises(ApplicationError) as raised:
        activities_record_bulk(
            [
                ActivityInput(contact_id=contact.pk, type="call", campaign_id=987654),
                ActivityInput(contact_id=contact.pk, type="call", user_id=987655),
                ActivityInput(contact_id=contact.pk, type="call", user_id=admin.pk),
            ],
            requester=admin,
        )

    assert raised.value.extra["errors"] == [
        {"index": 0, "field": "campaign", "message": "Campaign 987654 does not exist."},
        {"index": 1, "field": "user", "message": "User 987655 does not exist."},
    ]
    assert not Activity.objects.exists()


# --- Who may be named as the activity's user ---------------------------------------------


def test_user_may_only_be_oneself_unless_admin(api_as, sales_rep, other_rep, admin):
    contact = ContactFactory()
    as_other = {"contact": contact.pk, "type": "call", "user": other_rep.pk}

    refused = api_as(sales_rep).post(URL, as_other, format="json")
    refused_bulk = api_as(sales_rep).post(BULK, [as_other], format="json")
    as_self = api_as(sales_rep).post(URL, {**as_other, "user": sales_rep.pk}, format="json")
    by_admin = api_as(admin).post(URL, as_other, format="json")

    assert refused.status_code == 400 and "only as yourself" in refused.json()["user"][0]
    assert refused_bulk.status_code == 400
    assert refused_bulk.json()["errors"][0]["field"] == "user"
    assert as_self.status_code == 201 and as_self.json()["user"] == sales_rep.pk
    assert by_admin.status_code == 201 and by_admin.json()["user"] == other_rep.pk
    assert Activity.objects.count() == 2


def test_unnamed_touch_is_the_requesters_in_bulk_too(api_as, marketer):
    contact = ContactFactory()

    response = api_as(marketer).post(
        BULK,
        [{"contact": contact.pk, "type": "meeting"}, {"contact": contact.pk, "type": "web_visit"}],
        format="json",
    )

    assert response.status_code == 201
    assert dict(Activity.objects.values_list("type", "user_id")) == {
        "meeting": marketer.pk,
        "web_visit": None,
    }


# --- Metadata cap -----------------------------------------------------------------------


def test_metadata_over_the_cap_is_a_400_naming_the_field(api_as, sales_rep, settings):
    settings.ACTIVITY_METADATA_MAX_BYTES = 100
    contact = ContactFactory()
    client = api_as(sales_rep)

    too_big = client.post(
        URL, {"contact": contact.pk, "type": "call", "metadata": {"k": "v" * 100}}, format="json"
    )
    fits = client.post(
        URL, {"contact": contact.pk, "type": "call", "metadata": {"k": "v" * 10}}, format="json"
    )

    assert too_big.status_code == 400
    assert "at most 100 bytes" in too_big.json()["metadata"][0]
    assert fits.status_code == 201


# --- Idempotency-Key ----------------------------------------------------------------------


def test_retried_create_stores_once_and_answers_as_the_first(api_as, sales_rep):
    contact = ContactFactory()
    client = api_as(sales_rep)
    body = {"contact": contact.pk, "type": "call", "subject": "Intro"}

    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="call-1")
    retry = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="call-1")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Activity.objects.count() == 1


def test_retried_bulk_stores_once(api_as, sales_rep):
    contact = ContactFactory()
    client = api_as(sales_rep)
    items = [{"contact": contact.pk, "type": "web_visit"} for _ in range(3)]

    first = client.post(BULK, items, format="json", HTTP_IDEMPOTENCY_KEY="batch-7")
    retry = client.post(BULK, items, format="json", HTTP_IDEMPOTENCY_KEY="batch-7")

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and first.json()["created"] == 3
    assert Activity.objects.count() == 3


def test_same_key_with_another_body_is_a_422(api_as, sales_rep):
    contact = ContactFactory()
    client = api_as(sales_rep)
    client.post(
        URL, {"contact": contact.pk, "type": "call"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    other = client.post(
        URL, {"contact": contact.pk, "type": "meeting"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    other_route = client.post(
        BULK, [{"contact": contact.pk, "type": "call"}], format="json", HTTP_IDEMPOTENCY_KEY="k"
    )

    assert other.status_code == other_route.status_code == 422
    assert "idempotency_key" in other.json()
    assert Activity.objects.count() == 1


def test_keys_belong_to_their_user_and_failures_are_not_kept(api_as, sales_rep, marketer):
    contact = ContactFactory()
    body = {"contact": contact.pk, "type": "call"}

    refused = api_as(sales_rep).post(
        URL, {**body, "user": marketer.pk}, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    mine = api_as(sales_rep).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    theirs = api_as(marketer).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert refused.status_code == 400
    assert mine.status_code == theirs.status_code == 201
    assert Activity.objects.count() == 2
    assert IdempotencyKey.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 81, "tab\there"])
def test_malformed_key_is_a_400(api_as, sales_rep, key):
    contact = ContactFactory()

    response = api_as(sales_rep).post(
        URL, {"contact": contact.pk, "type": "call"}, format="json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert response.status_code == 400 and "idempotency_key" in response.json()
    assert not Activity.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_store_once(sales_rep):
    """Five copies of one request at the same moment (a client's retry storm): one row."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the whole database)")
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections
    from rest_framework.test import APIClient

    contact = ContactFactory()
    body = {"contact": contact.pk, "type": "call", "subject": "Storm"}

    def post(_):
        client = APIClient()
        client.force_authenticate(sales_rep)
        try:
            response = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="storm-1")
            return response.status_code, response.json()["id"]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(post, range(5)))

    assert {status for status, _ in answers} == {201}
    assert len({activity_id for _, activity_id in answers}) == 1
    assert Activity.objects.filter(subject="Storm").count() == 1
