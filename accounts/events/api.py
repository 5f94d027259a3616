"""``/api/v1/events/``: marketing events, their registrations, list import and report.

Everybody signed in reads events. Marketers and admins create, edit, delete and import;
registering, cancelling and checking in a person is allowed to whoever may write that
person (``may_register_for_event``), checked by the service.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from abm.exceptions import ApplicationError
from abm.permissions import is_signed_in, may_manage_events
from abm.routers import HubRouter
from abm.schema import paginated_action
from accounts.api.related import _paged
from accounts.api.targets import MoneyTotalSerializer
from accounts.api.views import ERROR_RESPONSES, ServiceViewSet, _write_schema
from accounts.events import selectors, services
from accounts.models import Campaign, Contact, EventRegistration, MarketingEvent
from accounts.services.imports import import_upload_read

# Actions any signed-in user may call; the service checks who they may register.
PERSON_ACTIONS = {"registrations", "check_in", "cancel", "report"}


class EventPermission(permissions.BasePermission):
    message = _("Only marketers and admins can manage events.")

    def has_permission(self, request, view):
        if not is_signed_in(request.user):
            return False
        if request.method in permissions.SAFE_METHODS or view.action in PERSON_ACTIONS:
            return True
        return may_manage_events(request.user)


class QuestionSerializer(serializers.Serializer):
    key = serializers.RegexField(
        services.QUESTION_KEY.pattern, max_length=40, required=False,
        help_text="Lower-case letters, digits and _; made from the label when left out.",
    )  # fmt: skip
    label = serializers.CharField(max_length=200)


class MarketingEventSerializer(serializers.ModelSerializer):
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    questions = QuestionSerializer(many=True, required=False)
    registered_count = serializers.IntegerField(read_only=True, default=0)
    waitlisted_count = serializers.IntegerField(read_only=True, default=0)
    attended_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = MarketingEvent
        fields = [
            "id",
            "name",
            "type",
            "starts_at",
            "ends_at",
            "venue",
            "webinar_url",
            "campaign",
            "capacity",
            "description",
            "questions",
            "registered_count",
            "waitlisted_count",
            "attended_count",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_at"]
        extra_kwargs = {"capacity": {"min_value": 1, "max_value": 1_000_000}}


class RegistrationSerializer(serializers.ModelSerializer):
    contact_name = serializers.CharField(source="contact.full_name", read_only=True)
    contact_email = serializers.CharField(source="contact.email", read_only=True)

    class Meta:
        model = EventRegistration
        fields = [
            "id",
            "event",
            "contact",
            "contact_name",
            "contact_email",
            "status",
            "answers",
            "source",
            "registered_at",
            "cancelled_at",
            "checked_in_at",
            "registered_by",
        ]
        read_only_fields = fields


class RegistrationCreateSerializer(serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all())
    answers = serializers.DictField(
        child=serializers.CharField(max_length=services.MAX_ANSWER_LENGTH, allow_blank=True),
        required=False,
    )


class CheckInSerializer(serializers.Serializer):
    checked_in_at = serializers.DateTimeField(required=False, help_text="Default: now.")


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV: email (required), first_name, last_name, …")


ImportResultSerializer = inline_serializer(
    "EventImportResult",
    {
        name: serializers.IntegerField()
        for name in (
            "rows",
            "contacts_created",
            "registered",
            "waitlisted",
            "attended",
            "unchanged",
        )  # fmt: skip
    },
)


ReportSerializer = inline_serializer(
    "EventReport",
    {
        "counts": inline_serializer(
            "EventCounts",
            {
                name: serializers.IntegerField()
                for name in ("registered", "waitlisted", "cancelled", "attended")
            },
        ),
        "registrants": serializers.IntegerField(),
        "attendance_rate": serializers.FloatField(allow_null=True),
        "seats_left": serializers.IntegerField(allow_null=True),
        "accounts_across_events": inline_serializer(
            "EventAccountAcross",
            {
                "account_id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "count": serializers.IntegerField(),
                "events": serializers.ListField(child=serializers.DictField()),
            },
            many=True,
        ),
        "pipeline": inline_serializer(
            "EventPipeline",
            {
                "count": serializers.IntegerField(),
                "accounts": serializers.IntegerField(),
                "days": serializers.IntegerField(),
                "totals": MoneyTotalSerializer(many=True),
            },
        ),
    },
)
REGISTRATION_ID = OpenApiParameter("registration_id", int, OpenApiParameter.PATH)


@_write_schema(MarketingEventSerializer)
class MarketingEventViewSet(ServiceViewSet):
    """Marketing events (in person or webinars) with capacity and registration questions."""

    permission_classes = [EventPermission]
    serializer_class = MarketingEventSerializer
    filterset_fields = ["type", "campaign"]
    search_fields = ["name", "venue"]
    ordering_fields = ["starts_at", "name", "id"]
    ordering = ["-starts_at", "-id"]
    create_service = services.event_create
    update_service = services.event_update
    delete_service = services.event_delete
    instance_arg = "event"

    def get_queryset(self):
        return selectors.event_list()

    def _event(self) -> MarketingEvent:
        return get_object_or_404(MarketingEvent, pk=self.kwargs["pk"])

    @extend_schema(
        methods=["get"],
        responses={200: RegistrationSerializer(many=True), **ERROR_RESPONSES},
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=[*EventRegistration.Status.values, "attended"],
                description="Only these registrations (attended: checked in).",
            )
        ],  # fmt: skip
        summary="The event's registrations, newest first",
    )
    @extend_schema(
        methods=["post"],
        request=RegistrationCreateSerializer,
        responses={201: RegistrationSerializer, **ERROR_RESPONSES},
        summary="Register a person (waitlisted when the event is full)",
    )
    @paginated_action
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def registrations(self, request, pk=None):
        event = self._event()
        if request.method == "POST":
            serializer = RegistrationCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            registration = services.registration_create(
                user=request.user,
                event=event,
                contact=serializer.validated_data["contact"],
                answers=serializer.validated_data.get("answers"),
                source=EventRegistration.Source.API,
            )
            return Response(RegistrationSerializer(registration).data, status=201)
        queryset = selectors.registration_list(event)
        wanted = request.query_params.get("status", "")
        if wanted == "attended":
            queryset = queryset.filter(checked_in_at__isnull=False)
        elif wanted in EventRegistration.Status.values:
            queryset = queryset.filter(status=wanted)
        elif wanted:
            raise ApplicationError(
                _("Status is registered, waitlisted, cancelled or attended."), field="status"
            )
        return _paged(self, request, queryset, RegistrationSerializer, "-registered_at", "-id")

    def _registration(self, registration_id) -> EventRegistration:
        return get_object_or_404(
            EventRegistration.objects.select_related("event", "contact"),
            pk=registration_id,
            event_id=self.kwargs["pk"],
        )

    @extend_schema(
        request=CheckInSerializer,
        parameters=[REGISTRATION_ID],
        responses={200: RegistrationSerializer, **ERROR_RESPONSES},
        summary="Check a registered person in (again: nothing changes)",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="registrations/<int:registration_id>/check-in",
        filter_backends=[],
    )
    def check_in(self, request, pk=None, registration_id=None):
        registration = self._registration(registration_id)
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration, _now_in = services.registration_check_in(
            user=request.user,
            event=registration.event,
            contact=registration.contact,
            at=serializer.validated_data.get("checked_in_at"),
            source=EventRegistration.Source.API,
        )
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(
        request=None,
        parameters=[REGISTRATION_ID],
        responses={200: RegistrationSerializer(many=True), **ERROR_RESPONSES},
        summary="Cancel a registration; answers who moved up from the waitlist",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="registrations/<int:registration_id>/cancel",
        filter_backends=[],
    )
    def cancel(self, request, pk=None, registration_id=None):
        promoted = services.registration_cancel(
            user=request.user, registration=self._registration(registration_id)
        )
        return Response(RegistrationSerializer(promoted, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ImportSerializer},
        responses={200: ImportResultSerializer, **ERROR_RESPONSES},
        summary="Import a registration or attendee list (CSV): all rows, or none",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="import",
        parser_classes=[MultiPartParser],
        filter_backends=[],
    )
    def import_list(self, request, pk=None):
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.registrations_import(
            user=request.user,
            event=self._event(),
            raw=import_upload_read(serializer.validated_data["file"]),
        )
        return Response(result, status=status.HTTP_200_OK)

    @extend_schema(
        responses={200: ReportSerializer, **ERROR_RESPONSES},
        summary="Registrants, attendance rate, accounts across events, pipeline after",
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def report(self, request, pk=None):
        report = selectors.event_report(self._event())
        pipeline = report["pipeline"]
        # Money leaves as a decimal string, as everywhere in the API (never a float).
        pipeline["totals"] = [
            {"currency": t["currency"], "amount": f"{t['amount']:.2f}"} for t in pipeline["totals"]
        ]
        return Response(report)


router = HubRouter()
router.register("events", MarketingEventViewSet, basename="marketing-event")
urlpatterns = router.urls
