"""Celery edges shared by every app, and the hub's own tasks.

- ``TRANSIENT_ERRORS``: what a task retries on (Redis, the broker, the database going
  away for a moment). Python's built-in ``ConnectionError``/``TimeoutError`` are not
  these: redis-py, kombu and Django raise their own classes.
- ``hub_task``: ``shared_task`` with an explicit name ending in ``_task`` and the retry
  policy of ``HubTask`` (Celery's own exponential backoff with jitter, at most 5 retries).
- ``enqueue``: queue a task after commit, best-effort. The work it stands for is marked
  in the database first; a broker that is down is logged, and the beat catch-up picks
  the marks up once it is back. A committed write never answers 500 because of it.
"""

from __future__ import annotations

import logging
from datetime import datetime

import kombu.exceptions
import redis.exceptions
from celery import Task, shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.utils import timezone

log = logging.getLogger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
    OperationalError,
    InterfaceError,
)
# What a failed publish raises: the broker unreachable (kombu wraps redis-py's errors as
# OperationalError once its own publish retries are spent), or the socket itself.
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)


class HubTask(Task):
    """The retry policy of every ABM Hub task: transient errors only, Celery's backoff."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = 2  # seconds before the first retry, doubling: 2, 4, 8, 16, 32
    retry_backoff_max = 300
    retry_jitter = True
    max_retries = 5


def hub_task(*, name: str, **options):
    """``shared_task`` with the hub's retry policy; ``name`` is explicit and ends in ``_task``."""
    if not name.endswith("_task"):
        raise ValueError(f"task name {name!r} must end in '_task'")
    options.setdefault("base", HubTask)
    return shared_task(name=name, **options)


def enqueue(task, *args, countdown: float | None = None, **kwargs) -> bool:
    """Queue ``task`` now; False (logged) when the broker cannot be reached.

    Call it after commit, once what the task stands for is stored in the database: the
    beat catch-up finds that work when the broker is back. In eager mode the task runs
    here and its own errors propagate, as they would in a test.
    """
    try:
        task.apply_async(args=args, kwargs=kwargs or None, countdown=countdown)
    except BROKER_ERRORS as exc:
        log.warning("could not queue %s (broker unreachable): %s", task.name, exc)
        return False
    return True


# --- The hub's own tasks ------------------------------------------------------------

PING_KEY = "abm:ping:{token}"
HEARTBEAT_KEY = "abm:worker:heartbeat"


@hub_task(name="abm.ping_task")
def ping_task(token: str) -> None:
    """Write what this worker sees (its user count) under the token: proof it runs and reads."""
    users = get_user_model().objects.count()
    cache.set(PING_KEY.format(token=token), {"users": users}, timeout=300)


@hub_task(name="abm.worker_heartbeat_task", ignore_result=True)
def worker_heartbeat_task() -> str:
    """Beat sends this every few seconds; the time a worker ran it is the worker's heartbeat."""
    now = timezone.now().isoformat()
    # Kept well past the stale threshold, so /healthz can say "stale" rather than "missing".
    cache.set(HEARTBEAT_KEY, now, timeout=max(3600, settings.HEALTH_WORKER_STALE_SECONDS * 10))
    return now


def worker_heartbeat_at() -> datetime | None:
    """When a worker last ran the heartbeat task (None: never, or the cache forgot)."""
    value = cache.get(HEARTBEAT_KEY)
    return datetime.fromisoformat(value) if value else None
