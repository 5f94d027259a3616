"""API views of the CRM core: thin doors onto the services in ``accounts.services``."""

from __future__ import annotations

from functools import partial

from django.contrib.auth import authenticate
from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers as drf_serializers
from rest_framework import status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from abm.exceptions import ApplicationError
from abm.paging import KeysetPagination
from abm.permissions import RolePermission
from accounts import services
from accounts.api import serializers as s
from accounts.api.consent_history import ConsentChangeSerializer
from accounts.api.related import OpportunityRelatedMixin, TaskActionsMixin
from accounts.api.stage_history import OpportunityStageChangeSerializer
from accounts.filters import (
    AccountFilter,
    ActivityFilter,
    CampaignFilter,
    ContactFilter,
    LeadFilter,
    OpportunityFilter,
    ProductFilter,
)
from accounts.lifecycle.api import LeadLifecycleMixin
from accounts.models import (
    Account,
    Activity,
    Campaign,
    ConsentChange,
    Contact,
    ContactAccount,
    Lead,
    Note,
    Opportunity,
    Product,
    Task,
    Team,
    User,
)
from accounts.selectors.consent import contact_consent_history
from accounts.selectors.stages import opportunity_stage_history
from accounts.services.activities import (
    ActivityInput,
    ActivityItemRejected,
    activities_bulk_precheck,
    activities_record_bulk,
    activity_delete,
)
from accounts.services.idempotency import idempotent_call, request_fingerprint
from accounts.services.tasks import task_complete, task_create

ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid input; the body names each field at fault."),
    403: OpenApiResponse(description="Your role does not allow this change."),
    404: OpenApiResponse(description="No such record."),
}


class TokenRateThrottle(AnonRateThrottle):
    """Slow down password guessing: a few sign-in attempts a minute per address."""

    scope = "token"
    rate = "20/minute"


class TokenObtainView(APIView):
    """Exchange a username and password for an API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]

    @extend_schema(
        request=s.TokenRequestSerializer,
        responses={
            200: s.TokenResponseSerializer,
            400: ERROR_RESPONSES[400],
            429: OpenApiResponse(description="Too many attempts; wait a minute."),
        },
        auth=[],
        tags=["auth"],
        summary="Get an API token",
    )
    def post(self, request):
        serializer = s.TokenRequestSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        # django-axes sees the Django request: a locked-out username or address gets None
        # here and its middleware answers 429 (abm.security.lockout_response).
        user = authenticate(request=request._request, **serializer.validated_data)
        if user is None:
            raise ApplicationError(
                "Unable to sign in with this username and password.", code="invalid_credentials"
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class ServiceViewSet(viewsets.ModelViewSet):
    """CRUD whose writes go through one service per use case.

    ``create_service(user=, data=)``, ``update_service(user=, <instance_arg>=, data=)`` and
    ``delete_service(user=, <instance_arg>=)``: serializers validate, services write.
    """

    permission_classes = [RolePermission]
    pagination_class = KeysetPagination
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    create_service = None
    update_service = None
    delete_service = None
    instance_arg = ""

    def perform_create(self, serializer):
        service = type(self).create_service
        serializer.instance = service(user=self.request.user, data=dict(serializer.validated_data))

    def perform_update(self, serializer):
        service = type(self).update_service
        serializer.instance = service(
            user=self.request.user,
            data=dict(serializer.validated_data),
            **{self.instance_arg: serializer.instance},
        )

    def perform_destroy(self, instance):
        type(self).delete_service(user=self.request.user, **{self.instance_arg: instance})


def _write_schema(serializer):
    """Document create/update answers as the record, or the 4xx error shape."""
    return extend_schema_view(
        create=extend_schema(responses={201: serializer, **ERROR_RESPONSES}),
        update=extend_schema(responses={200: serializer, **ERROR_RESPONSES}),
        partial_update=extend_schema(responses={200: serializer, **ERROR_RESPONSES}),
    )


@_write_schema(s.AccountSerializer)
class AccountViewSet(ServiceViewSet):
    """Accounts (companies). Marketers and admins write any; sales reps their own."""

    queryset = Account.objects.select_related("owner")
    serializer_class = s.AccountSerializer
    filterset_class = AccountFilter
    search_fields = ["name", "domain"]
    ordering_fields = ["name", "fit_score", "created_at", "updated_at", "id"]
    ordering = ["name", "id"]
    create_service = services.account_create
    update_service = services.account_update
    delete_service = services.account_delete
    instance_arg = "account"


@_write_schema(s.ContactSerializer)
class ContactViewSet(ServiceViewSet):
    """People at accounts, with their buying roles and consent."""

    queryset = Contact.objects.prefetch_related(
        Prefetch(
            "account_links",
            queryset=ContactAccount.objects.only("id", "contact_id", "account_id"),
        )
    )
    serializer_class = s.ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["first_name", "last_name", "email", "title"]
    ordering_fields = [
        "last_name",
        "first_name",
        "email",
        "engagement_score",
        "created_at",
        "updated_at",
        "id",
    ]
    ordering = ["last_name", "first_name", "id"]
    # Consent changes made here are recorded with the source "api".
    create_service = partial(services.contact_create, consent_source=ConsentChange.Source.API)
    update_service = partial(services.contact_update, consent_source=ConsentChange.Source.API)
    delete_service = services.contact_delete
    instance_arg = "contact"

    @extend_schema(
        responses={200: ConsentChangeSerializer(many=True), 404: ERROR_RESPONSES[404]},
        summary="The contact's consent history",
    )
    @action(detail=True, methods=["get"], url_path="consent-history", pagination_class=None)
    def consent_history(self, request, pk=None):
        """The latest consent changes, newest first (read-only: the consent service writes
        them): who, when, the source and the reason of each."""
        rows = contact_consent_history(contact=self.get_object())
        return Response(ConsentChangeSerializer(rows, many=True).data)


@_write_schema(s.LeadSerializer)
class LeadViewSet(LeadLifecycleMixin, ServiceViewSet):
    """Leads: interest of a contact or an account in a product or topic. A status change
    is checked against the lifecycle and kept in the lead's history; converting and
    disqualifying have their own actions."""

    queryset = Lead.objects.all()
    serializer_class = s.LeadSerializer
    filterset_class = LeadFilter
    search_fields = ["topic", "contact__email", "contact__last_name", "account__name"]
    ordering_fields = ["created_at", "updated_at", "score", "status", "id"]
    ordering = ["-created_at", "-id"]
    create_service = partial(services.lead_create, source="api")
    update_service = partial(services.lead_update, source="api")
    delete_service = services.lead_delete
    instance_arg = "lead"


@_write_schema(s.OpportunitySerializer)
class OpportunityViewSet(OpportunityRelatedMixin, ServiceViewSet):
    """Deals on accounts, with the contacts involved and their roles."""

    queryset = Opportunity.objects.prefetch_related("contact_roles")
    serializer_class = s.OpportunitySerializer
    filterset_class = OpportunityFilter
    search_fields = ["name", "account__name"]
    ordering_fields = ["created_at", "updated_at", "amount", "name", "stage", "close_date", "id"]
    ordering = ["-created_at", "-id"]
    create_service = services.opportunity_create
    update_service = services.opportunity_update
    delete_service = services.opportunity_delete
    instance_arg = "opportunity"

    @extend_schema(
        responses={200: OpportunityStageChangeSerializer(many=True), 404: ERROR_RESPONSES[404]},
        summary="The deal's stage history",
    )
    @action(detail=True, methods=["get"], url_path="stage-history", pagination_class=None)
    def stage_history(self, request, pk=None):
        """Every stage the deal entered, oldest first (read-only; the services write it)."""
        rows = opportunity_stage_history(opportunity=self.get_object())
        return Response(OpportunityStageChangeSerializer(rows, many=True).data)


@_write_schema(s.CampaignSerializer)
class CampaignViewSet(ServiceViewSet):
    """Marketing campaigns; marketers and admins write them."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = Campaign.objects.all()
    serializer_class = s.CampaignSerializer
    filterset_class = CampaignFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["name", "id"]
    create_service = services.campaign_create
    update_service = services.campaign_update
    instance_arg = "campaign"


@_write_schema(s.ProductSerializer)
class ProductViewSet(ServiceViewSet):
    """Products and solutions that leads, buying groups and intent are about."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    queryset = Product.objects.all()
    serializer_class = s.ProductSerializer
    filterset_class = ProductFilter
    search_fields = ["name", "description"]
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["name", "id"]
    create_service = services.product_create
    update_service = services.product_update
    instance_arg = "product"


class TeamViewSet(viewsets.ReadOnlyModelViewSet):
    """Sales and marketing teams (read-only)."""

    queryset = Team.objects.all()
    serializer_class = s.TeamSerializer
    pagination_class = KeysetPagination
    search_fields = ["name"]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """People who use the hub (read-only; passwords are never exposed)."""

    queryset = User.objects.all()
    serializer_class = s.UserSerializer
    pagination_class = KeysetPagination
    filterset_fields = ["role", "team", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "id"]
    ordering = ["username", "id"]


_datetime = drf_serializers.DateTimeField()
_ACTIVITY_VALUES = {
    "id": "id",
    "contact": "contact_id",
    "account": "account_id",
    "type": "type",
    "occurred_at": "occurred_at",
    "initiated_by": "initiated_by",
    "user": "user_id",
    "channel": "channel",
    "campaign": "campaign_id",
    "content_type": "content_type",
    "subject": "subject",
    "url": "url",
    "is_bot": "is_bot",
    "metadata": "metadata",
    "created_at": "created_at",
}
assert list(_ACTIVITY_VALUES) == s.ACTIVITY_FIELDS


def _activity_row(row: dict) -> dict:
    """The ActivitySerializer shape from a ``.values()`` row, without per-object overhead."""
    data = {key: row[column] for key, column in _ACTIVITY_VALUES.items()}
    data["occurred_at"] = _datetime.to_representation(data["occurred_at"])
    data["created_at"] = _datetime.to_representation(data["created_at"])
    return data


def _first_message(messages) -> str:
    while isinstance(messages, dict | list) and messages:
        messages = next(iter(messages.values())) if isinstance(messages, dict) else messages[0]
    return str(messages)


def _bulk_item(raw) -> ActivityInput | ActivityItemRejected:
    """One bulk item's shape, checked by the serializer; the rules are the service's."""
    if not isinstance(raw, dict):
        return ActivityItemRejected(errors=((None, "Each activity is a JSON object."),))
    item = s.ActivityBulkItemSerializer(data=raw)
    if not item.is_valid():
        return ActivityItemRejected(
            errors=tuple(
                (None if field == "non_field_errors" else field, _first_message(messages))
                for field, messages in item.errors.items()
            )
        )
    data = item.validated_data
    return ActivityInput(
        contact_id=data["contact"],
        type=data["type"],
        occurred_at=data.get("occurred_at"),
        initiated_by=data.get("initiated_by"),
        user_id=data.get("user"),
        user_given="user" in data,
        channel=data.get("channel"),
        campaign_id=data.get("campaign"),
        content_type=data.get("content_type", ""),
        subject=data.get("subject", ""),
        url=data.get("url", ""),
        is_bot=data.get("is_bot", False),
        metadata=data.get("metadata"),
    )


def _idempotent(request, respond) -> Response:
    """Answer a retried POST (same ``Idempotency-Key``) as the first one was answered."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return respond()

    def call():
        response = respond()
        return response.status_code, response.data

    answer = idempotent_call(
        user=request.user,
        key=key,
        fingerprint=request_fingerprint(
            method=request.method, path=request.path, body=request.data
        ),
        call=call,
    )
    response = Response(answer.body, status=answer.status_code)
    if answer.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Any unique string (1-80 characters). A retry with the same key and body "
    "stores nothing twice and gets the first answer (header Idempotent-Replayed: true); "
    "the same key with another body is a 422.",
)
IDEMPOTENCY_REUSED = OpenApiResponse(
    description="The Idempotency-Key was already used for a different request."
)


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.ActivitySerializer, **ERROR_RESPONSES, 422: IDEMPOTENCY_REUSED},
    ),
    destroy=extend_schema(
        description="Admins only: the activity stream is otherwise append-only.",
        responses={204: None, 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404]},
    ),
)
class ActivityViewSet(ServiceViewSet):
    """The activity stream: every interaction with a contact. Recorded, never edited."""

    http_method_names = ["get", "post", "delete", "head", "options"]
    queryset = Activity.objects.all()
    serializer_class = s.ActivitySerializer
    filterset_class = ActivityFilter
    search_fields = ["subject", "url", "content_type"]
    ordering_fields = ["occurred_at", "created_at", "id"]
    ordering = ["-occurred_at", "-id"]
    instance_arg = "activity"
    delete_service = activity_delete

    def list(self, request, *args, **kwargs):
        # The hottest list of the hub: read plain rows, skip per-object serializer cost.
        queryset = self.filter_queryset(self.get_queryset()).values(*_ACTIVITY_VALUES.values())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response([_activity_row(row) for row in page])

    def create(self, request, *args, **kwargs):
        return _idempotent(request, lambda: super(ActivityViewSet, self).create(request))

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.activity_record(
            **data, requester=self.request.user, user_given="user" in data
        )

    @extend_schema(
        request=s.ActivityBulkRequestSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: s.ActivityBulkResultSerializer,
            400: OpenApiResponse(
                s.BulkErrorSerializer,
                description="Nothing was recorded; ``errors`` lists every rejected item.",
            ),
            403: ERROR_RESPONSES[403],
            422: IDEMPOTENCY_REUSED,
        },
        summary="Record up to 1,000 activities at once (all or nothing)",
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        """Record many activities at once, all or nothing; a bare JSON list is accepted too."""
        return _idempotent(request, lambda: self._bulk(request))

    def _bulk(self, request) -> Response:
        payload = request.data
        items = payload.get("activities") if isinstance(payload, dict) else payload
        if not isinstance(items, list):
            raise ApplicationError(
                'Send {"activities": [...]} or a JSON list of activities.', field="activities"
            )
        activities_bulk_precheck(requester=request.user, count=len(items))
        created = activities_record_bulk([_bulk_item(raw) for raw in items], requester=request.user)
        return Response(
            {"created": len(created), "ids": [a.pk for a in created]},
            status=status.HTTP_201_CREATED,
        )


@extend_schema_view(create=extend_schema(responses={201: s.NoteSerializer, **ERROR_RESPONSES}))
class NoteViewSet(ServiceViewSet):
    """Notes on accounts and contacts; a note on a contact is also an activity."""

    http_method_names = ["get", "post", "head", "options"]
    queryset = Note.objects.all()
    serializer_class = s.NoteSerializer
    filterset_fields = ["account", "contact", "author"]
    search_fields = ["body"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.note_create(
            user=self.request.user,
            body=data["body"],
            account=data.get("account"),
            contact=data.get("contact"),
        )


@extend_schema_view(create=extend_schema(responses={201: s.TaskSerializer, **ERROR_RESPONSES}))
class TaskViewSet(TaskActionsMixin, ServiceViewSet):
    """Sales tasks (calls, emails, LinkedIn touches) for contacts and accounts: complete,
    reopen, snooze, and PATCH ``owner`` to reassign."""

    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Task.objects.all()
    serializer_class = s.TaskSerializer
    filterset_fields = ["status", "type", "owner", "contact", "account"]
    search_fields = ["title", "description"]
    ordering_fields = ["due_at", "created_at", "id"]
    ordering = ["-created_at", "-id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = task_create(
            user=self.request.user,
            title=data["title"],
            type=data.get("type", Task.Type.CUSTOM),
            due_at=data.get("due_at"),
            description=data.get("description", ""),
            owner=data.get("owner"),
            contact=data.get("contact"),
            account=data.get("account"),
        )

    @extend_schema(
        request=None,
        responses={200: s.TaskSerializer, 403: ERROR_RESPONSES[403], 404: ERROR_RESPONSES[404]},
        summary="Mark a task done",
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Mark the task done; on a contact it becomes a 'task' activity. Idempotent."""
        task = task_complete(user=request.user, task=self.get_object())
        return Response(s.TaskSerializer(task, context=self.get_serializer_context()).data)
