"""``/healthz``: is every dependency of the hub up? JSON for load balancers and operators.

- ``database``: ``SELECT 1`` on the default database;
- ``cache`` and ``broker``: a PING to the Redis behind Django's cache and Celery (the
  embedded default keeps both in this process: ``memory``);
- ``worker``: when a Celery worker last ran ``abm.worker_heartbeat_task``, which beat
  sends every ``HEALTH_HEARTBEAT_SECONDS``; ``stale`` once that is older than
  ``HEALTH_WORKER_STALE_SECONDS``; ``embedded`` when tasks run in-process.

200 when all is well, 503 (same body) when any dependency is down or the worker stale.
Errors are named by their type only: the endpoint is public.
"""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from abm.tasks import worker_heartbeat_at

OK = "ok"
DOWN = "down"


def _failure(exc: BaseException) -> dict:
    return {"status": DOWN, "error": type(exc).__name__}


def health_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return _failure(exc)
    return {"status": OK, "vendor": connection.vendor}


def _redis_ping(url: str) -> dict:
    timeout = settings.REDIS_SOCKET_TIMEOUT
    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        return _failure(exc)
    finally:
        client.close()
    return {"status": OK, "backend": "redis"}


def health_cache() -> dict:
    location = settings.CACHES["default"].get("LOCATION")
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower() or not location:
        return {"status": OK, "backend": "memory"}
    return _redis_ping(location)


def health_broker() -> dict:
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or url.startswith("memory://"):
        return {"status": OK, "backend": "memory"}
    if url.startswith(("redis://", "rediss://", "unix://")):
        return _redis_ping(url)
    return {"status": OK, "backend": url.split("://", 1)[0], "note": "not checked"}


def health_worker(*, cache_status: str) -> dict:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return {"status": "embedded"}
    if cache_status != OK:
        return {"status": "unknown", "error": "the heartbeat lives in the cache, which is down"}
    at = worker_heartbeat_at()
    stale_after = settings.HEALTH_WORKER_STALE_SECONDS
    if at is None:
        return {"status": "stale", "last_seen": None, "stale_after_seconds": stale_after}
    age = (timezone.now() - at).total_seconds()
    return {
        "status": OK if age <= stale_after else "stale",
        "last_seen": at.isoformat(),
        "age_seconds": round(age, 1),
        "stale_after_seconds": stale_after,
    }


def health_report() -> dict:
    """Every check, and ``status`` ok/unhealthy over all of them."""
    checks = {
        "database": health_database(),
        "cache": health_cache(),
        "broker": health_broker(),
    }
    checks["worker"] = health_worker(cache_status=checks["cache"]["status"])
    healthy = all(check["status"] in (OK, "embedded") for check in checks.values())
    return {"status": OK if healthy else "unhealthy", "checks": checks}


@never_cache
def healthz(request):
    """200 with every check when the hub and its dependencies are up, else 503."""
    report = health_report()
    return JsonResponse(report, status=200 if report["status"] == OK else 503)
