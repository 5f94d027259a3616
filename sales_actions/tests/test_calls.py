"""The call log: one activity per call, the rollup's calls column, role scoping, the pages
(dialog, card, calls page, panels, outcome list) and /api/v1/calls/ and /call-outcomes/."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from abm.exceptions import ApplicationError, ForbiddenError
from accounts.models import AccountRollup, Activity, Task
from accounts.services.rollups import rollups_refresh
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    OpportunityFactory,
    TaskFactory,
)
from sales_actions.calls import services
from sales_actions.calls.models import Call, CallOutcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact():
    return ContactFactory(
        account=AccountFactory(name="Acme"),
        first_name="Paula",
        last_name="Prospect",
        phone="+1 415 555 0100",
    )


@pytest.fixture
def booked():
    return CallOutcome.objects.get(name="Meeting booked")


def test_outcomes_are_seeded_by_the_migration():
    names = list(CallOutcome.objects.values_list("name", flat=True))
    assert "Meeting booked" in names and "Not interested" in names
    assert len(names) >= 6


# --- One activity per call, and the rollup --------------------------------------------------


def test_logging_a_call_writes_one_call_activity(sales_rep, contact, booked):
    call = services.call_log(
        user=sales_rep,
        contact=contact,
        status="connected",
        outcome=booked,
        notes="Demo Tue",
        duration_seconds=245,
    )
    activities = Activity.objects.filter(contact=contact, type=Activity.Type.CALL)
    assert activities.count() == 1
    activity = activities.get()
    assert call.activity_id == activity.pk
    assert activity.user == sales_rep
    assert activity.account_id == contact.account_id
    assert activity.initiated_by == "user" and activity.channel == "phone"
    assert activity.metadata["call"] == call.pk
    assert activity.metadata["outcome"] == "Meeting booked"
    assert "Meeting booked" in activity.subject
    assert call.number == "+1 415 555 0100"  # the contact's phone by default
    assert call.duration_display == "4:05"

    # Ensuring again (a retry, an edit) never writes a second one.
    services.call_activity_ensure(call=call)
    services.call_update(user=sales_rep, call=call, notes="Demo Wednesday")
    assert Activity.objects.filter(contact=contact, type=Activity.Type.CALL).count() == 1


def test_an_inbound_call_is_an_engagement(sales_rep, contact):
    services.call_log(user=sales_rep, contact=contact, status="connected", direction="inbound")
    activity = Activity.objects.get(contact=contact, type=Activity.Type.CALL)
    assert activity.initiated_by == "contact"
    assert activity.user == sales_rep


def test_rollup_calls_column_counts_logged_calls(sales_rep, contact):
    services.call_log(user=sales_rep, contact=contact, status="connected")
    services.call_log(user=sales_rep, contact=contact, status="no_answer")
    rollups_refresh(account_ids=[contact.account_id])
    rollup = AccountRollup.objects.get(account_id=contact.account_id)
    assert rollup.calls_count == 2
    assert rollup.last_touch_at is not None


# --- Rules ---------------------------------------------------------------------------------


def test_a_rep_logs_calls_only_as_themselves(sales_rep, other_rep, admin, contact):
    with pytest.raises(ForbiddenError) as exc:
        services.call_log(user=sales_rep, contact=contact, status="busy", caller=other_rep)
    assert exc.value.field == "user"
    call = services.call_log(user=admin, contact=contact, status="busy", caller=other_rep)
    assert call.user == other_rep
    assert Activity.objects.get(pk=call.activity_id).user == other_rep


def test_a_rep_changes_only_their_own_calls(sales_rep, other_rep, admin, contact):
    call = services.call_log(user=other_rep, contact=contact, status="voicemail")
    with pytest.raises(ForbiddenError):
        services.call_update(user=sales_rep, call=call, notes="mine now")
    services.call_update(user=admin, call=call, notes="checked")
    call.refresh_from_db()
    assert call.notes == "checked"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "dialling"}, "status"),
        ({"status": "connected", "direction": "sideways"}, "direction"),
        ({"status": "connected", "duration_seconds": -1}, "duration_seconds"),
        ({"status": "connected", "started_at": timezone.now() + timedelta(days=2)}, "started_at"),
        ({"status": "connected", "number": "call me"}, "number"),
    ],
)
def test_bad_input_names_the_field(sales_rep, contact, kwargs, field):
    with pytest.raises(ApplicationError) as exc:
        services.call_log(user=sales_rep, contact=contact, **kwargs)
    assert exc.value.field == field
    assert not Call.objects.exists()


def test_no_number_anywhere_is_refused(sales_rep):
    contact = ContactFactory(phone="")
    with pytest.raises(ApplicationError) as exc:
        services.call_log(user=sales_rep, contact=contact, status="connected")
    assert exc.value.field == "number"


def test_a_retired_outcome_is_not_offered(sales_rep, contact, booked):
    booked.is_active = False
    booked.save()
    with pytest.raises(ApplicationError) as exc:
        services.call_log(user=sales_rep, contact=contact, status="connected", outcome=booked)
    assert exc.value.field == "outcome"


def test_only_admins_edit_outcomes_and_used_ones_are_retired_not_deleted(admin, sales_rep, contact):
    with pytest.raises(ForbiddenError):
        services.call_outcome_create(user=sales_rep, name="Sent pricing")
    outcome = services.call_outcome_create(user=admin, name="Sent pricing", position=5)
    with pytest.raises(ApplicationError) as exc:
        services.call_outcome_create(user=admin, name="sent PRICING")
    assert exc.value.field == "name"
    services.call_log(user=sales_rep, contact=contact, status="connected", outcome=outcome)
    with pytest.raises(ApplicationError) as exc:
        services.call_outcome_delete(user=admin, outcome=outcome)
    assert exc.value.status_code == 409
    services.call_outcome_update(user=admin, outcome=outcome, is_active=False)
    assert not CallOutcome.objects.get(pk=outcome.pk).is_active


# --- Pages ---------------------------------------------------------------------------------


def test_phone_numbers_are_tel_links_that_open_the_prefilled_dialog(client, sales_rep, contact):
    client.force_login(sales_rep)
    page = client.get(reverse("accounts:contact_detail", args=[contact.pk])).content.decode()
    assert 'href="tel:+14155550100"' in page
    assert f"/calls/log/?contact={contact.pk}&amp;number=%2B1+415+555+0100" in page
    dialog = client.get(
        reverse("calls:call_log_dialog"),
        {"contact": contact.pk, "number": "+1 415 555 0100"},
        HTTP_HX_REQUEST="true",
    )
    assert dialog.status_code == 200
    assert 'value="+1 415 555 0100"' in dialog.content.decode()
    assert "Log call with Paula Prospect" in dialog.content.decode()


def test_the_dialog_logs_a_call_and_answers_call_logged(client, sales_rep, contact, booked):
    client.force_login(sales_rep)
    url = reverse("calls:call_log_dialog") + f"?contact={contact.pk}"
    answer = client.post(
        url,
        {
            "number": "+1 415 555 0100",
            "direction": "outbound",
            "status": "connected",
            "outcome": booked.pk,
            "notes": "Wants a demo",
            "started_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "duration": "4:05",
        },
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 204
    assert "callLogged" in answer["HX-Trigger"]
    call = Call.objects.get()
    assert (call.user, call.duration_seconds, call.outcome) == (sales_rep, 245, booked)
    panel = client.get(reverse("calls:contact_calls", args=[contact.pk])).content.decode()
    assert "Wants a demo" in panel and "Meeting booked" in panel and "4:05" in panel


def test_the_dialog_names_the_bad_field(client, sales_rep, contact):
    client.force_login(sales_rep)
    url = reverse("calls:call_log_dialog") + f"?contact={contact.pk}"
    answer = client.post(
        url,
        {
            "number": "+1 415",
            "direction": "outbound",
            "status": "",
            "duration": "4:75",
            "started_at": "2026-01-01T10:00",
        },
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 400
    assert set(answer.context["form"].errors) == {"status", "duration"}
    assert client.get(reverse("calls:call_log_dialog"), {"contact": "x"}).status_code == 400
    assert client.get(reverse("calls:call_log_dialog")).status_code == 400


def test_a_done_call_task_opens_the_dialog_and_links_the_call(client, sales_rep, contact):
    task = TaskFactory(
        contact=contact,
        account=contact.account,
        owner=sales_rep,
        type=Task.Type.CALL,
        title="Call Paula",
    )
    client.force_login(sales_rep)
    # The tasks page reaches the dialog by the name sales_actions:call_log_dialog.
    url = reverse("sales_actions:call_log_dialog") + f"?contact={contact.pk}&task={task.pk}"
    assert "Call Paula" in client.get(url).content.decode()
    client.post(
        url,
        {
            "number": "555 0100",
            "direction": "outbound",
            "status": "no_answer",
            "started_at": "2026-01-01T10:00",
        },
    )
    assert Call.objects.get().task == task


def test_call_card_shows_caller_callee_number_status_and_edits(
    client, sales_rep, other_rep, contact, booked
):
    call = services.call_log(user=sales_rep, contact=contact, status="busy")
    client.force_login(other_rep)
    card = client.get(reverse("calls:call_card", args=[call.pk])).content.decode()
    for text in ("Sam Seller", "Paula Prospect", "+1 415 555 0100", "Busy"):
        assert text in card
    assert (
        client.post(reverse("calls:call_edit", args=[call.pk]), {"notes": "x"}).status_code == 403
    )
    client.force_login(sales_rep)
    answer = client.post(
        reverse("calls:call_edit", args=[call.pk]), {"notes": "Try Friday", "outcome": booked.pk}
    )
    assert answer.status_code == 302
    call.refresh_from_db()
    assert (call.notes, call.outcome) == ("Try Friday", booked)
    bad = client.post(reverse("calls:call_edit", args=[call.pk]), {"outcome": "999999"})
    assert bad.status_code == 400 and "outcome" in bad.context["form"].errors


def test_calls_page_filters_and_pages(
    client, sales_rep, other_rep, contact, booked, django_assert_max_num_queries
):
    for i in range(60):
        services.call_log(
            user=sales_rep if i % 2 else other_rep,
            contact=contact,
            status="connected",
            outcome=booked if i % 3 == 0 else None,
            notes=f"call {i}",
            started_at=timezone.now() - timedelta(hours=i),
        )
    client.force_login(sales_rep)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("calls:call_list"))
    assert page.status_code == 200
    assert len(page.context["rows"]) == 50 and page.context["page"].has_next
    second = client.get(page.context["page"].next_url)
    assert len(second.context["rows"]) == 10
    assert client.get(reverse("calls:call_list"), {"outcome": booked.pk}).context["total"] == 20
    assert client.get(reverse("calls:call_list"), {"caller": sales_rep.pk}).context["total"] == 30
    today = timezone.localdate().isoformat()
    assert client.get(reverse("calls:call_list"), {"date_from": today}).status_code == 200
    assert client.get(reverse("calls:call_list"), {"date_from": "nope"}).status_code == 400
    assert client.get(reverse("calls:call_list"), {"cursor": "forged"}).status_code == 400
    assert client.get(reverse("calls:call_list"), {"sort": "-duration"}).status_code == 200


def test_panels_on_account_and_opportunity(client, sales_rep, contact):
    deal = OpportunityFactory(account=contact.account)
    deal.contacts.add(contact)
    services.call_log(user=sales_rep, contact=contact, status="connected", notes="about the deal")
    client.force_login(sales_rep)
    for name, pk in (
        ("calls:account_calls", contact.account_id),
        ("calls:opportunity_calls", deal.pk),
    ):
        body = client.get(reverse(name, args=[pk])).content.decode()
        assert "about the deal" in body
    # The deal page's phone numbers open the dialog for the deal.
    deal_page = client.get(reverse("accounts:opportunity_detail", args=[deal.pk])).content.decode()
    assert (
        f"/calls/log/?contact={contact.pk}&amp;number=%2B1+415+555+0100&amp;opportunity={deal.pk}"
        in deal_page
    )
    logged = client.post(
        reverse("calls:call_log_dialog") + f"?contact={contact.pk}&opportunity={deal.pk}",
        {
            "number": "1",
            "direction": "outbound",
            "status": "busy",
            "started_at": "2026-01-01T09:00",
        },
    )
    assert logged.status_code == 302
    assert Call.objects.filter(opportunity=deal).count() == 1
    Call.objects.filter(opportunity=deal).delete()
    # "All calls" of a panel is the calls page filtered to the record.
    listed = client.get(reverse("calls:call_list"), {"opportunity": deal.pk})
    assert listed.context["total"] == 1
    assert client.get(reverse("calls:call_list"), {"opportunity": 999999}).context["total"] == 0
    account_page = client.get(reverse("accounts:account_detail", args=[contact.account_id]))
    assert (
        reverse("calls:account_calls", args=[contact.account_id]) in account_page.content.decode()
    )


def test_navigation_has_calls(client, sales_rep):
    client.force_login(sales_rep)
    page = client.get(reverse("calls:call_list")).content.decode()
    assert f'href="{reverse("calls:call_list")}"' in page


def test_outcome_pages_are_for_admins(client, admin, sales_rep):
    client.force_login(sales_rep)
    assert client.get(reverse("calls:outcome_list")).status_code == 403
    client.force_login(admin)
    assert client.get(reverse("calls:outcome_list")).status_code == 200
    added = client.post(
        reverse("calls:outcome_list"),
        {"new-name": "Referred", "new-position": 3, "new-is_active": "on"},
    )
    assert added.status_code == 302
    outcome = CallOutcome.objects.get(name="Referred")
    assert outcome.is_active and outcome.position == 3
    bad = client.post(reverse("calls:outcome_list"), {"new-name": ""})
    assert bad.status_code == 400 and "name" in bad.context["form"].errors
    edit_url = reverse("calls:outcome_edit", args=[outcome.pk])
    assert client.get(edit_url).status_code == 200
    client.post(edit_url, {"name": "Referred on", "position": 4})
    outcome.refresh_from_db()
    assert (outcome.name, outcome.is_active) == ("Referred on", False)
    clash = client.post(edit_url, {"name": "Meeting booked", "position": 4})
    assert clash.status_code == 400 and "name" in clash.context["form"].errors
    client.post(reverse("calls:outcome_delete", args=[outcome.pk]))
    assert not CallOutcome.objects.filter(pk=outcome.pk).exists()


# --- API -----------------------------------------------------------------------------------


def test_api_logs_lists_reads_and_updates_calls(api_as, sales_rep, other_rep, contact, booked):
    api = api_as(sales_rep)
    created = api.post(
        "/api/v1/calls/",
        {
            "contact": contact.pk,
            "status": "connected",
            "outcome": booked.pk,
            "notes": "hi",
            "duration_seconds": 60,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["user"] == sales_rep.pk and body["number"] == "+1 415 555 0100"
    assert body["activity"] == Activity.objects.get(type="call").pk
    assert body["outcome_name"] == "Meeting booked"

    listed = api.get("/api/v1/calls/", {"outcome": booked.pk}).json()
    assert [c["id"] for c in listed["results"]] == [body["id"]]
    assert api.get("/api/v1/calls/", {"caller": other_rep.pk}).json()["results"] == []
    assert api.get("/api/v1/calls/", {"date_from": "yesterday"}).status_code == 400
    assert api.get(f"/api/v1/calls/{body['id']}/").json()["notes"] == "hi"

    changed = api.patch(
        f"/api/v1/calls/{body['id']}/", {"notes": "hello", "outcome": None}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["notes"] == "hello"
    assert changed.json()["outcome"] is None
    # Another rep reads it (reps read everything) but cannot change it.
    other = api_as(other_rep)
    assert other.get(f"/api/v1/calls/{body['id']}/").status_code == 200
    assert (
        other.patch(f"/api/v1/calls/{body['id']}/", {"notes": "x"}, format="json").status_code
        == 403
    )
    assert api.delete(f"/api/v1/calls/{body['id']}/").status_code == 405


def test_api_refuses_bad_input_naming_the_field(api_as, sales_rep, other_rep, contact):
    api = api_as(sales_rep)
    for payload, field in (
        ({"contact": contact.pk, "status": "maybe"}, "status"),
        ({"contact": 99999999, "status": "connected"}, "contact"),
        ({"contact": contact.pk, "status": "dialling"}, "status"),
        ({"contact": contact.pk, "status": "connected", "user": other_rep.pk}, "user"),
        (
            {"contact": contact.pk, "status": "connected", "duration_seconds": -5},
            "duration_seconds",
        ),
    ):
        answer = api.post("/api/v1/calls/", payload, format="json")
        assert answer.status_code in (400, 403), payload
        assert field in answer.json(), (payload, answer.json())
    assert not Call.objects.exists()


def test_api_place_with_the_built_in_dialer_answers_a_tel_uri(api_as, sales_rep, contact):
    answer = api_as(sales_rep).post("/api/v1/calls/place/", {"contact": contact.pk}, format="json")
    assert answer.status_code == 200
    assert answer.json()["dial_uri"] == "tel:+14155550100"
    assert answer.json()["call"] is None
    assert not Call.objects.exists()


def test_api_call_outcomes_read_for_all_write_for_admins(api_as, sales_rep, admin):
    assert api_as(sales_rep).get("/api/v1/call-outcomes/").status_code == 200
    assert (
        api_as(sales_rep).post("/api/v1/call-outcomes/", {"name": "X"}, format="json").status_code
        == 403
    )
    created = api_as(admin).post(
        "/api/v1/call-outcomes/", {"name": "Sent deck", "position": 1}, format="json"
    )
    assert created.status_code == 201
    dup = api_as(admin).post("/api/v1/call-outcomes/", {"name": "sent deck"}, format="json")
    assert dup.status_code == 400 and "name" in dup.json()
    used = CallOutcome.objects.get(name="Meeting booked")
    Call.objects.create(contact=ContactFactory(), number="1", status="connected", outcome=used)
    assert api_as(admin).delete(f"/api/v1/call-outcomes/{used.pk}/").status_code == 409
