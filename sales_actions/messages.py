"""Turning an outbox row into the RFC 5322 message a worker hands to the mail backend.

The build is deterministic (same row → same Message-ID, same links), so the outbox
page shows exactly what a worker sends and a resend is recognisable at the server.
"""

from __future__ import annotations

from email.utils import formataddr, parseaddr
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from accounts.subscriptions.tokens import centre_path
from sales_actions.models import EmailTemplate, SalesEmail
from sales_actions.rendering import links_rewrite
from sales_actions.signing import token_make


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def open_url(email_id: int) -> str:
    return absolute(reverse("sales_actions:track_open", args=[token_make("open", email_id)]))


def click_url(email_id: int, position: int) -> str:
    token = token_make("click", email_id, position)
    return absolute(reverse("sales_actions:track_click", args=[token]))


def unsubscribe_url(contact_id: int, email_id: int) -> str:
    token = token_make("unsubscribe", contact_id, email_id)
    return absolute(reverse("sales_actions:unsubscribe", args=[token]))


def preferences_url(email: SalesEmail) -> str:
    """The contact's subscription centre, signed for them, this email and its send's list:
    every marketing email links to it and its List-Unsubscribe (one-click) lands there."""
    list_id = email.batch.subscription_list_id if email.batch_id else None
    return absolute(centre_path(email.contact_id, sales_email_id=email.pk, list_id=list_id))


def reply_address(email_id: int) -> str | None:
    domain = settings.SALES_EMAIL_REPLY_DOMAIN
    if not domain:
        return None
    return f"reply+{token_make('reply', email_id)}@{domain}"


def tracked_html(email: SalesEmail) -> str:
    """The HTML part as sent: links through the click redirector, the open pixel at the end."""
    if not email.track:
        return email.body_html
    body = links_rewrite(email.body_html, lambda position: click_url(email.pk, position))
    pixel = f'<img src="{open_url(email.pk)}" width="1" height="1" alt="" style="border:0">'
    return f"{body}\n{pixel}"


def from_address(sender) -> str:
    default_name, default_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if sender is not None and sender.email:
        return formataddr((sender.get_full_name() or sender.username, sender.email))
    return formataddr((default_name, default_address))


def message_build(email: SalesEmail, *, attachments=(), connection=None) -> EmailMultiAlternatives:
    """The message for one outbox row (``email.sender``/``batch`` should be preloaded)."""
    headers = {"Message-ID": email.message_id, "X-ABM-Email": str(email.pk)}
    reply_to = reply_address(email.pk)
    if email.kind == EmailTemplate.Kind.MARKETING:
        https = preferences_url(email)
        mailto = "mailto:{}?subject={}".format(
            settings.SALES_EMAIL_UNSUBSCRIBE_ADDRESS,
            quote("unsubscribe " + token_make("unsubscribe", email.contact_id, email.pk)),
        )
        headers["List-Unsubscribe"] = f"<{https}>, <{mailto}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=from_address(email.sender),
        to=[email.to_email],
        cc=list(email.batch.cc or []),
        bcc=list(email.batch.bcc or []),
        headers=headers,
        reply_to=[reply_to] if reply_to else None,
        connection=connection,
    )
    html = tracked_html(email)
    if email.kind == EmailTemplate.Kind.MARKETING:
        centre = preferences_url(email)
        html += (
            f'\n<p style="font-size:12px;color:#888"><a href="{centre}">Unsubscribe or '
            "choose which emails you get</a>.</p>"
        )
        message.body += f"\nUnsubscribe or choose which emails you get: {centre}\n"
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(attachment.filename, bytes(attachment.content), attachment.content_type)
    return message
