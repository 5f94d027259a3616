"""``/api/v1/``: every app's API routes under one prefix."""

from django.urls import include, path

from accounts.api.views import TokenObtainView

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("", include("accounts.api.urls")),
    path("", include("buying_groups.api.urls")),
    path("", include("sales_actions.api.urls")),
    path("", include("sales_actions.worklist.api")),
    path("", include("sales_actions.feed.api")),
    path("", include("sales_actions.bestbets.api")),
    path("", include("sales_actions.insights.api")),
    path("", include("analytics.marketing.api")),
    path("", include("analytics.api.urls")),
]
