"""Idempotency keys: a POST retried with the same ``Idempotency-Key`` stores nothing twice."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .users import User


class IdempotencyKey(models.Model):
    """One user's key and the answer the first request with it got (replayed to retries)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    fingerprint = models.CharField(
        max_length=64, help_text="SHA-256 of the request's method, path and body."
    )
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_user_unique")
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="idempotency_key_user_age")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
