"""Cadences ("sales campaigns"): ordered steps a person walks through, one run per step.

Imported by ``sales_actions.models`` so Django registers them in the ``sales_actions`` app.
"""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Cadence(models.Model):
    class Visibility(models.TextChoices):
        TEAM = "team", _("Shared with my team")
        PRIVATE = "private", _("Private")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadences",
    )
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.TEAM)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    skip_weekends = models.BooleanField(default=True)
    end_on_reply = models.BooleanField(default=True)
    business_hours_start = models.TimeField(default=time(9, 0))
    business_hours_end = models.TimeField(default=time(17, 0))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(business_hours_start__lt=models.F("business_hours_end")),
                name="cadence_hours_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CadenceStep(models.Model):
    class Kind(models.TextChoices):
        AUTO_EMAIL = "auto_email", _("Automatic email")
        MANUAL_EMAIL = "manual_email", _("Manual email task")
        CALL = "call", _("Call task")
        LINKEDIN = "linkedin", _("LinkedIn / InMail task")
        CUSTOM = "custom", _("Custom task")

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.AUTO_EMAIL)
    day_offset = models.PositiveSmallIntegerField(
        default=0, help_text=_("Days after the previous step (the first: after enrolling).")
    )
    send_time = models.TimeField(null=True, blank=True)
    template = models.ForeignKey(
        "sales_actions.EmailTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cadence_steps",
    )
    title = models.CharField(max_length=255, blank=True)
    instructions = models.TextField(blank=True)

    class Meta:
        ordering = ["cadence", "position", "id"]
        indexes = [models.Index(fields=["cadence", "position"], name="cadencestep_position")]

    def __str__(self) -> str:
        return f"{self.position}. {self.get_kind_display()}"

    @property
    def is_email(self) -> bool:
        return self.kind == self.Kind.AUTO_EMAIL


class Enrolment(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        REPLIED = "replied", _("Replied")
        FINISHED = "finished", _("Finished")
        REMOVED = "removed", _("Removed")
        BOUNCED = "bounced", _("Bounced")

    OPEN_STATUSES = (Status.ACTIVE, Status.PAUSED)

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="enrolments")
    contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.CASCADE, related_name="cadence_enrolments"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    # The step to run next (or the task step being waited on); None when finished.
    step = models.ForeignKey(
        CadenceStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    next_due_at = models.DateTimeField(null=True, blank=True)
    # A task step waits for its task: done or past due, whichever comes first.
    waiting_task = models.ForeignKey(
        "accounts.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enrolled_at = models.DateTimeField(default=timezone.now)
    last_step_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            # A person is in a cadence at most once at a time (ended enrolments stay).
            models.UniqueConstraint(
                fields=["cadence", "contact"],
                condition=Q(status__in=["active", "paused"]),
                name="enrolment_one_open_per_person",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_due_at"], name="enrolment_due"),
            models.Index(fields=["contact", "status"], name="enrolment_contact"),
            models.Index(fields=["cadence", "status"], name="enrolment_cadence"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.cadence_id} ({self.status})"

    @property
    def end_reason_display(self) -> str:
        """The stored reason (kept in English, as the worker wrote it) in the reader's
        language: "replied", "email bounced", "removed by <user>"."""
        reason = self.end_reason or ""
        if reason.startswith("removed by "):
            return _("removed by %(user)s") % {"user": reason.removeprefix("removed by ")}
        known = {"replied": _("replied"), "email bounced": _("email bounced")}
        return str(known.get(reason, reason))

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class StepRun(models.Model):
    """One step for one person: the unit the worker runs exactly once."""

    class Status(models.TextChoices):
        EMAIL_QUEUED = "email_queued", _("Email queued")
        TASK_CREATED = "task_created", _("Task created")
        SKIPPED = "skipped", _("Skipped")

    idempotency_key = models.CharField(max_length=64, unique=True)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="runs")
    step = models.ForeignKey(
        CadenceStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12, choices=CadenceStep.Kind.choices)
    status = models.CharField(max_length=12, choices=Status.choices)
    reason = models.CharField(max_length=255, blank=True)
    sales_email = models.OneToOneField(
        "sales_actions.SalesEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadence_run",
    )
    task = models.OneToOneField(
        "accounts.Task",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cadence_run",
    )
    ran_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["enrolment", "position", "id"]
        indexes = [models.Index(fields=["step", "status"], name="steprun_step_status")]

    def __str__(self) -> str:
        return self.idempotency_key


def run_key(enrolment_id: int, step_id: int) -> str:
    """The idempotency key of one step for one enrolment."""
    return f"cadence:{enrolment_id}:{step_id}"
