"""``/subscription-lists/``: the lists and the contact panel (namespace ``subscriptions``)."""

from django.urls import path

from accounts.subscriptions import views

app_name = "subscriptions"
urlpatterns = [
    path("", views.list_index, name="list"),
    path("new/", views.list_create, name="create"),
    path("<int:pk>/edit/", views.list_edit, name="edit"),
    path("<int:pk>/delete/", views.list_delete, name="delete"),
    path("contact/<int:pk>/", views.contact_panel, name="contact_panel"),
    path("contact/<int:pk>/membership/", views.contact_membership, name="contact_membership"),
]
