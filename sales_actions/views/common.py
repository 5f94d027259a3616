"""Helpers the sales-email pages share: tabs, the client address, optional links."""

from __future__ import annotations

import base64

from django.urls import NoReverseMatch, reverse

from abm.permissions import (
    may_approve_emails,
    may_view_outbox,
)

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def url_or_empty(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _tabs(request, active: str) -> list[dict]:
    tabs = [("templates", "Templates", "sales_actions:template_list")]
    if may_approve_emails(request.user):
        tabs.append(("approvals", "Approval queue", "sales_actions:approval_queue"))
    tabs.append(("report", "Report", "sales_actions:report"))
    if may_view_outbox(request.user):
        tabs.append(("outbox", "Outbox", "sales_actions:outbox"))
    return [
        {"key": k, "label": label, "url": reverse(n), "active": k == active} for k, label, n in tabs
    ]
