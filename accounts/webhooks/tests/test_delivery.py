"""Deliveries: queued once per event, sent in order per subject, signed, retried with
backoff and jitter, replayed, and the subscription disabled after a day of failures."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import HubEvent, WebhookDelivery, WebhookSubscription
from accounts.services import hub_events as stream
from accounts.webhooks import sender, services
from accounts.webhooks.sender import (
    Outcome,
    backoff_bounds,
    backoff_delay,
    outcomes_record,
    webhooks_send_round,
)
from accounts.webhooks.services import webhooks_handle_events
from accounts.webhooks.signing import signature_verify

pytestmark = pytest.mark.django_db
K = HubEvent.Kind
S = WebhookDelivery.Status


def test_the_consumer_queues_one_delivery_per_matching_subscription(make_subscription, make_event):
    wants_all = make_subscription(kinds=[K.ACTIVITY_RECORDED, K.LEAD_STATUS_CHANGED])
    wants_leads = make_subscription(kinds=[K.LEAD_STATUS_CHANGED])
    make_subscription(kinds=[K.ACTIVITY_RECORDED], is_active=False)
    activity = make_event(K.ACTIVITY_RECORDED, account_id=None)
    lead = make_event(
        K.LEAD_STATUS_CHANGED, subject=("lead", 5), payload={"from": "new", "to": "mql"}
    )
    bot = make_event(K.ACTIVITY_RECORDED, is_bot=True)
    assert webhooks_handle_events([activity, lead, bot]) == 3
    rows = {(d.subscription_id, d.event_id) for d in WebhookDelivery.objects.all()}
    assert rows == {(wants_all.pk, activity.pk), (wants_all.pk, lead.pk), (wants_leads.pk, lead.pk)}
    body = WebhookDelivery.objects.get(subscription=wants_leads).body
    assert body["id"] == lead.pk and body["type"] == "lead.status_changed"
    assert body["data"]["to"] == "mql" and body["data"]["subject_type"] == "lead"
    assert datetime.fromisoformat(body["occurred_at"]) == lead.occurred_at
    # Handing the same events again (a repeated batch) adds nothing.
    webhooks_handle_events([activity, lead])
    assert WebhookDelivery.objects.count() == 3


@pytest.fixture
def only_webhooks(monkeypatch):
    consumers = {"webhooks": webhooks_handle_events}
    monkeypatch.setattr(stream, "_CONSUMERS", consumers)
    return consumers


def test_exactly_once_when_the_dispatch_dies_half_way(only_webhooks, make_subscription, make_event):
    """The worker dies after the webhook consumer wrote its rows, before the batch is
    marked dispatched: everything rolls back, and the re-run writes each row once."""
    subscription = make_subscription()
    events = [make_event(subject=("contact", n)) for n in range(1, 6)]

    def killed(events):
        raise SystemExit("worker killed mid-dispatch")

    only_webhooks["after"] = killed
    with pytest.raises(SystemExit):
        stream.hub_events_dispatch()
    assert WebhookDelivery.objects.count() == 0
    assert HubEvent.objects.filter(dispatched_at__isnull=True).count() == 5

    del only_webhooks["after"]
    assert stream.hub_events_dispatch() == 5
    assert stream.hub_events_dispatch() == 0  # nothing left: no second copy
    assert sorted(WebhookDelivery.objects.values_list("event_id", flat=True)) == [
        e.pk for e in events
    ]
    assert set(WebhookDelivery.objects.values_list("subscription_id", flat=True)) == {
        subscription.pk
    }


def test_a_consumer_that_raises_for_one_bad_event_skips_it(
    make_subscription, make_event, monkeypatch
):
    make_subscription()
    good, bad = make_event(subject=("contact", 1)), make_event(subject=("contact", 2))
    real = services.event_body

    def body(event):
        if event.pk == bad.pk:
            raise ValueError("unserialisable payload")
        return real(event)

    monkeypatch.setattr(services, "event_body", body)
    # The Python path (SQLite; PostgreSQL builds the bodies in SQL, where no event fails).
    subscriptions = list(WebhookSubscription.objects.values_list("pk", "event_types"))
    assert services._handle_events_python([good, bad], subscriptions) == 1


def test_deliveries_reach_the_receiver_signed(receiver, make_subscription, make_event):
    subscription = make_subscription(url=receiver.url)
    event = make_event(payload={"activity": 9, "type": "web_visit"})
    webhooks_handle_events([event])
    assert webhooks_send_round() == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == S.SUCCEEDED
    assert (delivery.attempts, delivery.response_code) == (1, 200)
    assert delivery.response_ms is not None and delivery.delivered_at is not None
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert headers["abm-event"] == "activity.recorded"
    assert headers["abm-delivery"] == str(delivery.pk)
    assert headers["content-type"] == "application/json"
    assert headers["host"] == f"127.0.0.1:{receiver.port}"
    signature_verify(subscription.secret, headers["abm-signature"], request["body"])
    received = receiver.bodies()[0]
    assert datetime.fromisoformat(received.pop("occurred_at")) == event.occurred_at
    assert received == {
        "id": event.pk,
        "type": "activity.recorded",
        "data": {
            "activity": 9,
            "type": "web_visit",
            "subject_type": "contact",
            "subject_id": 1,
            "account_id": None,
            "contact_id": None,
            "owner_id": None,
            "actor_id": None,
        },
    }


def test_order_per_subject(receiver, make_subscription, make_event):
    """A later delivery about the same subject waits while an earlier one is retrying;
    other subjects go on."""
    make_subscription(url=receiver.url)
    first = make_event(subject=("contact", 1))
    second = make_event(subject=("contact", 1))
    other = make_event(subject=("contact", 2))
    webhooks_handle_events([first, second, other])
    attempts_of_first = []

    def decide(body):  # the first attempt of ``first`` fails, everything else succeeds
        if body["id"] == first.pk:
            attempts_of_first.append(1)
            return 500 if len(attempts_of_first) == 1 else 200
        return 200

    receiver.decide = decide
    assert webhooks_send_round() == 2  # first (contact 1) and other (contact 2)
    assert [b["id"] for b in receiver.bodies()] in ([first.pk, other.pk], [other.pk, first.pk])
    by_event = {d.event_id: d for d in WebhookDelivery.objects.all()}
    failed = by_event[first.pk]
    assert failed.status == S.RETRYING and failed.response_code == 500
    assert by_event[second.pk].status == S.PENDING and by_event[second.pk].attempts == 0

    # Even when due, the second waits for the first.
    WebhookDelivery.objects.filter(pk=failed.pk).update(
        next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    assert webhooks_send_round() == 0
    WebhookDelivery.objects.filter(pk=failed.pk).update(next_attempt_at=timezone.now())
    assert webhooks_send_round() == 1  # the first again, alone
    assert webhooks_send_round() == 1  # now the second
    sent = [b["id"] for b in receiver.bodies() if b["id"] != other.pk]
    assert sent == [first.pk, first.pk, second.pk]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {S.SUCCEEDED}


def test_a_leased_delivery_is_not_claimed_twice(make_subscription, make_event):
    make_subscription()
    webhooks_handle_events([make_event()])
    assert len(sender.deliveries_claim(limit=10)) == 1
    assert sender.deliveries_claim(limit=10) == []
    later = timezone.now() + sender.LEASE + timedelta(seconds=1)
    assert len(sender.deliveries_claim(limit=10, now=later)) == 1  # a dead worker's lease ends


def test_backoff_bounds_grow_exponentially_to_the_cap(settings):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 15
    settings.WEBHOOKS_RETRY_CAP_SECONDS = 3600
    assert [backoff_bounds(n) for n in range(1, 10)] == [15, 30, 60, 120, 240, 480, 960, 1920, 3600]
    assert backoff_bounds(40) == 3600
    rng = random.Random(7)
    for attempts in range(1, 12):
        delays = [backoff_delay(attempts, rng) for _ in range(200)]
        assert all(0 <= d <= backoff_bounds(attempts) for d in delays)
        # Full jitter: spread over the whole range, not clustered at the top.
        assert min(delays) < backoff_bounds(attempts) * 0.1
        assert max(delays) > backoff_bounds(attempts) * 0.9


def _fail(delivery, at, code=503):
    return Outcome(delivery.pk, False, at, code, 12, f"HTTP {code}")


def test_a_failed_attempt_is_retried_within_the_backoff_and_given_up_after_24_hours(
    make_subscription, make_event
):
    make_subscription()
    webhooks_handle_events([make_event()])
    delivery = WebhookDelivery.objects.select_related("subscription").get()
    now = timezone.now()
    for attempt in range(1, 4):
        outcomes_record([delivery], [_fail(delivery, now)], rng=random.Random(attempt))
        delivery.refresh_from_db()
        assert delivery.status == S.RETRYING and delivery.attempts == attempt
        wait = (delivery.next_attempt_at - now).total_seconds()
        assert 0 <= wait <= backoff_bounds(attempt)
        assert delivery.last_error == "HTTP 503"
    later = delivery.created_at + timedelta(hours=24)
    outcomes_record([delivery], [_fail(delivery, later)])
    delivery.refresh_from_db()
    assert delivery.status == S.FAILED and delivery.next_attempt_at is None


def test_disabled_after_24_hours_of_failures_with_a_notice(
    make_subscription, make_event, hook_admin, django_capture_on_commit_callbacks, client
):
    subscription = make_subscription()
    webhooks_handle_events([make_event(subject=("contact", 1)), make_event(subject=("contact", 2))])
    first, second = WebhookDelivery.objects.select_related("subscription").order_by("id")
    start = timezone.now() - timedelta(hours=25)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=8, failing_since=start
    )
    # A success resets the run of failures …
    outcomes_record([first], [Outcome(first.pk, True, timezone.now(), 200, 5)])
    subscription.refresh_from_db()
    assert (subscription.consecutive_failures, subscription.failing_since) == (0, None)
    # … and 24 h of nothing but failures (at least 10 in a row) switches it off.
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=9, failing_since=start
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcomes_record([second], [_fail(second, timezone.now(), 500)])
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_at is not None
    assert "10 delivery attempts in a row failed" in subscription.disabled_reason
    second.refresh_from_db()
    assert second.status == S.FAILED  # its open deliveries end
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [hook_admin.email]
    assert subscription.url in mail.outbox[0].body
    # The banner on its page, and the count in the navigation.
    client.force_login(hook_admin)
    page = client.get(f"/webhooks/{subscription.pk}/")
    assert b'id="webhook-disabled"' in page.content
    assert services.webhooks_disabled_count(hook_admin) == 1
    # Nothing more is sent; switching it on again clears the failures.
    assert webhooks_send_round() == 0
    services.subscription_update(user=hook_admin, subscription=subscription, is_active=True)
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.disabled_at is None
    assert subscription.consecutive_failures == 0


def test_fewer_than_the_minimum_failures_do_not_disable(make_subscription, make_event):
    subscription = make_subscription()
    webhooks_handle_events([make_event()])
    delivery = WebhookDelivery.objects.select_related("subscription").get()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=2, failing_since=timezone.now() - timedelta(hours=30)
    )
    outcomes_record([delivery], [_fail(delivery, timezone.now())])
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.consecutive_failures == 3


def test_replay_makes_a_new_attempt(receiver, make_subscription, make_event, hook_admin):
    make_subscription(url=receiver.url)
    webhooks_handle_events([make_event()])
    receiver.status = 410
    webhooks_send_round()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=S.FAILED, next_attempt_at=None)
    receiver.status = 204
    services.delivery_replay(user=hook_admin, delivery=delivery)
    assert webhooks_send_round() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (S.SUCCEEDED, 2, 204)
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]  # the same body


def test_ping_is_sent_now_and_logged(receiver, make_subscription, hook_admin):
    subscription = make_subscription(url=receiver.url)
    delivery = services.subscription_ping(user=hook_admin, subscription=subscription)
    assert delivery.is_ping and delivery.status == S.SUCCEEDED
    assert receiver.bodies()[0]["type"] == "ping"
    receiver.status = 500
    failed = services.subscription_ping(user=hook_admin, subscription=subscription)
    assert failed.status == S.FAILED and failed.next_attempt_at is None  # never retried
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0  # pings do not count


def test_a_rolled_back_event_writes_no_delivery(make_subscription, make_event):
    make_subscription()
    with pytest.raises(RuntimeError), transaction.atomic():
        webhooks_handle_events([make_event()])
        raise RuntimeError
    assert WebhookDelivery.objects.count() == 0
