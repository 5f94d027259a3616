"""API of the analytics: saved analyses, runs (settings in, result out), drill-downs,
static lists, activation and CSV."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from abm.exceptions import ApplicationError
from abm.tasks import enqueue
from accounts.models import Campaign
from analytics import engine, selectors, services
from analytics.api import serializers as s
from analytics.exports import result_csv
from analytics.models import EntityList, SavedAnalysis
from analytics.tasks import analysis_run_task
from analytics.validation import SETTINGS_SERIALIZERS, settings_json, settings_validate

CSV_RESPONSE = OpenApiResponse(OpenApiTypes.STR, description="text/csv")


def _csv_response(kind: str, data: dict, filename: str) -> HttpResponse:
    response = HttpResponse(result_csv(kind=kind, data=data), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


class SavedAnalysisViewSet(viewsets.ModelViewSet):
    """Saved analyses: your own and those your team shares; admins see all."""

    serializer_class = s.SavedAnalysisSerializer
    ordering = "-id"
    filterset_fields = ["kind", "visibility"]
    search_fields = ["name"]
    ordering_fields = ["id", "name", "updated_at"]

    queryset = SavedAnalysis.objects.none()  # the schema's model; requests are scoped below

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedAnalysis.objects.none()
        return selectors.saved_analysis_list(user=self.request.user)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.saved_analysis_create(
            user=self.request.user,
            name=data["name"],
            kind=data["kind"],
            settings=data["settings"],
            visibility=data.get("visibility", SavedAnalysis.Visibility.PRIVATE),
        )

    def perform_update(self, serializer):
        serializer.instance = services.saved_analysis_update(
            user=self.request.user, analysis=serializer.instance, data=serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.saved_analysis_delete(user=self.request.user, analysis=instance)

    @extend_schema(request=None, responses={201: s.SavedAnalysisSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request, pk=None):
        copy = services.saved_analysis_duplicate(user=request.user, analysis=self.get_object())
        return Response(self.get_serializer(copy).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        analysis = self.get_object()
        settings = settings_validate(kind=analysis.kind, data=analysis.settings)
        return Response(engine.run(kind=analysis.kind, settings=settings).as_dict())

    @extend_schema(responses={(200, "text/csv"): CSV_RESPONSE})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        analysis = self.get_object()
        settings = settings_validate(kind=analysis.kind, data=analysis.settings)
        result = engine.run(kind=analysis.kind, settings=settings)
        return _csv_response(analysis.kind, result.data, f"analysis-{analysis.pk}")


class _RunView(APIView):
    kind = ""

    def post(self, request):
        settings = settings_validate(kind=self.kind, data=request.data)
        if request.query_params.get("background") in ("1", "true"):
            return self._background(settings)
        if request.query_params.get("output") == "csv":
            return _csv_response(
                self.kind, engine.run(kind=self.kind, settings=settings).data, self.kind
            )
        return Response(engine.run(kind=self.kind, settings=settings).as_dict())

    def _background(self, settings):
        """Answer from the cache, or start a worker and answer 202 with the job to poll."""
        hit = engine.cached(kind=self.kind, settings=settings)
        if hit is None:
            if engine.job_start(kind=self.kind, settings=settings):
                enqueue(analysis_run_task, self.kind, settings_json(settings))
            hit = engine.cached(kind=self.kind, settings=settings)  # eager mode: done
        if hit is not None:
            return Response(hit.as_dict())
        job = engine.job_key(self.kind, settings)
        return Response(
            {"status": "running", "job": job, "poll": reverse("analytics-job", args=[job])},
            status=status.HTTP_202_ACCEPTED,
        )


def _run_view(kind: str) -> type[APIView]:
    def post(self, request):
        return _RunView.post(self, request)

    post = extend_schema(
        request=SETTINGS_SERIALIZERS[kind],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): CSV_RESPONSE,  # ?output=csv
            202: OpenApiTypes.OBJECT,  # ?background=1: the job to poll
        },
        parameters=[
            OpenApiParameter("output", str, enum=["csv"], description="csv: the table as CSV"),
            OpenApiParameter("background", bool, description="run in a worker: 202 + job"),
        ],
        description=f"Run a {kind} analysis: its settings in, its result out. With "
        "?background=1 a result not in the cache is computed by a worker: the answer is "
        "202 with a job to poll at /api/v1/analytics/jobs/<job>/.",
        operation_id=f"analytics_{kind}_run",
    )(post)
    return type(f"{kind.title()}RunView", (_RunView,), {"kind": kind, "post": post})


JourneyRunView = _run_view("journey")
CohortRunView = _run_view("cohort")
FlowRunView = _run_view("flow")


class JobView(APIView):
    """A background run: 200 with the result when done, 202 while running."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 202: OpenApiTypes.OBJECT})
    def get(self, request, job: str):
        answer = engine.cached_by_job(job)
        if answer is None:
            raise NotFound(_("No such analysis run (it may have expired)."))
        code = status.HTTP_200_OK if answer["status"] == "done" else status.HTTP_202_ACCEPTED
        return Response(answer, status=code)


class EntitiesView(APIView):
    """The entities behind a journey node, a cohort cell or a flow node/band."""

    @extend_schema(request=s.DrillSerializer, responses={200: s.DrillResultSerializer})
    def post(self, request):
        serializer = s.DrillSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ids = engine.entities(kind=data["kind"], settings=data["settings"], target=data["target"])
        container = data["settings"]["container"]
        rows = selectors.entity_rows(container=container, ids=ids)
        return Response({"container": container, "count": len(ids), "entities": rows})


class EntityListViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Static lists saved from drill-downs."""

    serializer_class = s.EntityListSerializer
    ordering = "-id"

    queryset = EntityList.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EntityList.objects.none()
        return selectors.entity_list_list(user=self.request.user)

    @extend_schema(request=s.EntityListCreateSerializer, responses={201: s.EntityListSerializer})
    def create(self, request):
        serializer = s.EntityListCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        ids = engine.entities(kind=data["kind"], settings=data["settings"], target=data["target"])
        analysis = None
        if data.get("analysis"):
            analysis = (
                selectors.saved_analysis_list(user=request.user).filter(pk=data["analysis"]).first()
            )
        entity_list = services.entity_list_create(
            user=request.user,
            name=data["name"],
            container=data["settings"]["container"],
            ids=ids,
            analysis=analysis,
        )
        return Response(s.EntityListSerializer(entity_list).data, status=status.HTTP_201_CREATED)


class ActivateView(APIView):
    """Add the people behind a drill-down to a campaign ("activate the cohort")."""

    @extend_schema(request=s.ActivateSerializer, responses={200: OpenApiTypes.OBJECT})
    def post(self, request):
        serializer = s.ActivateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        campaign = Campaign.objects.filter(pk=data["campaign"]).first()
        if campaign is None:
            raise ApplicationError(_("No such campaign."), field="campaign")
        ids = engine.entities(kind=data["kind"], settings=data["settings"], target=data["target"])
        added = services.entities_add_to_campaign(
            user=request.user,
            container=data["settings"]["container"],
            ids=ids,
            campaign=campaign,
        )
        return Response({"campaign": campaign.pk, "people_added": added, "entities": len(ids)})
