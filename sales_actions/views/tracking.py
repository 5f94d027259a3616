"""Public endpoints reached from sent mail: open pixel, click redirect, unsubscribe."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.models import ConsentChange
from sales_actions import services
from sales_actions.views.common import PIXEL, _client_ip

# --- Public endpoints: tracking and unsubscribe -----------------------------------------


@require_http_methods(["GET", "HEAD"])
def track_open(request, token):
    event = services.email_open_record(
        token=token,
        user_agent=request.headers.get("User-Agent", ""),
        ip=_client_ip(request),
        method=request.method,
    )
    if event is None:
        raise Http404
    response = HttpResponse(PIXEL, content_type="image/gif")
    response["Cache-Control"] = "no-store, private"
    return response


@require_http_methods(["GET", "HEAD"])
def track_click(request, token):
    url = services.email_click_record(
        token=token,
        user_agent=request.headers.get("User-Agent", ""),
        ip=_client_ip(request),
        method=request.method,
    )
    if url is None:
        raise Http404
    # The URL is the link stored for this very message, never one from the request.
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store, private"
    return response


@csrf_exempt  # RFC 8058 one-click POSTs come from mail providers, without a CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    from sales_actions.services.consent import unsubscribe_target

    target = unsubscribe_target(token)
    if target is None:
        raise Http404
    contact, _email = target
    done = False
    if request.method == "POST":
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        source = (
            ConsentChange.Source.ONE_CLICK if one_click else ConsentChange.Source.UNSUBSCRIBE_PAGE
        )
        services.contact_unsubscribe(token=token, source=source)
        done = True
        contact.refresh_from_db()
    return render(
        request,
        "sales_actions/unsubscribe.html",
        {"contact": contact, "done": done, "token": token},
    )
