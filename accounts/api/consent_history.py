"""The contact's consent history in the API: ``GET /api/v1/contacts/{id}/consent-history/``."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import ConsentChange


class ConsentChangeSerializer(serializers.ModelSerializer):
    """One change of one consent field, list membership, legal basis or consent level."""

    field_label = serializers.CharField(read_only=True)
    old_display = serializers.CharField(
        read_only=True, help_text="The value before, as the contact page names it."
    )
    new_display = serializers.CharField(read_only=True)
    by_contact = serializers.BooleanField(
        read_only=True, help_text="The contact made the change themselves."
    )
    subscription_list = serializers.IntegerField(source="subscription_list_id", allow_null=True)

    class Meta:
        model = ConsentChange
        fields = [
            "id",
            "field",
            "field_label",
            "old_value",
            "new_value",
            "old_text",
            "new_text",
            "old_display",
            "new_display",
            "source",
            "reason",
            "user",
            "by_contact",
            "subscription_list",
            "list_name",
            "sales_email_id",
            "occurred_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "old_value": {"help_text": "Yes/no fields and list memberships; null otherwise."},
            "old_text": {"help_text": "Legal basis and consent level; blank otherwise."},
        }
