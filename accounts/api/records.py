"""Routes of the CRM core API under ``/api/v1/``."""

from abm.routers import HubRouter
from accounts.api import views

router = HubRouter()
router.register("accounts", views.AccountViewSet, basename="account")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("leads", views.LeadViewSet, basename="lead")
router.register("opportunities", views.OpportunityViewSet, basename="opportunity")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("products", views.ProductViewSet, basename="product")
router.register("notes", views.NoteViewSet, basename="note")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("teams", views.TeamViewSet, basename="team")
router.register("users", views.UserViewSet, basename="user")

urlpatterns = router.urls
