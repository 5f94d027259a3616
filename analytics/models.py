"""Saved analyses and the static lists drawn from them."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Container(models.TextChoices):
    """What an analysis counts: its entities."""

    ACCOUNT = "account", _("Accounts")
    OPPORTUNITY = "opportunity", _("Opportunities")
    BUYING_GROUP = "buying_group", _("Buying groups")
    PERSON = "person", _("People")


class SavedAnalysis(models.Model):
    class Kind(models.TextChoices):
        JOURNEY = "journey", _("Journey canvas")
        COHORT = "cohort", _("Cohort table")
        FLOW = "flow", _("Flow")

    class Visibility(models.TextChoices):
        PRIVATE = "private", _("Only me")
        TEAM = "team", _("My team")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    settings = models.JSONField(_("settings"), default=dict)
    owner = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analyses"
    )
    visibility = models.CharField(
        _("shared with"), max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name_plural = "saved analyses"
        indexes = [models.Index(fields=["owner", "-updated_at"], name="analysis_owner_updated")]

    def __str__(self) -> str:
        return self.name


class EntityList(models.Model):
    """A static list of entities drilled from an analysis (a frozen audience)."""

    name = models.CharField(_("name"), max_length=200)
    container = models.CharField(max_length=12, choices=Container.choices)
    owner = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="entity_lists"
    )
    analysis = models.ForeignKey(
        SavedAnalysis, null=True, blank=True, on_delete=models.SET_NULL, related_name="lists"
    )
    description = models.CharField(max_length=300, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name


class EntityListItem(models.Model):
    entity_list = models.ForeignKey(EntityList, on_delete=models.CASCADE, related_name="items")
    entity_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["entity_list", "entity_id"], name="entity_list_unique")
        ]


# The insights workers' table lives with its code (analytics/insights/); imported here so
# Django registers it with the analytics app.
from analytics.firsts.models import (  # noqa: E402, F401
    LifecycleFirst,
    LifecycleFirstDirty,
    LifecycleFirstState,
)
from analytics.insights.models import (  # noqa: E402, F401
    AccountProductIntent,
    OpportunityCredit,
    StageStay,
)
