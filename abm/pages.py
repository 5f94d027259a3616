"""Page helpers shared by every app: query strings, the htmx finish, the form round trip.

- ``url_with_query(request, page=None, cursor=c)``: this URL with some query parameters
  changed (``None``/``""`` removes one); in templates ``{% query_replace cursor=None %}``
  (``abm/templatetags/hub.py``).
- ``htmx_finish(request, message=…, redirect_to=…)``: the end of a write. Without htmx a
  flash message and a redirect; with htmx either ``HX-Redirect`` (the page reloads and
  shows the flash) or, when ``events`` are given, an ``HX-Trigger`` carrying the flash
  and the events (the page stays; a dialog closes).
- ``form_submit(request, form, save, message=…, redirect_to=…)``: validate a POSTed form,
  call the service, put its ``ApplicationError`` on the form, or flash and redirect.
- ``safe_next_url(request, default)``: the ``next`` parameter when it stays on this site.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from abm.exceptions import ApplicationError
from abm.http import safe_next_url

__all__ = [
    "form_submit",
    "htmx_finish",
    "query_replace",
    "safe_next_url",
    "url_with_query",
]


def query_replace(params, **changes) -> str:
    """``params`` (a QueryDict) urlencoded with ``changes`` applied; None/'' removes a key."""
    params = params.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    return params.urlencode()


def url_with_query(request: HttpRequest, **changes) -> str:
    """This page's path with some query parameters changed (None/'' removes one)."""
    encoded = query_replace(request.GET, **changes)
    return f"{request.path}?{encoded}" if encoded else request.path


def flash_trigger(response: HttpResponse, message: str, *, level: str = "success"):
    """Add the ``flash`` client event (static/js/hub.js shows it) to an htmx response."""
    return trigger_client_event(response, "flash", {"level": level, "message": str(message)})


def htmx_finish(
    request: HttpRequest,
    *,
    message: str | None,
    redirect_to: str,
    level: str = "success",
    events: dict[str, Any] | None = None,
) -> HttpResponse:
    """Finish a write with a flash message.

    Without htmx: flash + 302 to ``redirect_to``. With htmx and no ``events``: flash +
    ``HX-Redirect`` to ``redirect_to`` (answered 204: nothing to swap). With htmx and
    ``events`` (e.g. ``{"closeModal": True, "noteCreated": True}``): a 204 whose
    ``HX-Trigger`` carries the flash and the events, and the page stays where it is.
    """
    if request.htmx and events is not None:
        response = HttpResponse(status=204)
        if message:
            flash_trigger(response, message, level=level)
        for name, params in events.items():
            trigger_client_event(response, name, params if isinstance(params, dict) else None)
            if not isinstance(params, dict):
                # htmx hands a bare value to listeners as event.detail.value; keep it.
                _set_trigger_value(response, name, params)
        return response
    if message:
        messages.add_message(request, _LEVELS[level], message)
    if request.htmx:
        response = HttpResponseClientRedirect(redirect_to)
        response.status_code = 204
        return response
    return redirect(redirect_to)


def _set_trigger_value(response: HttpResponse, name: str, value) -> None:
    data = json.loads(response["HX-Trigger"])
    data[name] = value
    response["HX-Trigger"] = json.dumps(data)


_LEVELS = {
    "debug": messages.DEBUG,
    "info": messages.INFO,
    "success": messages.SUCCESS,
    "warning": messages.WARNING,
    "error": messages.ERROR,
}


def form_submit(
    request: HttpRequest,
    form,
    save: Callable[[Any], Any],
    *,
    message: Callable[[Any], str],
    redirect_to: Callable[[Any], str],
    on_error: Callable[[], Any] | None = None,
) -> HttpResponse | None:
    """Run a valid POSTed form through its service.

    Returns the redirect after a save, or None to render the form again (unbound,
    invalid, or with the service's error put on the field it names). ``on_error`` runs
    after a refusal, e.g. ``instance.refresh_from_db`` so the page shows stored values.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        saved = save(form)
    except ApplicationError as exc:
        form.add_application_error(exc)
        if on_error:
            on_error()
        return None
    return htmx_finish(request, message=message(saved), redirect_to=redirect_to(saved))
