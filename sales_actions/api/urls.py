from django.urls import path
from rest_framework.routers import SimpleRouter

from sales_actions.api import views

router = SimpleRouter()
router.register("workspaces", views.WorkspaceViewSet, basename="workspace")
router.register("email-templates", views.EmailTemplateViewSet, basename="email-template")
router.register("sales-emails", views.SalesEmailViewSet, basename="sales-email")

urlpatterns = [
    path("inbound-email/", views.InboundEmailView.as_view(), name="inbound-email"),
    *router.urls,
]
