"""``/api/v1/best-bets/``: the ranked people of a scope, keyset-paged, best first."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated

from abm.paging import KeysetPagination
from sales_actions.bestbets import scoring, selectors
from sales_actions.bestbets.models import BestBet


class BestBetInputsSerializer(serializers.Serializer):
    engagement = serializers.FloatField(help_text="Decayed points of what the person did.")
    moment = serializers.FloatField(help_text="Decayed points of the strongest moment.")
    role = serializers.FloatField(help_text="Points of their highest buying role.")
    intent = serializers.FloatField(help_text="Open lead + open deal + target account points.")
    acted_factor = serializers.FloatField(
        help_text="1, or less when one of us touched them after their latest signal."
    )
    points = serializers.FloatField(help_text="(engagement + moment + role + intent) × acted.")


class BestBetSerializer(serializers.ModelSerializer):
    contact = serializers.IntegerField(source="contact_id", read_only=True)
    name = serializers.SerializerMethodField()
    email = serializers.EmailField(source="contact.email", read_only=True)
    phone = serializers.CharField(source="contact.phone", read_only=True)
    account = serializers.IntegerField(source="account_id", read_only=True, allow_null=True)
    account_name = serializers.SerializerMethodField()
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    moment_label = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    inputs = serializers.SerializerMethodField()

    class Meta:
        model = BestBet
        fields = [
            "contact",
            "name",
            "email",
            "phone",
            "account",
            "account_name",
            "owner",
            "score",
            "rank",
            "reason",
            "inputs",
            "moment_key",
            "moment_label",
            "moment_at",
            "last_engaged_at",
            "acted_at",
            "computed_at",
        ]
        read_only_fields = fields

    def get_name(self, bet) -> str:
        return bet.contact.full_name or bet.contact.email

    def get_account_name(self, bet) -> str:
        return bet.account.name if bet.account_id and bet.account else ""

    def get_moment_label(self, bet) -> str:
        return scoring.moment_label(bet.moment_key) if bet.moment_key else ""

    def get_reason(self, bet) -> str:
        return selectors.bestbet_reason(bet, now=self.context.get("now"))

    @extend_schema_field(BestBetInputsSerializer)
    def get_inputs(self, bet) -> dict:
        return {
            "engagement": round(bet.engagement, 2),
            "moment": round(bet.moment, 2),
            "role": round(bet.role, 2),
            "intent": round(bet.intent, 2),
            "acted_factor": bet.acted_factor,
            "points": bet.rank / 100,
        }


class _BestFirst(KeysetPagination):
    def get_ordering(self, request, queryset, view):
        return selectors.ORDERING


@extend_schema(
    summary="Best bets: the people most worth contacting now",
    tags=["best-bets"],
    parameters=[
        OpenApiParameter(
            "scope",
            OpenApiTypes.STR,
            enum=list(selectors.SCOPES),
            description=(
                "mine (people I own, or at accounts I own), team (my team's), all "
                "(admins and marketers). Default: all for those who may, else mine. "
                "Another value is a 400; a scope the role does not allow is a 403."
            ),
        )
    ],
)
class BestBetListView(generics.ListAPIView):
    """The stored ranking (refreshed by workers after each change and hourly), best first;
    each row's reason in one line and the formula's inputs."""

    serializer_class = BestBetSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = _BestFirst
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BestBet.objects.none()
        user = self.request.user
        scope = self.request.query_params.get("scope") or selectors.bestbet_default_scope(user=user)
        return selectors.bestbet_list(user=user, scope=scope).select_related("contact", "account")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}


urlpatterns = [path("best-bets/", BestBetListView.as_view(), name="best-bets")]
