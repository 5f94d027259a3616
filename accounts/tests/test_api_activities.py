"""Activities through the API: recorded by the service, in bulk all-or-nothing, never edited."""

import pytest

from accounts.models import Activity
from accounts.tests.factories import ActivityFactory, CampaignFactory, ContactFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/activities/"
BULK = "/api/v1/activities/bulk/"


def test_record_one_activity_derives_account_and_defaults(api_as, sales_rep):
    contact = ContactFactory()

    response = api_as(sales_rep).post(
        URL, {"contact": contact.pk, "type": "call", "subject": "Intro call"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["account"] == contact.account_id
    assert body["initiated_by"] == "user"
    assert body["channel"] == "phone"
    assert body["user"] == sales_rep.pk
    assert Activity.objects.get(pk=body["id"]).subject == "Intro call"


def test_contact_engagement_has_no_user_by_default(api_as, sales_rep):
    contact = ContactFactory()

    body = (
        api_as(sales_rep)
        .post(
            URL,
            {"contact": contact.pk, "type": "web_visit", "url": "https://hub.example/pricing"},
            format="json",
        )
        .json()
    )

    assert body["initiated_by"] == "contact"
    assert body["user"] is None


def test_bad_type_and_missing_contact_are_named(api_as, sales_rep):
    response = api_as(sales_rep).post(URL, {"type": "telepathy"}, format="json")

    assert response.status_code == 400
    assert {"type", "contact"} <= set(response.json())


def test_activities_cannot_be_edited(api_as, admin):
    activity = ActivityFactory()
    client = api_as(admin)

    assert client.patch(f"{URL}{activity.pk}/", {"subject": "x"}, format="json").status_code == 405
    assert client.put(f"{URL}{activity.pk}/", {"subject": "x"}, format="json").status_code == 405


def test_only_admins_delete_activities(api_as, admin, marketer, sales_rep):
    activity = ActivityFactory(user=sales_rep, initiated_by="user", type="call")

    assert api_as(sales_rep).delete(f"{URL}{activity.pk}/").status_code == 403
    assert api_as(marketer).delete(f"{URL}{activity.pk}/").status_code == 403
    assert api_as(admin).delete(f"{URL}{activity.pk}/").status_code == 204
    assert not Activity.objects.exists()
    assert api_as(admin).delete(f"{URL}{activity.pk}/").status_code == 404


def test_list_matches_the_detail_shape_and_filters(api_as, sales_rep):
    contact = ContactFactory()
    campaign = CampaignFactory()
    mine = ActivityFactory(
        contact=contact, type="email_clicked", campaign=campaign, metadata={"link": 2}
    )
    ActivityFactory(type="web_visit")
    client = api_as(sales_rep)

    listed = client.get(URL, {"contact": contact.pk}).json()["results"]
    detail = client.get(f"{URL}{mine.pk}/").json()

    assert listed == [detail]
    assert detail["metadata"] == {"link": 2}
    assert detail["campaign"] == campaign.pk
    assert [r["id"] for r in client.get(URL, {"type": "web_visit"}).json()["results"]] != [mine.pk]


def test_list_is_newest_first_and_query_count_is_flat(
    api_as, sales_rep, django_assert_max_num_queries
):
    contact = ContactFactory()
    for _ in range(80):
        ActivityFactory(contact=contact)
    client = api_as(sales_rep)

    with django_assert_max_num_queries(2):
        rows = client.get(URL, {"page_size": 80}).json()["results"]

    assert len(rows) == 80
    times = [r["occurred_at"] for r in rows]
    assert times == sorted(times, reverse=True)


def test_bulk_records_all_items(api_as, sales_rep):
    contacts = [ContactFactory() for _ in range(3)]
    items = [{"contact": c.pk, "type": "email_opened"} for c in contacts]
    items.append({"contact": contacts[0].pk, "type": "call", "occurred_at": "2026-01-05T10:00:00Z"})

    response = api_as(sales_rep).post(BULK, {"activities": items}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["created"] == 4
    assert len(response.json()["ids"]) == 4
    call = Activity.objects.get(type="call")
    assert call.user == sales_rep
    assert call.account_id == contacts[0].account_id
    assert Activity.objects.filter(type="email_opened", user__isnull=True).count() == 3


def test_bulk_accepts_a_bare_list(api_as, sales_rep):
    contact = ContactFactory()

    response = api_as(sales_rep).post(
        BULK, [{"contact": contact.pk, "type": "web_visit"}], format="json"
    )

    assert response.status_code == 201
    assert Activity.objects.count() == 1


def test_bulk_partial_failure_writes_nothing_and_lists_every_bad_item(api_as, sales_rep):
    contact = ContactFactory()
    items = [
        {"contact": contact.pk, "type": "web_visit"},
        {"contact": 987654, "type": "web_visit"},
        {"contact": contact.pk, "type": "telepathy"},
        {"contact": contact.pk, "type": "call", "campaign": 555555},
        "not an object",
        {"contact": contact.pk, "type": "call", "occurred_at": "yesterday-ish"},
    ]

    response = api_as(sales_rep).post(BULK, {"activities": items}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert "nothing was recorded" in body["detail"]
    by_index = {(e["index"], e["field"]) for e in body["errors"]}
    assert by_index == {
        (1, "contact"),
        (2, "type"),
        (3, "campaign"),
        (4, None),
        (5, "occurred_at"),
    }
    assert all(e["message"] for e in body["errors"])
    assert not Activity.objects.exists()


def test_bulk_failure_found_only_by_the_service_still_writes_nothing(api_as, sales_rep):
    contact = ContactFactory()
    items = [{"contact": contact.pk, "type": "web_visit"}] * 5 + [
        {"contact": 987654, "type": "call"}
    ]

    response = api_as(sales_rep).post(BULK, items, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"index": 5, "field": "contact", "message": "Contact 987654 does not exist."}
    ]
    assert not Activity.objects.exists()


def test_bulk_limit_is_1000(api_as, sales_rep):
    contact = ContactFactory()
    items = [{"contact": contact.pk, "type": "web_visit"}] * 1001

    response = api_as(sales_rep).post(BULK, {"activities": items}, format="json")

    assert response.status_code == 400
    assert "1000" in response.json()["detail"]
    assert "activities" in response.json()
    assert not Activity.objects.exists()


def test_bulk_of_exactly_1000_is_accepted(api_as, sales_rep, django_assert_max_num_queries):
    contact = ContactFactory()
    items = [{"contact": contact.pk, "type": "web_visit"}] * 1000
    client = api_as(sales_rep)

    # A few lookups plus batched INSERTs of the activities and of their hub events (SQLite
    # caps variables per statement: about 15 statements each there, 2 on PostgreSQL), not 1,000.
    with django_assert_max_num_queries(36):
        response = client.post(BULK, {"activities": items}, format="json")

    assert response.status_code == 201
    assert Activity.objects.count() == 1000


def test_bulk_rejects_a_non_list(api_as, sales_rep):
    response = api_as(sales_rep).post(BULK, {"activities": "lots"}, format="json")

    assert response.status_code == 400
    assert "activities" in response.json()
