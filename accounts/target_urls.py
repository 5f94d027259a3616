"""Pages of the target-accounts area (namespace ``targets``)."""

from accounts.views import targets

app_name = "targets"
urlpatterns = targets.urlpatterns
