"""``/insights/``: the Insights panels of record pages (namespace ``insights``)."""

from django.urls import path

from sales_actions.insights import views

app_name = "insights"
urlpatterns = [
    path("contacts/<int:pk>/", views.record_panel, {"record": "contact"}, name="contact_panel"),
    path("accounts/<int:pk>/", views.record_panel, {"record": "account"}, name="account_panel"),
    path(
        "opportunities/<int:pk>/",
        views.record_panel,
        {"record": "opportunity"},
        name="opportunity_panel",
    ),
]
