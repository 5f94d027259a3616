"""Target accounts API under ``/api/v1/``: rows, metric cards, categories, adding and
removing targets, prospects, recommendations and targeting rules.

The rows and cards come from the same selectors as the page, with the same filters
(``owner``, ``team``, ``q``, ``category``), sorted by ``ordering`` and keyset-paged by
``cursor``; rows are serialized from ``.values()`` (no per-object serializer cost).
"""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from abm.filters import MAX_ID
from abm.paging import api_page_link
from abm.permissions import MayManageTargetingRules
from accounts.models import Account, TargetingRule
from accounts.selectors import targets as selectors
from accounts.selectors.money import base_currency
from accounts.services import recommendations, rules
from accounts.services.targets import accounts_mark_target, accounts_unmark_target

FILTER_PARAMS = [
    OpenApiParameter("owner", OpenApiTypes.INT, description="Owner's user id."),
    OpenApiParameter("team", OpenApiTypes.INT, description="Owner's team id."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Search in name and domain."),
    OpenApiParameter(
        "category", OpenApiTypes.STR, enum=list(selectors.CATEGORIES), description="Sidebar view."
    ),
]
LIST_PARAMS = [
    *FILTER_PARAMS,
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        description="name, owner, contacts, open_deals, open_deal_value, last_touch, "
        "last_engagement or next_scheduled; prefix - for descending.",
    ),
    OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next` / `previous`."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 200 (default 50)."),
]


class MoneyTotalSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 code.")
    amount = serializers.DecimalField(max_digits=20, decimal_places=2)


OPEN_DEAL_VALUE_HELP = (
    "Open deal value converted to `open_deal_currency` (the hub's base currency) with the "
    "exchange rates an admin keeps (`/api/v1/currency-rates/`); deals in a currency "
    "without a rate are left out and counted in `open_deals_unconverted`."
)


class OpenDealMoneyMixin(serializers.Serializer):
    open_deal_value = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text=OPEN_DEAL_VALUE_HELP
    )
    open_deal_currency = serializers.CharField(help_text="The base currency (ISO 4217).")
    open_deal_values = MoneyTotalSerializer(
        many=True,
        help_text="Open deal value unconverted, one total per currency, largest first.",
    )
    open_deals_unconverted = serializers.IntegerField(
        help_text="Open deals in a currency without a rate (not in `open_deal_value`)."
    )


class TargetRowSerializer(OpenDealMoneyMixin):
    id = serializers.IntegerField()
    name = serializers.CharField()
    domain = serializers.CharField(allow_null=True)
    owner = serializers.DictField(allow_null=True)
    contacts = serializers.IntegerField()
    open_deals = serializers.IntegerField()
    last_touch = serializers.DateTimeField(allow_null=True)
    last_engagement = serializers.DateTimeField(allow_null=True)
    next_scheduled = serializers.DateTimeField(allow_null=True)
    has_decision_maker = serializers.BooleanField()
    has_blocker = serializers.BooleanField()
    open_tasks = serializers.IntegerField()
    calls = serializers.IntegerField()
    meetings = serializers.IntegerField()
    health = serializers.IntegerField(
        allow_null=True, help_text="Account health 0-100 (null until the worker computed it)."
    )
    target_since = serializers.DateTimeField(allow_null=True)
    target_source = serializers.CharField()


class TargetPageSerializer(serializers.Serializer):
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = TargetRowSerializer(many=True)


class TargetSummarySerializer(OpenDealMoneyMixin):
    target_accounts = serializers.IntegerField()
    accounts_with_open_deals = serializers.IntegerField()
    no_buying_role = serializers.IntegerField()
    missing_decision_makers = serializers.IntegerField()


class AccountIdsSerializer(serializers.Serializer):
    account_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        allow_empty=False,
        min_length=1,
        help_text="Account ids (the service caps how many at once).",
    )


def _dt(value):
    return value.isoformat() if value else None


def _money_json(totals) -> list[dict]:
    return [{"currency": t["currency"], "amount": f"{Decimal(t['amount']):.2f}"} for t in totals]


def row_json(row: dict, *, currency: str) -> dict:
    owner = None
    if row["owner_id"]:
        name = f"{row['owner__first_name']} {row['owner__last_name']}".strip()
        owner = {"id": row["owner_id"], "username": row["owner__username"], "name": name}
    value = row["rollup__open_deal_value"]
    return {
        "id": row["id"],
        "name": row["name"],
        "domain": row["domain"],
        "owner": owner,
        "contacts": row["rollup__contacts_count"] or 0,
        "open_deals": row["rollup__open_deals_count"] or 0,
        "open_deal_value": f"{value:.2f}" if value is not None else "0.00",
        "open_deal_currency": currency,
        "open_deal_values": _money_json(row["rollup__open_deal_values"] or []),
        "open_deals_unconverted": row["rollup__open_deals_unconverted"] or 0,
        "last_touch": _dt(row["rollup__last_touch_at"]),
        "last_engagement": _dt(row["last_engagement"]),
        "next_scheduled": _dt(row["rollup__next_scheduled_at"]),
        "has_decision_maker": bool(row["rollup__has_decision_maker"]),
        "has_blocker": bool(row["rollup__has_blocker"]),
        "open_tasks": row["rollup__open_tasks_count"] or 0,
        "calls": row["rollup__calls_count"] or 0,
        "meetings": row["rollup__meetings_count"] or 0,
        "health": row["rollup__health_score"] if row["rollup__health_computed_at"] else None,
        "target_since": _dt(row["target_since"]),
        "target_source": row["target_source"],
    }


def _account_ids(data) -> list[int]:
    serializer = AccountIdsSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["account_ids"]


class TargetAccountListView(APIView):
    """Target accounts: the index table's rows; POST adds targets."""

    @extend_schema(parameters=LIST_PARAMS, responses=TargetPageSerializer)
    def get(self, request):
        filters = selectors.target_filters_parse(request.query_params)
        page = selectors.target_page(
            filters=filters,
            sort=request.query_params.get("ordering") or selectors.DEFAULT_SORT,
            cursor=request.query_params.get("cursor") or None,
            size=request.query_params.get("page_size") or None,
        )
        currency = base_currency()
        return Response(
            {
                "next": api_page_link(request, page.next_cursor),
                "previous": api_page_link(request, page.previous_cursor),
                "results": [row_json(row, currency=currency) for row in page.rows],
            }
        )

    @extend_schema(
        request=AccountIdsSerializer,
        responses={201: inline_serializer("TargetsAdded", {"added": serializers.IntegerField()})},
    )
    def post(self, request):
        added = accounts_mark_target(user=request.user, account_ids=_account_ids(request.data))
        return Response({"added": added}, status=status.HTTP_201_CREATED)


class TargetAccountDetailView(APIView):
    """Remove one account from the targets (the account and its data stay)."""

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        account = get_object_or_404(Account, pk=pk)
        accounts_unmark_target(user=request.user, account_ids=[account.pk])
        return Response(status=status.HTTP_204_NO_CONTENT)


class TargetSummaryView(APIView):
    """The five metric cards for the same filters as the rows."""

    @extend_schema(parameters=FILTER_PARAMS, responses=TargetSummarySerializer)
    def get(self, request):
        filters = selectors.target_filters_parse(request.query_params)
        data = selectors.target_summary(filters=filters)
        data["open_deal_value"] = f"{data['open_deal_value']:.2f}"
        data["open_deal_values"] = _money_json(data["open_deal_values"])
        return Response(data)


class TargetCategoriesView(APIView):
    """How many targets each sidebar category holds under the owner/team/q filters."""

    @extend_schema(
        parameters=FILTER_PARAMS[:3],
        responses=inline_serializer(
            "TargetCategoryCounts",
            {key: serializers.IntegerField() for key in selectors.CATEGORIES},
        ),
    )
    def get(self, request):
        filters = selectors.target_filters_parse(request.query_params)
        return Response(selectors.target_category_counts(filters=filters))


class ProspectsView(APIView):
    """Non-targets with contact-initiated engagement in the last 30 days, most first."""

    @extend_schema(
        responses=inline_serializer(
            "Prospect",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "fit_score": serializers.IntegerField(),
                "engagements": serializers.IntegerField(),
                "contacts": serializers.IntegerField(),
            },
            many=True,
        )
    )
    def get(self, request):
        rows = selectors.prospects()
        return Response(
            [
                {k: r[k] for k in ("id", "name", "domain", "industry", "fit_score")}
                | {"engagements": r["engagements"], "contacts": r["contacts"]}
                for r in rows
            ]
        )


class RecommendationListView(APIView):
    """Suggested targets with their score and reasons (the method is in ``method``)."""

    @extend_schema(
        responses=inline_serializer(
            "Recommendations",
            {"method": serializers.CharField(), "results": serializers.ListField()},
        )
    )
    def get(self, request):
        rows = recommendations.recommendations_list()
        return Response(
            {
                "method": recommendations.METHOD,
                "results": [
                    {
                        k: r[k]
                        for k in (
                            "id",
                            "name",
                            "domain",
                            "industry",
                            "fit_score",
                            "score",
                            "engagement_30d",
                            "reasons",
                        )
                    }
                    for r in rows
                ],
            }
        )


class RecommendationSelectView(APIView):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        account = recommendations.recommendation_select(user=request.user, account_id=pk)
        return Response({"id": account.pk, "is_target": account.is_target})


class RecommendationDismissView(APIView):
    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT})
    def post(self, request, pk: int):
        recommendations.recommendation_dismiss(user=request.user, account_id=pk)
        return Response({"id": pk, "dismissed": True})


class TargetingRuleSerializer(serializers.ModelSerializer):
    description = serializers.SerializerMethodField()

    class Meta:
        model = TargetingRule
        fields = [
            "id",
            "name",
            "conditions",
            "is_active",
            "description",
            "created_at",
            "updated_at",
            "last_run_at",
            "last_run_added",
        ]
        read_only_fields = ["created_at", "updated_at", "last_run_at", "last_run_added"]

    def get_description(self, obj) -> str:
        return rules.rule_describe(obj.conditions)


class TargetingRuleListView(APIView):
    """Targeting rules: conditions ``[{"field", "op", "value"}]`` joined with AND."""

    @extend_schema(responses=TargetingRuleSerializer(many=True))
    def get(self, request):
        return Response(TargetingRuleSerializer(TargetingRule.objects.all(), many=True).data)

    @extend_schema(request=TargetingRuleSerializer, responses={201: TargetingRuleSerializer})
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        rule = rules.targeting_rule_create(
            user=request.user,
            name=data.get("name"),
            conditions=data.get("conditions"),
            is_active=data.get("is_active", True),
        )
        return Response(TargetingRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class TargetingRuleDetailView(APIView):
    @extend_schema(responses=TargetingRuleSerializer)
    def get(self, request, pk: int):
        return Response(TargetingRuleSerializer(get_object_or_404(TargetingRule, pk=pk)).data)

    @extend_schema(request=TargetingRuleSerializer, responses=TargetingRuleSerializer)
    def patch(self, request, pk: int):
        rule = get_object_or_404(TargetingRule, pk=pk)
        data = request.data if isinstance(request.data, dict) else {}
        rule = rules.targeting_rule_update(
            user=request.user,
            rule=rule,
            name=data.get("name"),
            conditions=data.get("conditions"),
            is_active=data.get("is_active"),
        )
        return Response(TargetingRuleSerializer(rule).data)

    @extend_schema(request=TargetingRuleSerializer, responses=TargetingRuleSerializer)
    def put(self, request, pk: int):
        return self.patch(request, pk)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        rules.targeting_rule_delete(user=request.user, rule=get_object_or_404(TargetingRule, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class TargetingRulePreviewView(APIView):
    """How many accounts a rule would match and newly target, before saving it."""

    permission_classes = [MayManageTargetingRules]

    @extend_schema(
        request=inline_serializer("RulePreviewRequest", {"conditions": serializers.JSONField()}),
        responses=inline_serializer(
            "RulePreview",
            {
                "matching": serializers.IntegerField(),
                "would_add": serializers.IntegerField(),
                "description": serializers.CharField(),
            },
        ),
    )
    def post(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        return Response(rules.targeting_rule_preview(conditions=data.get("conditions")))


class TargetingRuleRunView(APIView):
    """Apply one rule (or, without an id, every active rule) to all accounts now."""

    permission_classes = [MayManageTargetingRules]

    @extend_schema(
        operation_id="targeting_rules_run",
        request=None,
        responses=inline_serializer("RuleRun", {"added": serializers.IntegerField()}),
    )
    def post(self, request, pk: int | None = None):
        if pk is not None:
            get_object_or_404(TargetingRule, pk=pk)
        added = rules.targeting_rules_run(rule_id=pk)
        return Response({"added": added})


class TargetingRuleRunAllView(TargetingRuleRunView):
    """Apply every active rule to all accounts now."""

    @extend_schema(
        operation_id="targeting_rules_run_all",
        request=None,
        responses=inline_serializer("RuleRunAll", {"added": serializers.IntegerField()}),
    )
    def post(self, request):
        return super().post(request)


urlpatterns = [
    path("target-accounts/", TargetAccountListView.as_view(), name="target-account-list"),
    path("target-accounts/summary/", TargetSummaryView.as_view(), name="target-account-summary"),
    path(
        "target-accounts/categories/",
        TargetCategoriesView.as_view(),
        name="target-account-categories",
    ),
    path("target-accounts/prospects/", ProspectsView.as_view(), name="target-prospects"),
    path(
        "target-accounts/recommendations/",
        RecommendationListView.as_view(),
        name="target-recommendations",
    ),
    path(
        "target-accounts/recommendations/<int:pk>/select/",
        RecommendationSelectView.as_view(),
        name="target-recommendation-select",
    ),
    path(
        "target-accounts/recommendations/<int:pk>/dismiss/",
        RecommendationDismissView.as_view(),
        name="target-recommendation-dismiss",
    ),
    path(
        "target-accounts/<int:pk>/", TargetAccountDetailView.as_view(), name="target-account-detail"
    ),
    path("targeting-rules/", TargetingRuleListView.as_view(), name="targeting-rule-list"),
    path(
        "targeting-rules/preview/",
        TargetingRulePreviewView.as_view(),
        name="targeting-rule-preview",
    ),
    path("targeting-rules/run/", TargetingRuleRunAllView.as_view(), name="targeting-rules-run"),
    path(
        "targeting-rules/<int:pk>/", TargetingRuleDetailView.as_view(), name="targeting-rule-detail"
    ),
    path(
        "targeting-rules/<int:pk>/run/", TargetingRuleRunView.as_view(), name="targeting-rule-run"
    ),
]
