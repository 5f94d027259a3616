"""Reads of hosted forms and their submissions (builders only: submissions hold personal data)."""

from __future__ import annotations

from django.db.models import Count, Max, QuerySet

from accounts.models import WebForm, WebFormSubmission


def webform_list() -> QuerySet[WebForm]:
    return WebForm.objects.select_related("campaign", "lead_product", "record_owner").annotate(
        submission_count=Count("submissions"), last_submitted_at=Max("submissions__submitted_at")
    )


def webform_submissions(webform: WebForm) -> QuerySet[WebFormSubmission]:
    return WebFormSubmission.objects.filter(form=webform).select_related("contact", "lead")
