"""``/api/v1/analytics/…`` (included at the API root by abm.api_urls)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.api import views

router = SimpleRouter()
router.register("analytics/analyses", views.SavedAnalysisViewSet, basename="analytics-analysis")
router.register("analytics/lists", views.EntityListViewSet, basename="analytics-list")

urlpatterns = [
    path("analytics/journey/run/", views.JourneyRunView.as_view(), name="analytics-journey-run"),
    path("analytics/cohort/run/", views.CohortRunView.as_view(), name="analytics-cohort-run"),
    path("analytics/flow/run/", views.FlowRunView.as_view(), name="analytics-flow-run"),
    path("analytics/jobs/<str:job>/", views.JobView.as_view(), name="analytics-job"),
    path("analytics/entities/", views.EntitiesView.as_view(), name="analytics-entities"),
    path("analytics/activate/", views.ActivateView.as_view(), name="analytics-activate"),
    *router.urls,
]
# "analytics-insights" appends its routes (impact, pipeline, health, upsell) below.

from analytics.insights import api as insights  # noqa: E402

urlpatterns += [
    path("analytics/impact/", insights.ImpactView.as_view(), name="analytics-impact"),
    path("analytics/pipeline/", insights.PipelineView.as_view(), name="analytics-pipeline"),
    path("analytics/health/", insights.HealthView.as_view(), name="analytics-health"),
    path(
        "analytics/health/<int:account_id>/",
        insights.AccountHealthView.as_view(),
        name="analytics-account-health",
    ),
    path("analytics/upsell/", insights.UpsellView.as_view(), name="analytics-upsell"),
]
