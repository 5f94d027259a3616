"""Webhooks: other systems told what happened in the hub, signed, retried and logged.

A ``WebhookSubscription`` names a URL, the event types it wants (``HubEvent.Kind``
values) and a secret the deliveries are signed with. The hub event consumer
(``accounts.webhooks.services.webhooks_handle_events``) only inserts one
``WebhookDelivery`` per matching subscription and event, inside the dispatch
transaction (unique ``(subscription, event)``: exactly once); a worker sends the due
ones (``accounts.webhooks.sender``), retries failures with backoff and records the
outcome on the row, which is the delivery log.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .hub_events import HubEvent
from .users import User

# The event types an integrator may subscribe to (values of HubEvent.Kind).
WEBHOOK_EVENT_TYPES = [
    HubEvent.Kind.SALES_EMAIL_SENT,
    HubEvent.Kind.SALES_EMAIL_OPENED,
    HubEvent.Kind.SALES_EMAIL_CLICKED,
    HubEvent.Kind.SALES_EMAIL_REPLIED,
    HubEvent.Kind.SALES_CALL_LOGGED,
    HubEvent.Kind.CADENCE_ADDED,
    HubEvent.Kind.CADENCE_REMOVED,
    HubEvent.Kind.ACTIVITY_RECORDED,
    HubEvent.Kind.TARGET_ADDED,
    HubEvent.Kind.TARGET_REMOVED,
    HubEvent.Kind.BUYING_GROUP_MEMBER_ADDED,
    HubEvent.Kind.BUYING_GROUP_MEMBER_REMOVED,
    HubEvent.Kind.LEAD_STATUS_CHANGED,
]


class WebhookSubscription(models.Model):
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # A list of HubEvent.Kind values (WEBHOOK_EVENT_TYPES); checked by the service.
    event_types = models.JSONField(default=list)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    # The signing secret (needed in clear to sign: HMAC, not a password). After a rotation
    # the previous one signs too until ``previous_secret_expires_at``.
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Failure bookkeeping: consecutive failed attempts since the last success, and when the
    # current run of failures began (None while healthy).
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["is_active"], name="webhooksub_active")]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    OPEN = (Status.PENDING, Status.RETRYING)

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    # Null for a test ping (and once the event itself was pruned).
    event = models.ForeignKey(
        HubEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_type = models.CharField(max_length=40)
    # "contact:12": deliveries about one subject are sent in order (see the sender).
    subject_key = models.CharField(max_length=64, blank=True)
    # The JSON body sent ({id, type, occurred_at, data}); the same on every attempt.
    body = models.JSONField(default=dict)
    is_ping = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker holds the row until then while it sends (another skips it).
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"], name="webhookdelivery_once_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["subscription", "-id"], name="webhookdel_sub_id"),
            # The sender's "due" scan and its "an earlier one is still open" check.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="webhookdel_due",
                condition=Q(status__in=["pending", "retrying"]),
            ),
            models.Index(
                fields=["subscription", "subject_key", "id"],
                name="webhookdel_open_subject",
                condition=Q(status__in=["pending", "retrying"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id} #{self.pk}"
