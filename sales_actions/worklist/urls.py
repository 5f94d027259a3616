"""``/tasks/``: the tasks page, its actions and the task panels (namespace ``tasks``)."""

from django.urls import path

from sales_actions.worklist import views

app_name = "tasks"
urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("add/", views.task_new, name="task_new"),
    path("<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("<int:pk>/snooze/", views.task_snooze, name="task_snooze"),
    path("<int:pk>/reassign/", views.task_reassign, name="task_reassign"),
    path("contacts/<int:pk>/", views.contact_tasks, name="contact_tasks"),
    path("accounts/<int:pk>/", views.account_tasks, name="account_tasks"),
    path("opportunities/<int:pk>/", views.opportunity_tasks, name="opportunity_tasks"),
    path("leads/<int:pk>/", views.lead_tasks, name="lead_tasks"),
]
