"""Request input no database can store is a 400 before any view runs.

Query parameters (``?q=%00``) and form fields reach filters, searches and services
as text; PostgreSQL refuses a NUL character in text and no UTF-8 database stores a
lone surrogate, so either used to come back as a 500. Under ``/api/`` the answer is
JSON naming the parameter, elsewhere the styled 400 page saying which.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _

from abm.parsers import unstorable_problem

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _first_problem(query_dict) -> tuple[str, str] | None:
    for key, values in query_dict.lists():
        problem = unstorable_problem(key)
        if problem:
            return key, problem
        for value in values:
            if isinstance(value, str):
                problem = unstorable_problem(value)
                if problem:
                    return key, problem
    return None


class UnstorableInputMiddleware:
    """Refuse NUL characters and lone surrogates in query strings and form fields (400)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        found = _first_problem(request.GET)
        is_form = request.method == "POST" and (request.content_type or "") in FORM_TYPES
        if found is None and is_form:
            found = _first_problem(request.POST)
        if found is None:
            return self.get_response(request)
        name, problem = found
        # The name itself may hold the bad character: show it escaped.
        name = name.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode()
        message = _("The parameter %(name)s %(problem)s.") % {"name": name, "problem": problem}
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message, "code": "invalid", name: [message]}, status=400)
        from abm.views import error_response  # the styled 400 page, as every other error

        return error_response(request, 400, message, {"exception": message})
