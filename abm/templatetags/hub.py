"""Template helpers shared by every page."""

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

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


def money_text(amount, currency: str) -> str:
    """``USD 12,345`` (cents only when there are some): an amount never without its currency."""
    try:
        value = Decimal(str(amount if amount is not None else 0))
    except (InvalidOperation, ValueError):
        return str(amount)
    cents = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
    text = f"{cents:,.2f}" if cents != cents.to_integral_value() else f"{cents:,.0f}"
    return f"{(currency or '').upper()} {text}".strip()


@register.filter
def money(amount, currency="USD"):
    """``{{ deal.amount|money:deal.currency }}`` → ``USD 12,345``, kept on one line."""
    return format_html('<span class="money">{}</span>', money_text(amount, currency))


@register.filter
def money_totals(totals, empty="—"):
    """One total per currency, never added across: ``[{"currency", "amount"}, …]`` →
    ``USD 12,345 · EUR 900``; an empty list shows ``empty``."""
    totals = list(totals or [])
    if not totals:
        return format_html('<span class="faint">{}</span>', empty)
    return format_html(
        '<span class="money-totals">{}</span>',
        format_html_join(
            " · ",
            '<span class="money">{}</span>',
            ((money_text(t["amount"], t["currency"]),) for t in totals),
        ),
    )


@register.inclusion_tag("components/record_panels.html", takes_context=True)
def record_panels(context, record: str, pk: int):
    """Every panel the apps registered for this kind of record (abm/panels.py)."""
    from django.urls import NoReverseMatch, reverse

    from abm.panels import panels_for

    user = context["request"].user
    panels = []
    for panel in panels_for(record, user):
        try:
            url = reverse(panel.url_name, args=[pk])
        except NoReverseMatch:
            continue  # its app's page has not landed (or is switched off): a panel fails alone
        panels.append(
            {
                "key": panel.key,
                "title": panel.title,
                "url": url,
                "trigger": ", ".join(["load", *(f"{e} from:body" for e in panel.refresh_on)]),
                "page_label": panel.page_label,
            }
        )
    return {"panels": panels}


_CODE_WORD = re.compile(r"\b([a-z]+(?:_[a-z]+)+)\b")


@register.filter
def codes_as_code(text) -> str:
    """Syntax help for people: words a user types as they are (``decision_maker``) shown
    as ``<code>``, so they read as syntax, not as labels that lost their spaces."""
    escaped = conditional_escape(text or "")
    return mark_safe(_CODE_WORD.sub(r"<code>\1</code>", str(escaped)))  # noqa: S308 - escaped above


# The call-log dialog a phone number also opens: registered by the app that logs calls
# (sales_actions' AppConfig.ready), so abm names no app. Unregistered: a plain tel: link.
PHONE_DIALOG: dict[str, str] = {}


def phone_dialog_register(*, url_name: str) -> None:
    """Make every ``phone_link`` also open the dialog at ``url_name`` (``?contact=…``)."""
    PHONE_DIALOG["url_name"] = url_name


def _tel(number: str) -> str:
    text = number.strip()
    digits = re.sub(r"\D", "", text)
    return "tel:" + ("+" if text.startswith("+") else "") + digits


@register.simple_tag
def phone_link(number, contact=None, **extra):
    """A phone number as a ``tel:`` link; with a contact (id), the link also opens the
    call-log dialog pre-filled (``data-call-dialog``, static/js/hub.js):
    ``{% phone_link contact.phone contact.pk %}``, ``… opportunity=deal.pk``."""
    number = str(number or "").strip()
    if not number or not re.search(r"\d", number):
        return format_html('<span class="faint">{}</span>', number or "—")
    dialog = ""
    url_name = PHONE_DIALOG.get("url_name")
    contact_id = getattr(contact, "pk", contact)
    if url_name and contact_id:
        from urllib.parse import urlencode

        from django.urls import NoReverseMatch, reverse

        try:
            query = {"contact": contact_id, "number": number}
            query.update({k: v for k, v in extra.items() if v})
            dialog = f"{reverse(url_name)}?{urlencode(query)}"
        except NoReverseMatch:
            dialog = ""
    if dialog:
        return format_html(
            '<a class="phone-link nowrap" href="{}" data-call-dialog="{}">{}</a>',
            _tel(number),
            dialog,
            number,
        )
    return format_html('<a class="phone-link nowrap" href="{}">{}</a>', _tel(number), number)
