"""``/api/v1/webhooks/``: subscriptions (CRUD, rotate, ping) and their delivery log
(``/api/v1/webhooks/{id}/deliveries/``: list, read, replay). Admins only."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from abm.permissions import MayManageWebhooks
from abm.routers import HubRouter
from accounts.models import WEBHOOK_EVENT_TYPES, User, WebhookDelivery, WebhookSubscription
from accounts.webhooks import selectors, services
from accounts.webhooks.filters import WebhookDeliveryFilter

EVENT_TYPE_CHOICES = [(str(kind), kind.label) for kind in WEBHOOK_EVENT_TYPES]


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES),
        allow_empty=False,
        max_length=len(EVENT_TYPE_CHOICES),
        help_text="HubEvent kinds to deliver (at least one).",
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="An admin who gets the disable notice (default, or null: you).",
    )
    url = serializers.CharField(max_length=500, help_text="http(s) URL on a public address.")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    previous_secret_expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="After a rotation, until when the previous secret signs too.",
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "owner",
            "is_active",
            "previous_secret_expires_at",
            "consecutive_failures",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "consecutive_failures",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The signing secret: shown in this answer only."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event = serializers.IntegerField(source="event_id", read_only=True, allow_null=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event",
            "event_type",
            "subject_key",
            "is_ping",
            "status",
            "attempts",
            "response_code",
            "response_ms",
            "last_error",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "body",
        ]
        read_only_fields = fields


RotatedSerializer = inline_serializer(
    "WebhookSecretRotated",
    {
        "secret": serializers.CharField(),
        "previous_secret_expires_at": serializers.DateTimeField(),
    },
)


class WebhookSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook subscriptions. The signing secret is in the create and rotate answers only.
    Deliveries are signed ``ABM-Signature: t=<unix>,v1=<hex>`` (HMAC-SHA256 of
    ``t + "." + body``; two ``v1`` during the 24 h after a rotation)."""

    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [MayManageWebhooks]
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookSubscription.objects.none()
        return WebhookSubscription.objects.select_related("owner").order_by("-id")

    @extend_schema(responses={201: WebhookSubscriptionCreatedSerializer})
    def create(self, request, *args, **kwargs):
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        subscription, secret = services.subscription_create(
            user=request.user,
            url=data["url"],
            event_types=data["event_types"],
            description=data.get("description", ""),
            owner=data.get("owner"),
            is_active=data.get("is_active", True),
        )
        body = WebhookSubscriptionCreatedSerializer(subscription).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        subscription = self.get_object()
        incoming = self.get_serializer(subscription, data=request.data, partial=partial)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        subscription = services.subscription_update(
            user=request.user,
            subscription=subscription,
            url=data.get("url"),
            event_types=data.get("event_types"),
            description=data.get("description"),
            owner=data.get("owner"),
            is_active=data.get("is_active"),
        )
        return Response(WebhookSubscriptionSerializer(subscription).data)

    def perform_destroy(self, instance):
        services.subscription_delete(user=self.request.user, subscription=instance)

    @extend_schema(request=None, responses=RotatedSerializer, summary="Rotate the secret")
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        """A new signing secret; the previous one keeps signing until
        ``previous_secret_expires_at`` (24 h)."""
        subscription = self.get_object()
        secret = services.subscription_rotate_secret(user=request.user, subscription=subscription)
        return Response(
            {
                "secret": secret,
                "previous_secret_expires_at": subscription.previous_secret_expires_at,
            }
        )

    @extend_schema(request=None, responses=WebhookDeliverySerializer, summary="Send a test ping")
    @action(detail=True, methods=["post"])
    def ping(self, request, pk=None):
        """POST a ``ping`` event now and answer with its delivery (status, response code
        and time, error). Not retried."""
        subscription = self.get_object()
        delivery = services.subscription_ping(user=request.user, subscription=subscription)
        return Response(WebhookDeliverySerializer(delivery).data)


class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The delivery log of one subscription, newest first; ``replay`` makes a new attempt."""

    serializer_class = WebhookDeliverySerializer
    permission_classes = [MayManageWebhooks]
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["id"]
    ordering = ["-id"]

    def _subscription(self) -> WebhookSubscription:
        return get_object_or_404(WebhookSubscription, pk=self.kwargs["webhook_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return WebhookDelivery.objects.none()
        return selectors.delivery_list(self._subscription())

    @extend_schema(request=None, responses=WebhookDeliverySerializer, summary="Replay")
    @action(detail=True, methods=["post"])
    def replay(self, request, webhook_pk=None, pk=None):
        """Queue a new attempt of this delivery now (the subscription must be active)."""
        delivery = self.get_object()
        delivery = services.delivery_replay(user=request.user, delivery=delivery)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


router = HubRouter()
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")

_deliveries = WebhookDeliveryViewSet.as_view({"get": "list"})
_delivery = WebhookDeliveryViewSet.as_view({"get": "retrieve"})
_replay = WebhookDeliveryViewSet.as_view({"post": "replay"})

urlpatterns = [
    *router.urls,
    path(
        "webhooks/<int:webhook_pk>/deliveries/",
        _deliveries,
        name="webhook-delivery-list",
    ),
    path(
        "webhooks/<int:webhook_pk>/deliveries/<int:pk>/",
        _delivery,
        name="webhook-delivery-detail",
    ),
    path(
        "webhooks/<int:webhook_pk>/deliveries/<int:pk>/replay/",
        _replay,
        name="webhook-delivery-replay",
    ),
]
