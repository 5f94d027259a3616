"""The live feed's one write: how far the user has read."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from sales_actions.feed.models import FeedCursor
from sales_actions.feed.selectors import feed_latest_id

# An event id is a signed 64-bit integer (BigAutoField).
ID_MAX = 2**63 - 1


def feed_mark_read(*, user, up_to: int | None = None) -> int:
    """Mark the user's feed read up to event ``up_to`` (default: the newest item).

    The cursor never moves backwards (a late request from another tab cannot make read
    items unread) and never past the newest item in the feed (a made-up id cannot mark
    events that do not exist yet as read). Returns the cursor."""
    if not getattr(user, "is_authenticated", False):
        raise ApplicationError(_("Sign in first."), field="user", status_code=403)
    if up_to is not None and not 0 <= up_to <= ID_MAX:
        raise ApplicationError(_("Give an event id of the feed."), field="up_to")
    latest = feed_latest_id(user_id=user.pk)
    target = latest if up_to is None else min(up_to, latest)
    with transaction.atomic():
        cursor, _created = FeedCursor.objects.select_for_update().get_or_create(user=user)
        if target > cursor.last_seen_id:
            cursor.last_seen_id = target
            cursor.updated_at = timezone.now()
            cursor.save(update_fields=["last_seen_id", "updated_at"])
    return cursor.last_seen_id
