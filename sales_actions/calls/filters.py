"""The call filters the calls page and ``/api/v1/calls/`` share."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from abm.filters import HubFilterSet, IdFilter
from accounts.models import Opportunity
from sales_actions.calls.models import Call
from sales_actions.calls.selectors import calls_of_opportunity


class CallFilter(HubFilterSet):
    contact = IdFilter(field_name="contact_id", label=_("Contact"))
    account = IdFilter(field_name="account_id", label=_("Account"))
    opportunity = IdFilter(
        method="filter_opportunity",
        label=_("Opportunity"),
        help_text=_("Calls made for the deal, and calls with its people."),
    )
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

    def filter_opportunity(self, queryset, name, value):
        deal = Opportunity.objects.filter(pk=value).first()
        if deal is None:
            return queryset.none()
        return calls_of_opportunity(queryset, opportunity=deal)

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
