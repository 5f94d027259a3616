"""Cursor paging of the API: keyset on the whole sort key, with ordering and page size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import AccountFactory, OpportunityFactory
from sales_actions.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/accounts/"


def _walk(client, url, params):
    """Follow ``next`` links to the end; return names page by page."""
    pages = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200
        body = response.json()
        pages.append([r["name"] for r in body["results"]])
        if not body["next"]:
            return pages, body
        response = client.get(body["next"])


def test_walks_every_row_once_through_ties(api_as, sales_rep):
    # Twenty-five accounts share one fit score: a first-column cursor would need offsets.
    for i in range(25):
        AccountFactory(name=f"Tie {i:02d}", fit_score=50)
    for i in range(5):
        AccountFactory(name=f"Top {i}", fit_score=90)
    client = api_as(sales_rep)

    pages, _ = _walk(client, URL, {"ordering": "-fit_score", "page_size": 4})

    flat = [name for page in pages for name in page]
    assert len(flat) == 30
    assert len(set(flat)) == 30
    assert set(flat[:5]) == {f"Top {i}" for i in range(5)}
    assert [len(p) for p in pages] == [4] * 7 + [2]


def test_previous_link_returns_the_same_page(api_as, sales_rep):
    for i in range(10):
        AccountFactory(name=f"Acc {i}")
    client = api_as(sales_rep)

    first = client.get(URL, {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(third["previous"]).json()

    assert first["previous"] is None
    assert [r["name"] for r in back["results"]] == [r["name"] for r in second["results"]]
    assert [r["name"] for r in first["results"]] == ["Acc 0", "Acc 1", "Acc 2"]


def test_ordering_on_descending_text_with_page_size(api_as, sales_rep):
    for name in ["b", "a", "d", "c", "e"]:
        AccountFactory(name=name)

    pages, _ = _walk(api_as(sales_rep), URL, {"ordering": "-name", "page_size": 2})

    assert pages == [["e", "d"], ["c", "b"], ["a"]]


def test_deep_pages_use_a_keyset_condition_not_an_offset(api_as, sales_rep):
    for i in range(12):
        AccountFactory(name=f"Acc {i:02d}", fit_score=50)
    client = api_as(sales_rep)
    first = client.get(URL, {"ordering": "fit_score", "page_size": 5}).json()

    with CaptureQueriesContext(connection) as ctx:
        second = client.get(first["next"]).json()

    sql = " ".join(q["sql"] for q in ctx.captured_queries).upper()
    assert "OFFSET" not in sql
    assert [r["name"] for r in second["results"]] == [f"Acc {i:02d}" for i in range(5, 10)]


def test_page_size_is_capped(api_as, sales_rep):
    for i in range(3):
        AccountFactory(name=f"Acc {i}")

    body = api_as(sales_rep).get(URL, {"page_size": 100000}).json()

    assert len(body["results"]) == 3


def test_garbage_cursor_is_404(api_as, sales_rep):
    AccountFactory()

    response = api_as(sales_rep).get(URL, {"cursor": "not-a-cursor"})

    assert response.status_code == 404


def test_cursor_from_another_ordering_is_rejected_not_500(api_as, sales_rep):
    for i in range(4):
        AccountFactory(name=f"Acc {i}")
    client = api_as(sales_rep)
    by_date = client.get(URL, {"ordering": "created_at", "page_size": 2}).json()
    cursor = by_date["next"].split("cursor=")[1].split("&")[0]

    response = client.get(URL, {"ordering": "fit_score", "cursor": cursor})

    assert response.status_code == 404


def test_tasks_by_due_date_page_through_tasks_without_one(api_as, sales_rep):
    now = timezone.now()
    for i in range(5):
        TaskFactory(title=f"Due {i}", due_at=now + dt.timedelta(days=i))
    for i in range(3):
        TaskFactory(title=f"Someday {i}", due_at=None)
    client = api_as(sales_rep)

    titles = []
    response = client.get("/api/v1/tasks/", {"ordering": "due_at", "page_size": 3}).json()
    while True:
        titles += [t["title"] for t in response["results"]]
        if not response["next"]:
            break
        response = client.get(response["next"]).json()

    assert titles[:5] == [f"Due {i}" for i in range(5)]
    assert sorted(titles[5:]) == [f"Someday {i}" for i in range(3)]


def test_opportunities_by_close_date_descending_with_previous(api_as, sales_rep):
    today = timezone.now().date()
    for i in range(4):
        OpportunityFactory(name=f"Close {i}", close_date=today + dt.timedelta(days=i))
    OpportunityFactory(name="Open-ended", close_date=None)
    client = api_as(sales_rep)

    first = client.get("/api/v1/opportunities/", {"ordering": "-close_date", "page_size": 2}).json()
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()

    assert [o["name"] for o in first["results"]] == ["Open-ended", "Close 3"]
    assert [o["name"] for o in second["results"]] == ["Close 2", "Close 1"]
    assert back["results"] == first["results"]
