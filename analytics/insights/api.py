"""API of the insights: ``GET /api/v1/analytics/<insight>/`` — settings in the query string,
the result out as JSON (the same function the page calls); ``?export=csv`` for the CSV.
Bad settings are a 400 naming the field."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from . import exports
from .common import settings_parse
from .health import account_health, health_overview
from .impact import DIMENSIONS, MODELS, impact_run
from .pipeline import pipeline_run
from .upsell import upsell_run
from .views import IMPACT_CHOICES, PIPELINE_CHOICES, _health_order, _upsell_params


def _p(name: str, description: str, type_=OpenApiTypes.STR, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, enum=enum)


SEGMENT = [
    _p(
        "date_from",
        "First day of the period (YYYY-MM-DD); default 180 days ago.",
        OpenApiTypes.DATE,
    ),
    _p("date_to", "Last day of the period (YYYY-MM-DD); default today.", OpenApiTypes.DATE),
    _p("industry", "Accounts of this industry."),
    _p("country", "Accounts of this country."),
    _p("target", "yes: target accounts only; no: non-targets only.", enum=["", "yes", "no"]),
    _p("owner", "Accounts owned by this user id.", OpenApiTypes.INT),
    _p("team", "Accounts owned by this team id.", OpenApiTypes.INT),
    _p("export", "csv: the CSV export instead of JSON.", enum=["csv"]),
]
RESULT = {
    200: OpenApiResponse(OpenApiTypes.OBJECT, description="The result."),
    400: OpenApiResponse(description="Bad settings; the body names the field."),
}
# With ?export=csv the same operation answers the CSV export.
RESULT_OR_CSV = {
    (200, "application/json"): OpenApiResponse(
        OpenApiTypes.OBJECT, description="The result (JSON), or with ?export=csv the CSV."
    ),
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
    400: RESULT[400],
}


def _wants_csv(request) -> bool:
    return request.query_params.get("export") == "csv"


class ImpactView(APIView):
    @extend_schema(
        summary="Marketing impact",
        parameters=[
            *SEGMENT,
            _p("dimension", "What to credit.", enum=list(DIMENSIONS)),
            _p("model", "The attribution model the page draws.", enum=list(MODELS)),
            _p("lookback_days", "Days of touches before a deal counts (1-730).", OpenApiTypes.INT),
            _p(
                "account",
                "One account: adds the credit within its buying groups.",
                OpenApiTypes.INT,
            ),
        ],
        responses=RESULT_OR_CSV,
    )
    def get(self, request):
        """Credit of campaigns, channels or content for deals created and won in the period."""
        result = impact_run(settings_parse(request.query_params, **IMPACT_CHOICES))
        return exports.impact_csv(result) if _wants_csv(request) else Response(result)


class PipelineView(APIView):
    @extend_schema(
        summary="Pipeline progress",
        parameters=[*SEGMENT, _p("granularity", "Period length.", enum=["week", "month"])],
        responses=RESULT_OR_CSV,
    )
    def get(self, request):
        """Deals by stage over time, stage-to-stage conversion, median days in stage."""
        result = pipeline_run(settings_parse(request.query_params, **PIPELINE_CHOICES))
        return exports.pipeline_csv(result) if _wants_csv(request) else Response(result)


class HealthView(APIView):
    @extend_schema(
        summary="Account health",
        operation_id="analytics_health_list_retrieve",
        parameters=[
            *SEGMENT,
            _p("order", "score (lowest first), -score or name.", enum=["score", "-score", "name"]),
            _p("limit", "Accounts to list (1-5000, default 50).", OpenApiTypes.INT),
            _p("offset", "Accounts to skip.", OpenApiTypes.INT),
        ],
        responses=RESULT_OR_CSV,
    )
    def get(self, request):
        """The distribution of health scores and the accounts with their inputs."""
        from abm.exceptions import ApplicationError

        s = settings_parse(request.query_params)
        order = _health_order(request)
        try:
            limit = int(request.query_params.get("limit") or 50)
            offset = int(request.query_params.get("offset") or 0)
        except ValueError as exc:
            raise ApplicationError(
                "limit and offset must be whole numbers.", field="limit"
            ) from exc
        if not 1 <= limit <= 5000 or offset < 0:
            raise ApplicationError("limit must be 1-5000 and offset not negative.", field="limit")
        overview = health_overview(s, order=order, limit=limit, offset=offset)
        return exports.health_csv(overview["rows"]) if _wants_csv(request) else Response(overview)


class AccountHealthView(APIView):
    @extend_schema(
        summary="One account's health, explained",
        operation_id="analytics_account_health_retrieve",
        responses=RESULT,
    )
    def get(self, request, account_id: int):
        """The score, each component's points, the inputs and what moved it last."""
        health = account_health(account_id=account_id)
        if health is None:
            raise Http404
        return Response(health)


class UpsellView(APIView):
    @extend_schema(
        summary="Upsell / cross-sell",
        parameters=[
            *SEGMENT,
            _p("min_level", "Lowest intent level listed.", enum=["low", "medium", "high"]),
            _p("product", "Only intent for this product id.", OpenApiTypes.INT),
            _p("limit", "Rows (1-500, default 100).", OpenApiTypes.INT),
        ],
        responses=RESULT_OR_CSV,
    )
    def get(self, request):
        """Accounts with a won deal whose contacts show intent for products not bought."""
        s = settings_parse(request.query_params)
        level, product, limit = _upsell_params(request)
        result = upsell_run(s, min_level=level, product=product, limit=limit)
        return exports.upsell_csv(result) if _wants_csv(request) else Response(result)
