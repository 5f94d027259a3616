from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from abm import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("abm.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up code as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("target-accounts/", include("accounts.target_urls")),
    path("buying-groups/", include("buying_groups.urls")),
    path("emails/", include("sales_actions.urls")),
    path("tasks/", include("sales_actions.worklist.urls")),
    path("best-bets/", include("sales_actions.bestbets.urls")),
    path("cadences/", include("sales_actions.cadences.urls")),
    path("calls/", include("sales_actions.calls.urls")),
    path("feed/", include("sales_actions.feed.urls")),
    path("insights/", include("sales_actions.insights.urls")),
    path("marketing-insights/", include("analytics.marketing.urls")),
    path("analytics/", include("analytics.urls")),
    path("scoring/", include("accounts.scoring.urls")),
    path("forms/", include("accounts.webforms.urls")),
    path("f/", include("accounts.webforms.public_urls")),
    path("webhooks/", include("accounts.webhooks.urls")),
    path("subscription-lists/", include("accounts.subscriptions.urls")),
    path("preferences/", include("accounts.subscriptions.public_urls")),
    path("personal-data/", include("accounts.gdpr.urls")),
    path("events/", include("accounts.events.urls")),
    path("", include("accounts.urls")),
]

handler400 = "abm.views.bad_request"
handler403 = "abm.views.permission_denied"
handler404 = "abm.views.page_not_found"
handler500 = "abm.views.server_error"
