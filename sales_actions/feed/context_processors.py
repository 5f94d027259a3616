"""``live_feed`` in every page's context: the navigation icon and the docked panel."""

from __future__ import annotations

from django.conf import settings
from django.core.handlers.asgi import ASGIRequest

from abm import permissions


def live_feed(request):
    user = getattr(request, "user", None)
    if not permissions.is_signed_in(user):
        return {}
    from sales_actions.feed.selectors import UNREAD_CAP, feed_unread_count

    def unread() -> str:
        count = feed_unread_count(user_id=user.pk)
        return f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count or "")

    return {
        "live_feed": {
            "unread": unread,
            # Pushed when a broker is set (served by the ASGI server); otherwise polled.
            # Only a page served by the ASGI server offers the stream: under WSGI
            # (runserver, the test live server) the stream answers 503, so the page polls
            # from the start instead of logging a failed request first.
            "streaming": bool(settings.REDIS_URL) and isinstance(request, ASGIRequest),
            "poll_seconds": getattr(settings, "FEED_POLL_SECONDS", 5),
        }
    }
