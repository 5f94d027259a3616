"""What ``OPTIONS`` says about an API route, without failing on extra actions.

DRF's ``SimpleMetadata`` looks the record up (``get_object``) to tell whether a ``PUT`` is
allowed; on an extra action whose URL names something else (``/workspaces/access/{user_id}/``)
that lookup is an ``AssertionError`` and ``OPTIONS`` answered 500. Here a route without the
view's lookup argument is described without looking a record up.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
from rest_framework.metadata import SimpleMetadata
from rest_framework.request import clone_request


def _names_record(view) -> bool:
    lookup = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
    return bool(lookup) and lookup in (getattr(view, "kwargs", None) or {})


class HubMetadata(SimpleMetadata):
    def determine_actions(self, request, view):
        actions = {}
        for method in {"PUT", "POST"} & set(view.allowed_methods):
            view.request = clone_request(request, method)
            try:
                if hasattr(view, "check_permissions"):
                    view.check_permissions(view.request)
                if method == "PUT" and hasattr(view, "get_object") and _names_record(view):
                    view.get_object()
            except (exceptions.APIException, PermissionDenied, Http404):
                pass
            else:
                actions[method] = self.get_serializer_info(view.get_serializer())
            finally:
                view.request = request
        return actions
