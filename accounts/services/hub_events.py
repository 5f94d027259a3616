"""Writing to and handing out the hub event stream (``accounts.models.HubEvent``).

Writers call ``hub_event_emit`` / ``hub_events_emit_bulk`` inside their own transaction:
the event commits or rolls back with the write (a transactional outbox). After commit a
dispatch is queued (debounced through the cache); beat's catch-up runs it every 15 s
whatever happened to the broker.

Consumers register from an ``AppConfig.ready()``::

    hub_events_consumer_register("webhooks", handle)

``hub_events_dispatch`` locks a batch of undispatched events in id order (``SKIP LOCKED``
on PostgreSQL, so two workers never take the same rows), calls every consumer's
``handle(events)`` inside that transaction and marks the batch dispatched. What a
consumer writes to the database therefore happens exactly once per event, even when a
worker dies half-way: its rows roll back with the unmarked batch and the next run
repeats both. Effects outside the database belong after commit
(``transaction.on_commit``) or in the consumer's own worker, reading its own rows.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from abm.bulk import rows_insert
from accounts.models import Account, Contact, HubEvent

log = logging.getLogger(__name__)

Consumer = Callable[[list[HubEvent]], None]
_CONSUMERS: dict[str, Consumer] = {}

DISPATCH_BATCH = 500
EVENT_COLUMNS = (
    "kind", "subject_type", "subject_id", "account_id", "contact_id", "owner_id", "actor_id",
    "payload", "occurred_at", "created_at", "is_bot",
)  # fmt: skip
# While a dispatch is queued and not yet started, further commits do not queue another.
_PENDING_KEY = "abm:hub_events:dispatch_pending"
_PENDING_SECONDS = 5


@dataclass
class HubEventInput:
    kind: str
    subject_type: str
    subject_id: int
    account_id: int | None = None
    contact_id: int | None = None
    owner_id: int | None = None
    actor_id: int | None = None
    payload: dict = field(default_factory=dict)
    occurred_at: datetime | None = None
    is_bot: bool = False


def hub_events_consumer_register(name: str, handle: Consumer) -> None:
    """Hand every new event to ``handle(events)`` inside the dispatch transaction; by name,
    so registering twice replaces."""
    _CONSUMERS[name] = handle


def hub_events_consumers() -> dict[str, Consumer]:
    return dict(_CONSUMERS)


def _owners(items: Sequence[HubEventInput]) -> None:
    """Fill each item's owner: the contact's owner, else the account's (one query each)."""
    missing = [item for item in items if item.owner_id is None]
    if not missing:
        return
    contact_ids = {item.contact_id for item in missing if item.contact_id}
    by_contact: dict[int, int | None] = {}
    if contact_ids:
        by_contact = {
            pk: owner or account_owner
            for pk, owner, account_owner in Contact.objects.filter(pk__in=contact_ids)
            .values_list("pk", "owner_id", "account__owner_id")
            .iterator()
        }
    account_ids = {
        item.account_id for item in missing if item.account_id and item.contact_id not in by_contact
    }
    by_account: dict[int, int | None] = {}
    if account_ids:
        by_account = dict(
            Account.objects.filter(pk__in=account_ids).values_list("pk", "owner_id").iterator()
        )
    for item in missing:
        item.owner_id = by_contact.get(item.contact_id) or by_account.get(item.account_id)


def hub_events_emit_bulk(items: Iterable[HubEventInput]) -> int:
    """Write the events in the caller's transaction; the dispatch is queued after commit."""
    items = list(items)
    if not items:
        return 0
    _owners(items)
    now = timezone.now()
    rows_insert(
        HubEvent,
        EVENT_COLUMNS,
        [
            (
                item.kind, item.subject_type, item.subject_id, item.account_id, item.contact_id,
                item.owner_id, item.actor_id, item.payload or {}, item.occurred_at or now, now,
                item.is_bot,
            )
            for item in items
        ],
    )  # fmt: skip
    transaction.on_commit(hub_events_dispatch_soon)
    return len(items)


def hub_event_emit(
    kind: str,
    *,
    subject_type: str,
    subject_id: int,
    account_id: int | None = None,
    contact_id: int | None = None,
    owner_id: int | None = None,
    actor_id: int | None = None,
    payload: dict | None = None,
    occurred_at: datetime | None = None,
    is_bot: bool = False,
) -> None:
    """Write one event in the caller's transaction."""
    hub_events_emit_bulk(
        [
            HubEventInput(
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                account_id=account_id,
                contact_id=contact_id,
                owner_id=owner_id,
                actor_id=actor_id,
                payload=payload or {},
                occurred_at=occurred_at,
                is_bot=is_bot,
            )
        ]
    )


def hub_events_dispatch_soon() -> None:
    """Queue one dispatch unless one is already waiting (best-effort: beat catches up)."""
    from abm.tasks import enqueue
    from accounts.tasks.hub_events import hub_events_dispatch_task

    if not _CONSUMERS:
        return
    try:
        if not cache.add(_PENDING_KEY, 1, timeout=_PENDING_SECONDS):
            return
    except Exception:  # noqa: BLE001 - a cache outage only costs the debounce
        log.warning("hub events: cache unreachable, dispatch queued without debounce")
    enqueue(hub_events_dispatch_task)


def _lock_batch(limit: int) -> list[HubEvent]:
    pending = HubEvent.objects.filter(dispatched_at__isnull=True).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True)
    return list(pending[:limit])


def hub_events_dispatch(*, batch: int = DISPATCH_BATCH, max_batches: int = 200) -> int:
    """Hand undispatched events to every consumer, batch by batch; returns how many."""
    with contextlib.suppress(Exception):  # a cache outage only costs the debounce
        cache.delete(_PENDING_KEY)
    done = 0
    for _ in range(max_batches):
        with transaction.atomic():
            events = _lock_batch(batch)
            if not events:
                break
            for handle in list(_CONSUMERS.values()):
                # A consumer that raises rolls the whole batch back: it is retried, and no
                # consumer sees an event twice. One bad event must be skipped by its consumer.
                handle(events)
            HubEvent.objects.filter(pk__in=[event.pk for event in events]).update(
                dispatched_at=timezone.now()
            )
        done += len(events)
        if len(events) < batch:
            break
    return done


def hub_events_prune(*, now: datetime | None = None) -> int:
    """Delete dispatched events older than ``HUB_EVENTS_KEEP_DAYS``."""
    now = now or timezone.now()
    keep = getattr(settings, "HUB_EVENTS_KEEP_DAYS", 400)
    cutoff = now - timedelta(days=keep)
    deleted, _ = HubEvent.objects.filter(
        created_at__lt=cutoff, dispatched_at__isnull=False
    ).delete()
    return deleted
