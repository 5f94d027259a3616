"""The read-only stage history of an opportunity in the API."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Opportunity


class OpportunityStageChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    from_stage = serializers.ChoiceField(
        choices=Opportunity.Stage.choices, allow_blank=True, help_text="Blank for the creation."
    )
    to_stage = serializers.ChoiceField(choices=Opportunity.Stage.choices)
    changed_at = serializers.DateTimeField()
    changed_by = serializers.IntegerField(source="changed_by_id", allow_null=True)
    days_in_stage = serializers.FloatField(
        allow_null=True,
        help_text="Days spent in to_stage: until the next change, or until now while open; "
        "null once the deal is closed in it.",
    )
    is_current = serializers.BooleanField()
