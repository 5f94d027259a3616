"""Fixtures for the cross-app tests: real services the suite can reach."""

import os
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from conftest import skip_or_fail


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
    """A DATABASE_URL for the test database itself, so another process sees committed rows.

    pytest-django renames the database (``test_<name>``); a subprocess given this URL reads
    and writes the same rows as the test. Only PostgreSQL qualifies: the SQLite test database
    lives in this process's memory.
    """
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        skip_or_fail("a database shared with another process needs PostgreSQL (DATABASE_URL)")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{quote(db['NAME'], safe='')}"
