"""``/marketing-insights/``: the Marketing insights panels (namespace ``marketing_insights``)."""

from django.urls import path

from analytics.marketing import views

app_name = "marketing_insights"
urlpatterns = [
    path("contacts/<int:pk>/", views.record_panel, {"record": "contact"}, name="contact_panel"),
    path("accounts/<int:pk>/", views.record_panel, {"record": "account"}, name="account_panel"),
    path("leads/<int:pk>/", views.record_panel, {"record": "lead"}, name="lead_panel"),
]
