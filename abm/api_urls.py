"""``/api/v1/``: every app's API routes under one prefix."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api.urls")),
    path("", include("buying_groups.api.urls")),
    path("", include("sales_actions.api.urls")),
    path("", include("analytics.api.urls")),
]
