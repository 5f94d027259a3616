"""Writes of the exchange rates an admin keeps (accounts.CurrencyRate).

A rate says what one unit of a currency is worth in ``settings.BASE_CURRENCY``; the
target-accounts rollup converts open deal value with it. Every change marks the accounts
with an open deal in that currency dirty, in the same transaction, and the existing
dirty mechanism (accounts.services.rollups) brings their rollups up to date after commit.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from abm.permissions import is_admin
from accounts.models import CurrencyRate, User
from accounts.selectors.money import base_currency
from accounts.services.rollups import rollups_mark_currency_dirty

# CurrencyRate.rate_to_base: max_digits=20, decimal_places=10.
MAX_RATE = Decimal("9999999999.9999999999")
MIN_RATE = Decimal("0.0000000001")


def _may_manage(user: User | None) -> None:
    if not is_admin(user):
        raise ForbiddenError(_("Only admins can change exchange rates."), code="forbidden")


def currency_check(value) -> str:
    code = str(value or "").strip().upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ApplicationError(_("Use a three-letter ISO 4217 code such as EUR."), field="currency")
    if code == base_currency():
        raise ApplicationError(
            _("%(code)s is the base currency: its rate is always 1.") % {"code": code},
            field="currency",
        )
    return code


def rate_check(value) -> Decimal:
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("Give the rate as a number."), field="rate_to_base") from None
    if not rate.is_finite() or rate < MIN_RATE or rate > MAX_RATE:
        raise ApplicationError(
            _("The rate must be above 0 and at most %(max)s.") % {"max": "9,999,999,999"},
            field="rate_to_base",
        )
    return rate.quantize(MIN_RATE)


def _save(*, user: User, rate: CurrencyRate, old_currency: str | None) -> CurrencyRate:
    rate.updated_at = timezone.now()
    rate.updated_by = user
    try:
        with transaction.atomic():
            rate.save()
            rollups_mark_currency_dirty(currencies={rate.currency, old_currency or ""})
    except IntegrityError:
        raise ApplicationError(
            _("%(code)s already has a rate; change that one.") % {"code": rate.currency},
            field="currency",
        ) from None
    return rate


def currency_rate_create(*, user: User, data: dict) -> CurrencyRate:
    """Give a currency a rate to the base currency (admins)."""
    _may_manage(user)
    rate = CurrencyRate(
        currency=currency_check(data.get("currency")),
        rate_to_base=rate_check(data.get("rate_to_base")),
    )
    return _save(user=user, rate=rate, old_currency=None)


def currency_rate_update(*, user: User, currency_rate: CurrencyRate, data: dict) -> CurrencyRate:
    """Change a rate (or the currency it is for); both currencies' accounts catch up."""
    _may_manage(user)
    old_currency = currency_rate.currency
    if "currency" in data:
        currency_rate.currency = currency_check(data["currency"])
    if "rate_to_base" in data:
        currency_rate.rate_to_base = rate_check(data["rate_to_base"])
    return _save(user=user, rate=currency_rate, old_currency=old_currency)


def currency_rate_set(*, user: User, currency: str, rate_to_base) -> CurrencyRate:
    """Create or change the rate of one currency, by its code."""
    existing = CurrencyRate.objects.filter(currency=currency_check(currency)).first()
    if existing is None:
        return currency_rate_create(
            user=user, data={"currency": currency, "rate_to_base": rate_to_base}
        )
    return currency_rate_update(
        user=user, currency_rate=existing, data={"rate_to_base": rate_to_base}
    )


def currency_rate_delete(*, user: User, currency_rate: CurrencyRate) -> None:
    """Remove a rate: that currency's deals are counted apart again, not converted."""
    _may_manage(user)
    with transaction.atomic():
        currency = currency_rate.currency
        currency_rate.delete()
        rollups_mark_currency_dirty(currencies=[currency])
