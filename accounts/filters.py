"""FilterSets shared by the list pages and the API."""

import django_filters
from django.db.models import F, Q

from abm.filters import CheckedDateTimeFilter, HubFilterSet, IdFilter, StrictBooleanFilter
from accounts.models import (
    BUYING_ROLE_BITS,
    Account,
    Activity,
    BuyingRole,
    Campaign,
    Contact,
    Industry,
    Lead,
    Opportunity,
    Product,
    RelationshipType,
    Team,
    User,
)
from accounts.people_filters import SalesEventFilterSet


class AccountFilter(HubFilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    industry = django_filters.MultipleChoiceFilter(choices=Industry.choices)
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    team = django_filters.ModelChoiceFilter(
        queryset=Team.objects.all(), field_name="owner__team", label="Team"
    )
    is_target = StrictBooleanFilter()
    country = django_filters.CharFilter(lookup_expr="iexact")
    fit_score_min = django_filters.NumberFilter(field_name="fit_score", lookup_expr="gte")
    fit_score_max = django_filters.NumberFilter(field_name="fit_score", lookup_expr="lte")
    domain = django_filters.CharFilter(lookup_expr="iexact")
    parent = IdFilter(field_name="parent_id")
    relationship_type = django_filters.MultipleChoiceFilter(
        choices=RelationshipType.choices, label="Relationship type"
    )

    class Meta:
        model = Account
        fields = [
            "q",
            "industry",
            "owner",
            "team",
            "is_target",
            "country",
            "domain",
            "parent",
            "relationship_type",
        ]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(domain__icontains=value))


class ContactFilter(SalesEventFilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    account = IdFilter(field_name="account_id", label="Primary account")
    associated_account = IdFilter(field_name="account_links__account_id", label="Any account")
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    buying_role = django_filters.ChoiceFilter(
        choices=BuyingRole.choices, method="filter_role", label="Buying role"
    )
    allow_email = StrictBooleanFilter()
    allow_bulk_email = StrictBooleanFilter()
    legal_basis = django_filters.ChoiceFilter(choices=Contact.LegalBasis.choices)
    email = django_filters.CharFilter(lookup_expr="iexact")
    relationship_type = django_filters.MultipleChoiceFilter(
        choices=RelationshipType.choices, label="Relationship type"
    )

    class Meta:
        model = Contact
        fields = [
            "q",
            "account",
            "owner",
            "allow_email",
            "allow_bulk_email",
            "legal_basis",
            "email",
            "relationship_type",
        ]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        query = (
            Q(email__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
        )
        query |= Q(title__icontains=value)
        parts = value.split()
        if len(parts) >= 2:
            query |= Q(first_name__icontains=parts[0], last_name__icontains=" ".join(parts[1:]))
        return queryset.filter(query)

    def filter_role(self, queryset, name, value):
        if not value:
            return queryset
        bit = BUYING_ROLE_BITS[value]
        return queryset.alias(_role_bit=F("buying_roles_mask").bitand(bit)).filter(_role_bit=bit)


class LeadFilter(SalesEventFilterSet):
    # The sales-event filters (accounts/people_filters.py) read the lead's person.
    sales_event_contact_field = "contact_id"

    q = django_filters.CharFilter(method="filter_q", label="Search")
    status = django_filters.MultipleChoiceFilter(choices=Lead.Status.choices)
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    product = django_filters.ModelChoiceFilter(queryset=Product.objects.all())
    contact = IdFilter(field_name="contact_id")
    account = IdFilter(field_name="account_id")
    score_min = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = Lead
        fields = ["q", "status", "owner", "product", "contact", "account"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(topic__icontains=value)
            | Q(contact__email__icontains=value)
            | Q(contact__last_name__icontains=value)
            | Q(account__name__icontains=value)
        )


class OpportunityFilter(HubFilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    stage = django_filters.MultipleChoiceFilter(choices=Opportunity.Stage.choices)
    is_open = StrictBooleanFilter(method="filter_open", label="Open")
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.all())
    account = IdFilter(field_name="account_id")
    amount_min = django_filters.NumberFilter(field_name="amount", lookup_expr="gte")
    amount_max = django_filters.NumberFilter(field_name="amount", lookup_expr="lte")
    close_after = django_filters.DateFilter(field_name="close_date", lookup_expr="gte")
    close_before = django_filters.DateFilter(field_name="close_date", lookup_expr="lte")

    class Meta:
        model = Opportunity
        fields = ["q", "stage", "owner", "account"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(account__name__icontains=value))

    def filter_open(self, queryset, name, value):
        if value is None:
            return queryset
        closed = Q(stage__in=Opportunity.CLOSED_STAGES)
        return queryset.exclude(closed) if value else queryset.filter(closed)


class ActivityFilter(HubFilterSet):
    type = django_filters.MultipleChoiceFilter(choices=Activity.Type.choices)
    contact = IdFilter(field_name="contact_id")
    account = IdFilter(field_name="account_id")
    user = IdFilter(field_name="user_id")
    campaign = IdFilter(field_name="campaign_id")
    initiated_by = django_filters.ChoiceFilter(choices=Activity.InitiatedBy.choices)
    channel = django_filters.ChoiceFilter(choices=Activity.Channel.choices)
    is_bot = StrictBooleanFilter()
    occurred_after = CheckedDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = CheckedDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Activity
        fields = [
            "type",
            "contact",
            "account",
            "user",
            "campaign",
            "initiated_by",
            "channel",
            "is_bot",
        ]


class CampaignFilter(HubFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")
    channel = django_filters.ChoiceFilter(choices=Campaign.Channel.choices)
    active_on = django_filters.DateFilter(method="filter_active", label="Active on")

    class Meta:
        model = Campaign
        fields = ["q", "channel"]

    def filter_active(self, queryset, name, value):
        return queryset.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=value),
            Q(end_date__isnull=True) | Q(end_date__gte=value),
        )


class ProductFilter(HubFilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="Search")

    class Meta:
        model = Product
        fields = ["q"]
