"""Pages of the analytics: saved analyses, the journey / cohort / flow editors, lists."""

from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/<str:kind>/", views.analysis_new, name="new"),
    path("<int:pk>/", views.analysis_detail, name="detail"),
    path("<int:pk>/duplicate/", views.analysis_duplicate, name="duplicate"),
    path("<int:pk>/delete/", views.analysis_delete, name="delete"),
    path("export/<str:kind>.csv", views.export, name="export"),
    path("drill/<str:kind>/", views.drill, name="drill"),
    path("lists/", views.lists, name="lists"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/delete/", views.list_delete, name="list_delete"),
]
# "analytics-insights" appends its pages (impact, pipeline, health, upsell) below.

from analytics.insights import views as insights  # noqa: E402

urlpatterns += [
    path("insights/impact/", insights.impact_page, name="impact"),
    path("insights/impact.csv", insights.impact_csv, name="impact_csv"),
    path("insights/pipeline/", insights.pipeline_page, name="pipeline"),
    path("insights/pipeline.csv", insights.pipeline_csv, name="pipeline_csv"),
    path("insights/health/", insights.health_page, name="health"),
    path("insights/health.csv", insights.health_csv, name="health_csv"),
    path("insights/health/<int:account_id>/", insights.health_account_page, name="health_account"),
    path("insights/upsell/", insights.upsell_page, name="upsell"),
    path("insights/upsell.csv", insights.upsell_csv, name="upsell_csv"),
]
