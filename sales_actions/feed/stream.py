"""``GET /feed/stream/``: the live feed over Server-Sent Events, asynchronously.

Served by the ASGI server (uvicorn; ``manage.py runhub`` and the Procfile start it when
``REDIS_URL`` is set), an open feed is a coroutine waiting on an ``asyncio.Event``, not a
web worker: thousands fit in one process.

The fan-out: one ``FeedBroker`` per process (per event loop) holds ONE Redis pub/sub
connection, pattern-subscribed to every owner channel of this hub
(``sales_actions.feed.publish``), and wakes the streams of the user a message names.
A woken stream reads that user's new items from the database after its own cursor
(the message only says "something new": lost or repeated messages cost nothing, items
are sent once each, in id order) and sends them as ``id: <event id>`` events, so a
browser that reconnects sends ``Last-Event-ID`` and misses nothing. A comment line every
``FEED_HEARTBEAT_SECONDS`` keeps proxies from closing an idle stream. When the client
goes away Django cancels the generator: the stream leaves the broker, and the broker
closes its Redis connection once no stream is left.

Database reads (the session and user too) run in the default thread pool
(``thread_sensitive=False``): a few threads and connections for every stream together, so
500 open feeds do not mean 500 database connections.

No Redis, or a request that came through WSGI (``runserver``, the test live server):
503, and the page polls ``/api/v1/feed/?since=`` instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections
from django.http import JsonResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sales_actions.feed.publish import feed_channel_prefix
from sales_actions.feed.selectors import feed_latest_id, feed_page

log = logging.getLogger(__name__)

READ_BATCH = 100
# The broker's Redis connection is named, so `CLIENT LIST` shows the open feeds' link.
BROKER_CLIENT_NAME = "abm-feed-broker"
START_TIMEOUT_SECONDS = 5.0


class FeedUnavailable(Exception):
    """Redis cannot be reached: the client polls instead."""


class FeedBroker:
    """One Redis pub/sub connection for every open stream of this process."""

    def __init__(self, url: str, prefix: str):
        self.url = url
        self.prefix = prefix
        self.listeners: dict[int, set[asyncio.Event]] = defaultdict(set)
        self.broken = False
        self._task: asyncio.Task | None = None
        self._ready: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def listener_count(self) -> int:
        return sum(len(events) for events in self.listeners.values())

    async def start(self) -> None:
        """Subscribe (once per process); raise ``FeedUnavailable`` if Redis does not answer."""
        async with self._lock:
            if self.running and self._ready.is_set():
                return
            self.broken = False
            self._failure = None
            self._ready = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())
            try:
                await asyncio.wait_for(self._ready.wait(), START_TIMEOUT_SECONDS)
            except TimeoutError:
                self._task.cancel()
                raise FeedUnavailable("no answer from Redis") from None
            if self._failure is not None:
                raise FeedUnavailable(str(self._failure))

    async def _run(self) -> None:
        import redis.asyncio as aioredis
        from redis.exceptions import RedisError

        client = aioredis.Redis.from_url(
            self.url,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
            client_name=BROKER_CLIENT_NAME,
        )
        pubsub = client.pubsub()
        try:
            await pubsub.psubscribe(self.prefix + "*")
            async for message in pubsub.listen():
                kind = message.get("type")
                if kind == "psubscribe":
                    self._ready.set()
                elif kind == "pmessage":
                    self._wake(message.get("channel", b""))
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError) as exc:
            log.warning("live feed: Redis subscription lost (%s)", exc)
            self._failure = exc
        finally:
            # Every stream of this process hears about it and ends: its page polls.
            self.broken = True
            self._ready.set()
            for events in list(self.listeners.values()):
                for event in events:
                    event.set()
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            with contextlib.suppress(Exception):
                await client.aclose()

    def _wake(self, channel: bytes) -> None:
        try:
            user_id = int(channel.decode()[len(self.prefix) :])
        except (ValueError, UnicodeDecodeError):
            return
        for event in self.listeners.get(user_id, ()):
            event.set()

    @contextlib.asynccontextmanager
    async def listen(self, user_id: int) -> AsyncIterator[asyncio.Event]:
        """An event set whenever the user's channel has news (or the broker broke)."""
        await self.start()
        wake = asyncio.Event()
        self.listeners[user_id].add(wake)
        try:
            yield wake
        finally:
            streams = self.listeners.get(user_id)
            if streams is not None:
                streams.discard(wake)
                if not streams:
                    del self.listeners[user_id]
            if not self.listeners:
                await self.stop()

    async def stop(self) -> None:
        async with self._lock:
            if self.listeners or self._task is None:
                return
            task, self._task = self._task, None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


_BROKERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def feed_broker() -> FeedBroker:
    """This event loop's broker (uvicorn: one per process)."""
    loop = asyncio.get_running_loop()
    broker = _BROKERS.get(loop)
    if broker is None or broker.url != settings.REDIS_URL:
        broker = FeedBroker(settings.REDIS_URL, feed_channel_prefix())
        _BROKERS[loop] = broker
    return broker


_CHECKED = threading.local()
CONNECTION_CHECK_SECONDS = 10.0


def _connection_check() -> None:
    """Pool threads keep their connection between reads: every few seconds drop one that
    broke or outlived ``CONN_MAX_AGE`` (not before every read: with health checks on, each
    check costs a round trip)."""
    now = time.monotonic()
    if now - getattr(_CHECKED, "at", 0.0) >= CONNECTION_CHECK_SECONDS:
        _CHECKED.at = now
        close_old_connections()


def _read(user_id: int, since: int) -> tuple[list[dict], int, bool]:
    _connection_check()
    page = feed_page(user_id=user_id, since=since, limit=READ_BATCH)
    return page.items, page.cursor, page.has_more


_read_async = sync_to_async(_read, thread_sensitive=False)
_latest_async = sync_to_async(
    lambda user_id: (_connection_check(), feed_latest_id(user_id=user_id))[1],
    thread_sensitive=False,
)


def _user(request):
    """The signed-in user, read in the shared pool like every read of the stream: the
    request's own thread (``request.auser()``) would open a database connection per open
    feed and keep it (``CONN_MAX_AGE``) for as long as the feed stays open."""
    from django.contrib.auth import get_user

    _connection_check()
    return get_user(request)


_user_async = sync_to_async(_user, thread_sensitive=False)


def _sse(item: dict) -> str:
    data = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    return f"id: {item['id']}\nevent: item\ndata: {data}\n\n"


async def feed_event_stream(
    *, user_id: int, since: int, broker: FeedBroker, heartbeat: float | None = None
) -> AsyncIterator[str]:
    """The stream's body: catch up from ``since``, then one read per wake-up."""
    heartbeat = heartbeat or getattr(settings, "FEED_HEARTBEAT_SECONDS", 15)
    cursor = since
    async with broker.listen(user_id) as wake:
        # The browser retries after 3 s when the connection drops (with Last-Event-ID).
        yield f"retry: 3000\nevent: ready\ndata: {json.dumps({'cursor': cursor})}\n\n"
        while True:
            more = True
            while more:
                items, cursor, more = await _read_async(user_id, cursor)
                for item in reversed(items):  # oldest first, as they happened
                    yield _sse(item)
            if broker.broken:
                yield "event: fallback\ndata: {}\n\n"
                return
            try:
                await asyncio.wait_for(wake.wait(), heartbeat)
            except TimeoutError:
                yield ": heartbeat\n\n"
                continue
            wake.clear()


def _cursor(request) -> int | None | str:
    raw = request.headers.get("Last-Event-ID") or request.GET.get("since") or ""
    if raw == "":
        return None
    if not raw.isdecimal() or len(raw) > 19:
        return "invalid"
    return int(raw)


@require_GET
async def feed_stream(request):
    """The signed-in user's live feed as ``text/event-stream``."""
    if not isinstance(request, ASGIRequest):
        return JsonResponse(
            {"detail": _("The live stream needs the ASGI server; poll /api/v1/feed/.")},
            status=503,
        )
    if not settings.REDIS_URL:
        return JsonResponse(
            {"detail": _("The live stream needs Redis; poll /api/v1/feed/.")}, status=503
        )
    user = await _user_async(request)
    if not user.is_authenticated:
        return JsonResponse({"detail": _("Sign in first.")}, status=401)
    since = _cursor(request)
    if since == "invalid":
        return JsonResponse({"since": [_("Give an event id (a whole number).")]}, status=400)
    if since is None:
        since = await _latest_async(user.pk)
    broker = feed_broker()
    try:
        await broker.start()
    except FeedUnavailable as exc:
        log.warning("live feed: stream refused, Redis unavailable (%s)", exc)
        return JsonResponse({"detail": _("The live stream is unavailable; poll.")}, status=503)
    response = StreamingHttpResponse(
        feed_event_stream(user_id=user.pk, since=since, broker=broker),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
