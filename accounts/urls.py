"""Pages of the accounts app (namespace ``accounts``): the CRM records and CSV import.

Each URL's view lives in ``accounts/views/<domain>.py``: accounts, contacts, leads,
opportunities, dialogs (add a task / a note) and imports.
"""

from django.urls import path

from accounts.lifecycle import urls as lifecycle_urls
from accounts.views import accounts, contacts, dialogs, imports, leads, opportunities

app_name = "accounts"
urlpatterns = [
    path("accounts/", accounts.account_list, name="account_list"),
    path("accounts/new/", accounts.account_create, name="account_create"),
    path("accounts/bulk-target/", accounts.account_bulk_target, name="account_bulk_target"),
    path("accounts/lookup/", accounts.account_lookup, name="account_lookup"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account_detail"),
    path("accounts/<int:pk>/edit/", accounts.account_edit, name="account_edit"),
    path("accounts/<int:pk>/delete/", accounts.account_delete, name="account_delete"),
    path("contacts/", contacts.contact_list, name="contact_list"),
    path("contacts/new/", contacts.contact_create, name="contact_create"),
    path("contacts/lookup/", contacts.contact_lookup, name="contact_lookup"),
    path("contacts/<int:pk>/", contacts.contact_detail, name="contact_detail"),
    path("contacts/<int:pk>/edit/", contacts.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", contacts.contact_delete, name="contact_delete"),
    path("leads/", leads.lead_list, name="lead_list"),
    path("leads/new/", leads.lead_create, name="lead_create"),
    path("leads/<int:pk>/", leads.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", leads.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/delete/", leads.lead_delete, name="lead_delete"),
    *lifecycle_urls.urlpatterns,
    path("opportunities/", opportunities.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", opportunities.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", opportunities.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", opportunities.opportunity_edit, name="opportunity_edit"),
    path("tasks/new/", dialogs.task_create, name="task_create"),
    path("notes/new/", dialogs.note_create, name="note_create"),
    *imports.urlpatterns,
]
