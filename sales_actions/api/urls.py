from django.urls import path

from abm.routers import HubRouter
from sales_actions.api import views
from sales_actions.cadences.api import CadenceViewSet
from sales_actions.calls.api import views as call_views

router = HubRouter()
router.register("workspaces", views.WorkspaceViewSet, basename="workspace")
router.register("email-templates", views.EmailTemplateViewSet, basename="email-template")
router.register("sales-emails", views.SalesEmailViewSet, basename="sales-email")
router.register("cadences", CadenceViewSet, basename="cadence")
router.register("calls", call_views.CallViewSet, basename="call")
router.register("call-outcomes", call_views.CallOutcomeViewSet, basename="call-outcome")

urlpatterns = [
    path("inbound-email/", views.InboundEmailView.as_view(), name="inbound-email"),
    path(
        "calls/status-callback/",
        call_views.CallStatusCallbackView.as_view(),
        name="call-status-callback",
    ),
    *router.urls,
]
