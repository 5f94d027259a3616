"""``/webhooks/``: subscriptions, their delivery log, replay, ping (namespace ``webhooks``)."""

from django.urls import path

from accounts.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("new/", views.webhook_create, name="create"),
    path("<int:pk>/", views.webhook_detail, name="detail"),
    path("<int:pk>/edit/", views.webhook_edit, name="edit"),
    path("<int:pk>/rotate/", views.webhook_rotate, name="rotate"),
    path("<int:pk>/delete/", views.webhook_delete, name="delete"),
    path("<int:pk>/ping/", views.webhook_ping, name="ping"),
    path("<int:pk>/deliveries/<int:delivery_pk>/", views.delivery_detail, name="delivery"),
    path(
        "<int:pk>/deliveries/<int:delivery_pk>/replay/",
        views.delivery_replay,
        name="delivery_replay",
    ),
]
