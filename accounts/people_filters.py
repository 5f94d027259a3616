"""People filters for the seven sales events, on the contacts and leads lists and their APIs.

``?sales_event=email_opened&sales_event_min=2&sales_event_days=7&sales_event_not=email_replied``
keeps the people who opened a sales email at least twice in the last 7 days and did not
reply in those 7 days.

Source of each event: the activity stream (``accounts.Activity``). Every sales fact is
recorded there in the same transaction as the hub event, and the activities also hold the
history from before the hub event stream existed, so one source answers both:

==================  ========================================================================
sales event         activities counted
==================  ========================================================================
email_sent          type email_sent whose metadata names a ``sales_email``
email_opened        type email_opened, a sales email's, not a bot (scanner, proxy)
email_clicked       type email_clicked, a sales email's, not a bot
email_replied       type email_replied, a sales email's
call_received       type call made by our user (initiated_by user): an outbound sales call
cadence_added       type campaign_added whose metadata names a ``cadence``
cadence_removed     type campaign_removed whose metadata names a ``cadence``
==================  ========================================================================

Each filter is one ``IN (SELECT contact_id … GROUP BY contact_id HAVING COUNT(*) >= n)``
over the window's activities (served by the ``occurred_at`` index), the "not" part one
``NOT IN`` of the same shape: no per-row subquery, the same SQL on PostgreSQL and SQLite.
"""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from abm.filters import HubFilterSet
from accounts.models import Activity

A = Activity.Type
SALES_EVENTS: dict[str, tuple] = {
    "email_sent": (
        _("were sent a sales email"),
        Q(type=A.EMAIL_SENT, metadata__has_key="sales_email"),
    ),
    "email_opened": (
        _("opened a sales email"),
        Q(type=A.EMAIL_OPENED, is_bot=False, metadata__has_key="sales_email"),
    ),
    "email_clicked": (
        _("clicked in a sales email"),
        Q(type=A.EMAIL_CLICKED, is_bot=False, metadata__has_key="sales_email"),
    ),
    "email_replied": (
        _("replied to a sales email"),
        Q(type=A.EMAIL_REPLIED, metadata__has_key="sales_email"),
    ),
    "call_received": (
        _("received a sales call"),
        Q(type=A.CALL, initiated_by=Activity.InitiatedBy.USER),
    ),
    "cadence_added": (
        _("were added to a cadence"),
        Q(type=A.CAMPAIGN_ADDED, metadata__has_key="cadence"),
    ),
    "cadence_removed": (
        _("were removed from a cadence"),
        Q(type=A.CAMPAIGN_REMOVED, metadata__has_key="cadence"),
    ),
}


class _WholeNumberFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 10000})
class CountFilter(_WholeNumberFilter):
    """How many times at least (default 1)."""


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 3650})
class DaysFilter(_WholeNumberFilter):
    """The window in days (default 30)."""


EVENT_CHOICES = [(key, label) for key, (label, _q) in SALES_EVENTS.items()]
DEFAULT_DAYS = 30
MAX_DAYS = 3650
MAX_COUNT = 10000


def contacts_with_sales_event(event: str, *, days: int, min_count: int = 1, now=None) -> QuerySet:
    """The ids of the contacts with at least ``min_count`` of ``event`` in the last ``days``."""
    _label, condition = SALES_EVENTS[event]
    since = (now or timezone.now()) - timedelta(days=days)
    rows = Activity.objects.filter(condition, occurred_at__gte=since).order_by()
    if min_count <= 1:
        return rows.values("contact_id").distinct()
    return (
        rows.values("contact_id")
        .annotate(_n=Count("id"))
        .filter(_n__gte=min_count)
        .values("contact_id")
    )


def sales_event_filter(
    queryset: QuerySet,
    *,
    contact_field: str,
    event: str,
    days: int,
    min_count: int = 1,
    without: str = "",
    now=None,
) -> QuerySet:
    """``queryset`` (contacts or leads, whose person is ``contact_field``) narrowed to the
    people with the event (and, ``without``, none of that other event in the same window)."""
    now = now or timezone.now()
    if event:
        queryset = queryset.filter(
            **{
                f"{contact_field}__in": contacts_with_sales_event(
                    event, days=days, min_count=min_count, now=now
                )
            }
        )
    if without:
        queryset = queryset.exclude(
            **{f"{contact_field}__in": contacts_with_sales_event(without, days=days, now=now)}
        )
    return queryset


class SalesEventFilterSet(HubFilterSet):
    """The four ``sales_event*`` parameters, validated together (a count or a window
    without an event is a form error naming the field; the API answers 400)."""

    sales_event_contact_field = "pk"

    sales_event = django_filters.ChoiceFilter(
        choices=EVENT_CHOICES, method="filter_sales_event", label=_("Sales event")
    )
    sales_event_min = CountFilter(
        method="filter_noop",
        label=_("At least this many times (default 1; needs sales_event)"),
        min_value=1,
        max_value=MAX_COUNT,
    )
    sales_event_days = DaysFilter(
        method="filter_noop",
        label=_("Window in days (default 30) for sales_event and sales_event_not"),
        min_value=1,
        max_value=MAX_DAYS,
    )
    sales_event_not = django_filters.ChoiceFilter(
        choices=EVENT_CHOICES, method="filter_noop", label=_("And not")
    )

    def get_form_class(self):
        base = super().get_form_class()

        def clean(form):
            data = super(form.__class__, form).clean()
            _sales_event_clean(form)
            return data

        return type(base.__name__, (base,), {"clean": clean})

    def filter_noop(self, queryset, name, value):
        return queryset  # read by filter_sales_event (the parameters are one filter)

    def filter_sales_event(self, queryset, name, value):
        return queryset  # applied once in filter_queryset, where every parameter is known

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if any(name.startswith("sales_event") for name in self.form.errors):
            return queryset.none()  # the page shows the error beside the filter; the API 400s
        data = self.form.cleaned_data
        event, without = data.get("sales_event") or "", data.get("sales_event_not") or ""
        if not event and not without:
            return queryset
        return sales_event_filter(
            queryset,
            contact_field=self.sales_event_contact_field,
            event=event,
            days=int(data.get("sales_event_days") or DEFAULT_DAYS),
            min_count=int(data.get("sales_event_min") or 1),
            without=without,
        )


def _sales_event_clean(form: forms.Form) -> None:
    data = form.cleaned_data
    event = data.get("sales_event")
    for name in ("sales_event_min", "sales_event_days"):
        value = data.get(name)
        if value is None:
            continue
        if not event and not (name == "sales_event_days" and data.get("sales_event_not")):
            form.add_error(name, _("Choose a sales event for this to apply to."))
    if event and data.get("sales_event_not") == event:
        form.add_error("sales_event_not", _("Choose another event than the first one."))
