"""The API's router: every detail route takes a numeric id.

DRF's default lookup pattern (``[^/.]+``) lets ``/api/v1/buying-group-jobs/abc/`` reach
the view, where ``pk="abc"`` fails inside the ORM; here the route is ``<int:pk>``, so
``abc`` is a 404 before any query (and the schema still says ``integer``). A viewset
that looks up by text sets ``lookup_value_converter`` (e.g. ``"slug"``).
"""

from rest_framework.routers import SimpleRouter


class HubRouter(SimpleRouter):
    """SimpleRouter with Django path converters, ``int`` for lookups unless a viewset says."""

    def __init__(self, trailing_slash=True):
        super().__init__(trailing_slash=trailing_slash, use_regex_path=False)
        self._default_value_pattern = "int"
