"""The OpenAPI schema tells the truth about errors, paging and filters, once for every view.

``HubAutoSchema`` (``DEFAULT_SCHEMA_CLASS``) adds to what drf-spectacular infers:

- the error statuses every operation really answers, each with the shared ``Error`` body
  (``{"detail": str, "code": str, <field>: [str]}``, see ``abm.exceptions``):
  400 (bad input: a body, a filter, or a NUL in any query string), 401 and 403 (signed
  out; role or CSRF), 404 (an id in the path), 413 and 415 (a body too large or not JSON),
  429 (throttled views); a view adds more with ``schema_error_statuses``;
- paging and filters only on the ``list`` action of a viewset (and on list views), not on
  a detail action that happens to answer a list: an action that filters or pages says so
  with ``extend_schema(filters=True)`` / ``paginated_action``.

A view documents statuses only some of its operations answer (e.g. 409 when a rule of the
product conflicts with the current state) with a class attribute::

    schema_error_statuses = {"destroy": (409,), "approve": (409,)}

keyed by viewset action or, for an ``APIView``, by lower-case HTTP method (``"*"``: all;
``"members.post"``: one method of an action).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions, serializers

from abm.permissions import RolePermission

ERROR_COMPONENT = "Error"

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        "An error. `detail` says what went wrong; `code` names the kind of error where one "
        "applies; each input at fault has its own key with a list of messages (a list per "
        "item, or an object per nested field, for list and nested inputs)."
    ),
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["detail"],
    "additionalProperties": {},
}

# Status -> what it means; the description of a status a view already documents wins.
ERROR_DESCRIPTIONS = {
    "400": "Invalid input: the body names each field or parameter at fault.",
    "401": "Not signed in: send `Authorization: Token <token>`.",
    "403": "Your role does not allow this (or, signed in by session, the CSRF token is missing).",
    "404": "No such record, or not one you may see.",
    "409": "The record's current state does not allow this; reload it and try again.",
    "413": "The request body is larger than the hub accepts.",
    "415": "The request body is not in a media type this operation reads.",
    "429": "Too many requests: wait and try again.",
}

BODY_METHODS = {"POST", "PUT", "PATCH"}
OPEN_PERMISSIONS = (permissions.AllowAny,)
# Permissions that admit every signed-in user to a read (no 403 on GET).
OPEN_READ_PERMISSIONS = (permissions.AllowAny, permissions.IsAuthenticated, RolePermission)


def paginated_action(func):
    """Mark a viewset action that pages its answer through the view's paginator."""
    func.paginated = True
    return func


class HubAutoSchema(AutoSchema):
    # --- Which views page and filter -------------------------------------------------

    def _is_viewset_extra_action(self) -> bool:
        action = getattr(self.view, "action", None)
        return action is not None and action != "list"

    def get_filter_backends(self):
        if self._is_viewset_extra_action():
            return []
        return super().get_filter_backends()

    def _get_paginator(self):
        if self._is_viewset_extra_action():
            handler = getattr(self.view, self.view.action, None)
            if not getattr(handler, "paginated", False) or self.method != "GET":
                return None
        return super()._get_paginator()

    # --- Times of day --------------------------------------------------------------------

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            # JSON Schema's "time" is RFC 3339 full-time, offset included ("09:00:00Z");
            # a time of day here has none ("09:00:00"), so say what it is instead.
            del schema["format"]
            schema["pattern"] = r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$"
            schema.setdefault("example", "09:00:00")
        return schema

    # --- Lists that refuse to be empty --------------------------------------------------

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        if schema.get("type") != "array" or schema.get("readOnly"):
            return
        if isinstance(field, serializers.ListSerializer | serializers.ListField):
            least = getattr(field, "min_length", None) or 0
            if getattr(field, "allow_empty", True) is False:
                least = max(least, 1)
            if least:
                schema["minItems"] = max(schema.get("minItems", 0), least)
            most = getattr(field, "max_length", None)
            if most is not None and "maxItems" not in schema:
                schema["maxItems"] = most

    # --- Error statuses ----------------------------------------------------------------

    def _requires_auth(self) -> bool:
        perms = self.view.get_permissions()
        return not all(isinstance(p, OPEN_PERMISSIONS) for p in perms)

    def _role_checked(self) -> bool:
        perms = self.view.get_permissions()
        return not all(isinstance(p, OPEN_READ_PERMISSIONS) for p in perms)

    def _has_body(self) -> bool:
        if self.method not in BODY_METHODS:
            return False
        if not hasattr(self, "_body_documented"):
            self._body_documented = bool(self._get_request_body())
        return self._body_documented

    def _view_extra_statuses(self) -> list[str]:
        table = getattr(self.view, "schema_error_statuses", None) or {}
        key = getattr(self.view, "action", None) or self.method.lower()
        method_key = f"{key}.{self.method.lower()}"  # one method of a multi-method action
        codes = [*table.get("*", ()), *table.get(key, ()), *table.get(method_key, ())]
        return [str(code) for code in codes]

    def error_statuses(self) -> list[str]:
        """The error statuses this operation answers, in order."""
        codes = ["400"]  # any query string may hold input no database stores
        if self._requires_auth():
            codes.append("401")
            if self.method not in permissions.SAFE_METHODS or self._role_checked():
                codes.append("403")
        if "{" in self.path:
            codes.append("404")
        if self._has_body():
            codes += ["413", "415"]
        if self.view.get_throttles() or self._is_token_view():
            codes.append("429")
        codes += self._view_extra_statuses()
        return sorted(set(codes))

    def _is_token_view(self) -> bool:
        # django-axes locks out a username/address after failed sign-ins (429).
        return self.method == "POST" and not self._requires_auth() and self._has_body()

    def _error_ref(self) -> dict:
        component = ResolvedComponent(
            name=ERROR_COMPONENT,
            type=ResolvedComponent.SCHEMA,
            object=ERROR_COMPONENT,
            schema=ERROR_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self.error_statuses():
            response = responses.get(code)
            if response is None:
                response = responses[code] = {"description": ERROR_DESCRIPTIONS.get(code, "")}
            if not response.get("description"):
                response["description"] = ERROR_DESCRIPTIONS.get(code, "")
            if not response.get("content"):
                response["content"] = {"application/json": {"schema": self._error_ref()}}
        # Any documented 4xx without a body answers the shared error body.
        for code, response in responses.items():
            if code.startswith("4") and not response.get("content"):
                response["content"] = {"application/json": {"schema": self._error_ref()}}
        return dict(sorted(responses.items()))
