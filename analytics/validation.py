"""Settings of each analysis kind, validated once (API and pages) into plain dicts.

A bad setting answers 400 naming its path, e.g. ``{"nodes": [{}, {"condition":
{"stage": ["..."]}}]}``; the engine only ever sees validated settings.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Activity, Campaign, Industry, Lead, Opportunity
from analytics.engine.sql import ACTIVITY_KINDS, DIMENSIONS, LIFECYCLE_KINDS
from analytics.models import Container, SavedAnalysis

KIND_CHOICES = [*ACTIVITY_KINDS, *LIFECYCLE_KINDS]
LEAD_STATUSES = [
    Lead.Status.MQL,
    Lead.Status.SALES_ACCEPTED,
    Lead.Status.CONVERTED,
    Lead.Status.DISQUALIFIED,
    Lead.Status.NURTURING,
]
MAX_NODES = 12
COHORT_CONTAINERS = [c for c in Container.choices if c[0] != Container.PERSON]
FLOW_CONTAINERS = [
    c for c in Container.choices if c[0] in (Container.ACCOUNT, Container.BUYING_GROUP)
]


class EventConditionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=KIND_CHOICES)
    stage = serializers.ChoiceField(
        choices=Opportunity.Stage.choices, required=False, allow_blank=True, default=""
    )
    status = serializers.ChoiceField(
        choices=LEAD_STATUSES, required=False, allow_blank=True, default=""
    )
    campaign = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    channel = serializers.ChoiceField(
        choices=Activity.Channel.choices, required=False, allow_blank=True, default=""
    )
    content_type = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=60
    )
    contains = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, trim_whitespace=True
    )
    url_contains = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, trim_whitespace=True
    )

    def validate(self, data):
        kind = data["kind"]
        if kind == "opportunity_stage" and not data.get("stage"):
            raise serializers.ValidationError({"stage": [_("Choose the stage reached.")]})
        if kind == "lead_status" and not data.get("status"):
            raise serializers.ValidationError({"status": [_("Choose the lead status reached.")]})
        if kind in ("opportunity_created", "opportunity_stage", "target_marked"):
            for name in ("campaign", "channel", "content_type", "contains", "url_contains"):
                if data.get(name):
                    raise serializers.ValidationError(
                        {
                            name: [
                                _("Only activities have this; remove it for a deal or target fact.")
                            ]
                        }
                    )
        if data.get("campaign") and not Campaign.objects.filter(pk=data["campaign"]).exists():
            raise serializers.ValidationError({"campaign": [_("No such campaign.")]})
        return data


class AnalysisFiltersSerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False, allow_null=True, default=None)
    date_to = serializers.DateField(required=False, allow_null=True, default=None)
    industry = serializers.ListField(
        child=serializers.ChoiceField(choices=Industry.choices),
        required=False,
        default=list,
        max_length=20,
    )
    country = serializers.ListField(
        child=serializers.CharField(max_length=80), required=False, default=list, max_length=50
    )
    is_target = serializers.BooleanField(required=False, allow_null=True, default=None)
    owner = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    team = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    account = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    buying_group = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1
    )

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise serializers.ValidationError({"date_to": [_("Ends before it starts.")]})
        return data


def _check_single(settings: dict) -> None:
    filters = settings.get("filters", {})
    if filters.get("buying_group") and settings["container"] != Container.BUYING_GROUP:
        raise serializers.ValidationError(
            {
                "filters": {
                    "buying_group": [_("A single buying group needs the buying group container.")]
                }
            }
        )


class JourneyNodeSerializer(serializers.Serializer):
    id = serializers.RegexField(r"^[A-Za-z0-9_-]{1,20}$")
    name = serializers.CharField(max_length=80)
    parent = serializers.CharField(required=False, allow_null=True, default=None, max_length=20)
    condition = EventConditionSerializer()
    x = serializers.FloatField(required=False, allow_null=True, default=None)
    y = serializers.FloatField(required=False, allow_null=True, default=None)


class JourneyKeyMomentsSerializer(serializers.Serializer):
    node = serializers.CharField(max_length=20)
    days = serializers.IntegerField(min_value=1, max_value=365, default=30)
    dimension = serializers.ChoiceField(choices=list(DIMENSIONS), default="type")


class JourneySettingsSerializer(serializers.Serializer):
    container = serializers.ChoiceField(choices=Container.choices)
    nodes = JourneyNodeSerializer(many=True, allow_empty=False, max_length=MAX_NODES)
    key_moments = JourneyKeyMomentsSerializer(required=False, allow_null=True, default=None)
    filters = AnalysisFiltersSerializer(required=False, default=dict)

    def validate(self, data):
        ids = [node["id"] for node in data["nodes"]]
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError({"nodes": [_("Node ids must be unique.")]})
        # parents must come earlier, so the canvas is a tree read top-down
        seen: set[str] = set()
        for index, node in enumerate(data["nodes"]):
            if node["parent"] is not None and node["parent"] not in seen:
                message = _("Connect from a node placed before this one.")
                raise serializers.ValidationError({"nodes": {str(index): {"parent": [message]}}})
            seen.add(node["id"])
        if data.get("key_moments") and data["key_moments"]["node"] not in seen:
            raise serializers.ValidationError({"key_moments": {"node": [_("No such node.")]}})
        _check_single(data)
        return data


class CohortMetricSerializer(serializers.Serializer):
    condition = EventConditionSerializer()
    operator = serializers.ChoiceField(choices=["gte", "gt", "eq", "lte", "lt"], default="gte")
    value = serializers.IntegerField(min_value=0, max_value=100_000, default=1)


class CohortSettingsSerializer(serializers.Serializer):
    container = serializers.ChoiceField(choices=COHORT_CONTAINERS)
    inclusion = CohortMetricSerializer()
    # "return" is a Python keyword: the field is declared below under its JSON name.
    granularity = serializers.ChoiceField(choices=["week", "month"], default="month")
    periods = serializers.IntegerField(min_value=1, max_value=24, default=6)
    cumulative = serializers.BooleanField(default=False)
    breakdown = serializers.ChoiceField(
        choices=["none", "industry", "country", "is_target", "campaign_source", "role_template"],
        default="none",
    )
    filters = AnalysisFiltersSerializer(required=False, default=dict)

    def get_fields(self):
        fields = super().get_fields()
        fields["return"] = CohortMetricSerializer()
        return fields

    def validate(self, data):
        if data["breakdown"] == "role_template" and data["container"] != Container.BUYING_GROUP:
            raise serializers.ValidationError(
                {"breakdown": [_("Buying-group type needs the buying group container.")]}
            )
        if data["inclusion"]["value"] == 0 and data["inclusion"]["operator"] in ("lte", "lt", "eq"):
            raise serializers.ValidationError(
                {
                    "inclusion": {
                        "value": [
                            _("An entity is included by events it had: use a value of 1 or more.")
                        ]
                    }
                }
            )
        filters = data.get("filters") or {}
        if filters.get("date_from") and filters.get("date_to"):
            span = (filters["date_to"] - filters["date_from"]).days
            limit = 366 * 3 if data["granularity"] == "month" else 7 * 60
            if span > limit:
                raise serializers.ValidationError(
                    {"filters": {"date_to": [_("At most 36 months or 60 weeks of cohorts.")]}}
                )
        _check_single(data)
        return data


class FlowAnchorSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["start", "end"], default="end")
    name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    condition = EventConditionSerializer()


class FlowSettingsSerializer(serializers.Serializer):
    container = serializers.ChoiceField(choices=FLOW_CONTAINERS)
    dimension = serializers.ChoiceField(choices=list(DIMENSIONS), default="content_type")
    anchor = FlowAnchorSerializer()
    columns = serializers.IntegerField(min_value=2, max_value=10, default=5)
    top = serializers.IntegerField(min_value=1, max_value=20, default=5)
    filters = AnalysisFiltersSerializer(required=False, default=dict)

    def validate(self, data):
        _check_single(data)
        return data


SETTINGS_SERIALIZERS = {
    SavedAnalysis.Kind.JOURNEY: JourneySettingsSerializer,
    SavedAnalysis.Kind.COHORT: CohortSettingsSerializer,
    SavedAnalysis.Kind.FLOW: FlowSettingsSerializer,
}


def settings_validate(*, kind: str, data) -> dict:
    """Validated, normalized settings of one kind; raises DRF's ValidationError."""
    if kind not in SETTINGS_SERIALIZERS:
        raise serializers.ValidationError({"kind": [_("Unknown analysis kind.")]})
    if not isinstance(data, dict):
        raise serializers.ValidationError({"settings": [_("Expected an object.")]})
    serializer = SETTINGS_SERIALIZERS[kind](data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def settings_json(settings: dict) -> dict:
    """Validated settings back to JSON-ready values (dates as ISO strings)."""
    import datetime as dt

    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [clean(v) for v in value]
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    return clean(settings)
