"""The base of every FilterSet: a filter value it cannot use is an error, never ignored.

django-filter reads ``?is_active=maybe`` as "no filter" and passes a time-zone offset
such as ``-17:00`` (Python allows ±24 h, PostgreSQL ±15:59:59) through to the database.
Here both are form errors, which the API's filter backend answers with a 400 naming
the parameter and the list pages show beside the filters.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.widgets import BooleanWidget
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

# PostgreSQL's limit for a time-zone displacement.
MAX_UTC_OFFSET = dt.timedelta(hours=15, minutes=59, seconds=59)
TRUE_VALUES = {"true", "1", "yes", "on"}
FALSE_VALUES = {"false", "0", "no", "off"}


class StrictBooleanWidget(BooleanWidget):
    """Hands an unrecognised value on to the field (which refuses it) instead of None."""

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE_VALUES:
            return True
        if text in FALSE_VALUES:
            return False
        return value


class StrictBooleanField(forms.NullBooleanField):
    widget = StrictBooleanWidget
    default_error_messages = {"invalid": _("Use true or false.")}

    def to_python(self, value):
        if value is None or isinstance(value, bool):
            return value
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


# The largest id a bigint primary key holds: beyond it SQLite overflows, PostgreSQL errs.
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


# The schema says what the filter takes: a whole number a primary key holds (not "number").
@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """A record id (``?account=12``): a whole number a primary key can hold, else a 400."""

    field_class = IdField


class CheckedDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time whose offset PostgreSQL accepts, handed on in UTC."""

    default_error_messages = {
        "offset": _("Use a time-zone offset from -15:59 to +15:59 (or Z)."),
        "range": _("This date-time is out of range."),
    }

    def to_python(self, value):
        result = super().to_python(value)
        if result is None or result.tzinfo is None:
            return result
        offset = result.utcoffset()
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError(self.error_messages["offset"], code="offset")
        try:
            return result.astimezone(dt.UTC)
        except OverflowError as exc:
            raise forms.ValidationError(self.error_messages["range"], code="range") from exc


class CheckedDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = CheckedDateTimeField


class HubFilterSet(django_filters.FilterSet):
    """FilterSet whose generated boolean and date-time filters refuse what they cannot use."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        models.BooleanField: {"filter_class": StrictBooleanFilter},
        models.DateTimeField: {"filter_class": CheckedDateTimeFilter},
    }


class HubFilterBackend(DjangoFilterBackend):
    """DRF filter backend: invalid filter values are a 400 naming the parameter (also for
    views that only list ``filterset_fields``)."""

    filterset_base = HubFilterSet
    raise_exception = True


class HubOrderingFilter(OrderingFilter):
    """``?ordering=`` names fields the list sorts by (``-`` for descending, commas between);
    anything else is a 400 naming the parameter, not silently the default order. The
    schema gives the fields as a pattern when the view lists them."""

    def _field_names(self, view, queryset, request) -> list[str]:
        fields = self.get_valid_fields(queryset, view, {"request": request})
        return [name for name, _label in fields]

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw:
            names = set(self._field_names(view, queryset, request))
            terms = [term.strip() for term in raw.split(",")]
            wrong = [term for term in terms if not term or term.removeprefix("-") not in names]
            if wrong:
                message = _("Sort by one of: %(fields)s (prefix - for descending).") % {
                    "fields": ", ".join(sorted(names))
                }
                raise ValidationError({self.ordering_param: [message]}, code="invalid")
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", self.ordering_fields)
        if isinstance(fields, list | tuple):
            names = [f if isinstance(f, str) else f[0] for f in fields]
            one = "-?(" + "|".join(names) + ")"
            for parameter in parameters:
                parameter["schema"]["pattern"] = f"^{one}(,{one})*$"
                parameter["description"] = str(
                    _("Sort by %(fields)s; prefix - for descending, commas between.")
                    % {"fields": ", ".join(names)}
                )
        return parameters
