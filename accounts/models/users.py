"""Users and their teams: who works in the hub and in which role."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


def default_time_zone() -> str:
    """New users work in the hub's time zone until they choose their own."""
    return settings.TIME_ZONE


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MARKETER = "marketer", "Marketer"
        SALES_REP = "sales_rep", "Sales rep"

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SALES_REP)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    signature = models.TextField(blank=True, help_text="Appended to sales emails.")
    # IANA name (e.g. "Europe/Warsaw"): cadence steps keep business hours in it.
    time_zone = models.CharField(max_length=64, default=default_time_zone)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
