"""What marketing works with: industries, campaigns and products."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .users import User


class Industry(models.TextChoices):
    SOFTWARE = "software", "Software"
    FINANCIAL_SERVICES = "financial_services", "Financial services"
    HEALTHCARE = "healthcare", "Healthcare"
    MANUFACTURING = "manufacturing", "Manufacturing"
    RETAIL = "retail", "Retail"
    EDUCATION = "education", "Education"
    TELECOMMUNICATIONS = "telecommunications", "Telecommunications"
    ENERGY = "energy", "Energy"
    LOGISTICS = "logistics", "Logistics"
    MEDIA = "media", "Media"
    PROFESSIONAL_SERVICES = "professional_services", "Professional services"
    GOVERNMENT = "government", "Government"
    OTHER = "other", "Other"


class Campaign(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEB = "web", "Web"
        EVENT = "event", "Event"
        WEBINAR = "webinar", "Webinar"
        SOCIAL = "social", "Social"
        PAID = "paid", "Paid media"
        CONTENT = "content", "Content syndication"
        DIRECT_MAIL = "direct_mail", "Direct mail"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="campaign_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """A product or solution: what leads, buying groups and intent signals are about."""

    name = models.CharField(max_length=200, unique=True)
    keywords = models.JSONField(
        default=list, blank=True, help_text="Words that signal interest in it."
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
