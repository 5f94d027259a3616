"""API shapes of role templates, buying groups, members and generation jobs."""

from rest_framework import serializers

from abm.filters import MAX_ID
from accounts.models import Product
from buying_groups.models import BuyingGroup, GenerationJob, Member, RoleTemplate, TemplateRole


class ConditionSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=["title", "department", "buying_roles", "seniority"])
    op = serializers.CharField()
    value = serializers.ListField(child=serializers.CharField())


class TemplateRoleSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(required=False)
    conditions = ConditionSerializer(many=True, required=False)

    class Meta:
        model = TemplateRole
        fields = ["id", "name", "weight", "required", "is_decision_maker", "match", "conditions"]


class RoleTemplateSerializer(serializers.ModelSerializer):
    roles = TemplateRoleSerializer(many=True, required=False)
    solution_interest_name = serializers.CharField(
        source="solution_interest.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = RoleTemplate
        fields = [
            "id",
            "name",
            "solution_interest",
            "solution_interest_name",
            "description",
            "roles",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is checked by the service (with a clear message), not twice here.
        validators = []
        extra_kwargs = {"name": {"validators": []}}


class BuyingGroupSerializer(serializers.ModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="key", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    solution_interest_name = serializers.CharField(source="solution_interest.name", read_only=True)
    role_template_name = serializers.CharField(source="role_template.name", read_only=True)

    class Meta:
        model = BuyingGroup
        fields = [
            "id",
            "name",
            "account",
            "account_name",
            "solution_interest",
            "solution_interest_name",
            "role_template",
            "role_template_name",
            "stage",
            "member_count",
            "engagement_score",
            "completeness_score",
            "scores_computed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BuyingGroupWriteSerializer(serializers.Serializer):
    """Input of create/update: checked again (and fully) by the services."""

    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    account = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    solution_interest = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    role_template = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    stage = serializers.CharField(required=False, help_text="A stage key, e.g. 'decision'.")


class MemberSerializer(serializers.ModelSerializer):
    contact = serializers.IntegerField(source="contact_id")
    name = serializers.CharField(source="contact.full_name")
    title = serializers.CharField(source="contact.title")
    email = serializers.CharField(source="contact.email")
    phone = serializers.CharField(source="contact.phone")
    engagement_score = serializers.IntegerField(source="contact.engagement_score")
    role = serializers.IntegerField(source="role_id")
    role_name = serializers.CharField(source="role.name")

    class Meta:
        model = Member
        fields = [
            "id",
            "contact",
            "name",
            "title",
            "email",
            "phone",
            "engagement_score",
            "role",
            "role_name",
            "source",
            "added_at",
        ]


class MemberPairSerializer(serializers.Serializer):
    contact = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    role = serializers.IntegerField(min_value=1, max_value=MAX_ID)


def _member_pairs(**kwargs):
    # A ListField (not many=True) so the schema says minItems; the cap is the service's.
    return serializers.ListField(
        child=MemberPairSerializer(), allow_empty=False, min_length=1, **kwargs
    )


class MembersAddSerializer(serializers.Serializer):
    """The body of "add members" is a bare list; it is checked as ``members``."""

    members = _member_pairs()


class MembersRemoveSerializer(serializers.Serializer):
    contact_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        min_length=1,
    )


class MembersRolesSerializer(serializers.Serializer):
    members = _member_pairs()


class GenerateSerializer(serializers.Serializer):
    role_template = serializers.PrimaryKeyRelatedField(queryset=RoleTemplate.objects.all())
    solution_interest = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False
    )
    all_targets = serializers.BooleanField(default=False)
    account_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=200000,
    )
    account_filter = serializers.DictField(required=False)


class GenerationJobSerializer(serializers.ModelSerializer):
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = GenerationJob
        fields = [
            "id",
            "status",
            "role_template",
            "solution_interest",
            "all_targets",
            "account_ids",
            "account_filter",
            "total_accounts",
            "processed_accounts",
            "progress_percent",
            "groups_created",
            "members_added",
            "skipped_count",
            "skipped",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class IntentSerializer(serializers.Serializer):
    product = serializers.DictField()
    level = serializers.ChoiceField(choices=["low", "medium", "high"])
    points = serializers.FloatField()
    signals = serializers.ListField(child=serializers.CharField())
    signal_counts = serializers.DictField(child=serializers.IntegerField())
    explanation = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    text = serializers.CharField(allow_null=True)
    backend = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    generated_at = serializers.DateTimeField(allow_null=True)
    data_version = serializers.CharField(allow_null=True)
    current = serializers.BooleanField()
