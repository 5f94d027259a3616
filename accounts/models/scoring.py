"""Lead scoring: models of rules that turn a lead's primary contact's interactions and
fields into points, the stored score of each lead with its explanation, the dirty marks of
the incremental path and the daily score history.

Which model scores a lead: the active model for the lead's product when there is one,
else the active all-leads model. At most one model is active per product and one for all
leads (database constraints), so the choice is never ambiguous. Computing is in
``accounts/scoring/engine.py``.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .marketing import Campaign, Product
from .records import Lead
from .users import User


class ScoringModel(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    product = models.ForeignKey(
        Product,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="scoring_models",
        help_text=_("Empty: the model scores every lead whose product has no model of its own."),
    )
    threshold = models.PositiveIntegerField(
        _("sales-ready threshold"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100000)],
        help_text=_("A lead whose score reaches it becomes marketing-qualified."),
    )
    is_active = models.BooleanField(_("active"), default=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    recomputed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product"],
                condition=models.Q(is_active=True, product__isnull=False),
                name="scoringmodel_one_active_per_product",
            ),
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True, product__isnull=True),
                name="scoringmodel_one_active_for_all",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ScoringRule(models.Model):
    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("Interaction")
        FIELD = "field", _("Field")

    class CountMode(models.TextChoices):
        EACH = "each", _("Points for each matching interaction")
        AT_LEAST = "at_least", _("Points once, for at least N within the window")

    class Decay(models.TextChoices):
        NONE = "none", _("Never")
        EXPIRE = "expire", _("Expire after N days")
        HALF_LIFE = "half_life", _("Halve every N days")

    class Field(models.TextChoices):
        CONTACT_TITLE = "contact_title", _("Contact title / seniority contains any of")
        ACCOUNT_INDUSTRY = "account_industry", _("Account industry is any of")
        ACCOUNT_COUNTRY = "account_country", _("Account country is any of")
        ACCOUNT_SIZE = "account_size", _("Account employees between")

    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ACTIVITY)
    points = models.IntegerField(
        validators=[MinValueValidator(-1000), MaxValueValidator(1000)],
        help_text=_("Points given (negative points subtract)."),
    )
    # Interaction rules: what counts (an empty criterion matches everything).
    activity_type = models.CharField(max_length=24, blank=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="scoring_rules"
    )
    content_type = models.CharField(max_length=60, blank=True)
    subject_contains = models.CharField(max_length=200, blank=True)
    url_contains = models.CharField(max_length=200, blank=True)
    count_mode = models.CharField(max_length=10, choices=CountMode.choices, default=CountMode.EACH)
    min_count = models.PositiveIntegerField(default=1)
    window_days = models.PositiveIntegerField(null=True, blank=True)
    max_points = models.PositiveIntegerField(null=True, blank=True)
    decay = models.CharField(max_length=10, choices=Decay.choices, default=Decay.NONE)
    decay_days = models.PositiveIntegerField(null=True, blank=True)
    # Field rules.
    field = models.CharField(max_length=20, choices=Field.choices, blank=True)
    values = models.TextField(blank=True, help_text=_("Comma-separated."))
    min_value = models.PositiveIntegerField(null=True, blank=True)
    max_value = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["model", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(points__gte=-1000, points__lte=1000),
                name="scoringrule_points_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model_id}:{self.position} {self.kind} {self.points:+d}"


class LeadScore(models.Model):
    """The computed score of one lead, with what gave its points (``breakdown``: a list of
    ``{"rule": id, "points": float, "count": n, "activities": [ids, newest first, ≤ 10]}``)."""

    # No database constraint on the two keys (nor on LeadScoreDay.lead): the rows are only
    # written by the engine from a join with the leads and models, and the deferred checks
    # of a million new rows took minutes at the full recompute's commit. Django still
    # cascades / nulls them when a lead or model is deleted.
    lead = models.OneToOneField(
        Lead,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="computed_score",
        db_constraint=False,
    )
    model = models.ForeignKey(
        ScoringModel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    score = models.IntegerField(default=0)
    breakdown = models.JSONField(default=list, blank=True)
    above_threshold = models.BooleanField(default=False)
    # Set by the scorer when the score crossed the threshold on a lead not yet past MQL;
    # cleared once the lead is qualified (or found to have moved on) by lead_scores_qualify.
    mql_pending = models.BooleanField(default=False)
    computed_at = models.DateTimeField(default=timezone.now)
    qualified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["lead"],
                condition=models.Q(mql_pending=True),
                name="leadscore_mql_pending",
            ),
        ]


class LeadScoreDirty(models.Model):
    """A lead whose score must be recomputed (the incremental path's queue)."""

    lead_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)


class LeadScoreDay(models.Model):
    """A lead's score on a day (UTC), written when a computation changed it: a day without
    a row carries the previous day's score forward."""

    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, related_name="score_days", db_constraint=False
    )
    day = models.DateField()
    score = models.IntegerField()

    class Meta:
        ordering = ["lead", "day"]
        constraints = [
            models.UniqueConstraint(fields=["lead", "day"], name="leadscoreday_lead_day"),
        ]
