"""From the hub event stream to the open feeds: a small Redis message per owner.

``feed_events_handle`` is the ``"feed"`` consumer of ``accounts.services.hub_events``: the
dispatcher calls it inside its transaction, so it touches nothing outside the database
itself. It only asks ``transaction.on_commit`` to publish, per owner with new feed items,
``{"id": <newest event id>}`` on that owner's channel. The open streams
(``sales_actions.feed.stream``) take the message as a wake-up call and read the user's new
items from the database after their own cursor, so a message lost (Redis down) or
repeated (a dispatch retried) costs nothing: the next one, or the client's polling
fallback, reads the same rows, and items are deduplicated by id.

Without ``REDIS_URL`` nothing is published: pages poll ``/api/v1/feed/?since=``.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from sales_actions.feed.selectors import is_feed_event

log = logging.getLogger(__name__)

_CLIENT: dict = {}


def feed_channel_prefix() -> str:
    """``abm:feed:<db>:``. Redis pub/sub channels are shared by every database number of a
    server; the database number in the prefix keeps two hubs on one Redis apart."""
    path = urlsplit(settings.REDIS_URL or "").path.strip("/") or "0"
    return f"{getattr(settings, 'FEED_CHANNEL_PREFIX', 'abm:feed')}:{path}:"


def feed_channel(user_id: int) -> str:
    return f"{feed_channel_prefix()}{user_id}"


def _client():
    import redis

    url = settings.REDIS_URL
    if _CLIENT.get("url") != url:
        _CLIENT["url"] = url
        _CLIENT["client"] = redis.Redis.from_url(
            url,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        )
    return _CLIENT["client"]


def feed_publish(newest_by_owner: dict[int, int]) -> int:
    """Publish one wake-up per owner (best-effort); returns how many were published."""
    if not settings.REDIS_URL or not newest_by_owner:
        return 0
    import redis

    try:
        pipe = _client().pipeline(transaction=False)
        for owner_id, event_id in newest_by_owner.items():
            pipe.publish(feed_channel(owner_id), json.dumps({"id": event_id}))
        pipe.execute()
    except (redis.RedisError, OSError) as exc:
        # The events are in the database: polling clients and the next message catch up.
        log.warning("live feed: could not publish to Redis (%s)", exc)
        return 0
    return len(newest_by_owner)


def feed_events_handle(events) -> None:
    """The hub-events consumer: after the dispatch commits, wake the owners' open feeds."""
    newest: dict[int, int] = {}
    for event in events:
        try:
            if is_feed_event(event):
                newest[event.owner_id] = max(newest.get(event.owner_id, 0), event.pk)
        except Exception:  # noqa: BLE001 - one odd event must not hold the batch back
            log.exception("live feed: skipped hub event %s", getattr(event, "pk", "?"))
    if newest and settings.REDIS_URL:
        transaction.on_commit(lambda: feed_publish(newest))
