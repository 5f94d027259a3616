"""Django's Redis cache, made to degrade instead of raising when Redis is unreachable.

The hub uses its cache for hints only (debounce keys, API throttles, the worker
heartbeat): nothing in it is the only copy of anything. So while Redis is down a read
misses, a write is dropped, ``add`` answers False ("someone else holds the key") and
``incr`` raises ValueError as for a missing key, each logged, and a request never
answers 500 for want of a cache. Other Redis errors (a wrong type, a script error) still
raise: they are bugs, not outages.
"""

from __future__ import annotations

import functools
import logging

import redis.exceptions
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

log = logging.getLogger(__name__)

OUTAGE_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _degrade(default):
    def wrap(method):
        @functools.wraps(method)
        def call(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except OUTAGE_ERRORS as exc:
                log.warning("cache %s skipped, Redis unreachable: %s", method.__name__, exc)
                return default() if callable(default) else default

        return call

    return wrap


class ResilientRedisCacheClient(RedisCacheClient):
    add = _degrade(False)(RedisCacheClient.add)
    touch = _degrade(False)(RedisCacheClient.touch)
    delete = _degrade(False)(RedisCacheClient.delete)
    has_key = _degrade(False)(RedisCacheClient.has_key)
    set = _degrade(None)(RedisCacheClient.set)
    set_many = _degrade(list)(RedisCacheClient.set_many)
    delete_many = _degrade(None)(RedisCacheClient.delete_many)
    get_many = _degrade(dict)(RedisCacheClient.get_many)
    clear = _degrade(False)(RedisCacheClient.clear)

    def incr(self, key, delta):
        # Django's contract for a key it cannot find: ValueError (callers re-create it).
        try:
            return super().incr(key, delta)
        except OUTAGE_ERRORS as exc:
            log.warning("cache incr skipped, Redis unreachable: %s", exc)
            raise ValueError(f"Key '{key}' not found (Redis unreachable)") from exc

    def get(self, key, default):
        try:
            return super().get(key, default)
        except OUTAGE_ERRORS as exc:
            log.warning("cache get missed, Redis unreachable: %s", exc)
            return default


class ResilientRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` that logs outages instead of raising."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
