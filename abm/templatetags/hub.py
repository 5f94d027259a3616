"""Template helpers shared by every page."""

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

from abm import pages

register = template.Library()


def _relative(value: datetime, now: datetime) -> str:
    seconds = (value - now).total_seconds()
    future = seconds > 0
    seconds = abs(seconds)
    for limit, unit, size in (  # noqa: B007 - unit is read after the break
        (60, "second", 1),
        (3600, "minute", 60),
        (86400, "hour", 3600),
        (86400 * 30, "day", 86400),
        (86400 * 365, "month", 86400 * 30),
        (float("inf"), "year", 86400 * 365),
    ):
        if seconds < limit:
            count = int(seconds // size)
            break
    if unit == "second" and count < 45:
        return "just now"
    text = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {text}" if future else f"{text} ago"


@register.simple_tag
def reltime(value, empty="—"):
    """`3 days ago` / `in 2 days`, with the exact time on hover."""
    if not value:
        return format_html('<span class="faint">{}</span>', empty)
    if isinstance(value, str):
        return value
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        local.strftime("%Y-%m-%d %H:%M %Z"),
        _relative(value, timezone.now()),
    )


@register.simple_tag
def scorebar(value, maximum=100):
    """A 0–100 score as a small bar with its number."""
    value = int(value or 0)
    width = max(0, min(100, round(value * 100 / (maximum or 100))))
    return format_html(
        '<span class="scorebar" title="{} of {}"><span class="scorebar-track">'
        '<span class="scorebar-fill" style="width:{}%"></span></span>'
        '<span class="scorebar-value">{}</span></span>',
        value,
        maximum,
        width,
        value,
    )


@register.simple_tag(takes_context=True)
def query_replace(context, **changes):
    """``?`` + this page's query string with some parameters changed (None/'' removes one).

    ``{% query_replace cursor=None sort="-name" %}``; see ``abm.pages.query_replace``.
    """
    encoded = pages.query_replace(context["request"].GET, **changes)
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """Like ``query_replace``, but a changed filter or sort starts from the first page."""
    changes.setdefault("cursor", None)
    return query_replace(context, **changes)
