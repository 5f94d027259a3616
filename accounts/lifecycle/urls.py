"""Lead lifecycle pages, included in ``accounts/urls.py`` (namespace ``accounts``)."""

from django.urls import path

from accounts.lifecycle import views

urlpatterns = [
    path("leads/pipeline/", views.lead_pipeline, name="lead_pipeline"),
    path("leads/<int:pk>/accept/", views.lead_accept, name="lead_accept"),
    path("leads/<int:pk>/convert/", views.lead_convert, name="lead_convert"),
    path("leads/<int:pk>/return/", views.lead_return, name="lead_return"),
    path("leads/<int:pk>/disqualify/", views.lead_disqualify, name="lead_disqualify"),
    path("leads/disqualify-reasons/", views.reason_list, name="disqualify_reason_list"),
    path("leads/disqualify-reasons/<int:pk>/", views.reason_edit, name="disqualify_reason_edit"),
    path(
        "leads/disqualify-reasons/<int:pk>/delete/",
        views.reason_delete,
        name="disqualify_reason_delete",
    ),
]
