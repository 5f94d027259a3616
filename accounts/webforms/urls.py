"""``/forms/``: the hosted-form builder (namespace ``webforms``; marketers and admins)."""

from django.urls import path

from accounts.webforms import views

app_name = "webforms"
urlpatterns = [
    path("", views.webform_list, name="list"),
    path("new/", views.webform_create, name="create"),
    path("<int:pk>/", views.webform_detail, name="detail"),
    path("<int:pk>/edit/", views.webform_edit, name="edit"),
    path("<int:pk>/preview/", views.webform_preview, name="preview"),
    path("<int:pk>/prefill-link/", views.webform_prefill_link, name="prefill_link"),
    path("<int:pk>/delete/", views.webform_delete, name="delete"),
]
