"""One application error type, turned into a 400/409 by the API and a message by pages."""

from django.core.exceptions import BadRequest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler


class ApplicationError(BadRequest):
    """A rule of the product was broken by the caller's input.

    ``field`` names the input at fault (so the API can answer ``{"field": [msg]}``);
    ``extra`` carries structured detail such as per-row errors. Pages catch it and show
    the message on the form; one that a page does not catch is still the caller's error,
    not the server's: as Django's ``BadRequest`` it answers the styled 400 page with the
    message (``ForbiddenError``, a ``PermissionDenied`` too, the 403 page), never a 500.
    """

    status_code = 400

    def __init__(self, message, *, code="invalid", field=None, extra=None, status_code=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.extra = extra or {}
        if status_code is not None:
            self.status_code = status_code


class ConflictError(ApplicationError):
    status_code = 409


class ForbiddenError(ApplicationError, DjangoPermissionDenied):
    status_code = 403


def api_exception_handler(exc, context):
    """DRF exception handler: application and Django errors become clear 4xx answers."""
    if isinstance(exc, ApplicationError):
        body = {"detail": exc.message, "code": exc.code}
        if exc.field:
            body[exc.field] = [exc.message]
        body.update(exc.extra)
        return Response(body, status=exc.status_code)

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_400_BAD_REQUEST:
        data = response.data
        if isinstance(data, dict) and "detail" not in data:
            fields = [k for k in data if k != "non_field_errors"]
            summary = "Invalid input"
            if fields:
                summary += ": " + ", ".join(fields)
            response.data = {"detail": summary, **data}
        elif isinstance(data, list):
            response.data = {"detail": "Invalid input", "errors": data}
    return response
