"""``/personal-data/``: a contact's personal data page, export and erasure (namespace ``gdpr``)."""

from django.urls import path

from accounts.gdpr import views

app_name = "gdpr"
urlpatterns = [
    path("contacts/<int:pk>/", views.personal_data, name="contact"),
    path("contacts/<int:pk>/export.json", views.personal_data_export, name="contact_export"),
]
