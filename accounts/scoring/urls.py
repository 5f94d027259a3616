from django.urls import path

from accounts.scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.model_list, name="list"),
    path("new/", views.model_edit, name="create"),
    path("recompute/", views.recompute, name="recompute"),
    path("<int:pk>/edit/", views.model_edit, name="edit"),
    path("<int:pk>/activate/", views.model_activate, name="activate"),
    path("<int:pk>/delete/", views.model_delete, name="delete"),
    path("leads/<int:pk>/score/", views.lead_score_panel, name="lead_score_panel"),
]
