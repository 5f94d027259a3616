"""Sales actions: sales emails today; cadences and calls build on these.

Tasks and the consent history, which every layer reads, live in ``accounts.models`` (moved
there in accounts 0005 and 0009)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

# --- Sales emails -------------------------------------------------------------------


class Workspace(models.Model):
    """A group of templates (Marketo Engage's workspaces)."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkspaceAccess(models.Model):
    """Limits a user to some workspaces: a user with no rows here sees every workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="access")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_access"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="workspace_access_unique")
        ]


class EmailTemplate(models.Model):
    class Kind(models.TextChoices):
        MARKETING = "marketing", "Marketing (may go to many)"
        SALES = "sales", "Sales (1:1 follow-up)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        ARCHIVED = "archived", "Archived"

    workspace = models.ForeignKey(Workspace, on_delete=models.PROTECT, related_name="templates")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SALES)
    subject = models.CharField(max_length=255)
    body_html = models.TextField(help_text="Sanitized HTML with personalization tokens.")
    body_text = models.TextField(blank=True, help_text="Generated plain-text part.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Versions of one template share a lineage; an approved version never changes.
    lineage = models.UUIDField(db_index=True)
    version = models.PositiveIntegerField(default=1)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["lineage", "version"], name="template_lineage_version")
        ]
        indexes = [models.Index(fields=["status", "workspace"], name="template_status_ws")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def is_editable_in_place(self) -> bool:
        """Only a draft changes in place: a submitted version is what its approver reviews."""
        return self.status == self.Status.DRAFT


class SendBatch(models.Model):
    """One press of "Send": a template to a set of recipients."""

    key = models.CharField(max_length=80, unique=True, help_text="Idempotency key of the request.")
    # Empty for a personal email the rep wrote (sales_actions.services.personal).
    template = models.ForeignKey(
        EmailTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="batches"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    personal_note = models.TextField(blank=True)
    queued_count = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=list, blank=True)
    # A marketing send to a subscription list reaches only the list's members.
    subscription_list = models.ForeignKey(
        "accounts.SubscriptionList",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]


class BatchAttachment(models.Model):
    batch = models.ForeignKey(SendBatch, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    content = models.BinaryField()


class SalesEmail(models.Model):
    """The outbox: one row per recipient, the unit a worker sends exactly once."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown (check the mail server)"

    idempotency_key = models.CharField(max_length=64, unique=True)
    message_id = models.CharField(max_length=255, unique=True)
    batch = models.ForeignKey(SendBatch, on_delete=models.CASCADE, related_name="emails")
    # Empty for a personal email the rep wrote (sales_actions.services.personal).
    template = models.ForeignKey(
        EmailTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="emails"
    )
    kind = models.CharField(max_length=10, choices=EmailTemplate.Kind.choices)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="sales_emails"
    )
    contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.CASCADE, related_name="sales_emails"
    )
    account = models.ForeignKey(
        "accounts.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sales_emails",
    )
    to_email = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    body_html = models.TextField()
    body_text = models.TextField()
    track = models.BooleanField(default=True, help_text="Open pixel and click links.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    queued_at = models.DateTimeField(default=timezone.now)
    sending_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # First human events; machine events are kept in EmailEvent only.
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    auto_replied_at = models.DateTimeField(null=True, blank=True)
    open_count = models.PositiveIntegerField(default=0)
    click_count = models.PositiveIntegerField(default=0)
    bot_open_count = models.PositiveIntegerField(default=0)
    bot_click_count = models.PositiveIntegerField(default=0)
    # The email_sent activity is written per chunk after sending (one change
    # notification per chunk, not per email); this flag makes that write exactly-once.
    activity_recorded = models.BooleanField(default=False)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "-queued_at"], name="salesemail_contact_time"),
            models.Index(fields=["account", "-queued_at"], name="salesemail_account_time"),
            models.Index(fields=["status", "queued_at"], name="salesemail_status_time"),
            models.Index(fields=["template", "status"], name="salesemail_template_status"),
            models.Index(fields=["sender", "status"], name="salesemail_sender_status"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to_email}"


class TrackedLink(models.Model):
    """A link the hub put in one email: the only places the click redirector sends to."""

    email = models.ForeignKey(SalesEmail, on_delete=models.CASCADE, related_name="links")
    position = models.PositiveSmallIntegerField()
    url = models.URLField(max_length=2000)

    class Meta:
        ordering = ["email", "position"]
        constraints = [
            models.UniqueConstraint(fields=["email", "position"], name="trackedlink_unique")
        ]


class EmailEvent(models.Model):
    """Every open, click, reply and auto-reply; machine events are flagged, not dropped."""

    class Type(models.TextChoices):
        OPEN = "open", "Opened"
        CLICK = "click", "Clicked"
        REPLY = "reply", "Replied"
        AUTO_REPLY = "auto_reply", "Auto-reply"

    email = models.ForeignKey(SalesEmail, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=10, choices=Type.choices)
    link = models.ForeignKey(TrackedLink, null=True, blank=True, on_delete=models.SET_NULL)
    occurred_at = models.DateTimeField(default=timezone.now)
    is_bot = models.BooleanField(default=False)
    bot_reason = models.CharField(max_length=40, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=8, blank=True)
    activity_id = models.BigIntegerField(null=True, blank=True)
    raw_message_id = models.CharField(max_length=255, blank=True)
    subject = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["email", "type", "occurred_at"], name="emailevent_email")]


# Cadences live in their own module; importing them here registers them with this app.
# The best-bets ranking and its dirty marks.
from sales_actions.bestbets.models import BestBet, BestBetDirty  # noqa: E402, F401
from sales_actions.cadences.models import (  # noqa: E402, F401
    Cadence,
    CadenceStep,
    Enrolment,
    StepRun,
)

# The call log lives in its own module too.
from sales_actions.calls.models import Call, CallOutcome  # noqa: E402, F401

# The live feed's read cursor.
from sales_actions.feed.models import FeedCursor  # noqa: E402, F401
