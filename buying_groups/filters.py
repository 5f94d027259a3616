"""FilterSets shared by the buying-group list page and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from abm.filters import HubFilterSet
from accounts.models import Account, Product
from buying_groups.models import BuyingGroup, RoleTemplate, Stage


class BuyingGroupFilter(HubFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    account = django_filters.ModelChoiceFilter(queryset=Account.objects.all())
    account_name = django_filters.CharFilter(
        field_name="account__name", lookup_expr="icontains", label="Account"
    )
    product = django_filters.ModelChoiceFilter(
        field_name="solution_interest",
        queryset=Product.objects.all(),
        label="Product",
        empty_label=_("Any product"),
    )
    stage = django_filters.ModelChoiceFilter(
        queryset=Stage.objects.all(), to_field_name="key", label="Stage", empty_label=_("Any stage")
    )
    role_template = django_filters.ModelChoiceFilter(queryset=RoleTemplate.objects.all())
    engagement_min = django_filters.NumberFilter(
        field_name="engagement_score", lookup_expr="gte", label="Engagement ≥"
    )
    engagement_max = django_filters.NumberFilter(
        field_name="engagement_score", lookup_expr="lte", label="Engagement ≤"
    )
    completeness_min = django_filters.NumberFilter(
        field_name="completeness_score", lookup_expr="gte", label="Completeness ≥"
    )
    completeness_max = django_filters.NumberFilter(
        field_name="completeness_score", lookup_expr="lte", label="Completeness ≤"
    )

    class Meta:
        model = BuyingGroup
        fields = ["q", "account", "product", "stage", "role_template"]


class RoleTemplateFilter(HubFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    solution_interest = django_filters.ModelChoiceFilter(queryset=Product.objects.all())

    class Meta:
        model = RoleTemplate
        fields = ["q", "solution_interest"]
