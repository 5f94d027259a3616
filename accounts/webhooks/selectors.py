"""Reads of webhooks for the pages and the API (only admins reach them: they see all)."""

from __future__ import annotations

from django.db.models import Count, Max, Q, QuerySet

from accounts.models import WebhookDelivery, WebhookSubscription


def subscription_list() -> QuerySet[WebhookSubscription]:
    return (
        WebhookSubscription.objects.select_related("owner")
        .annotate(
            open_count=Count("deliveries", filter=Q(deliveries__status__in=WebhookDelivery.OPEN)),
            failed_count=Count("deliveries", filter=Q(deliveries__status="failed")),
            last_delivery_at=Max("deliveries__last_attempt_at"),
        )
        .order_by("-created_at", "-id")
    )


def delivery_list(subscription: WebhookSubscription) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscription=subscription)
