from django.urls import path

from buying_groups import views

app_name = "buying_groups"
urlpatterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_create, name="create"),
    path("<int:pk>/", views.group_detail, name="detail"),
    path("<int:pk>/members/", views.group_members, name="members"),
    path("<int:pk>/edit/", views.group_edit, name="edit"),
    path("<int:pk>/delete/", views.group_delete, name="delete"),
    path("<int:pk>/members/assign/", views.members_assign, name="members_assign"),
    path("<int:pk>/members/remove/", views.members_remove, name="members_remove"),
    path("<int:pk>/members/roles/", views.members_roles, name="members_roles"),
    path("<int:pk>/members/<int:contact_id>/", views.member_details, name="member_details"),
    path("summary/<str:subject>/<int:object_id>/", views.summary_fragment, name="summary"),
    path("templates/", views.template_list, name="templates"),
    path("templates/new/", views.template_edit, name="template_create"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path("templates/<int:pk>/delete/", views.template_delete, name="template_delete"),
    path("generate/", views.generate, name="generate"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
]
