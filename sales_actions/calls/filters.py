"""The call filters the calls page and ``/api/v1/calls/`` share."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from abm.filters import HubFilterSet, IdFilter
from sales_actions.calls.models import Call


class CallFilter(HubFilterSet):
    contact = IdFilter(field_name="contact_id", label=_("Contact"))
    account = IdFilter(field_name="account_id", label=_("Account"))
    opportunity = IdFilter(field_name="opportunity_id", label=_("Opportunity"))
    caller = IdFilter(field_name="user_id", label=_("Caller"))
    outcome = IdFilter(field_name="outcome_id", label=_("Outcome"))
    status = django_filters.ChoiceFilter(choices=Call.Status.choices, label=_("Status"))
    direction = django_filters.ChoiceFilter(choices=Call.Direction.choices, label=_("Direction"))
    date_from = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__gte", label=_("From")
    )
    date_to = django_filters.DateFilter(
        field_name="started_at", lookup_expr="date__lte", label=_("To")
    )

    class Meta:
        model = Call
        fields = [
            "contact",
            "account",
            "opportunity",
            "caller",
            "outcome",
            "status",
            "direction",
            "date_from",
            "date_to",
        ]
