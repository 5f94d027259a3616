"""The worker side of webhooks: send due deliveries, record the outcome, retry, disable.

One round (``webhooks_send_round``):

1. **Claim** (a short transaction): the oldest due open deliveries of active
   subscriptions whose subject has no earlier open delivery on the same subscription,
   locked with ``SKIP LOCKED`` (PostgreSQL) and leased for ``LEASE`` so another worker
   skips them while they are in flight. *Order per subject*: a delivery about
   ``contact:12`` is not sent while an earlier one about ``contact:12`` for the same
   subscription is pending or retrying (it waits for that one to succeed or to fail for
   good); a round therefore holds at most one delivery per subject and subscription.
2. **Send** (no transaction open): each request goes to the address that was checked
   (``accounts.webhooks.network``), signed (``accounts.webhooks.signing``), with short
   timeouts and no redirects, several at a time on a thread pool.
3. **Record** (a short transaction): 2xx is success; anything else (an error status, a
   timeout, a refused address) is a failed attempt, retried after a delay drawn with
   *full jitter*: ``uniform(0, min(RETRY_CAP, RETRY_BASE * 2 ** (attempts - 1)))``, until
   the delivery is ``RETRY_HOURS`` (24 h) old; then it is failed for good (a manual
   replay can still send it). Each subscription counts its consecutive failed attempts;
   one that has failed without a single success for ``DISABLE_AFTER_HOURS`` (24 h) and at
   least ``DISABLE_MIN_FAILURES`` (10) attempts in a row is disabled, and its owner told.

Delivery is at least once (a worker killed between sending and recording sends again
after the lease): receivers deduplicate by ``ABM-Delivery`` (or the body's ``id``).
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import urllib3
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import WebhookDelivery, WebhookSubscription
from accounts.webhooks.network import Destination, DestinationRefused, destination_resolve
from accounts.webhooks.services import subscription_disable, subscription_secrets
from accounts.webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
USER_AGENT = "ABM-Hub-Webhooks/1"


def _setting(name: str, default):
    return getattr(settings, name, default)


def retry_base_seconds() -> float:
    return float(_setting("WEBHOOKS_RETRY_BASE_SECONDS", 15))


def retry_cap_seconds() -> float:
    return float(_setting("WEBHOOKS_RETRY_CAP_SECONDS", 3600))


def retry_window() -> timedelta:
    return timedelta(hours=float(_setting("WEBHOOKS_RETRY_HOURS", 24)))


def backoff_bounds(attempts: int) -> float:
    """The largest delay after the ``attempts``-th failed attempt (the smallest is 0)."""
    exponent = min(max(attempts, 1) - 1, 30)
    return min(retry_cap_seconds(), retry_base_seconds() * (2**exponent))


def backoff_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter."""
    return (rng or random).uniform(0, backoff_bounds(attempts))


# --- HTTP ---------------------------------------------------------------------------
# urllib3 connection pools, one per checked address (and TLS name): the request goes to
# the address the network check passed, never to a fresh DNS answer. urllib3 rather than
# httpx: a third of the CPU per request, which is what 1,000 deliveries/s on two cores
# needs (bench/webhooks_bench.py).

_pools_lock = threading.Lock()
_pools: dict[tuple, urllib3.HTTPConnectionPool] = {}
_MAX_POOLS = 500
_EXCERPT_BYTES = 2048
_DRAIN_BYTES = 65536


def _pool(destination: Destination) -> urllib3.HTTPConnectionPool:
    key = (
        os.getpid(),
        destination.scheme,
        destination.address,
        destination.port,
        destination.sni_hostname,
    )
    with _pools_lock:
        pool = _pools.get(key)
        if pool is None:
            if len(_pools) >= _MAX_POOLS:
                for old in _pools.values():
                    old.close()
                _pools.clear()
            seconds = float(_setting("WEBHOOKS_TIMEOUT_SECONDS", 5))
            options = {
                "maxsize": int(_setting("WEBHOOKS_SEND_CONCURRENCY", 16)),
                "block": True,
                "timeout": urllib3.Timeout(total=seconds, connect=min(seconds, 3.0)),
                "retries": False,
                "headers": {"User-Agent": USER_AGENT},
            }
            if destination.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    destination.address,
                    destination.port,
                    server_hostname=destination.sni_hostname,
                    assert_hostname=destination.sni_hostname,
                    cert_reqs="CERT_REQUIRED",
                    **options,
                )
            else:
                pool = urllib3.HTTPConnectionPool(destination.address, destination.port, **options)
            _pools[key] = pool
        return pool


def _post(destination: Destination, payload: bytes, headers: dict) -> tuple[int, bytes]:
    """POST and return (status, the first bytes of the answer); no redirects followed."""
    response = _pool(destination).urlopen(
        "POST",
        destination.target,
        body=payload,
        headers=headers,
        redirect=False,
        retries=False,
        preload_content=False,
        assert_same_host=False,
    )
    try:
        excerpt = response.read(_EXCERPT_BYTES)
        remaining = response.length_remaining
        if remaining is not None and remaining <= _DRAIN_BYTES:
            response.drain_conn()  # small: read it, keep the connection
        elif not response.isclosed():
            response.close()  # large or of unknown length: not worth reading
    finally:
        response.release_conn()
    return response.status, excerpt


@dataclass
class Outcome:
    delivery_id: int
    ok: bool
    at: datetime
    response_code: int | None = None
    response_ms: int | None = None
    error: str = ""


def body_bytes(body: dict) -> bytes:
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str).encode()


def _destination(url: str, resolved: dict | None) -> Destination:
    """The checked destination of ``url``: from ``resolved`` (filled once per round by
    ``_send``: each round resolves and checks again) or resolved now."""
    found = resolved.get(url) if resolved is not None else None
    if found is None:
        found = _resolve_or_error(url)
    if isinstance(found, DestinationRefused):
        raise found
    return found


def _resolve_or_error(url: str) -> Destination | DestinationRefused:
    try:
        return destination_resolve(url)
    except DestinationRefused as exc:
        return exc


def _attempt(
    delivery: WebhookDelivery, secrets: list[str], resolved: dict | None = None
) -> Outcome:
    """One HTTP attempt; no database access (runs on the thread pool)."""
    started = time.monotonic()
    at = timezone.now()
    try:
        destination = _destination(delivery.subscription.url, resolved)
    except DestinationRefused as exc:
        return Outcome(delivery.pk, False, at, error=str(exc.message)[:500])
    payload = body_bytes(delivery.body)
    timestamp = int(time.time())
    headers = {
        "Host": destination.host_header,
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature_header(secrets, timestamp, payload),
        EVENT_HEADER: delivery.event_type,
        DELIVERY_HEADER: str(delivery.pk),
    }
    try:
        code, excerpt = _post(destination, payload, headers)
    except urllib3.exceptions.TimeoutError:
        error = _("Timed out.")
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        error = (_("Could not connect: %(error)s") % {"error": exc})[:500]
    else:
        elapsed = int((time.monotonic() - started) * 1000)
        if 200 <= code < 300:
            return Outcome(delivery.pk, True, at, code, elapsed)
        text = excerpt[:200].decode("utf-8", "replace").strip()
        error = (f"HTTP {code}" + (f": {text}" if text else ""))[:500]
        return Outcome(delivery.pk, False, at, code, elapsed, error)
    return Outcome(delivery.pk, False, at, None, int((time.monotonic() - started) * 1000), error)


# --- Claim, send, record ---------------------------------------------------------------


def _due(now: datetime):
    earlier_open = WebhookDelivery.objects.filter(
        subscription_id=OuterRef("subscription_id"),
        subject_key=OuterRef("subject_key"),
        status__in=WebhookDelivery.OPEN,
        id__lt=OuterRef("id"),
    )
    return (
        WebhookDelivery.objects.filter(
            status__in=WebhookDelivery.OPEN,
            next_attempt_at__lte=now,
            is_ping=False,
            subscription__is_active=True,
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .filter(~Exists(earlier_open))
        # Oldest due first, on the partial index of open rows (order within a subject is
        # the NOT EXISTS above, not this sort).
        .order_by("next_attempt_at", "id")
    )


def deliveries_claim(*, limit: int, now: datetime | None = None) -> list[WebhookDelivery]:
    """Lease up to ``limit`` due deliveries (see the module's step 1)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = _due(now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        ids = list(due.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        WebhookDelivery.objects.filter(pk__in=ids).update(lease_until=now + LEASE)
    return list(
        WebhookDelivery.objects.filter(pk__in=ids).select_related("subscription").order_by("id")
    )


def _send(deliveries: list[WebhookDelivery]) -> list[Outcome]:
    now = timezone.now()
    # One DNS lookup and check per URL and round, not per request.
    resolved = {url: _resolve_or_error(url) for url in {d.subscription.url for d in deliveries}}
    jobs = [(d, subscription_secrets(d.subscription, now), resolved) for d in deliveries]
    workers = int(_setting("WEBHOOKS_SEND_CONCURRENCY", 16))
    if len(jobs) <= 1 or workers <= 1:
        return [_attempt(*job) for job in jobs]
    with ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        return list(pool.map(lambda job: _attempt(*job), jobs))


def outcomes_record(
    deliveries: list[WebhookDelivery], outcomes: list[Outcome], *, rng=None
) -> None:
    """Write each attempt's result, schedule retries, update the subscriptions' failure
    runs and disable the ones that failed for too long."""
    by_id = {d.pk: d for d in deliveries}
    now = timezone.now()
    window = retry_window()
    per_subscription: dict[int, list[Outcome]] = {}
    changed = []
    for outcome in outcomes:
        delivery = by_id[outcome.delivery_id]
        delivery.attempts += 1
        delivery.last_attempt_at = outcome.at
        delivery.response_code = outcome.response_code
        delivery.response_ms = outcome.response_ms
        delivery.last_error = outcome.error
        delivery.lease_until = None
        if outcome.ok:
            delivery.status = WebhookDelivery.Status.SUCCEEDED
            delivery.delivered_at = outcome.at
            delivery.next_attempt_at = None
            delivery.last_error = ""
        elif delivery.is_ping or outcome.at - delivery.created_at >= window:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.status = WebhookDelivery.Status.RETRYING
            delivery.next_attempt_at = outcome.at + timedelta(
                seconds=backoff_delay(delivery.attempts, rng)
            )
        changed.append(delivery)
        if not delivery.is_ping:
            per_subscription.setdefault(delivery.subscription_id, []).append(outcome)
    with transaction.atomic():
        _rows_write(changed)
        for subscription_id, results in per_subscription.items():
            _subscription_record(subscription_id, results, now)


_RECORDED = [
    "attempts",
    "last_attempt_at",
    "response_code",
    "response_ms",
    "last_error",
    "lease_until",
    "status",
    "delivered_at",
    "next_attempt_at",
]


def _rows_write(rows: list[WebhookDelivery]) -> None:
    """Write the attempts' results: one ``UPDATE … FROM (VALUES …)`` on PostgreSQL
    (``bulk_update``'s CASE per column took 1.4 s for 200 rows), ``bulk_update`` elsewhere."""
    if connection.vendor != "postgresql":
        WebhookDelivery.objects.bulk_update(rows, _RECORDED, batch_size=500)
        return
    table = WebhookDelivery._meta.db_table
    types = {
        "attempts": "integer",
        "last_attempt_at": "timestamptz",
        "response_code": "integer",
        "response_ms": "integer",
        "last_error": "text",
        "lease_until": "timestamptz",
        "status": "text",
        "delivered_at": "timestamptz",
        "next_attempt_at": "timestamptz",
    }
    columns = ", ".join(f"{name} = v.{name}::{types[name]}" for name in _RECORDED)
    placeholders = "(" + ", ".join(["%s"] * (len(_RECORDED) + 1)) + ")"
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        params: list = []
        for row in chunk:
            params.append(row.pk)
            params += [getattr(row, name) for name in _RECORDED]
        values = ", ".join([placeholders] * len(chunk))
        names = ", ".join(["id", *_RECORDED])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS d SET {columns} FROM (VALUES {values}) AS v({names}) "
                "WHERE d.id = v.id::bigint",
                params,
            )


def _subscription_record(subscription_id: int, results: list[Outcome], now: datetime) -> None:
    subscription = (
        WebhookSubscription.objects.select_for_update(of=("self",))
        .select_related("owner")
        .filter(pk=subscription_id)
        .first()
    )
    if subscription is None:
        return
    results = sorted(results, key=lambda o: o.at)
    last_ok = max((i for i, o in enumerate(results) if o.ok), default=None)
    failures_after = results[last_ok + 1 :] if last_ok is not None else results
    if last_ok is not None:
        subscription.consecutive_failures = len(failures_after)
        subscription.failing_since = failures_after[0].at if failures_after else None
    else:
        subscription.consecutive_failures += len(failures_after)
        subscription.failing_since = subscription.failing_since or failures_after[0].at
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=subscription.consecutive_failures,
        failing_since=subscription.failing_since,
    )
    hours = float(_setting("WEBHOOKS_DISABLE_AFTER_HOURS", 24))
    minimum = int(_setting("WEBHOOKS_DISABLE_MIN_FAILURES", 10))
    if (
        subscription.is_active
        and subscription.failing_since is not None
        and subscription.consecutive_failures >= minimum
        and now - subscription.failing_since >= timedelta(hours=hours)
    ):
        last = failures_after[-1].error if failures_after else ""
        reason = _(
            "%(n)d delivery attempts in a row failed over %(hours)s hours (last: %(error)s)."
        ) % {"n": subscription.consecutive_failures, "hours": f"{hours:g}", "error": last}
        subscription_disable(subscription, reason=reason, now=now)


def webhooks_send_round(*, limit: int = 200, rng=None) -> int:
    """Claim, send and record one batch; returns how many were attempted."""
    deliveries = deliveries_claim(limit=limit)
    if not deliveries:
        return 0
    outcomes = _send(deliveries)
    outcomes_record(deliveries, outcomes, rng=rng)
    return len(deliveries)


def webhooks_send_due(*, limit: int = 200, budget_seconds: float = 50.0) -> tuple[int, bool]:
    """Rounds until nothing is due or the time budget is spent; returns (sent, more_left)."""
    started = time.monotonic()
    total = 0
    while True:
        sent = webhooks_send_round(limit=limit)
        total += sent
        if sent == 0:
            return total, False
        if time.monotonic() - started >= budget_seconds:
            return total, True


def delivery_send_now(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send one delivery in this process and record it (the test ping)."""
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery.pk)
    outcome = _attempt(delivery, subscription_secrets(delivery.subscription, timezone.now()))
    outcomes_record([delivery], [outcome])
    delivery.refresh_from_db()
    return delivery
