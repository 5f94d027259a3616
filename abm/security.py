"""Who the client is, and how large a request may be, decided once for the whole hub."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def client_ip(request) -> str | None:
    """The client's address, trusting X-Forwarded-For only through our own proxies.

    With ``TRUSTED_PROXY_COUNT = n`` each of our n proxies appended one address, so the
    client is the n-th entry from the right; anything further left was written by the
    client and is ignored. With 0 the header is not read at all.
    """
    request = getattr(request, "_request", request)  # a DRF Request wraps the Django one
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return forwarded[-proxies]


class RequestSizeLimitMiddleware:
    """Refuse a body larger than REQUEST_MAX_BYTES before anything reads it (413)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_MAX_BYTES
        if length > limit:
            message = _("The request body is larger than %(limit)s bytes.") % {"limit": limit}
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message, "code": "too_large"}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: JSON under /api/, else a styled page."""
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed sign-in attempts. Try again in %(minutes)s minutes.") % {
        "minutes": minutes
    }
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    return render(request, "registration/locked_out.html", {"message": message}, status=429)
