from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import (
    Account,
    Activity,
    Campaign,
    ConsentChange,
    Contact,
    ImportJob,
    Lead,
    Note,
    Opportunity,
    Product,
    Task,
    Team,
    User,
)


@admin.register(User)
class HubUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("ABM Hub", {"fields": ("role", "team", "signature")}),)
    list_display = ("username", "email", "role", "team", "is_active")
    list_filter = ("role", "team", "is_active")


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "industry", "owner", "is_target", "fit_score")
    list_filter = ("is_target", "industry")
    search_fields = ("name", "domain")
    raw_id_fields = ("owner", "parent")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("email", "first_name", "last_name", "title", "account")
    search_fields = ("email", "last_name")
    raw_id_fields = ("account", "owner", "source_campaign", "guardian")
    # Consent changes only through the consent service (contact page, API, import), which
    # keeps who, when and why; here they are shown, not edited.
    readonly_fields = ("allow_email", "allow_bulk_email", "allow_prefill", "follow_email")


@admin.register(ConsentChange)
class ConsentChangeAdmin(admin.ModelAdmin):
    list_display = ("contact", "field", "old_value", "new_value", "source", "user", "occurred_at")
    list_filter = ("source", "field")
    raw_id_fields = ("contact", "user")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("type", "contact", "account", "occurred_at", "initiated_by")
    list_filter = ("type",)
    raw_id_fields = ("contact", "account", "user", "campaign")


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "type", "status", "due_at", "owner", "account", "contact")
    list_filter = ("status", "type")
    search_fields = ("title",)
    raw_id_fields = ("owner", "account", "contact", "created_by")


for model in (Team, Campaign, Product, Lead, Opportunity, Note, ImportJob):
    admin.site.register(model)
