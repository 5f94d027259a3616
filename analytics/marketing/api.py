"""``GET /api/v1/marketing-insights/{record}/{id}/``: the Marketing insights panel as JSON."""

from __future__ import annotations

from django.urls import path, register_converter
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.marketing.selectors import KPIS, marketing_insights
from sales_actions.insights.scope import insights_scope, week_window

RECORDS = ["contact", "account", "lead"]


class KpiSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=[key for key, _ in KPIS])
    label = serializers.CharField()
    total = serializers.IntegerField()
    weekly = serializers.ListField(
        child=serializers.IntegerField(), help_text="One count per week, oldest first."
    )


class CampaignTouchedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    activities = serializers.IntegerField()


class CampaignsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Distinct campaigns touched in the window.")
    top = CampaignTouchedSerializer(many=True, help_text="The busiest five.")


class ScoreSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["history", "current"],
        help_text="history: the score each day (LeadScoreDay, carried forward); current: "
        "no stored history, the current score alone.",
    )
    basis = serializers.CharField()
    current = serializers.IntegerField(allow_null=True)
    days = serializers.ListField(child=serializers.DateField())
    values = serializers.ListField(child=serializers.IntegerField(allow_null=True))


class MarketingInsightsSerializer(serializers.Serializer):
    record = serializers.ChoiceField(choices=RECORDS)
    id = serializers.IntegerField()
    basis = serializers.ChoiceField(
        choices=["contact", "account_contacts", "lead_contact", "lead_account", "none"],
        help_text="Whose interactions are summed.",
    )
    basis_label = serializers.CharField()
    time_zone = serializers.CharField(help_text="The zone the weeks are counted in (yours).")
    weeks = serializers.ListField(child=serializers.DateField())
    kpis = KpiSerializer(many=True)
    campaigns = CampaignsSerializer()
    score = ScoreSerializer()


class MarketingRecordConverter:
    regex = "contact|account|lead"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MarketingRecordConverter, "marketing_record")


class MarketingInsightsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="marketing_insights_retrieve",
        summary="Marketing insights of a contact, account or lead",
        description=(
            "How the record's people interact with marketing over the last 12 weeks (your "
            "time zone): marketing emails delivered, opened and clicked (people only), web "
            "visits, forms, events registered and attended, each with weekly counts; "
            "campaigns touched; the score over time. Accounts sum over their contacts, a "
            "lead is its contact's (an account lead: its account's contacts). 404 for a "
            "record you may not read."
        ),
        parameters=[
            OpenApiParameter("record", OpenApiTypes.STR, OpenApiParameter.PATH, enum=RECORDS),
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses={200: MarketingInsightsSerializer},
        tags=["insights"],
    )
    def get(self, request, record: str, id: int):
        scope = insights_scope(user=request.user, record=record, pk=id)
        window = week_window(user=request.user)
        data = marketing_insights(scope=scope, window=window, today=timezone.now().date())
        payload = {
            "record": record,
            "id": id,
            "basis": scope.basis,
            "basis_label": scope.basis_label,
            "time_zone": window.tz_name,
            **data,
        }
        return Response(MarketingInsightsSerializer(payload).data)


urlpatterns = [
    path(
        "marketing-insights/<marketing_record:record>/<int:id>/",
        MarketingInsightsView.as_view(),
        name="marketing-insights-record",
    ),
]
