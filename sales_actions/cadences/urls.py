from django.urls import path

from sales_actions.cadences import views

app_name = "cadences"
urlpatterns = [
    path("", views.cadence_list, name="list"),
    path("new/", views.cadence_create, name="create"),
    path("enrol/", views.cadence_enrol, name="enrol"),
    path("<int:pk>/", views.cadence_detail, name="detail"),
    path("<int:pk>/edit/", views.cadence_edit, name="edit"),
    path("<int:pk>/steps/new/", views.step_add, name="step_add"),
    path("steps/<int:pk>/edit/", views.step_edit, name="step_edit"),
    path("steps/<int:pk>/<str:action>/", views.step_change, name="step_change"),
    path("<int:pk>/people/", views.people_change, name="people_change"),
    path("contacts/<int:pk>/", views.contact_cadences, name="contact_panel"),
    path("accounts/<int:pk>/", views.account_cadences, name="account_panel"),
    path("opportunities/<int:pk>/", views.opportunity_cadences, name="opportunity_panel"),
    path("leads/<int:pk>/", views.lead_cadences, name="lead_panel"),
]
