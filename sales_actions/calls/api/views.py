"""``/api/v1/calls/``, ``/api/v1/call-outcomes/`` and the dialer's status callback."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from abm.paging import KeysetPagination
from abm.permissions import is_signed_in, may_manage_call_outcomes
from sales_actions.calls import selectors, services
from sales_actions.calls.api.serializers import (
    CallOutcomeSerializer,
    CallPlacedSerializer,
    CallPlaceSerializer,
    CallSerializer,
    CallUpdateSerializer,
    StatusCallbackSerializer,
    VoicemailDropSerializer,
    VoicemailMessageSerializer,
)
from sales_actions.calls.filters import CallFilter
from sales_actions.calls.models import Call, CallOutcome
from sales_actions.dialer import callback_url, dialer_get


class CallViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The call log. Create logs a call made on your own phone (it writes the contact's
    ``call`` activity once); update changes notes and outcome; ``place`` dials through the
    configured dialer. Every signed-in role reads every call; only the caller or an admin
    changes one."""

    serializer_class = CallSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    filterset_class = CallFilter
    search_fields = ["notes", "number"]
    ordering_fields = ["started_at", "duration_seconds", "id"]
    ordering = ["-started_at", "-id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    schema_error_statuses = {"place": (502,), "voicemail_drop": (502,)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Call.objects.none()
        return selectors.call_list(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.call_log(
            user=self.request.user,
            contact=data["contact"],
            number=data.get("number", ""),
            direction=data.get("direction", Call.Direction.OUTBOUND),
            status=data["status"],
            outcome=data.get("outcome"),
            notes=data.get("notes", ""),
            started_at=data.get("started_at"),
            duration_seconds=data.get("duration_seconds"),
            recording_url=data.get("recording_url", ""),
            caller=data.get("user"),
            opportunity=data.get("opportunity"),
            task=data.get("task"),
        )

    @extend_schema(request=CallUpdateSerializer, responses=CallSerializer)
    def update(self, request, *args, **kwargs):
        call = self.get_object()
        incoming = CallUpdateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        call = services.call_update(user=request.user, call=call, **incoming.validated_data)
        return Response(CallSerializer(call, context=self.get_serializer_context()).data)

    @extend_schema(request=CallUpdateSerializer, responses=CallSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @extend_schema(
        request=CallPlaceSerializer,
        responses={200: CallPlacedSerializer, 201: CallPlacedSerializer},
        summary="Place a call through the dialer",
    )
    @action(detail=False, methods=["post"])
    def place(self, request):
        """Built-in dialer: 200 with the ``tel:`` URI to open (log the call afterwards).
        Dialer backend: 201 with the new call, "dialling" until the provider's callbacks."""
        incoming = CallPlaceSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        call, placed = services.call_place(
            user=request.user,
            contact=data["contact"],
            number=data.get("number", ""),
            from_number=data.get("from_number", ""),
            opportunity=data.get("opportunity"),
            task=data.get("task"),
        )
        body = {
            "provider": placed.provider,
            "dial_uri": placed.dial_uri,
            "caller_number": placed.caller_number,
            "call": CallSerializer(call, context=self.get_serializer_context()).data
            if call
            else None,
        }
        return Response(body, status=status.HTTP_201_CREATED if call else status.HTTP_200_OK)

    @extend_schema(request=VoicemailDropSerializer, responses=CallSerializer)
    @action(detail=True, methods=["post"], url_path="voicemail-drop")
    def voicemail_drop(self, request, pk=None):
        """Play a pre-recorded message (``voicemail-messages``) into the call and hang up."""
        call = self.get_object()
        incoming = VoicemailDropSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        call = services.call_voicemail_drop(
            user=request.user, call=call, message_key=incoming.validated_data["message"]
        )
        return Response(CallSerializer(call, context=self.get_serializer_context()).data)

    @extend_schema(responses=VoicemailMessageSerializer(many=True), filters=False)
    @action(detail=False, methods=["get"], url_path="voicemail-messages", pagination_class=None)
    def voicemail_messages(self, request):
        """The pre-recorded voicemail messages the dialer can drop (none for the built-in)."""
        return Response(
            [
                {"key": m.key, "label": m.label, "url": m.url}
                for m in dialer_get().voicemail_messages()
            ]
        )


class OutcomeWritePermission(permissions.BasePermission):
    message = "Only admins can change the call outcomes."

    def has_permission(self, request, view):
        if not is_signed_in(request.user):
            return False
        return request.method in permissions.SAFE_METHODS or may_manage_call_outcomes(request.user)


class CallOutcomeViewSet(viewsets.ModelViewSet):
    """The outcomes a rep picks when logging a call: everybody reads, admins write. An
    outcome calls used cannot be deleted (409): set ``is_active`` false to retire it."""

    serializer_class = CallOutcomeSerializer
    permission_classes = [OutcomeWritePermission]
    pagination_class = KeysetPagination
    filterset_fields = ["is_active"]
    ordering_fields = ["position", "name", "id"]
    ordering = ["position", "name", "id"]
    schema_error_statuses = {"destroy": (409,)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CallOutcome.objects.none()
        return selectors.call_outcome_list()

    def perform_create(self, serializer):
        serializer.instance = services.call_outcome_create(
            user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.call_outcome_update(
            user=self.request.user, outcome=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.call_outcome_delete(user=self.request.user, outcome=instance)


class CallStatusCallbackView(APIView):
    """The dialer backend's status callback (public; the provider signs each request).

    A form post with Twilio's fields (``CallSid``, ``CallStatus``, ``CallDuration``,
    ``AnsweredBy``, ``RecordingUrl``), signed in ``X-Twilio-Signature``: base64 of the
    HMAC-SHA1, keyed with ``DIALER_AUTH_TOKEN``, of the callback URL as configured
    (``DIALER_CALLBACK_URL`` plus this request's query string) followed by every form
    field's name and value in name order. A wrong signature is a 403; a callback for a
    call the hub does not know a 404. Callbacks may repeat and come in any order: the
    call's final status writes its ``call`` activity once.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser]
    throttle_classes: list = []
    schema_error_statuses = {"post": (403, 404, 409)}

    @extend_schema(
        request={"application/x-www-form-urlencoded": StatusCallbackSerializer},
        parameters=[
            OpenApiParameter("X-Twilio-Signature", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("call", int, OpenApiParameter.QUERY, description="The hub's call id."),
        ],
        responses=inline_serializer(
            "CallStatusCallbackResult",
            {"call": serializers.IntegerField(), "status": serializers.CharField()},
        ),
    )
    def post(self, request):
        dialer = dialer_get()
        if not dialer.reports_status:
            raise Http404
        params = {
            key: values if len(values) > 1 else values[0] for key, values in request.data.lists()
        }
        query = request.META.get("QUERY_STRING", "")
        url = callback_url() + (("&" if "?" in callback_url() else "?") + query if query else "")
        update = dialer.handle_status_callback(
            url=url, params=params, signature=request.headers.get("X-Twilio-Signature", "")
        )
        raw_pk = request.query_params.get("call", "")
        call = services.call_status_apply(
            provider=dialer.name,
            update=update,
            call_pk=int(raw_pk) if raw_pk.isdecimal() and len(raw_pk) < 19 else None,
        )
        return Response({"call": call.pk, "status": call.status})
