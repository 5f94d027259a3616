"""``GET /api/v1/insights/{record}/{id}/``: the Insights panel as JSON (the same reads)."""

from __future__ import annotations

from django.urls import path, register_converter
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from sales_actions.insights import selectors
from sales_actions.insights.scope import insights_scope, week_window


class GridRowSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=[key for key, _ in selectors.GRID_ROWS])
    label = serializers.CharField()
    counts = serializers.ListField(
        child=serializers.IntegerField(), help_text="One count per week, oldest first."
    )
    total = serializers.IntegerField()


class GridSerializer(serializers.Serializer):
    weeks = serializers.ListField(
        child=serializers.DateField(), help_text="The Monday each week starts on (user's zone)."
    )
    rows = GridRowSerializer(many=True)
    max = serializers.IntegerField(help_text="The largest count of one cell.")
    total = serializers.IntegerField()


class UpcomingCadenceSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField(source="pk")
    cadence = serializers.IntegerField(source="cadence_id")
    cadence_name = serializers.CharField(source="cadence.name")
    contact = serializers.IntegerField(source="contact_id")
    contact_name = serializers.CharField(source="contact.full_name")
    status = serializers.CharField()
    next_step = serializers.CharField(source="step.kind", allow_null=True, default=None)
    next_step_label = serializers.CharField(
        source="step.get_kind_display", allow_null=True, default=None
    )
    next_step_template = serializers.CharField(
        source="step.template.name", allow_null=True, default=None
    )
    next_due_at = serializers.DateTimeField(allow_null=True)


class UpcomingTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    type = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField(source="is_overdue")
    contact = serializers.IntegerField(source="contact_id", allow_null=True)
    account = serializers.IntegerField(source="account_id", allow_null=True)
    owner = serializers.IntegerField(source="owner_id", allow_null=True)


class InsightsSerializer(serializers.Serializer):
    record = serializers.ChoiceField(choices=["contact", "account", "opportunity"])
    id = serializers.IntegerField()
    basis = serializers.ChoiceField(
        choices=["contact", "account_contacts", "opportunity_roles", "opportunity_account"],
        help_text="Whose activity is summed: the person, the account's contacts, the "
        "opportunity's contact roles, or (no roles) its account's contacts.",
    )
    basis_label = serializers.CharField()
    time_zone = serializers.CharField(help_text="The zone the weeks are counted in (yours).")
    generated_at = serializers.DateTimeField()
    grid = GridSerializer()
    cadences = UpcomingCadenceSerializer(many=True)
    tasks = UpcomingTaskSerializer(many=True)


class RecordConverter:
    regex = "contact|account|opportunity"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(RecordConverter, "insights_record")


class RecordInsightsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="insights_retrieve",
        summary="Insights of a contact, account or opportunity",
        description=(
            "The engagement velocity grid (people's activity per kind per week, the last 12 "
            "weeks in your time zone, machine events left out), upcoming cadences and "
            "upcoming tasks. Accounts and opportunities sum over their contacts (`basis`). "
            "404 for a record you may not read."
        ),
        parameters=[
            OpenApiParameter(
                "record",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=["contact", "account", "opportunity"],
            ),
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses={200: InsightsSerializer},
        tags=["insights"],
    )
    def get(self, request, record: str, id: int):
        scope = insights_scope(user=request.user, record=record, pk=id)
        window = week_window(user=request.user)
        now = timezone.now()
        data = selectors.insights(user=request.user, scope=scope, window=window, now=now)
        payload = {
            "record": record,
            "id": id,
            "basis": scope.basis,
            "basis_label": scope.basis_label,
            "time_zone": window.tz_name,
            "generated_at": now,
            **data,
        }
        return Response(InsightsSerializer(payload).data)


urlpatterns = [
    path(
        "insights/<insights_record:record>/<int:id>/",
        RecordInsightsView.as_view(),
        name="insights-record",
    ),
]
