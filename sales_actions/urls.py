from django.urls import path

from sales_actions import views
from sales_actions.cadences import views as cadence_views
from sales_actions.calls import views as call_views

app_name = "sales_actions"
urlpatterns = [
    path("", views.template_list, name="template_list"),
    path("templates/new/", views.template_create, name="template_create"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template_edit"),
    path(
        "templates/<int:pk>/<str:action>/",
        views.template_transition,
        name="template_transition",
    ),
    path("approvals/", views.approval_queue, name="approval_queue"),
    path("report/", views.report, name="report"),
    path("send/", views.send_dialog, name="send_dialog"),
    path("send/check/", views.send_check, name="send_check"),
    path("write/", views.personal_email, name="personal_email"),
    # The enrol dialog under this namespace too (lists and record pages open it by this name).
    path("cadences/enrol/", cadence_views.cadence_enrol, name="cadence_enrol"),
    # The call-log dialog under this namespace too (the tasks page opens it by this name).
    path("calls/log/", call_views.call_log_dialog, name="call_log_dialog"),
    path("contacts/<int:pk>/", views.contact_emails, name="contact_emails"),
    path("accounts/<int:pk>/", views.account_emails, name="account_emails"),
    path("opportunities/<int:pk>/", views.opportunity_emails, name="opportunity_emails"),
    path("sent/<int:pk>/", views.email_detail, name="email_detail"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/reconcile/", views.outbox_reconcile, name="outbox_reconcile"),
    path("outbox/<int:pk>/raw/", views.outbox_raw, name="outbox_raw"),
    path("t/o/<str:token>.gif", views.track_open, name="track_open"),
    path("t/c/<str:token>/", views.track_click, name="track_click"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
