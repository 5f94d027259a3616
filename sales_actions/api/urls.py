from django.urls import path

from abm.routers import HubRouter
from sales_actions.api import views

router = HubRouter()
router.register("workspaces", views.WorkspaceViewSet, basename="workspace")
router.register("email-templates", views.EmailTemplateViewSet, basename="email-template")
router.register("sales-emails", views.SalesEmailViewSet, basename="sales-email")

urlpatterns = [
    path("inbound-email/", views.InboundEmailView.as_view(), name="inbound-email"),
    *router.urls,
]
