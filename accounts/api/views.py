"""API views of the CRM core: thin doors onto the services in ``accounts.services``."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers as drf_serializers
from rest_framework import status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from abm.exceptions import ApplicationError, ForbiddenError
from abm.paging import KeysetPagination
from abm.permissions import RolePermission, may_create
from accounts import services
from accounts.api import serializers as s
from accounts.filters import (
    AccountFilter,
    ActivityFilter,
    CampaignFilter,
    ContactFilter,
    LeadFilter,
    OpportunityFilter,
    ProductFilter,
)
from accounts.models import (
    Account,
    Activity,
    Campaign,
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
from accounts.services.activities import BULK_MAX, DEFAULT_INITIATOR, activity_delete
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
        user = authenticate(request=request, **serializer.validated_data)
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
    create_service = services.contact_create
    update_service = services.contact_update
    delete_service = services.contact_delete
    instance_arg = "contact"


@_write_schema(s.LeadSerializer)
class LeadViewSet(ServiceViewSet):
    """Leads: interest of a contact or an account in a product or topic."""

    queryset = Lead.objects.all()
    serializer_class = s.LeadSerializer
    filterset_class = LeadFilter
    search_fields = ["topic", "contact__email", "contact__last_name", "account__name"]
    ordering_fields = ["created_at", "updated_at", "score", "status", "id"]
    ordering = ["-created_at", "-id"]
    create_service = services.lead_create
    update_service = services.lead_update
    delete_service = services.lead_delete
    instance_arg = "lead"


@_write_schema(s.OpportunitySerializer)
class OpportunityViewSet(ServiceViewSet):
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


@extend_schema_view(
    create=extend_schema(responses={201: s.ActivitySerializer, **ERROR_RESPONSES}),
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

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        initiator = data.get("initiated_by") or DEFAULT_INITIATOR[data["type"]]
        if "user" not in data and initiator == Activity.InitiatedBy.USER:
            data["user"] = self.request.user
        serializer.instance = services.activity_record(**data)

    @extend_schema(
        request=s.ActivityBulkRequestSerializer,
        responses={
            201: s.ActivityBulkResultSerializer,
            400: OpenApiResponse(
                s.BulkErrorSerializer,
                description="Nothing was recorded; ``errors`` lists every rejected item.",
            ),
        },
        summary="Record up to 1,000 activities at once (all or nothing)",
    )
    @action(detail=False, methods=["post"], url_path="bulk")
    def bulk(self, request):
        """Record many activities in one transaction; a bare JSON list is accepted too."""
        if not may_create(request.user, Activity):
            raise ForbiddenError("Your role cannot record activities.", code="forbidden")
        payload = request.data
        items = payload.get("activities") if isinstance(payload, dict) else payload
        if not isinstance(items, list):
            raise ApplicationError(
                'Send {"activities": [...]} or a JSON list of activities.', field="activities"
            )
        if len(items) > BULK_MAX:
            raise ApplicationError(
                f"At most {BULK_MAX} activities can be recorded in one call; got {len(items)}.",
                field="activities",
                code="too_many",
            )
        if not items:
            raise ApplicationError("No activities were given.", field="activities")

        errors: list[dict] = []
        inputs: list[services.ActivityInput] = []
        positions: list[int] = []
        for index, raw in enumerate(items):
            if not isinstance(raw, dict):
                errors.append(
                    {"index": index, "field": None, "message": "Each activity is a JSON object."}
                )
                continue
            item = s.ActivityBulkItemSerializer(data=raw)
            if not item.is_valid():
                for field, messages in item.errors.items():
                    errors.append(
                        {
                            "index": index,
                            "field": None if field == "non_field_errors" else field,
                            "message": _first_message(messages),
                        }
                    )
                continue
            data = item.validated_data
            initiator = data.get("initiated_by") or DEFAULT_INITIATOR[data["type"]]
            user_id = data.get("user")
            if "user" not in data and initiator == Activity.InitiatedBy.USER:
                user_id = request.user.pk
            inputs.append(
                services.ActivityInput(
                    contact_id=data["contact"],
                    type=data["type"],
                    occurred_at=data.get("occurred_at"),
                    initiated_by=data.get("initiated_by"),
                    user_id=user_id,
                    channel=data.get("channel"),
                    campaign_id=data.get("campaign"),
                    content_type=data.get("content_type", ""),
                    subject=data.get("subject", ""),
                    url=data.get("url", ""),
                    is_bot=data.get("is_bot", False),
                    metadata=data.get("metadata"),
                )
            )
            positions.append(index)

        created = []
        with transaction.atomic():
            # The service checks what needs the database (contacts, campaigns, users)
            # in three queries; any rejected item anywhere rolls the whole call back.
            if inputs:
                try:
                    created = services.activities_record_bulk(inputs)
                except ApplicationError as exc:
                    if "errors" not in exc.extra:
                        raise
                    for error in exc.extra["errors"]:
                        errors.append({**error, "index": positions[error["index"]]})
            if errors:
                transaction.set_rollback(True)
        if errors:
            errors.sort(key=lambda e: e["index"])
            rejected = len({e["index"] for e in errors})
            return Response(
                {
                    "detail": f"{rejected} of {len(items)} activities were rejected; "
                    "nothing was recorded.",
                    "code": "bulk_rejected",
                    "errors": errors,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
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
class TaskViewSet(ServiceViewSet):
    """Sales tasks (calls, emails, LinkedIn touches) for contacts and accounts."""

    http_method_names = ["get", "post", "head", "options"]
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
