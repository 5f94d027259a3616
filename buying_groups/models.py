"""Buying groups: role templates, groups of an account's contacts, members and their scores."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from accounts.models import Account, Contact, Product, User


class Stage(models.Model):
    """One step of the buying journey; admins edit the list and its order."""

    key = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


# The stages a new install starts with (migration 0002 keeps its own frozen copy);
# buying_groups.services.groups.stages_ensure_defaults puts them back in an emptied table.
DEFAULT_STAGES = [
    ("awareness", "Awareness"),
    ("interest", "Interest"),
    ("consideration", "Consideration"),
    ("decision", "Decision"),
    ("purchase", "Purchase"),
]


class RoleTemplate(models.Model):
    """A named set of roles for a solution interest, used to build and fill groups."""

    name = models.CharField(max_length=200)
    solution_interest = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="role_templates"
    )
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["name"], name="role_template_name_unique")]

    def __str__(self) -> str:
        return self.name


class TemplateRole(models.Model):
    """A role of a template: its weight in completeness and the conditions that fill it."""

    class Match(models.TextChoices):
        ALL = "all", "All conditions"
        ANY = "any", "Any condition"

    template = models.ForeignKey(RoleTemplate, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField(default=1)
    required = models.BooleanField(default=False)
    is_decision_maker = models.BooleanField(
        default=False, help_text="Members in this role show in the decision makers row."
    )
    match = models.CharField(max_length=3, choices=Match.choices, default=Match.ALL)
    # [{"field": "title", "op": "contains", "value": ["VP", "Director"]}, ...]
    # validated by buying_groups.conditions; never evaluated as code.
    conditions = models.JSONField(default=list, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "name"], name="template_role_name_unique"),
            models.CheckConstraint(
                condition=models.Q(weight__gt=0), name="template_role_weight_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BuyingGroup(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="buying_groups")
    name = models.CharField(max_length=255)
    solution_interest = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="buying_groups"
    )
    role_template = models.ForeignKey(
        RoleTemplate, on_delete=models.PROTECT, related_name="buying_groups"
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="buying_groups")
    member_count = models.PositiveIntegerField(default=0)
    engagement_score = models.PositiveSmallIntegerField(default=0)
    completeness_score = models.PositiveSmallIntegerField(default=0)
    scores_computed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "solution_interest"], name="buying_group_account_product"
            ),
            models.CheckConstraint(
                condition=models.Q(engagement_score__lte=100), name="buying_group_engagement_0_100"
            ),
            models.CheckConstraint(
                condition=models.Q(completeness_score__lte=100),
                name="buying_group_completeness_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["stage", "-id"], name="buying_group_stage"),
            models.Index(fields=["solution_interest", "-id"], name="buying_group_product"),
            models.Index(fields=["role_template"], name="buying_group_template"),
        ]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        RULE = "rule", "Rule"
        IMPORT = "import", "Import"

    group = models.ForeignKey(BuyingGroup, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="buying_group_memberships"
    )
    role = models.ForeignKey(TemplateRole, on_delete=models.PROTECT, related_name="members")
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.MANUAL)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "contact"], name="member_group_contact"),
        ]
        indexes = [models.Index(fields=["contact", "-added_at"], name="member_contact_added")]


class GenerationJob(models.Model):
    """Create the missing groups for many accounts from a template; run by a worker."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Done"
        FAILED = "failed", "Failed"

    role_template = models.ForeignKey(RoleTemplate, on_delete=models.CASCADE, related_name="+")
    solution_interest = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    all_targets = models.BooleanField(default=False)
    # The account filter as given (django-filter params of accounts), or explicit ids.
    account_filter = models.JSONField(default=dict, blank=True)
    account_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total_accounts = models.PositiveIntegerField(default=0)
    processed_accounts = models.PositiveIntegerField(default=0)
    groups_created = models.PositiveIntegerField(default=0)
    members_added = models.PositiveIntegerField(default=0)
    # [{"account": id, "name": "...", "reason": "..."}], capped; counts in skipped_count.
    skipped = models.JSONField(default=list, blank=True)
    skipped_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Generation job #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def progress_percent(self) -> int:
        if not self.total_accounts:
            return 100 if self.is_finished else 0
        return min(100, round(self.processed_accounts * 100 / self.total_accounts))


class DirtyScore(models.Model):
    """A group or contact whose engagement must be recomputed: the debounce queue."""

    class Kind(models.TextChoices):
        GROUP = "group", "Buying group"
        CONTACT = "contact", "Contact"

    kind = models.CharField(max_length=7, choices=Kind.choices)
    object_id = models.BigIntegerField()
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="dirty_score_unique"),
        ]


class Summary(models.Model):
    """An AI summary of a group, person or account, with the data version it describes."""

    class Subject(models.TextChoices):
        GROUP = "group", "Buying group"
        CONTACT = "contact", "Contact"
        ACCOUNT = "account", "Account"

    subject = models.CharField(max_length=7, choices=Subject.choices)
    object_id = models.BigIntegerField()
    text = models.TextField()
    backend = models.CharField(max_length=40)
    note = models.CharField(max_length=255, blank=True, help_text="Why a fallback was used.")
    data_version = models.CharField(max_length=64)
    generated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "object_id"], name="summary_subject_unique"),
        ]


class ContactScore(models.Model):
    """A person's engagement score in a narrow table of its own (the full recompute's target).

    Rewriting a score here touches a 30-byte row and one index; rewriting it in the wide
    ``accounts_contact`` row touched the row and its eight indexes. The table is created
    with fillfactor 50 on PostgreSQL and ``score`` is not indexed, so updates stay HOT.
    ``accounts.Contact.engagement_score`` remains a mirror of it for the rest of the app.
    """

    contact = models.OneToOneField(
        Contact,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="buying_group_score",
        db_constraint=False,
    )
    score = models.PositiveSmallIntegerField(default=0)
    scored_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.score}"
