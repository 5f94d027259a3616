"""Campaigns, products, notes, tasks, teams and users through the API."""

import pytest

from accounts.models import Activity, Campaign, Note, Product, Task
from accounts.tests.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    LeadFactory,
    NoteFactory,
    ProductFactory,
    TaskFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_marketer_creates_and_edits_campaigns_sales_rep_cannot(api_as, marketer, sales_rep):
    created = api_as(marketer).post(
        "/api/v1/campaigns/",
        {"name": "Spring webinar", "channel": "webinar", "start_date": "2027-03-01"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["owner"] == marketer.pk

    denied = api_as(sales_rep).post("/api/v1/campaigns/", {"name": "Mine"}, format="json")
    denied_edit = api_as(sales_rep).patch(f"/api/v1/campaigns/{pk}/", {"name": "x"}, format="json")

    assert denied.status_code == 403
    assert denied_edit.status_code == 403
    assert Campaign.objects.get().name == "Spring webinar"


def test_campaign_end_before_start_is_named(api_as, marketer):
    response = api_as(marketer).post(
        "/api/v1/campaigns/",
        {"name": "Backwards", "start_date": "2027-03-10", "end_date": "2027-03-01"},
        format="json",
    )

    assert response.status_code == 400
    assert "end_date" in response.json()


def test_campaign_filters(api_as, sales_rep):
    CampaignFactory(name="Webinar A", channel="webinar")
    CampaignFactory(name="Mail B", channel="email")

    rows = api_as(sales_rep).get("/api/v1/campaigns/", {"channel": "webinar"}).json()["results"]

    assert [r["name"] for r in rows] == ["Webinar A"]


def test_products_keywords_are_normalized(api_as, marketer, sales_rep):
    response = api_as(marketer).post(
        "/api/v1/products/",
        {"name": "Data Platform", "keywords": ["Warehouse", " ETL ", "warehouse"]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["keywords"] == ["etl", "warehouse"]
    assert (
        api_as(sales_rep).post("/api/v1/products/", {"name": "Nope"}, format="json").status_code
        == 403
    )


def test_duplicate_product_name_is_named(api_as, admin):
    ProductFactory(name="Analytics")

    response = api_as(admin).post("/api/v1/products/", {"name": "Analytics"}, format="json")

    assert response.status_code == 400
    assert "name" in response.json()
    assert Product.objects.count() == 1


def test_products_cannot_be_deleted_through_the_api(api_as, admin):
    product = ProductFactory()

    assert api_as(admin).delete(f"/api/v1/products/{product.pk}/").status_code == 405


def test_note_on_a_contact_is_also_an_activity(api_as, sales_rep):
    contact = ContactFactory()

    response = api_as(sales_rep).post(
        "/api/v1/notes/", {"contact": contact.pk, "body": "Prefers email."}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["author"] == sales_rep.pk
    assert body["account"] == contact.account_id
    assert Activity.objects.filter(contact=contact, type="note").exists()


def test_note_needs_a_subject_and_text(api_as, sales_rep):
    empty = api_as(sales_rep).post(
        "/api/v1/notes/", {"account": AccountFactory().pk, "body": "  "}, format="json"
    )
    orphan = api_as(sales_rep).post("/api/v1/notes/", {"body": "Hi"}, format="json")

    assert empty.status_code == 400
    assert "body" in empty.json()
    assert orphan.status_code == 400
    assert "account" in orphan.json()
    assert not Note.objects.exists()


def test_task_create_and_complete(api_as, sales_rep):
    contact = ContactFactory()
    client = api_as(sales_rep)

    created = client.post(
        "/api/v1/tasks/",
        {"title": "Call back", "type": "call", "contact": contact.pk},
        format="json",
    )
    assert created.status_code == 201, created.json()
    task = created.json()
    assert task["owner"] == sales_rep.pk
    assert task["account"] == contact.account_id
    assert task["status"] == "open"

    done = client.post(f"/api/v1/tasks/{task['id']}/complete/")

    assert done.status_code == 200
    assert done.json()["status"] == "done"
    assert done.json()["completed_at"] is not None
    assert Activity.objects.filter(contact=contact, type="task").count() == 1


def test_sales_rep_cannot_complete_or_assign_anothers_task(api_as, sales_rep, other_rep):
    theirs = TaskFactory(owner=other_rep)
    client = api_as(sales_rep)

    denied = client.post(f"/api/v1/tasks/{theirs.pk}/complete/")
    assigned = client.post(
        "/api/v1/tasks/",
        {"title": "For you", "account": AccountFactory().pk, "owner": other_rep.pk},
        format="json",
    )

    assert denied.status_code == 403
    assert assigned.status_code == 403
    assert Task.objects.get(pk=theirs.pk).status == "open"
    assert Task.objects.count() == 1


def test_task_validation_and_404(api_as, admin):
    client = api_as(admin)

    orphan = client.post("/api/v1/tasks/", {"title": "Loose"}, format="json")
    bad_type = client.post(
        "/api/v1/tasks/",
        {"title": "X", "type": "fax", "account": AccountFactory().pk},
        format="json",
    )

    assert orphan.status_code == 400
    assert "account" in orphan.json()
    assert bad_type.status_code == 400
    assert "type" in bad_type.json()
    assert client.post("/api/v1/tasks/999999/complete/").status_code == 404


def test_task_filters(api_as, sales_rep, other_rep):
    TaskFactory(owner=sales_rep, title="Mine")
    TaskFactory(owner=other_rep, title="Theirs", status="done")
    client = api_as(sales_rep)

    mine = client.get("/api/v1/tasks/", {"owner": sales_rep.pk}).json()["results"]
    done = client.get("/api/v1/tasks/", {"status": "done"}).json()["results"]

    assert [t["title"] for t in mine] == ["Mine"]
    assert [t["title"] for t in done] == ["Theirs"]


def test_users_never_expose_passwords_and_are_read_only(api_as, admin, marketer):
    client = api_as(admin)

    rows = client.get("/api/v1/users/", {"role": "marketer"}).json()["results"]
    created = client.post("/api/v1/users/", {"username": "new"}, format="json")

    assert [r["username"] for r in rows] == ["marketer"]
    assert "password" not in rows[0]
    assert rows[0]["display_name"] == "Mia Marketer"
    assert created.status_code == 405


def test_teams_are_read_only_and_searchable(api_as, sales_rep, other_rep):
    client = api_as(sales_rep)

    rows = client.get("/api/v1/teams/", {"search": "sou"}).json()["results"]

    assert [r["name"] for r in rows] == ["South"]
    assert client.post("/api/v1/teams/", {"name": "East"}, format="json").status_code == 405
    assert client.get("/api/v1/teams/424242/").status_code == 404


def test_user_list_query_count(api_as, admin, django_assert_max_num_queries):
    for _ in range(30):
        UserFactory()
    client = api_as(admin)

    with django_assert_max_num_queries(2):
        rows = client.get("/api/v1/users/", {"page_size": 100}).json()["results"]

    assert len(rows) == 31


@pytest.mark.parametrize("resource", ["leads", "campaigns", "products", "notes", "tasks", "teams"])
def test_other_lists_do_not_query_per_row(api_as, admin, resource, django_assert_max_num_queries):
    for i in range(20):
        LeadFactory(owner=admin)
        CampaignFactory(owner=admin)
        ProductFactory()
        NoteFactory(author=admin)
        TaskFactory(owner=admin)
        TeamFactory(name=f"Team {i}")
    client = api_as(admin)

    with django_assert_max_num_queries(2):
        response = client.get(f"/api/v1/{resource}/", {"page_size": 100})

    assert len(response.json()["results"]) >= 20
