"""The hub's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from abm.exceptions import ApplicationError, ForbiddenError
from abm.urls import handler400, handler403, handler404, handler500
from abm.urls import urlpatterns as hub_urls


def boom(request):
    raise RuntimeError("boom")


def suspicious(request):
    raise SuspiciousOperation("tampered")


def refused(request):
    raise ForbiddenError("Only marketers may do that.")


def invalid(request):
    raise ApplicationError("The name is taken.", field="name")


def denied(request):
    raise PermissionDenied("Only admins open the vault.")


@api_view(["GET"])
@permission_classes([AllowAny])
def api_boom(request):
    raise RuntimeError("api boom")


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/suspicious/", suspicious),
    path("test-errors/denied/", denied),
    path("test-errors/refused/", refused),
    path("test-errors/invalid/", invalid),
    path("api/v1/test-errors/boom/", api_boom),
    path("api/v1/test-errors/suspicious/", suspicious),
    *hub_urls,
]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
