"""``/f/``: the public pages of hosted forms (namespace ``webforms_public``; no login)."""

from django.urls import path

from accounts.webforms import views

app_name = "webforms_public"
urlpatterns = [
    path("confirm/<str:token>/", views.public_opt_in, name="opt_in"),
    path("<str:key>/", views.public_form, name="form"),
]
