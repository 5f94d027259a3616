from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from abm.exceptions import ApplicationError
from abm.permissions import is_admin
from accounts.models import (
    Account,
    Activity,
    Campaign,
    ConsentChange,
    Contact,
    CurrencyRate,
    ImportJob,
    Lead,
    Note,
    Opportunity,
    Product,
    Task,
    Team,
    User,
)
from accounts.services import currency_rates
from accounts.services.currency_rates import currency_check, rate_check


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


class CurrencyRateForm(forms.ModelForm):
    """The rate service's own checks, shown on the admin form's fields."""

    class Meta:
        model = CurrencyRate
        fields = ("currency", "rate_to_base")

    def _checked(self, check, name):
        try:
            return check(self.cleaned_data.get(name))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from None

    def clean_currency(self):
        return self._checked(currency_check, "currency")

    def clean_rate_to_base(self):
        return self._checked(rate_check, "rate_to_base")


@admin.register(CurrencyRate)
class CurrencyRateAdmin(admin.ModelAdmin):
    """Exchange rates to settings.BASE_CURRENCY, kept by admins. Saves go through the rate
    service, which marks the rollups of accounts with open deals in that currency dirty."""

    form = CurrencyRateForm
    list_display = ("currency", "rate_to_base", "updated_at", "updated_by")
    search_fields = ("currency",)
    readonly_fields = ("updated_at", "updated_by")

    def has_add_permission(self, request):
        return is_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return is_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_admin(request.user)

    def save_model(self, request, obj, form, change):
        data = {"currency": obj.currency, "rate_to_base": obj.rate_to_base}
        if change:
            current = CurrencyRate.objects.get(pk=obj.pk)
            saved = currency_rates.currency_rate_update(
                user=request.user, currency_rate=current, data=data
            )
        else:
            saved = currency_rates.currency_rate_create(user=request.user, data=data)
        obj.pk, obj.updated_at, obj.updated_by = saved.pk, saved.updated_at, saved.updated_by

    def delete_model(self, request, obj):
        currency_rates.currency_rate_delete(user=request.user, currency_rate=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("title", "type", "status", "due_at", "owner", "account", "contact")
    list_filter = ("status", "type")
    search_fields = ("title",)
    raw_id_fields = ("owner", "account", "contact", "created_by")


for model in (Team, Campaign, Product, Lead, Opportunity, Note, ImportJob):
    admin.site.register(model)
