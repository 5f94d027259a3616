"""/api/v1/cadences/: CRUD, steps, enrolments in bulk (≤ 1,000, all or nothing with
per-item errors), role scoping, bad input named."""

import pytest

from accounts.tests.factories import AccountFactory, ContactFactory, UserFactory
from sales_actions.cadences.models import Enrolment
from sales_actions.tests.factories import EmailTemplateFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/cadences/"


@pytest.fixture
def cadence_id(api_as, sales_rep):
    api = api_as(sales_rep)
    response = api.post(URL, {"name": "API outreach", "skip_weekends": False}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    template = EmailTemplateFactory()
    for step in (
        {"kind": "auto_email", "day_offset": 0, "template": template.pk},
        {"kind": "call", "day_offset": 2},
        {"kind": "custom", "day_offset": 1, "title": "Send a gift"},
    ):
        assert api.post(f"{URL}{pk}/steps/", step, format="json").status_code == 201
    return pk


def test_crud_and_steps(api_as, sales_rep, cadence_id):
    api = api_as(sales_rep)
    body = api.get(f"{URL}{cadence_id}/").json()
    assert [s["kind"] for s in body["steps"]] == ["auto_email", "call", "custom"]
    ids = [s["id"] for s in body["steps"]]
    reordered = api.post(f"{URL}{cadence_id}/steps/reorder/", {"steps": ids[::-1]}, format="json")
    assert [s["id"] for s in reordered.json()] == ids[::-1]
    patched = api.patch(f"{URL}{cadence_id}/steps/{ids[1]}/", {"day_offset": 5}, format="json")
    assert patched.status_code == 200 and patched.json()["day_offset"] == 5
    assert api.delete(f"{URL}{cadence_id}/steps/{ids[2]}/").status_code == 204
    assert len(api.get(f"{URL}{cadence_id}/steps/").json()) == 2
    assert (
        api.patch(f"{URL}{cadence_id}/", {"status": "paused"}, format="json").json()["status"]
        == "paused"
    )
    assert api.delete(f"{URL}{cadence_id}/").status_code == 204


def test_bad_input_names_the_field(api_as, sales_rep, cadence_id):
    api = api_as(sales_rep)
    cases = [
        (f"{URL}{cadence_id}/steps/", {"kind": "auto_email", "day_offset": 0}, "template"),
        (f"{URL}{cadence_id}/steps/", {"kind": "fax", "day_offset": 0}, "kind"),
        (f"{URL}{cadence_id}/steps/", {"kind": "call", "day_offset": -2}, "day_offset"),
        (f"{URL}{cadence_id}/steps/reorder/", {"steps": [1, 2]}, "steps"),
        (f"{URL}{cadence_id}/enrolments/", {}, "contacts"),
        (f"{URL}{cadence_id}/enrolments/", {"contacts": ["x"]}, "contacts"),
        (f"{URL}{cadence_id}/enrolments/", {"contacts": list(range(1, 1002))}, "contacts"),
        (f"{URL}{cadence_id}/enrolments/", {"contacts": [2**70]}, "contacts"),
        (f"{URL}{cadence_id}/enrolments/pause/", {"contacts": []}, "contacts"),
        (URL, {"name": "", "skip_weekends": True}, "name"),
        (URL, {"name": "x", "business_hours_start": "18:00"}, "business_hours_end"),
    ]
    for url, body, field in cases:
        response = api.post(url, body, format="json")
        assert response.status_code == 400, (url, body, response.content)
        assert field in response.content.decode(), (url, body, response.content)
    assert api.get(f"{URL}?scope=galaxy").status_code == 400
    assert api.get(f"{URL}{cadence_id}/enrolments/?status=zombie").status_code == 400


def test_enrolments_bulk_all_or_nothing(api_as, sales_rep, cadence_id):
    api = api_as(sales_rep)
    ok = ContactFactory.create_batch(3)
    bad = ContactFactory(allow_email=False)
    response = api.post(
        f"{URL}{cadence_id}/enrolments/",
        {"contacts": [c.pk for c in ok] + [bad.pk]},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["contact"] for e in errors] == [bad.pk] and errors[0]["index"] == 3
    assert not Enrolment.objects.exists()
    response = api.post(
        f"{URL}{cadence_id}/enrolments/", {"contacts": [c.pk for c in ok]}, format="json"
    )
    assert response.status_code == 201 and response.json()["enrolled"] == 3
    listed = api.get(f"{URL}{cadence_id}/enrolments/").json()
    assert len(listed["results"]) == 3
    # Pausing someone who is not in it refuses the whole call.
    stranger = ContactFactory()
    response = api.post(
        f"{URL}{cadence_id}/enrolments/pause/",
        {"contacts": [ok[0].pk, stranger.pk]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["contact"] == stranger.pk
    assert not Enrolment.objects.filter(status="paused").exists()
    for verb, expected in (("pause", "paused"), ("resume", "active"), ("remove", "removed")):
        response = api.post(
            f"{URL}{cadence_id}/enrolments/{verb}/", {"contacts": [ok[0].pk]}, format="json"
        )
        assert response.json() == {"changed": 1}
        assert Enrolment.objects.filter(contact=ok[0]).latest("pk").status == expected


def test_enrol_an_account(api_as, sales_rep, cadence_id):
    account = AccountFactory()
    ContactFactory.create_batch(4, account=account)
    response = api_as(sales_rep).post(
        f"{URL}{cadence_id}/enrolments/", {"account": account.pk}, format="json"
    )
    assert response.status_code == 201 and response.json()["enrolled"] == 4


def test_role_scoping(api_as, sales_rep, other_rep, marketer, team, cadence_id):
    assert api_as(other_rep).get(f"{URL}{cadence_id}/").status_code == 404
    assert api_as(other_rep).get(URL).json()["results"] == []
    assert [c["id"] for c in api_as(marketer).get(URL).json()["results"]] == [cadence_id]
    # A marketer sees every cadence but changes only their own.
    response = api_as(marketer).patch(f"{URL}{cadence_id}/", {"name": "Mine"}, format="json")
    assert response.status_code == 403
    teammate = UserFactory(team=team)
    response = api_as(teammate).post(
        f"{URL}{cadence_id}/enrolments/", {"contacts": [ContactFactory().pk]}, format="json"
    )
    assert response.status_code == 201
    response = api_as(teammate).post(
        f"{URL}{cadence_id}/steps/", {"kind": "call", "day_offset": 1}, format="json"
    )
    assert response.status_code == 403
