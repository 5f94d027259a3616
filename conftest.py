"""Shared actors and service guards for the whole suite."""

import os
import shutil
import threading

import pytest
import redis
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test.testcases import LiveServerThread
from rest_framework.test import APIClient

from accounts.tests.factories import TeamFactory, UserFactory

# CI sets ABM_REQUIRE_SERVICES=1: a test that would skip for want of PostgreSQL,
# Redis or Chromium fails instead, so a green CI run proves they were exercised.
REQUIRE_SERVICES = os.environ.get("ABM_REQUIRE_SERVICES") == "1"
CHROMIUM = (
    os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
)


class _OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server on in-memory SQLite: a thread per connection, one request at a time.

    There every server thread shares the test's one SQLite connection. Python's sqlite3
    finalizes a statement holding the GIL and waits for the connection's mutex, while another
    thread inside a query holds that mutex and waits for the GIL to run one of Django's SQL
    functions (``django_datetime_trunc`` for a week grid): the panels a page loads in
    parallel hung the crawl. Handling one request at a time keeps the browser's parallel
    connections (and keep-alive) working.
    """

    _lock = threading.Lock()

    def set_app(self, application):
        lock = self._lock

        def serialized(environ, start_response):
            with lock:
                return application(environ, start_response)

        super().set_app(serialized)


_create_live_server = LiveServerThread._create_server


def _create_live_server_serialized(self, connections_override=None):
    if connections_override:  # pytest-django shares the connection only for in-memory SQLite
        self.server_class = _OneRequestAtATimeServer
    return _create_live_server(self, connections_override=connections_override)


LiveServerThread._create_server = _create_live_server_serialized


def skip_or_fail(reason: str) -> None:
    """Skip with a one-line reason, or fail when CI demands every service."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Every test starts with an empty cache: debounce keys ("a flush is already
    scheduled") left by an earlier test would otherwise swallow this test's refresh."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def team():
    return TeamFactory(name="North")


@pytest.fixture
def admin(team):
    return UserFactory(
        username="admin", role="admin", team=team, first_name="Ada", last_name="Admin"
    )


@pytest.fixture
def marketer(team):
    return UserFactory(
        username="marketer", role="marketer", team=team, first_name="Mia", last_name="Marketer"
    )


@pytest.fixture
def sales_rep(team):
    return UserFactory(
        username="rep", role="sales_rep", team=team, first_name="Sam", last_name="Seller"
    )


@pytest.fixture
def other_rep():
    return UserFactory(
        username="rep2",
        role="sales_rep",
        team=TeamFactory(name="South"),
        first_name="Olga",
        last_name="Other",
    )


@pytest.fixture
def api_client():
    """An API client; call ``api_client.force_authenticate(user)`` or use ``api_as``."""
    return APIClient()


@pytest.fixture
def api_as():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def chromium_path():
    if not CHROMIUM:
        skip_or_fail("Debian's chromium is not installed")
    return CHROMIUM


@pytest.fixture
def redis_url():
    """The REDIS_URL of this run, once Redis answers a PING."""
    url = os.environ.get("REDIS_URL")
    if not url:
        skip_or_fail("REDIS_URL is not set")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {url} does not answer: {exc}")
    return url


@pytest.fixture
def live_database_url(transactional_db):
    """The test database as a URL another process can use (PostgreSQL only: the SQLite
    test database lives in this process's memory)."""
    from tests.workers import shared_database_url

    if connection.vendor != "postgresql":
        skip_or_fail("a database shared with another process needs PostgreSQL (DATABASE_URL)")
    return shared_database_url()


@pytest.fixture
def celery_worker_process(redis_url, live_database_url, tmp_path, monkeypatch):
    """A real `celery worker --pool=solo` on the test database and Redis; the test side
    stops being eager so what it queues goes through the broker."""
    from abm.celery import app
    from tests.workers import worker_env, worker_start, worker_stop

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    log_path = tmp_path / "worker.log"
    process = worker_start(
        worker_env(database_url=live_database_url, redis_url=redis_url), log_path=log_path
    )
    yield process
    worker_stop(process, log_path=log_path)
