from abm.routers import HubRouter
from buying_groups.api import views

router = HubRouter()
router.register("role-templates", views.RoleTemplateViewSet, basename="role-template")
router.register("buying-groups", views.BuyingGroupViewSet, basename="buying-group")
router.register("buying-group-jobs", views.GenerationJobViewSet, basename="buying-group-job")

urlpatterns = router.urls
