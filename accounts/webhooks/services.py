"""Every write of webhooks: subscriptions and their secrets, the hub event consumer,
replay, ping and the automatic disable.

The consumer (``webhooks_handle_events``) runs inside the hub event dispatch transaction
and only inserts ``WebhookDelivery`` rows; the HTTP requests are the sender's
(``accounts.webhooks.sender``), after commit, in a worker.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import may_manage_webhooks
from accounts.models import (
    WEBHOOK_EVENT_TYPES,
    HubEvent,
    User,
    WebhookDelivery,
    WebhookSubscription,
)
from accounts.webhooks.network import url_check_literal
from accounts.webhooks.signing import secret_generate

log = logging.getLogger(__name__)

MAX_SUBSCRIPTIONS = 100
_SEND_PENDING_KEY = "abm:webhooks:send_pending"


def _setting(name: str, default):
    return getattr(settings, name, default)


def rotation_grace() -> timedelta:
    return timedelta(hours=_setting("WEBHOOKS_ROTATION_GRACE_HOURS", 24))


def _check(user: User) -> None:
    if not may_manage_webhooks(user):
        raise ForbiddenError(_("Only admins can manage webhooks."), code="forbidden")


def _clean_event_types(event_types) -> list[str]:
    if not isinstance(event_types, list | tuple) or not event_types:
        raise ApplicationError(_("Choose at least one event type."), field="event_types")
    allowed = [str(kind) for kind in WEBHOOK_EVENT_TYPES]
    chosen = []
    for kind in event_types:
        if not isinstance(kind, str) or kind not in allowed:
            raise ApplicationError(
                _("“%(kind)s” is not an event type you can subscribe to.") % {"kind": kind},
                field="event_types",
            )
        if kind not in chosen:
            chosen.append(kind)
    return [kind for kind in allowed if kind in chosen]  # a stable order


def _clean_url(url) -> str:
    url = (url or "").strip() if isinstance(url, str) else ""
    if not url:
        raise ApplicationError(_("Enter the URL to deliver to."), field="url")
    if len(url) > 500:
        raise ApplicationError(_("The URL is longer than 500 characters."), field="url")
    url_check_literal(url)
    return url


def _clean_owner(user: User, owner: User | None) -> User:
    owner = owner or user
    if not may_manage_webhooks(owner):
        raise ApplicationError(
            _("The owner must be an admin (they get the notices)."), field="owner"
        )
    return owner


def subscription_create(
    *,
    user: User,
    url: str,
    event_types: list[str],
    description: str = "",
    owner: User | None = None,
    is_active: bool = True,
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its secret (shown to the caller once, never again)."""
    _check(user)
    url = _clean_url(url)
    event_types = _clean_event_types(event_types)
    owner = _clean_owner(user, owner)
    if WebhookSubscription.objects.count() >= MAX_SUBSCRIPTIONS:
        raise ApplicationError(
            _("At most %(n)d webhook subscriptions.") % {"n": MAX_SUBSCRIPTIONS}, field="url"
        )
    secret = secret_generate()
    now = timezone.now()
    subscription = WebhookSubscription.objects.create(
        url=url,
        event_types=event_types,
        description=(description or "").strip()[:200],
        owner=owner,
        is_active=bool(is_active),
        secret=secret,
        created_at=now,
        updated_at=now,
    )
    return subscription, secret


def subscription_update(
    *,
    user: User,
    subscription: WebhookSubscription,
    url: str | None = None,
    event_types: list[str] | None = None,
    description: str | None = None,
    owner: User | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change what is given; switching a disabled subscription on clears its failures."""
    _check(user)
    fields = ["updated_at"]
    if url is not None:
        subscription.url = _clean_url(url)
        fields.append("url")
    if event_types is not None:
        subscription.event_types = _clean_event_types(event_types)
        fields.append("event_types")
    if description is not None:
        subscription.description = (description or "").strip()[:200]
        fields.append("description")
    if owner is not None:
        subscription.owner = _clean_owner(user, owner)
        fields.append("owner")
    if is_active is not None and bool(is_active) != subscription.is_active:
        subscription.is_active = bool(is_active)
        fields.append("is_active")
        if subscription.is_active:
            subscription.disabled_at = None
            subscription.disabled_reason = ""
            subscription.consecutive_failures = 0
            subscription.failing_since = None
            fields += ["disabled_at", "disabled_reason", "consecutive_failures", "failing_since"]
    subscription.updated_at = timezone.now()
    subscription.save(update_fields=fields)
    return subscription


def subscription_rotate_secret(
    *, user: User, subscription: WebhookSubscription, now: datetime | None = None
) -> str:
    """A new secret; the current one keeps signing too for the grace period
    (``WEBHOOKS_ROTATION_GRACE_HOURS``, 24 h), so receivers can switch without a gap."""
    _check(user)
    now = now or timezone.now()
    with transaction.atomic():
        locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        secret = secret_generate()
        locked.previous_secret = locked.secret
        locked.previous_secret_expires_at = now + rotation_grace()
        locked.secret = secret
        locked.updated_at = now
        locked.save(
            update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
        )
    subscription.refresh_from_db()
    return secret


def subscription_secrets(subscription: WebhookSubscription, now: datetime) -> list[str]:
    """The secrets a delivery is signed with now: the current one, and the previous one
    while its grace period lasts."""
    found = [subscription.secret]
    if (
        subscription.previous_secret
        and subscription.previous_secret_expires_at
        and subscription.previous_secret_expires_at > now
    ):
        found.append(subscription.previous_secret)
    return found


def subscription_delete(*, user: User, subscription: WebhookSubscription) -> None:
    """Delete the subscription and its delivery log."""
    _check(user)
    subscription.delete()


# --- The hub event consumer ------------------------------------------------------------


def subject_key(event: HubEvent) -> str:
    return f"{event.subject_type}:{event.subject_id}"[:64]


def event_body(event: HubEvent) -> dict:
    """The JSON body of a delivery: {id, type, occurred_at, data}."""
    data = dict(event.payload or {})
    data.update(
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        account_id=event.account_id,
        contact_id=event.contact_id,
        owner_id=event.owner_id,
        actor_id=event.actor_id,
    )
    return {
        "id": event.pk,
        "type": event.kind,
        "occurred_at": event.occurred_at.isoformat(),
        "data": data,
    }


def webhooks_handle_events(events: list[HubEvent]) -> int:
    """The hub event consumer: one pending delivery per active subscription wanting the
    event's kind. Runs inside the dispatch transaction, so its rows commit exactly when
    the events are marked dispatched (and the unique (subscription, event) constraint
    makes a repeat a no-op). Bot events (mail scanners opening and clicking) are not
    delivered. Never raises for one bad event: it is logged and skipped."""
    subscriptions = list(
        WebhookSubscription.objects.filter(is_active=True).values_list("pk", "event_types")
    )
    if not subscriptions:
        return 0
    if connection.vendor == "postgresql":
        return _handle_events_sql(events)
    return _handle_events_python(events, subscriptions)


def _handle_events_python(events: list[HubEvent], subscriptions: list[tuple[int, list]]) -> int:
    wanted = [(pk, set(types or [])) for pk, types in subscriptions]
    now = timezone.now()
    rows: list[WebhookDelivery] = []
    for event in events:
        if event.is_bot:
            continue
        targets = [pk for pk, kinds in wanted if event.kind in kinds]
        if not targets:
            continue
        try:
            body = event_body(event)
            key = subject_key(event)
        except Exception:  # noqa: BLE001 - one bad event must not hold the stream back
            log.exception("webhooks: event %s skipped", event.pk)
            continue
        rows += [
            WebhookDelivery(
                subscription_id=pk,
                event_id=event.pk,
                event_type=event.kind,
                subject_key=key,
                body=body,
                status=WebhookDelivery.Status.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
            for pk in targets
        ]
    if rows:
        WebhookDelivery.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        transaction.on_commit(webhooks_send_soon)
    return len(rows)


def _handle_events_sql(events: list[HubEvent]) -> int:
    """PostgreSQL: the same rows in one set-based INSERT … SELECT (the ORM's bulk_create
    spent ~1 ms of Python per row, too slow for 1,000 events/s on two cores). The body
    is built by ``jsonb``: ``occurred_at`` in PostgreSQL's ISO 8601 (trailing zeros of the
    fraction dropped), the same instant as ``event_body``'s."""
    ids = [event.pk for event in events if not event.is_bot]
    if not ids:
        return 0
    now = timezone.now()
    delivery = WebhookDelivery._meta.db_table
    event = HubEvent._meta.db_table
    subscription = WebhookSubscription._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {delivery} (subscription_id, event_id, event_type, subject_key, body,
                is_ping, status, attempts, last_error, created_at, next_attempt_at)
            SELECT s.id, e.id, e.kind, left(e.subject_type || ':' || e.subject_id::text, 64),
                jsonb_build_object(
                    'id', e.id, 'type', e.kind, 'occurred_at', e.occurred_at,
                    'data', e.payload || jsonb_build_object(
                        'subject_type', e.subject_type, 'subject_id', e.subject_id,
                        'account_id', e.account_id, 'contact_id', e.contact_id,
                        'owner_id', e.owner_id, 'actor_id', e.actor_id)),
                false, 'pending', 0, '', %s, %s
            FROM {event} e JOIN {subscription} s
              ON s.is_active AND jsonb_exists(s.event_types, e.kind::text)
            WHERE e.id = ANY(%s) AND NOT e.is_bot
            ORDER BY e.id, s.id
            ON CONFLICT (subscription_id, event_id) DO NOTHING
            """,
            [now, now, ids],
        )
        inserted = cursor.rowcount
    if inserted:
        transaction.on_commit(webhooks_send_soon)
    return inserted


def webhooks_send_soon() -> None:
    """Queue the sender unless one is already waiting (best-effort: beat catches up)."""
    from abm.tasks import enqueue
    from accounts.webhooks.tasks import webhooks_send_due_task

    try:
        if not cache.add(_SEND_PENDING_KEY, 1, timeout=5):
            return
    except Exception:  # noqa: BLE001 - a cache outage only costs the debounce
        log.warning("webhooks: cache unreachable, sender queued without debounce")
    enqueue(webhooks_send_due_task)


def webhooks_send_soon_clear() -> None:
    with contextlib.suppress(Exception):  # a cache outage only costs the debounce
        cache.delete(_SEND_PENDING_KEY)


# --- Replay and ping -------------------------------------------------------------------


def delivery_replay(*, user: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """A new attempt for this delivery, now (it keeps its place in its subject's order)."""
    _check(user)
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        subscription = delivery.subscription
        if not subscription.is_active:
            raise ApplicationError(
                _("Switch the subscription on before replaying its deliveries."),
                field="subscription",
                status_code=409,
            )
        if delivery.is_ping:
            raise ApplicationError(_("Send a new test ping instead."), field="delivery")
        if (
            delivery.status in WebhookDelivery.OPEN
            and delivery.lease_until
            and (delivery.lease_until > timezone.now())
        ):
            raise ApplicationError(
                _("This delivery is being sent right now."), field="delivery", status_code=409
            )
        delivery.status = (
            WebhookDelivery.Status.RETRYING if delivery.attempts else WebhookDelivery.Status.PENDING
        )
        delivery.next_attempt_at = timezone.now()
        delivery.lease_until = None
        delivery.save(update_fields=["status", "next_attempt_at", "lease_until"])
        transaction.on_commit(webhooks_send_soon)
    return delivery


def subscription_ping(*, user: User, subscription: WebhookSubscription) -> WebhookDelivery:
    """Send a ``ping`` now and wait for the answer (short timeouts); logged like any
    delivery, never retried, and not counted towards the automatic disable."""
    from accounts.webhooks.sender import delivery_send_now

    _check(user)
    now = timezone.now()
    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        event=None,
        event_type="ping",
        subject_key="",
        body={
            "id": None,
            "type": "ping",
            "occurred_at": now.isoformat(),
            "data": {"subscription_id": subscription.pk},
        },
        is_ping=True,
        status=WebhookDelivery.Status.PENDING,
        next_attempt_at=now,
        lease_until=now + timedelta(minutes=1),
        created_at=now,
    )
    return delivery_send_now(delivery)


# --- Automatic disable -----------------------------------------------------------------


def subscription_disable(subscription: WebhookSubscription, *, reason: str, now: datetime) -> None:
    """Switch a failing subscription off, end its open deliveries and tell its owner
    (an email, the banner on its page and the count beside Webhooks in the navigation).
    Called by the sender inside its transaction."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        is_active=False, disabled_at=now, disabled_reason=reason[:300], updated_at=now
    )
    WebhookDelivery.objects.filter(
        subscription_id=subscription.pk, status__in=WebhookDelivery.OPEN
    ).update(
        status=WebhookDelivery.Status.FAILED,
        next_attempt_at=None,
        lease_until=None,
        last_error=_("Not sent: the subscription was disabled."),
    )
    owner = subscription.owner
    if owner is not None and owner.email:
        url = reverse("webhooks:detail", args=[subscription.pk])
        base = getattr(settings, "SITE_URL", "").rstrip("/")
        subject = _("Webhook disabled: %(name)s") % {"name": subscription}
        message = _(
            "Deliveries to %(url)s kept failing, so the webhook subscription was switched "
            "off.\n\nReason: %(reason)s\n\nFix the receiver, then switch it on again and "
            "replay what it missed: %(page)s"
        ) % {"url": subscription.url, "reason": reason, "page": base + url}
        recipient = owner.email
        transaction.on_commit(
            lambda: send_mail(
                subject, message, settings.DEFAULT_FROM_EMAIL, [recipient], fail_silently=True
            )
        )
    log.warning("webhook subscription %s disabled: %s", subscription.pk, reason)


def webhooks_disabled_count(user: User) -> int:
    """The navigation's notice: how many subscriptions the automatic disable switched off."""
    if not may_manage_webhooks(user):
        return 0
    return WebhookSubscription.objects.filter(is_active=False, disabled_at__isnull=False).count()
