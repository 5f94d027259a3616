"""The delivery-log filters the subscription page and ``/api/v1/webhooks/{id}/deliveries/``
share."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from abm.filters import HubFilterSet
from accounts.models import WEBHOOK_EVENT_TYPES, WebhookDelivery

EVENT_TYPE_CHOICES = [(str(kind), kind.label) for kind in WEBHOOK_EVENT_TYPES] + [
    ("ping", _("Test ping"))
]


class WebhookDeliveryFilter(HubFilterSet):
    status = django_filters.ChoiceFilter(choices=WebhookDelivery.Status.choices, label=_("Status"))
    event_type = django_filters.ChoiceFilter(choices=EVENT_TYPE_CHOICES, label=_("Event type"))
    date_from = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("From")
    )
    date_to = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("To")
    )

    class Meta:
        model = WebhookDelivery
        fields = ["status", "event_type", "date_from", "date_to"]
