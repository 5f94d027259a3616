"""API shapes of saved analyses, runs, drill-downs, lists and activation."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from analytics.models import EntityList, SavedAnalysis
from analytics.validation import settings_json, settings_validate


class SavedAnalysisSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)
    settings = serializers.JSONField()
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = SavedAnalysis
        fields = [
            "id",
            "name",
            "kind",
            "settings",
            "visibility",
            "owner",
            "can_edit",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "owner", "created_at", "updated_at"]

    def get_can_edit(self, obj) -> bool:
        from abm.permissions import may_write

        request = self.context.get("request")
        return bool(request and may_write(request.user, obj))

    def validate(self, data):
        kind = data.get("kind") or getattr(self.instance, "kind", None)
        if self.instance is not None and "kind" in data and data["kind"] != self.instance.kind:
            raise serializers.ValidationError({"kind": [_("The kind of an analysis is fixed.")]})
        if "settings" in data:
            try:
                data["settings"] = settings_json(
                    settings_validate(kind=kind, data=data["settings"])
                )
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"settings": exc.detail}) from exc
        return data


class DrillTargetSerializer(serializers.Serializer):
    """What was clicked: a journey node, a cohort cell, a flow node or band."""

    node = serializers.CharField(required=False, max_length=200)
    state = serializers.ChoiceField(
        choices=["reached", "dropped"], required=False, default="reached"
    )
    cohort = serializers.RegexField(r"^\d{4}-\d{2}(-\d{2})?$", required=False)
    group = serializers.CharField(required=False, allow_null=True, default=None, max_length=200)
    period = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=0, max_value=23
    )
    source = serializers.CharField(required=False, max_length=200)
    target = serializers.CharField(required=False, max_length=200)


class DrillSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SavedAnalysis.Kind.choices)
    settings = serializers.JSONField()
    target = DrillTargetSerializer()

    def validate(self, data):
        try:
            data["settings"] = settings_validate(kind=data["kind"], data=data["settings"])
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"settings": exc.detail}) from exc
        target = data["target"]
        kind = data["kind"]
        if kind == "journey":
            ids = {n["id"] for n in data["settings"]["nodes"]}
            if target.get("node") not in ids:
                raise serializers.ValidationError({"target": {"node": [_("No such node.")]}})
        elif kind == "cohort" and not target.get("cohort"):
            raise serializers.ValidationError({"target": {"cohort": [_("Name the cohort.")]}})
        elif kind == "flow" and not (
            target.get("node") or (target.get("source") and target.get("target"))
        ):
            raise serializers.ValidationError(
                {"target": {"node": [_("Name a node, or a band's source and target.")]}}
            )
        return data


class EntityRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    detail = serializers.CharField()
    url = serializers.CharField()


class DrillResultSerializer(serializers.Serializer):
    container = serializers.CharField()
    count = serializers.IntegerField()
    entities = EntityRowSerializer(many=True)


class EntityListCreateSerializer(DrillSerializer):
    name = serializers.CharField(max_length=200)
    analysis = serializers.IntegerField(required=False, allow_null=True, default=None)


class ActivateSerializer(DrillSerializer):
    campaign = serializers.IntegerField(min_value=1)


class EntityListSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True)

    class Meta:
        model = EntityList
        fields = [
            "id",
            "name",
            "container",
            "size",
            "owner",
            "analysis",
            "description",
            "created_at",
        ]
