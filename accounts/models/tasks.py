"""Tasks: the to-dos of sales reps on accounts and contacts.

Tasks live in the base app because every layer reads them: the account rollups, the
record pages and, later, cadences. They moved here from ``sales_actions`` (migrations
accounts 0005 and sales_actions 0004 keep existing rows).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .records import Account, Contact
from .users import User


class Task(models.Model):
    class Type(models.TextChoices):
        EMAIL = "email", "Email"
        CALL = "call", "Call"
        LINKEDIN = "linkedin", "LinkedIn / InMail"
        CUSTOM = "custom", "Custom"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    type = models.CharField(max_length=10, choices=Type.choices, default=Type.CUSTOM)
    title = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=5, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False) | models.Q(account__isnull=False),
                name="task_has_contact_or_account",
            )
        ]
        indexes = [
            models.Index(fields=["account", "status", "due_at"], name="task_account_status_due"),
            models.Index(fields=["owner", "status", "due_at"], name="task_owner_status_due"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
