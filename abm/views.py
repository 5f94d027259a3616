import logging

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template import loader
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


@login_required
def home(request):
    """Land on the most useful area that is built: target accounts, else accounts."""
    for name in ("targets:index", "accounts:account_list"):
        try:
            return redirect(reverse(name))
        except NoReverseMatch:
            continue
    return redirect("admin:index")


# --- Error pages: styled pages with the navigation, JSON under /api/ ----------------------

API_PREFIX = "/api/"


def favicon(request):
    """Browsers ask for /favicon.ico on pages without a <link rel="icon"> (the API's pages).

    The static URL is resolved per request: with the manifest storage it needs the
    collected files, which do not exist when the URLconf is imported (``check --deploy``).
    """
    return redirect(static("img/favicon.svg"), permanent=True)


def _is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _back_url(request) -> str:
    """Where the "back" link goes: the referring page when it is on this site."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def error_response(request, status: int, detail, context: dict | None = None) -> HttpResponse:
    """JSON ``{"detail": ...}`` for the API, else the styled ``<status>.html``.

    Views and middleware that answer an error themselves call this too, so every error
    looks alike: ``error_response(request, 400, message, {"exception": message})`` shows
    the message on the 400 and 403 pages.

    The page is rendered with the request (navigation, user) when that works, and without
    it when it does not: an error page must not fail because the database or the session
    that caused the error is gone."""
    if _is_api(request):
        return JsonResponse({"detail": str(detail)}, status=status)
    name = f"{status}.html"
    context = context or {}
    try:
        context = {**context, "back_url": _back_url(request)}
        body = loader.render_to_string(name, context, request=request)
    except Exception:  # noqa: BLE001 - the error page itself must always answer
        logger.exception("Rendering %s with the request failed; rendering it bare", name)
        body = loader.render_to_string(name, context)
    return HttpResponse(body, status=status)


def bad_request(request, exception=None):
    # BadRequest carries a message written for the user (e.g. a page link that is not
    # valid); SuspiciousOperation's are for the log only.
    message = str(exception) if isinstance(exception, BadRequest) else ""
    return error_response(request, 400, message or _("Bad request."), {"exception": message})


def permission_denied(request, exception=None):
    message = str(exception) if exception is not None and str(exception) else ""
    return error_response(
        request,
        403,
        message or _("You do not have permission to perform this action."),
        {"exception": message},
    )


def page_not_found(request, exception=None):
    return error_response(request, 404, _("Not found."))


def server_error(request):
    return error_response(request, 500, _("Server error."))


def csrf_failure(request, reason=""):
    """A form whose CSRF token is missing or stale (often an expired session): the 403 page."""
    message = _(
        "This form has expired or was sent from another site. Reload the page and try again."
    )
    return error_response(request, 403, message, {"exception": message})
