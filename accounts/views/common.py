"""What the record pages share: owner choices, a form page's context, a list's answer."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render

from accounts.models import User


def owner_choices():
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def form_context(form, heading: str, back_url: str, back_label: str, *, submit="Create") -> dict:
    return {
        "form": form,
        "heading": heading,
        "back_url": back_url,
        "back_label": back_label,
        "submit_label": submit,
    }


def render_list(request, template: str, context: dict) -> HttpResponse:
    """Render a list (``abm.paging.list_page``'s context); a bad cursor answers 400.

    A page link that is not valid (hand-edited, or made for another sort) shows the
    first page with the reason, so the list stays usable, and says 400 to the client.
    """
    if context.get("cursor_error"):
        messages.error(request, context["cursor_error"])
        return render(request, template, context, status=400)
    return render(request, template, context)
