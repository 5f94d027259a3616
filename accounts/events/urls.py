"""``/events/``: marketing events, their registrations, import and report."""

from django.urls import path

from accounts.events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/delete/", views.event_delete, name="delete"),
    path("<int:pk>/register/", views.event_register, name="register"),
    path("<int:pk>/import/", views.event_import, name="import"),
    path(
        "<int:pk>/registrations/<int:registration_id>/check-in/",
        views.registration_check_in,
        name="check_in",
    ),
    path(
        "<int:pk>/registrations/<int:registration_id>/cancel/",
        views.registration_cancel,
        name="cancel",
    ),
    path("contact/<int:pk>/information/", views.contact_event_information, name="contact_info"),
    path("contact/<int:pk>/attended/", views.contact_events_attended, name="contact_attended"),
]
