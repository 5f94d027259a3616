"""The audit of GDPR erasures: that a person was erased, by whom and what was removed.

It holds no personal data: the contact's id (the anonymized row keeps it), the user who
erased, when, and counts of what was changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ErasureRecord(models.Model):
    contact_id = models.PositiveBigIntegerField(unique=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(default=timezone.now)
    # {"activities": 12, "sales_emails": 3, "memberships_removed": 1, ...}
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"contact {self.contact_id} erased {self.erased_at:%Y-%m-%d}"
