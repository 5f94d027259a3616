"""Fixtures shared by the accounts tests (the suite-wide actors are in the root conftest)."""

import pytest


@pytest.fixture
def queries_constant(client, django_assert_max_num_queries):
    """``queries_constant(url, grow, at_most=…)`` GETs ``url`` (at most ``at_most``
    queries), calls ``grow()`` to add rows, then GETs again (``grow``'s return value when it
    names another URL): the second page takes no more queries than the first. Returns the
    second response."""

    def check(url: str, grow, *, at_most: int = 12):
        with django_assert_max_num_queries(at_most) as baseline:
            client.get(url)
        url = grow() or url
        with django_assert_max_num_queries(len(baseline.captured_queries)):
            return client.get(url)

    return check
