"""Django admin for the call log: the outcome list is edited here too (or on /calls/outcomes/).

Imported by ``SalesActionsConfig.ready`` (the admin autodiscovers ``<app>.admin`` only)."""

from django.contrib import admin

from sales_actions.calls.models import Call, CallOutcome


@admin.register(CallOutcome)
class CallOutcomeAdmin(admin.ModelAdmin):
    list_display = ("name", "position", "is_active", "description")
    list_editable = ("position", "is_active")
    search_fields = ("name",)

    def has_delete_permission(self, request, obj=None):
        # An outcome calls used is retired, not deleted (the calls keep it).
        if obj is not None and obj.calls.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ("started_at", "contact", "user", "number", "status", "outcome", "provider")
    list_filter = ("status", "direction", "provider", "outcome")
    list_select_related = ("contact", "user", "outcome")
    raw_id_fields = ("contact", "account", "opportunity", "task", "user")
    search_fields = ("number", "provider_call_id", "contact__email")
    # The activity was written when the call was logged: its facts are read-only here.
    readonly_fields = ("activity_id", "provider", "provider_call_id", "created_at", "updated_at")
