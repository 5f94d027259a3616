"""``/calls/``: the calls page, the call-log dialog, call cards, the calls panels and the
outcome list (namespace ``calls``)."""

from django.urls import path

from sales_actions.calls import views

app_name = "calls"
urlpatterns = [
    path("", views.call_list, name="call_list"),
    path("log/", views.call_log_dialog, name="call_log_dialog"),
    path("dial/", views.call_place, name="call_place"),
    path("<int:pk>/", views.call_card, name="call_card"),
    path("<int:pk>/edit/", views.call_edit, name="call_edit"),
    path("<int:pk>/voicemail/", views.call_voicemail, name="call_voicemail"),
    path("contacts/<int:pk>/", views.contact_calls, name="contact_calls"),
    path("accounts/<int:pk>/", views.account_calls, name="account_calls"),
    path("opportunities/<int:pk>/", views.opportunity_calls, name="opportunity_calls"),
    path("outcomes/", views.outcome_list, name="outcome_list"),
    path("outcomes/<int:pk>/", views.outcome_edit, name="outcome_edit"),
    path("outcomes/<int:pk>/delete/", views.outcome_delete, name="outcome_delete"),
]
