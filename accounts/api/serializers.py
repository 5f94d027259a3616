"""Serializers of the CRM core API: they check the shape of input (types, required,
choices) and convert it; every business rule is the services' (``accounts.services``)."""

from __future__ import annotations

from rest_framework import serializers

from abm.filters import MAX_ID
from accounts.models import (
    Account,
    Activity,
    BuyingRole,
    Campaign,
    Contact,
    Lead,
    Note,
    Opportunity,
    OpportunityContactRole,
    Product,
    Task,
    Team,
    User,
)
from accounts.services.activities import BULK_MAX


def _users():
    return User.objects.all()


# --- Auth -------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


# --- Teams and users (read-only) --------------------------------------------------


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "created_at"]
        read_only_fields = fields


class UserSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "display_name",
            "email",
            "role",
            "team",
            "is_active",
        ]
        read_only_fields = fields


# --- Accounts ---------------------------------------------------------------------


class AccountSerializer(serializers.ModelSerializer):
    domain = serializers.CharField(
        max_length=255, required=False, allow_null=True, allow_blank=True
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True)
    team = serializers.IntegerField(
        source="team_id", read_only=True, allow_null=True, help_text="The owner's team."
    )
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(), required=False, allow_null=True
    )
    fit_score = serializers.IntegerField(min_value=0, max_value=100, required=False)
    annual_revenue = serializers.DecimalField(
        max_digits=16, decimal_places=2, min_value=0, required=False, allow_null=True
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "employee_count",
            "annual_revenue",
            "country",
            "owner",
            "team",
            "parent",
            "fit_score",
            "relationship_type",
            "is_target",
            "target_since",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["is_target", "target_since", "created_at", "updated_at"]


# --- Contacts ---------------------------------------------------------------------


class _AccountIdsField(serializers.ManyRelatedField):
    """Account ids read from the prefetched links, so a list costs one query, not one a row."""

    def get_attribute(self, instance):
        return sorted(link.account_id for link in instance.account_links.all())

    def to_representation(self, iterable):
        return list(iterable)


class ContactSerializer(serializers.ModelSerializer):
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(),
        required=False,
        allow_null=True,
        help_text="The primary account.",
    )
    accounts = _AccountIdsField(
        child_relation=serializers.PrimaryKeyRelatedField(queryset=Account.objects.all()),
        required=False,
        help_text="Every associated account; the primary account is always included.",
    )
    buying_roles = serializers.ListField(
        child=serializers.ChoiceField(choices=BuyingRole.choices),
        required=False,
        help_text="The contact's roles in buying decisions (a set).",
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True)
    source_campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    guardian = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    consent_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=500,
        help_text=(
            "Why a consent field changes, kept in the consent history. Required to turn "
            "back on a field the contact turned off themselves (unsubscribe); a sales rep "
            "cannot do that."
        ),
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "account",
            "accounts",
            "first_name",
            "last_name",
            "title",
            "department",
            "email",
            "phone",
            "relationship_type",
            "buying_roles",
            "owner",
            "source_campaign",
            "engagement_score",
            "allow_email",
            "allow_bulk_email",
            "allow_prefill",
            "follow_email",
            "legal_basis",
            "consent_level",
            "is_minor",
            "guardian",
            "guardian_consent",
            "consent_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["engagement_score", "created_at", "updated_at"]

    def validate_buying_roles(self, value):
        return list(dict.fromkeys(value))


# --- Leads ------------------------------------------------------------------------


class LeadSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(), required=False, allow_null=True
    )
    owner = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True)
    source_campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    can_be_scored = serializers.BooleanField(
        read_only=True, help_text="Only leads on a contact are scored."
    )
    status = serializers.ChoiceField(
        choices=Lead.Status.choices,
        required=False,
        help_text="A change is checked against the lifecycle and kept in the history; "
        "converted and disqualified are reached through the convert and disqualify actions.",
    )
    opportunity = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The opportunity this lead was converted into."
    )

    class Meta:
        model = Lead
        fields = [
            "id",
            "topic",
            "product",
            "contact",
            "account",
            "status",
            "score",
            "owner",
            "source_campaign",
            "can_be_scored",
            "opportunity",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


# --- Opportunities ----------------------------------------------------------------


class OpportunityContactRoleSerializer(serializers.ModelSerializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all())
    role = serializers.ChoiceField(choices=BuyingRole.choices, allow_blank=True, required=False)
    is_primary = serializers.BooleanField(required=False, default=False)

    class Meta:
        model = OpportunityContactRole
        fields = ["contact", "role", "is_primary"]


class OpportunitySerializer(serializers.ModelSerializer):
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all())
    owner = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    currency = serializers.RegexField(
        r"^[A-Z]{3}$",
        required=False,
        error_messages={"invalid": "Use a three-letter ISO 4217 code such as USD."},
    )
    contact_roles = OpportunityContactRoleSerializer(many=True, required=False)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "account",
            "name",
            "amount",
            "currency",
            "stage",
            "close_date",
            "owner",
            "contact_roles",
            "created_at",
            "closed_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "closed_at", "updated_at"]

    def validate_contact_roles(self, value):
        return [dict(item) for item in value]


# --- Activities -------------------------------------------------------------------

ACTIVITY_FIELDS = [
    "id",
    "contact",
    "account",
    "type",
    "occurred_at",
    "initiated_by",
    "user",
    "channel",
    "campaign",
    "content_type",
    "subject",
    "url",
    "is_bot",
    "metadata",
    "created_at",
]


class ActivitySerializer(serializers.ModelSerializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all())
    account = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The contact's primary account when it was recorded (null: none).",
    )
    occurred_at = serializers.DateTimeField(required=False, help_text="Defaults to now.")
    initiated_by = serializers.ChoiceField(
        choices=Activity.InitiatedBy.choices,
        required=False,
        help_text="Defaults by type: our touches are 'user', their engagement 'contact'.",
    )
    user = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True)
    channel = serializers.ChoiceField(
        choices=Activity.Channel.choices, required=False, help_text="Defaults by type."
    )
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    metadata = serializers.DictField(required=False)

    class Meta:
        model = Activity
        fields = ACTIVITY_FIELDS
        read_only_fields = ["created_at"]


class ActivityBulkItemSerializer(serializers.Serializer):
    """One item of a bulk call: related records by id, checked in bulk by the service."""

    contact = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    type = serializers.ChoiceField(choices=Activity.Type.choices)
    occurred_at = serializers.DateTimeField(required=False)
    initiated_by = serializers.ChoiceField(choices=Activity.InitiatedBy.choices, required=False)
    user = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, allow_null=True)
    channel = serializers.ChoiceField(choices=Activity.Channel.choices, required=False)
    campaign = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True
    )
    content_type = serializers.CharField(max_length=60, required=False, allow_blank=True)
    subject = serializers.CharField(max_length=255, required=False, allow_blank=True)
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    is_bot = serializers.BooleanField(required=False, default=False)
    metadata = serializers.DictField(required=False)


class ActivityBulkRequestSerializer(serializers.Serializer):
    activities = ActivityBulkItemSerializer(
        many=True, min_length=1, max_length=BULK_MAX, help_text=f"1 to {BULK_MAX} items."
    )


class ActivityBulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())


class BulkErrorItemSerializer(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class BulkErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    # A body that is not a list of activities answers without these (the shared Error).
    code = serializers.CharField(required=False)
    errors = BulkErrorItemSerializer(many=True, required=False)


# --- Campaigns, products, notes, tasks --------------------------------------------


class CampaignSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(queryset=_users(), required=False, allow_null=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "channel", "start_date", "end_date", "owner", "created_at"]
        read_only_fields = ["created_at"]


class ProductSerializer(serializers.ModelSerializer):
    keywords = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        help_text="Words that signal interest in the product.",
    )

    class Meta:
        model = Product
        fields = ["id", "name", "keywords", "description", "created_at"]
        read_only_fields = ["created_at"]


class NoteSerializer(serializers.ModelSerializer):
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(), required=False, allow_null=True
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    author = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Note
        fields = ["id", "account", "contact", "author", "body", "created_at"]
        read_only_fields = ["created_at"]


class TaskSerializer(serializers.ModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=_users(), required=False, allow_null=True, help_text="Defaults to you."
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(), required=False, allow_null=True
    )
    account = serializers.PrimaryKeyRelatedField(
        queryset=Account.objects.all(), required=False, allow_null=True
    )
    created_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "type",
            "title",
            "description",
            "due_at",
            "status",
            "owner",
            "contact",
            "account",
            "created_by",
            "created_at",
            "completed_at",
        ]
        read_only_fields = ["status", "created_at", "completed_at"]
