"""The subscription lists in the API.

- ``/api/v1/subscription-lists/``: everybody reads (with ``member_count``); marketers and
  admins create, change and delete.
- ``/api/v1/contacts/{id}/subscriptions/``: the contact's memberships (GET), add one
  (POST ``{subscription_list, consent_reason?}`` → 201); ``DELETE
  /api/v1/contacts/{id}/subscriptions/{list_id}/`` takes them off it. Both through the
  consent service: a ConsentChange with source ``api``; re-adding a contact who left the
  list themselves needs ``consent_reason`` and a user who is not a sales rep.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, IsAuthenticated
from rest_framework.response import Response

from abm.exceptions import ApplicationError
from abm.permissions import MayManageSubscriptionLists
from abm.routers import HubRouter
from accounts.models import ConsentChange, Contact, SubscriptionList, SubscriptionMembership
from accounts.subscriptions import selectors, services
from accounts.subscriptions.services import DESCRIPTION_MAX, NAME_MAX

REASON_MAX = ConsentChange._meta.get_field("reason").max_length


class SubscriptionListSerializer(serializers.ModelSerializer):
    name = serializers.CharField(max_length=NAME_MAX)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True
    )
    is_public = serializers.BooleanField(
        required=False,
        help_text="Offered in the subscription centre (contacts join and leave it themselves).",
    )
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = SubscriptionList
        fields = [
            "id",
            "name",
            "description",
            "is_public",
            "member_count",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "member_count", "created_by", "created_at", "updated_at"]


class SubscriptionListViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Subscription lists: everybody reads; marketers and admins write. Deleting a list
    takes its members off it (each kept in their consent history)."""

    serializer_class = SubscriptionListSerializer
    ordering_fields = ["id", "name"]
    ordering = ["name"]

    def get_permissions(self):
        if self.request.method in SAFE_METHODS:
            return [IsAuthenticated()]
        return [MayManageSubscriptionLists()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SubscriptionList.objects.none()
        return selectors.subscription_lists()

    def _answer(self, sl: SubscriptionList, code=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=sl.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        sl = services.subscription_list_create(user=request.user, **incoming.validated_data)
        return self._answer(sl, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        sl = self.get_object()
        incoming = self.get_serializer(sl, data=request.data, partial=kwargs.get("partial", False))
        incoming.is_valid(raise_exception=True)
        services.subscription_list_update(
            user=request.user, subscription_list=sl, **incoming.validated_data
        )
        return self._answer(sl)

    def destroy(self, request, *args, **kwargs):
        services.subscription_list_delete(user=request.user, subscription_list=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipSerializer(serializers.ModelSerializer):
    subscription_list_name = serializers.CharField(source="subscription_list.name", read_only=True)
    is_public = serializers.BooleanField(source="subscription_list.is_public", read_only=True)

    class Meta:
        model = SubscriptionMembership
        fields = ["subscription_list", "subscription_list_name", "is_public", "created_at"]
        read_only_fields = fields


class MembershipAddSerializer(serializers.Serializer):
    subscription_list = serializers.IntegerField(min_value=1)
    consent_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=REASON_MAX,
        help_text="Kept in the consent history; required to re-add a contact who left the "
        "list themselves (never by a sales rep).",
    )


class MembershipRemoveSerializer(serializers.Serializer):
    consent_reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX)


def _list_or_400(pk: int) -> SubscriptionList:
    found = SubscriptionList.objects.filter(pk=pk).first()
    if found is None:
        raise ApplicationError(
            "That subscription list does not exist.", field="subscription_list", code="not_found"
        )
    return found


class ContactMembershipViewSet(viewsets.GenericViewSet):
    """A contact's subscription-list memberships."""

    serializer_class = MembershipSerializer
    pagination_class = None
    permission_classes = [IsAuthenticated]

    def _contact(self) -> Contact:
        return get_object_or_404(Contact, pk=self.kwargs["contact_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SubscriptionMembership.objects.none()
        return selectors.contact_memberships(self._contact())

    @extend_schema(responses=MembershipSerializer(many=True), summary="List memberships")
    def list(self, request, contact_pk=None):
        return Response(MembershipSerializer(self.get_queryset(), many=True).data)

    @extend_schema(
        request=MembershipAddSerializer,
        responses={201: MembershipSerializer(many=True)},
        summary="Add to a list",
    )
    def create(self, request, contact_pk=None):
        """Add the contact to a list; answers their memberships."""
        contact = self._contact()
        incoming = MembershipAddSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        services.membership_set(
            user=request.user,
            contact=contact,
            subscription_list=_list_or_400(data["subscription_list"]),
            subscribed=True,
            reason=data.get("consent_reason", ""),
            source=ConsentChange.Source.API,
        )
        body = MembershipSerializer(selectors.contact_memberships(contact), many=True).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipRemoveSerializer, responses={204: None}, summary="Remove")
    def destroy(self, request, contact_pk=None, list_pk=None):
        """Take the contact off a list (a consent change; nothing to do if not on it)."""
        contact = self._contact()
        sl = get_object_or_404(SubscriptionList, pk=list_pk)
        incoming = MembershipRemoveSerializer(data=request.data or {})
        incoming.is_valid(raise_exception=True)
        services.membership_set(
            user=request.user,
            contact=contact,
            subscription_list=sl,
            subscribed=False,
            reason=incoming.validated_data.get("consent_reason", ""),
            source=ConsentChange.Source.API,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


router = HubRouter()
router.register("subscription-lists", SubscriptionListViewSet, basename="subscription-list")

urlpatterns = [
    *router.urls,
    path(
        "contacts/<int:contact_pk>/subscriptions/",
        ContactMembershipViewSet.as_view({"get": "list", "post": "create"}),
        name="contact-subscription-list",
    ),
    path(
        "contacts/<int:contact_pk>/subscriptions/<int:list_pk>/",
        ContactMembershipViewSet.as_view({"delete": "destroy"}),
        name="contact-subscription-detail",
    ),
]
