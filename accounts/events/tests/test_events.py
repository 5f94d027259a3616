"""Events: capacity and waitlist, check-in, activities, CSV import, report, pages, API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from accounts.events import selectors, services
from accounts.models import Activity, Contact, EventRegistration, MarketingEvent
from accounts.services.imports import ImportRejected
from accounts.tests.factories import (
    AccountFactory,
    CampaignFactory,
    ContactFactory,
    OpportunityFactory,
)

pytestmark = pytest.mark.django_db
R = EventRegistration.Status
START = timezone.now().replace(microsecond=0) - dt.timedelta(days=30)


def make_event(user, **data) -> MarketingEvent:
    values = {
        "name": "ABM Summit",
        "type": "in_person",
        "starts_at": START,
        "ends_at": START + dt.timedelta(hours=6),
        "venue": "Warsaw",
        **data,
    }
    return services.event_create(user=user, data=values)


def test_capacity_waitlist_and_promotion_on_cancel(marketer):
    event = make_event(marketer, capacity=2)
    a, b, c = ContactFactory(), ContactFactory(), ContactFactory()
    first = services.registration_create(user=marketer, event=event, contact=a)
    services.registration_create(user=marketer, event=event, contact=b)
    third = services.registration_create(user=marketer, event=event, contact=c)
    assert (first.status, third.status) == (R.REGISTERED, R.WAITLISTED)
    # Waitlisted people have no event_registered activity yet.
    assert Activity.objects.filter(type="event_registered").count() == 2

    promoted = services.registration_cancel(user=marketer, registration=first)

    assert [r.contact_id for r in promoted] == [c.pk]
    third.refresh_from_db()
    first.refresh_from_db()
    assert (first.status, third.status) == (R.CANCELLED, R.REGISTERED)
    assert Activity.objects.filter(type="event_registered", contact=c).count() == 1
    with pytest.raises(ConflictError):
        services.registration_create(user=marketer, event=event, contact=b)
    # A cancelled person may register again (the event is full: waitlisted).
    again = services.registration_create(user=marketer, event=event, contact=a)
    assert again.pk == first.pk and again.status == R.WAITLISTED


def test_check_in_once_writes_one_attended_activity_with_the_campaign(marketer):
    campaign = CampaignFactory()
    event = make_event(marketer, campaign=campaign.pk)
    contact = ContactFactory()
    services.registration_create(user=marketer, event=event, contact=contact)

    _, first = services.registration_check_in(user=marketer, event=event, contact=contact)
    _, second = services.registration_check_in(user=marketer, event=event, contact=contact)

    assert (first, second) == (True, False)
    attended = Activity.objects.get(type="event_attended", contact=contact)
    assert attended.campaign_id == campaign.pk
    assert attended.metadata["event"] == event.pk and attended.subject == "ABM Summit"
    assert Activity.objects.get(type="event_registered").campaign_id == campaign.pk


def test_walk_in_is_registered_even_when_full(marketer):
    event = make_event(marketer, capacity=1)
    services.registration_create(user=marketer, event=event, contact=ContactFactory())
    walk_in = ContactFactory()
    registration, now_in = services.registration_check_in(
        user=marketer, event=event, contact=walk_in
    )
    assert now_in and registration.status == R.REGISTERED
    assert registration.source == EventRegistration.Source.CHECK_IN


def test_answers_and_bad_input(marketer):
    event = make_event(marketer, questions=["Dietary needs", "Job role"])
    assert [q["key"] for q in event.questions] == ["dietary_needs", "job_role"]
    contact = ContactFactory()
    with pytest.raises(ApplicationError) as exc:
        services.registration_create(
            user=marketer, event=event, contact=contact, answers={"shoe_size": "44"}
        )
    assert exc.value.field == "answers"
    registration = services.registration_create(
        user=marketer, event=event, contact=contact, answers={"dietary_needs": "Vegan"}
    )
    assert registration.answers == {"dietary_needs": "Vegan"}
    with pytest.raises(ApplicationError) as exc:
        services.event_update(
            user=marketer, event=event, data={"ends_at": START - dt.timedelta(hours=1)}
        )
    assert exc.value.field == "ends_at"


def test_a_rep_registers_only_their_own_people_and_cannot_create_events(sales_rep, marketer):
    event = make_event(marketer)
    mine, theirs = ContactFactory(owner=sales_rep), ContactFactory(owner=marketer)
    services.registration_create(user=sales_rep, event=event, contact=mine)
    with pytest.raises(ForbiddenError):
        services.registration_create(user=sales_rep, event=event, contact=theirs)
    with pytest.raises(ForbiddenError):
        make_event(sales_rep)


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_csv_with_a_bad_row_is_rejected_with_its_report_and_nothing_written(marketer):
    event = make_event(marketer, questions=["Dietary needs"])
    ContactFactory(email="known@example.com")
    raw = _csv(
        "email,first_name,status,dietary_needs",
        "known@example.com,Kim,registered,",
        "not-an-email,Bo,registered,",
        "new@example.com,Ann,maybe,Vegan",
    )
    with pytest.raises(ImportRejected) as exc:
        services.registrations_import(user=marketer, event=event, raw=raw)
    assert [(e["row"], e["column"]) for e in exc.value.errors] == [(3, "email"), (4, "status")]
    assert not EventRegistration.objects.exists()
    assert not Contact.objects.filter(email="new@example.com").exists()


def test_csv_imports_registrations_and_attendees(marketer):
    account = AccountFactory(name="Globex")
    event = make_event(marketer, questions=["Dietary needs"])
    known = ContactFactory(email="known@example.com")
    raw = _csv(
        "email,first_name,last_name,company,status,checked_in_at,dietary_needs",
        "known@example.com,Kim,,,registered,,",
        f"new@example.com,Ann,Lee,globex,attended,{START.date().isoformat()},Vegan",
    )
    result = services.registrations_import(user=marketer, event=event, raw=raw)
    assert result["rows"] == 2 and result["contacts_created"] == 1
    assert (result["registered"], result["attended"]) == (1, 1)
    new = Contact.objects.get(email="new@example.com")
    assert new.account_id == account.pk
    registration = EventRegistration.objects.get(event=event, contact=new)
    assert registration.checked_in_at is not None and registration.answers == {
        "dietary_needs": "Vegan"
    }
    assert Activity.objects.filter(type="event_attended", contact=new).count() == 1
    assert EventRegistration.objects.get(contact=known).status == R.REGISTERED
    # The same file again changes nothing.
    again = services.registrations_import(user=marketer, event=event, raw=raw)
    assert again["unchanged"] == 2
    assert Activity.objects.filter(type="event_attended").count() == 1


def test_report_known_answers(marketer):
    first = make_event(marketer, name="Summit")
    other = make_event(marketer, name="Webinar", type="webinar")
    acme, globex = AccountFactory(name="Acme"), AccountFactory(name="Globex")
    a1, a2 = ContactFactory(account=acme), ContactFactory(account=acme)
    g1 = ContactFactory(account=globex)
    for contact in (a1, a2, g1):
        services.registration_create(user=marketer, event=first, contact=contact)
    checked_in = START + dt.timedelta(hours=1)
    services.registration_check_in(user=marketer, event=first, contact=a1, at=checked_in)
    services.registration_create(user=marketer, event=other, contact=a2)
    # Deals on the attendee's account: one within 90 days after, one before, one after.
    OpportunityFactory(account=acme, amount=Decimal("1000"), currency="EUR",
                       created_at=checked_in + dt.timedelta(days=10))  # fmt: skip
    OpportunityFactory(account=acme, amount=Decimal("500"), currency="EUR",
                       created_at=checked_in - dt.timedelta(days=1))  # fmt: skip
    OpportunityFactory(account=acme, amount=Decimal("700"), currency="EUR",
                       created_at=checked_in + dt.timedelta(days=91))  # fmt: skip
    OpportunityFactory(
        account=globex,
        amount=Decimal("900"),
        currency="USD",
        created_at=checked_in + dt.timedelta(days=5),
    )  # fmt: skip (no attendee)

    report = selectors.event_report(first)

    assert report["counts"] == {"registered": 3, "waitlisted": 0, "cancelled": 0, "attended": 1}
    assert report["attendance_rate"] == pytest.approx(33.3)
    assert [(a["name"], a["count"]) for a in report["accounts_across_events"]] == [("Acme", 2)]
    assert report["pipeline"]["count"] == 1
    assert report["pipeline"]["totals"] == [{"currency": "EUR", "amount": Decimal("1000")}]


# --- Pages -------------------------------------------------------------------------------


def test_pages_create_register_check_in_cancel_import(client, marketer):
    client.force_login(marketer)
    assert client.get(reverse("events:list")).status_code == 200
    data = {
        "name": "Partner day",
        "type": "in_person",
        "starts_at": "2026-05-14T09:00",
        "ends_at": "2026-05-14T17:00",
        "capacity": 1,
        "questions": "Dietary needs",
    }
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 302
    event = MarketingEvent.objects.get(name="Partner day")
    bad = client.post(reverse("events:create"), {**data, "ends_at": "2026-05-13T17:00"})
    assert bad.status_code == 400 and b"cannot end before" in bad.content
    edit = client.post(reverse("events:edit", args=[event.pk]), {**data, "capacity": 2})
    assert edit.status_code == 302
    contact = ContactFactory(email="pat@example.com")
    registered = client.post(
        reverse("events:register", args=[event.pk]),
        {"email": "pat@example.com", "q_dietary_needs": "None"},
    )
    assert registered.status_code == 302
    unknown = client.post(reverse("events:register", args=[event.pk]), {"email": "x@y.example"})
    assert unknown.status_code == 400 and b"No contact has this email" in unknown.content
    registration = EventRegistration.objects.get(event=event, contact=contact)
    detail = client.get(reverse("events:detail", args=[event.pk]))
    assert detail.status_code == 200 and b"pat@example.com" in detail.content
    check_in = client.post(reverse("events:check_in", args=[event.pk, registration.pk]))
    assert check_in.status_code == 302
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    other = services.registration_create(user=marketer, event=event, contact=ContactFactory())
    cancel = client.post(reverse("events:cancel", args=[event.pk, other.pk]))
    assert cancel.status_code == 302
    other.refresh_from_db()
    assert other.status == R.CANCELLED
    upload = SimpleUploadedFile("list.csv", _csv("email,status", "zed@example.com,registered"))
    imported = client.post(reverse("events:import", args=[event.pk]), {"file": upload})
    assert imported.status_code == 200 and b"data-import-result" in imported.content
    broken = SimpleUploadedFile("list.csv", _csv("email,status", "zed,registered"))
    rejected = client.post(reverse("events:import", args=[event.pk]), {"file": broken})
    assert rejected.status_code == 400 and b"import-errors" in rejected.content
    info = client.get(reverse("events:contact_info", args=[contact.pk]))
    assert b"Dietary needs" in info.content
    attended = client.get(reverse("events:contact_attended", args=[contact.pk]))
    assert b"Partner day" in attended.content
    deleted = client.post(reverse("events:delete", args=[event.pk]))
    assert deleted.status_code == 302 and not MarketingEvent.objects.filter(pk=event.pk).exists()


def test_a_rep_reads_events_but_cannot_manage_them(client, sales_rep, marketer):
    event = make_event(marketer)
    client.force_login(sales_rep)
    assert client.get(reverse("events:detail", args=[event.pk])).status_code == 200
    assert client.get(reverse("events:create")).status_code == 403
    assert client.post(reverse("events:delete", args=[event.pk])).status_code == 403
    assert client.get(reverse("events:import", args=[event.pk])).status_code == 403


# --- API ---------------------------------------------------------------------------------


def test_api_crud_registrations_check_in_report_import(api_as, marketer, sales_rep):
    api = api_as(marketer)
    created = api.post(
        "/api/v1/events/",
        {
            "name": "Webinar",
            "type": "webinar",
            "starts_at": START.isoformat(),
            "ends_at": (START + dt.timedelta(hours=1)).isoformat(),
            "capacity": 1,
            "questions": [{"label": "Company size"}],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["questions"] == [{"key": "company_size", "label": "Company size"}]
    bad = api.post("/api/v1/events/", {"name": "x", "type": "party"}, format="json")
    assert bad.status_code == 400 and "type" in bad.json()
    a, b = ContactFactory(), ContactFactory()
    url = f"/api/v1/events/{pk}/registrations/"
    first = api.post(url, {"contact": a.pk, "answers": {"company_size": "50"}}, format="json")
    second = api.post(url, {"contact": b.pk}, format="json")
    assert (first.json()["status"], second.json()["status"]) == ("registered", "waitlisted")
    assert api.post(url, {"contact": a.pk}, format="json").status_code == 409
    wrong = api.post(url, {"contact": a.pk, "answers": {"nope": "1"}}, format="json")
    assert wrong.status_code in (400, 409)
    listed = api.get(url, {"status": "waitlisted"}).json()
    assert [r["contact"] for r in listed["results"]] == [b.pk]
    assert api.get(url, {"status": "lost"}).status_code == 400
    rid = first.json()["id"]
    checked = api.post(f"{url}{rid}/check-in/", {}, format="json")
    assert checked.status_code == 200 and checked.json()["checked_in_at"]
    cancel = api.post(f"{url}{second.json()['id']}/cancel/", format="json")
    assert cancel.status_code == 200 and cancel.json() == []
    report = api.get(f"/api/v1/events/{pk}/report/").json()
    assert report["counts"]["attended"] == 1 and report["attendance_rate"] == 100.0
    upload = SimpleUploadedFile("l.csv", _csv("email", "c@example.com"), "text/csv")
    result = api.post(f"/api/v1/events/{pk}/import/", {"file": upload}, format="multipart")
    assert result.status_code == 200 and result.json()["rows"] == 1
    broken = SimpleUploadedFile("l.csv", _csv("email", "broken"), "text/csv")
    refused = api.post(f"/api/v1/events/{pk}/import/", {"file": broken}, format="multipart")
    assert refused.status_code == 400
    rep = api_as(sales_rep)
    assert rep.get("/api/v1/events/").status_code == 200
    assert rep.delete(f"/api/v1/events/{pk}/").status_code == 403
    assert rep.post(url, {"contact": ContactFactory().pk}, format="json").status_code == 403
