"""FilterSets shared by the sales-email pages and the API."""

import django_filters

from abm.filters import HubFilterSet, IdFilter
from sales_actions.models import EmailTemplate, SalesEmail


class SalesEmailFilter(HubFilterSet):
    contact = IdFilter(field_name="contact_id")
    account = IdFilter(field_name="account_id")
    template = IdFilter(field_name="template_id")
    sender = IdFilter(field_name="sender_id")
    status = django_filters.ChoiceFilter(choices=SalesEmail.Status.choices)

    class Meta:
        model = SalesEmail
        fields = ["contact", "account", "template", "sender", "status"]


class EmailTemplateFilter(HubFilterSet):
    workspace = IdFilter(field_name="workspace_id")
    status = django_filters.ChoiceFilter(choices=EmailTemplate.Status.choices)
    kind = django_filters.ChoiceFilter(choices=EmailTemplate.Kind.choices)
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Name")

    class Meta:
        model = EmailTemplate
        fields = ["workspace", "status", "kind", "q"]
