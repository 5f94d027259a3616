"""Exchange rates under ``/api/v1/currency-rates/``: everybody reads, admins write.

A rate is what one unit of ``currency`` is worth in the base currency
(``settings.BASE_CURRENCY``, which needs no rate). Writes go through
accounts.services.currency_rates, which marks the affected rollups dirty.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers

from abm.permissions import is_admin, is_signed_in
from abm.routers import HubRouter
from accounts.api.views import ServiceViewSet, _write_schema
from accounts.models import CurrencyRate
from accounts.selectors.money import base_currency, currency_rate_list
from accounts.services import currency_rates as services


class AdminWritesRates(permissions.BasePermission):
    """Any signed-in user reads the rates; only admins change them."""

    message = _("Only admins can change exchange rates.")

    def has_permission(self, request, view):
        if not is_signed_in(request.user):
            return False
        return request.method in permissions.SAFE_METHODS or is_admin(request.user)


class CurrencyRateSerializer(serializers.ModelSerializer):
    currency = serializers.RegexField(
        r"^[A-Z]{3}$",
        max_length=3,
        help_text="ISO 4217 code in capitals; not the base currency.",
        error_messages={"invalid": "Use a three-letter ISO 4217 code such as EUR."},
    )
    rate_to_base = serializers.DecimalField(
        max_digits=20,
        decimal_places=10,
        min_value=Decimal("0.0000000001"),
        help_text="What one unit of this currency is worth in the base currency.",
    )
    base_currency = serializers.SerializerMethodField()

    class Meta:
        model = CurrencyRate
        fields = ["id", "currency", "rate_to_base", "base_currency", "updated_at", "updated_by"]
        read_only_fields = ["updated_at", "updated_by"]

    def get_base_currency(self, obj) -> str:
        return base_currency()


@_write_schema(CurrencyRateSerializer)
class CurrencyRateViewSet(ServiceViewSet):
    """Exchange rates an admin keeps; open deal value is converted to the base currency
    with them (deals in a currency without a rate are counted apart, not added)."""

    permission_classes = [AdminWritesRates]
    queryset = currency_rate_list()
    serializer_class = CurrencyRateSerializer
    filterset_fields = ["currency"]
    ordering_fields = ["currency", "updated_at", "id"]
    ordering = ["currency", "id"]
    create_service = services.currency_rate_create
    update_service = services.currency_rate_update
    delete_service = services.currency_rate_delete
    instance_arg = "currency_rate"


router = HubRouter()
router.register("currency-rates", CurrencyRateViewSet, basename="currency-rate")
urlpatterns = router.urls
