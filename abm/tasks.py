"""Hub-wide Celery tasks."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.cache import cache

PING_KEY = "abm:ping:{token}"


@shared_task(name="abm.ping")
def ping(token: str) -> None:
    """Write what this worker sees (its user count) under the token: proof it runs and reads."""
    users = get_user_model().objects.count()
    cache.set(PING_KEY.format(token=token), {"users": users}, timeout=300)
