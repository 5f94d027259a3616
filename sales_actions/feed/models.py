"""The live feed's only table: how far each user has read."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class FeedCursor(models.Model):
    """The id of the last hub event the user has seen in their feed (``HubEvent.id`` is a
    total order): everything above it is unread."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    last_seen_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"feed cursor of {self.user_id}: {self.last_seen_id}"
