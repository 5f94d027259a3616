"""Lead scoring API: ``/api/v1/scoring-models/`` (CRUD with nested rules; everybody reads,
marketers and admins write) and ``/api/v1/leads/{id}/score/`` (a score's explanation)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from abm.permissions import is_signed_in, may_manage_marketing
from abm.routers import HubRouter
from accounts.api.views import ServiceViewSet, _write_schema
from accounts.models import Lead, ScoringModel, ScoringRule
from accounts.scoring import selectors, services


class MarketingWritesModels(permissions.BasePermission):
    """Any signed-in user reads scoring models; marketers and admins change them."""

    message = _("Only marketers and admins can manage scoring models.")

    def has_permission(self, request, view):
        if not is_signed_in(request.user):
            return False
        return request.method in permissions.SAFE_METHODS or may_manage_marketing(request.user)


class ScoringRuleSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField(help_text="The rule in words.")
    activity_type = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=24,
        help_text="An activity type (email_clicked, event_attended, web_visit …); blank: any.",
    )

    class Meta:
        model = ScoringRule
        fields = [
            "id",
            "position",
            "kind",
            "points",
            "activity_type",
            "campaign",
            "content_type",
            "subject_contains",
            "url_contains",
            "count_mode",
            "min_count",
            "window_days",
            "max_points",
            "decay",
            "decay_days",
            "field",
            "values",
            "min_value",
            "max_value",
            "label",
        ]
        read_only_fields = ["id", "position"]
        validators = []

    def get_label(self, obj) -> str:
        return selectors.rule_label(obj)


class ScoringModelSerializer(serializers.ModelSerializer):
    rules = ScoringRuleSerializer(
        many=True,
        required=False,
        help_text="Every rule of the model; given on a write, it replaces them all.",
    )

    class Meta:
        model = ScoringModel
        fields = [
            "id",
            "name",
            "description",
            "product",
            "threshold",
            "is_active",
            "rules",
            "created_at",
            "updated_at",
            "recomputed_at",
        ]
        read_only_fields = ["created_at", "updated_at", "recomputed_at"]
        validators = []


@_write_schema(ScoringModelSerializer)
class ScoringModelViewSet(ServiceViewSet):
    """Lead scoring models: rules on the primary contact's interactions and fields, a
    sales-ready threshold, all leads or one product (one active model each)."""

    permission_classes = [MarketingWritesModels]
    queryset = ScoringModel.objects.select_related("product").prefetch_related("rules")
    serializer_class = ScoringModelSerializer
    filterset_fields = ["is_active", "product"]
    ordering_fields = ["name", "updated_at", "id"]
    ordering = ["name", "id"]
    create_service = services.scoring_model_create
    update_service = services.scoring_model_update
    delete_service = services.scoring_model_delete
    instance_arg = "model"

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if "rules" in data:
            data["rules"] = [dict(r) for r in data["rules"]]
        serializer.instance = services.scoring_model_create(user=self.request.user, data=data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if "rules" in data:
            data["rules"] = [dict(r) for r in data["rules"]]
        model = services.scoring_model_update(
            user=self.request.user, model=serializer.instance, data=data
        )
        serializer.instance = ScoringModel.objects.prefetch_related("rules").get(pk=model.pk)


class ScoreActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    type_label = serializers.CharField()
    subject = serializers.CharField()
    occurred_at = serializers.DateTimeField()


class ScoreItemSerializer(serializers.Serializer):
    rule = serializers.IntegerField(help_text="The rule's id.")
    rule_label = serializers.CharField()
    points = serializers.FloatField(help_text="Points this rule gave (after decay and cap).")
    count = serializers.IntegerField(help_text="Matching interactions.")
    activities = ScoreActivitySerializer(
        many=True, help_text="The newest contributing interactions (at most 10)."
    )


class ScoreModelRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class LeadScoreSerializer(serializers.Serializer):
    lead = serializers.IntegerField()
    score = serializers.IntegerField()
    scored = serializers.BooleanField(help_text="False: not scored automatically (see reason).")
    reason_code = serializers.ChoiceField(
        choices=["no_contact", "no_model", "pending"], allow_null=True
    )
    reason = serializers.CharField(allow_null=True)
    model = ScoreModelRefSerializer(allow_null=True)
    threshold = serializers.IntegerField(allow_null=True)
    sales_ready = serializers.BooleanField()
    computed_at = serializers.DateTimeField(allow_null=True)
    qualified_at = serializers.DateTimeField(
        allow_null=True, help_text="When crossing the threshold made the lead MQL."
    )
    items = ScoreItemSerializer(many=True)


class LeadScoreView(APIView):
    """A lead's computed score and its explanation: the rules and interactions that gave
    its points, or why it is not scored automatically."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=LeadScoreSerializer)
    def get(self, request, pk: int):
        lead = get_object_or_404(Lead, pk=pk)
        return Response(LeadScoreSerializer(selectors.lead_score_explain(lead)).data)


router = HubRouter()
router.register("scoring-models", ScoringModelViewSet, basename="scoring-model")
urlpatterns = [
    *router.urls,
    path("leads/<int:pk>/score/", LeadScoreView.as_view(), name="lead-score"),
]
