"""The API's router: every detail route takes a numeric id.

DRF's default lookup pattern (``[^/.]+``) lets ``/api/v1/buying-group-jobs/abc/`` reach
the view, where ``pk="abc"`` fails inside the ORM; here it is a 404 before any query.
A viewset that really looks up by text sets its own ``lookup_value_regex``.
"""

from rest_framework.routers import SimpleRouter

NUMERIC_ID = r"[0-9]+"


class HubRouter(SimpleRouter):
    """SimpleRouter whose lookups default to numeric ids."""

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        lookup_field = getattr(viewset, "lookup_field", "pk")
        lookup_url_kwarg = getattr(viewset, "lookup_url_kwarg", None) or lookup_field
        lookup_value = getattr(viewset, "lookup_value_regex", NUMERIC_ID)
        return f"(?P<{lookup_prefix}{lookup_url_kwarg}>{lookup_value})"
