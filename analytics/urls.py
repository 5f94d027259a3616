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
