"""Serializers of ``/api/v1/calls/`` and ``/api/v1/call-outcomes/`` (shapes only: the
services in ``sales_actions.calls.services`` hold the rules)."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Contact, Opportunity, Task, User
from sales_actions.calls.models import Call, CallOutcome


class CallOutcomeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallOutcome
        fields = ["id", "name", "description", "position", "is_active"]
        read_only_fields = ["id"]


class CallSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="The caller; yourself when left out. Only admins name somebody else.",
    )
    user_name = serializers.CharField(source="user.display_name", read_only=True, default="")
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all())
    contact_name = serializers.CharField(source="contact.full_name", read_only=True)
    account = serializers.IntegerField(source="account_id", read_only=True, allow_null=True)
    opportunity = serializers.PrimaryKeyRelatedField(
        queryset=Opportunity.objects.all(), required=False, allow_null=True
    )
    task = serializers.PrimaryKeyRelatedField(
        queryset=Task.objects.all(), required=False, allow_null=True
    )
    outcome = serializers.PrimaryKeyRelatedField(
        queryset=CallOutcome.objects.all(), required=False, allow_null=True
    )
    outcome_name = serializers.CharField(
        source="outcome.name", read_only=True, default="", allow_null=True
    )
    status = serializers.ChoiceField(
        choices=Call.Status.choices,
        help_text=(
            "How the call went. A logged call is connected, no_answer, busy, voicemail or "
            "wrong_number; dialling and failed are reported by a dialer backend."
        ),
    )
    number = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="Default: the contact's phone."
    )
    duration_seconds = serializers.IntegerField(
        min_value=0, max_value=86400, required=False, allow_null=True
    )
    activity = serializers.IntegerField(source="activity_id", read_only=True, allow_null=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "user",
            "user_name",
            "contact",
            "contact_name",
            "account",
            "opportunity",
            "task",
            "number",
            "caller_number",
            "direction",
            "status",
            "outcome",
            "outcome_name",
            "notes",
            "started_at",
            "duration_seconds",
            "recording_url",
            "provider",
            "provider_call_id",
            "activity",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "caller_number",
            "provider",
            "provider_call_id",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"started_at": {"required": False}}


class CallUpdateSerializer(serializers.Serializer):
    """What changes after the call: notes and outcome (status and duration of a logged call)."""

    notes = serializers.CharField(required=False, allow_blank=True)
    outcome = serializers.PrimaryKeyRelatedField(
        queryset=CallOutcome.objects.all(), required=False, allow_null=True
    )
    status = serializers.ChoiceField(choices=Call.Status.choices, required=False)
    duration_seconds = serializers.IntegerField(
        min_value=0, max_value=86400, required=False, allow_null=True
    )


class CallPlaceSerializer(serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all())
    number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    from_number = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        help_text="Caller number; default: the pool number closest to the callee (local presence).",
    )
    opportunity = serializers.PrimaryKeyRelatedField(
        queryset=Opportunity.objects.all(), required=False, allow_null=True
    )
    task = serializers.PrimaryKeyRelatedField(
        queryset=Task.objects.all(), required=False, allow_null=True
    )


class CallPlacedSerializer(serializers.Serializer):
    provider = serializers.CharField()
    dial_uri = serializers.CharField(help_text="The tel: URI to open (built-in dialer), else ''.")
    caller_number = serializers.CharField()
    call = CallSerializer(allow_null=True, help_text="The call a backend dials; null otherwise.")


class VoicemailDropSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=20, help_text="A key from voicemail-messages.")


class VoicemailMessageSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    url = serializers.CharField()


class StatusCallbackSerializer(serializers.Serializer):
    """The provider's form fields (Twilio's names); any other field is signed and ignored."""

    CallSid = serializers.CharField()
    CallStatus = serializers.CharField(required=False)
    CallDuration = serializers.IntegerField(required=False)
    AnsweredBy = serializers.CharField(required=False)
    RecordingUrl = serializers.URLField(required=False)
    RecordingDuration = serializers.IntegerField(required=False)
