"""CSV imports of accounts and contacts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .users import User


class ImportJob(models.Model):
    """A CSV import of accounts or contacts; large files run in a worker."""

    class Kind(models.TextChoices):
        ACCOUNTS = "accounts", "Accounts"
        CONTACTS = "contacts", "Contacts"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Imported"
        FAILED = "failed", "Rejected"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    filename = models.CharField(max_length=255, blank=True)
    content = models.TextField(help_text="The decoded CSV text.")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="import_jobs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import #{self.pk}"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (self.Status.SUCCEEDED, self.Status.FAILED) else 0
        return min(100, round(self.processed_rows * 100 / self.total_rows))
