"""The hub event stream: written with the write, handed to each consumer once."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.models import Activity, HubEvent
from accounts.services import activity_record
from accounts.services import hub_events as stream
from accounts.services.activities import ActivityInput, activities_record_bulk
from accounts.services.targets import accounts_mark_target, accounts_unmark_target
from accounts.tests.factories import AccountFactory, ContactFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
K = HubEvent.Kind


@pytest.fixture
def consumers(monkeypatch):
    """Only the consumers a test registers (the apps' own are put aside)."""
    monkeypatch.setattr(stream, "_CONSUMERS", {})
    return stream._CONSUMERS


def test_an_activity_writes_its_event_with_the_owner_of_its_contact():
    owner = UserFactory()
    contact = ContactFactory(owner=owner)
    activity = activity_record(
        contact=contact, type=Activity.Type.FORM_SUBMITTED, subject="Lead form: step 1"
    )
    events = list(HubEvent.objects.order_by("id"))
    assert [e.kind for e in events] == [K.ACTIVITY_RECORDED, K.FORM_SUBMITTED]
    first = events[0]
    assert (first.contact_id, first.account_id, first.owner_id) == (
        contact.pk,
        contact.account_id,
        owner.pk,
    )
    assert first.payload["activity"] == activity.pk
    assert first.payload["subject"] == "Lead form: step 1"


def test_the_account_owner_hears_when_the_contact_has_none():
    owner = UserFactory()
    account = AccountFactory(owner=owner)
    contact = ContactFactory(account=account, owner=None)
    activities_record_bulk([ActivityInput(contact_id=contact.pk, type="web_visit", is_bot=True)])
    event = HubEvent.objects.get()
    assert event.owner_id == owner.pk
    assert event.is_bot is True


def test_a_rolled_back_write_leaves_no_event():
    contact = ContactFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        activity_record(contact=contact, type="web_visit")
        raise RuntimeError("the writer fails after recording")
    assert not HubEvent.objects.exists()
    assert not Activity.objects.exists()


def test_target_changes_are_announced_once_per_account(admin):
    a, b = AccountFactory(), AccountFactory(is_target=True)
    accounts_mark_target(user=admin, account_ids=[a.pk, b.pk])
    added = HubEvent.objects.filter(kind=K.TARGET_ADDED)
    assert [e.subject_id for e in added] == [a.pk]  # b already was a target
    accounts_unmark_target(user=admin, account_ids=[a.pk])
    accounts_unmark_target(user=admin, account_ids=[a.pk])
    assert HubEvent.objects.filter(kind=K.TARGET_REMOVED).count() == 1


def test_dispatch_hands_each_event_to_each_consumer_once_in_order(consumers):
    seen: dict[str, list[int]] = {"a": [], "b": []}
    stream.hub_events_consumer_register("a", lambda events: seen["a"].extend(e.pk for e in events))
    stream.hub_events_consumer_register("b", lambda events: seen["b"].extend(e.pk for e in events))
    contact = ContactFactory()
    for _ in range(5):
        activity_record(contact=contact, type="web_visit")
    # Eager Celery: each commit already dispatched; a second run finds nothing new.
    stream.hub_events_dispatch()
    ids = list(HubEvent.objects.order_by("id").values_list("id", flat=True))
    assert seen["a"] == ids
    assert seen["b"] == ids
    assert not HubEvent.objects.filter(dispatched_at__isnull=True).exists()


def test_a_consumer_that_fails_rolls_the_batch_back_and_the_next_run_repeats_it(consumers):
    stored: list[int] = []
    fail = {"now": True}

    def flaky(events):
        # Writes its own rows in the dispatch transaction (here: remembers), then dies.
        stored.extend(e.pk for e in events)
        if fail["now"]:
            raise ConnectionError("worker killed half-way")

    contact = ContactFactory()
    with transaction.atomic():
        activities_record_bulk(
            [ActivityInput(contact_id=contact.pk, type="web_visit") for _ in range(3)]
        )
    stream.hub_events_consumer_register("flaky", flaky)
    with pytest.raises(ConnectionError):
        stream.hub_events_dispatch(batch=2)
    assert HubEvent.objects.filter(dispatched_at__isnull=True).count() == 3
    fail["now"] = False
    stored.clear()
    assert stream.hub_events_dispatch(batch=2) == 3
    assert stored == list(HubEvent.objects.order_by("id").values_list("id", flat=True))


def test_prune_keeps_recent_and_undispatched_events(settings):
    import datetime as dt

    from django.utils import timezone

    settings.HUB_EVENTS_KEEP_DAYS = 30
    contact = ContactFactory()
    activity_record(contact=contact, type="web_visit")
    activity_record(contact=contact, type="web_visit")
    old, recent = HubEvent.objects.order_by("id")
    HubEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=31), dispatched_at=timezone.now()
    )
    assert stream.hub_events_prune() == 1
    assert list(HubEvent.objects.values_list("id", flat=True)) == [recent.pk]
