"""/healthz names the database, cache, broker and worker heartbeat; 503 when one is down."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import OperationalError
from django.utils import timezone

from abm.tasks import HEARTBEAT_KEY, worker_heartbeat_task

pytestmark = pytest.mark.django_db

NOTHING_LISTENS = "redis://127.0.0.1:9/0"  # the discard port: a refused connection


def get(client):
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_the_embedded_hub_is_healthy_and_says_so(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    status, body = get(client)

    assert status == 200 and body["status"] == "ok"
    checks = body["checks"]
    assert checks["database"]["status"] == "ok"
    assert checks["cache"] == {"status": "ok", "backend": "memory"}
    assert checks["broker"] == {"status": "ok", "backend": "memory"}
    assert checks["worker"] == {"status": "embedded"}


def test_a_database_that_is_down_is_a_503(client):
    with mock.patch(
        "abm.health.connection.cursor", side_effect=OperationalError("connection refused")
    ):
        status, body = get(client)

    assert status == 503 and body["status"] == "unhealthy"
    assert body["checks"]["database"] == {"status": "down", "error": "OperationalError"}


@pytest.fixture
def with_worker(settings):
    """Settings of a hub with a real worker (the broker in memory, so nothing to ping)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "memory://"
    return settings


def test_a_fresh_heartbeat_is_healthy_and_a_stale_one_is_a_503(client, with_worker):
    with_worker.HEALTH_WORKER_STALE_SECONDS = 60
    worker_heartbeat_task()

    status, body = get(client)
    assert status == 200
    assert body["checks"]["worker"]["status"] == "ok"
    assert body["checks"]["worker"]["age_seconds"] < 5

    cache.set(HEARTBEAT_KEY, (timezone.now() - timedelta(seconds=61)).isoformat())
    status, body = get(client)
    assert status == 503 and body["checks"]["worker"]["status"] == "stale"


def test_no_heartbeat_ever_is_stale(client, with_worker):
    status, body = get(client)

    assert status == 503
    assert body["checks"]["worker"]["status"] == "stale"
    assert body["checks"]["worker"]["last_seen"] is None


def test_redis_that_is_down_is_named_as_cache_and_broker(client, with_worker):
    with_worker.CELERY_BROKER_URL = NOTHING_LISTENS
    with_worker.CACHES = {
        "default": {"BACKEND": "abm.cache.ResilientRedisCache", "LOCATION": NOTHING_LISTENS}
    }
    status, body = get(client)

    assert status == 503
    assert body["checks"]["broker"] == {"status": "down", "error": "ConnectionError"}
    assert body["checks"]["cache"] == {"status": "down", "error": "ConnectionError"}
    assert body["checks"]["worker"]["status"] == "unknown"
    assert body["checks"]["database"]["status"] == "ok"


@pytest.mark.redis
def test_a_live_redis_answers(client, with_worker, redis_url):
    with_worker.CELERY_BROKER_URL = redis_url
    worker_heartbeat_task()

    status, body = get(client)

    assert body["checks"]["broker"] == {"status": "ok", "backend": "redis"}
    assert status == 200


def test_the_favicon_is_served_without_a_cdn(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
