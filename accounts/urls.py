"""Pages of the accounts app: records (accounts, contacts, leads, deals) and CSV import."""

from accounts.views import imports, records

app_name = "accounts"
urlpatterns = records.urlpatterns + imports.urlpatterns
