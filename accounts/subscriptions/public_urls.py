"""``/preferences/<token>/``: the public subscription centre (namespace ``subscription_centre``)."""

from django.urls import path

from accounts.subscriptions import views

app_name = "subscription_centre"
urlpatterns = [path("<str:token>/", views.centre, name="centre")]
