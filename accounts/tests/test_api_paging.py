"""Cursor paging of the API: keyset on the whole sort key, with ordering and page size."""

import datetime as dt
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import AccountFactory, OpportunityFactory, TaskFactory

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


def test_garbage_cursor_is_400_naming_the_cursor(api_as, sales_rep):
    AccountFactory()

    response = api_as(sales_rep).get(URL, {"cursor": "not-a-cursor"})

    assert response.status_code == 400
    assert response.json()["cursor"] == [response.json()["detail"]]


def test_cursor_from_another_ordering_is_rejected_not_500(api_as, sales_rep):
    for i in range(4):
        AccountFactory(name=f"Acc {i}")
    client = api_as(sales_rep)
    by_date = client.get(URL, {"ordering": "created_at", "page_size": 2}).json()
    cursor = by_date["next"].split("cursor=")[1].split("&")[0]

    response = client.get(URL, {"ordering": "fit_score", "cursor": unquote(cursor)})

    assert response.status_code == 400
    assert "sort order" in response.json()["detail"]


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


def _cursor(link: str) -> str:
    return parse_qs(urlsplit(link).query)["cursor"][0]


def test_forged_cursor_is_400(api_as, sales_rep):
    """A cursor built by hand (the old unsigned shape, base64 JSON) is refused."""
    import base64
    import json

    for i in range(3):
        AccountFactory(name=f"Acc {i}")
    forged = base64.urlsafe_b64encode(json.dumps({"s": "x", "v": ["Acc 0", 1], "d": "n"}).encode())

    response = api_as(sales_rep).get(URL, {"cursor": forged.decode()})

    assert response.status_code == 400 and "cursor" in response.json()


def test_tampered_position_is_400(api_as, sales_rep):
    for i in range(6):
        AccountFactory(name=f"Acc {i}")
    client = api_as(sales_rep)
    cursor = _cursor(client.get(URL, {"page_size": 2}).json()["next"])
    payload, signature = cursor.rsplit(":", 1)
    # Change one character of the signed position; the signature no longer matches.
    tampered = payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + signature

    for bad in (tampered, cursor[:-3], cursor + "x", "\x00" + cursor):
        response = client.get(URL, {"page_size": 2, "cursor": bad})
        assert response.status_code == 400, bad
        assert "cursor" in response.json()


@pytest.mark.parametrize("page_size", ["0", "-1", "false", "1.5"])
def test_bad_page_size_is_400(api_as, sales_rep, page_size):
    response = api_as(sales_rep).get(URL, {"page_size": page_size})

    assert response.status_code == 400 and "page_size" in response.json()


def test_previous_from_page_three_returns_page_two_exactly(api_as, sales_rep):
    for i in range(9):
        AccountFactory(name=f"Acc {i}", fit_score=50 if i % 2 else 70)
    client = api_as(sales_rep)

    first = client.get(URL, {"page_size": 3, "ordering": "-fit_score"}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(third["previous"]).json()
    back_again = client.get(back["previous"]).json()

    assert back["results"] == second["results"]
    assert back_again["results"] == first["results"] and back_again["previous"] is None
    assert client.get(back["next"]).json()["results"] == third["results"]
    assert third["next"] is None


def test_every_viewset_pages_with_the_one_keyset_class(api_as, admin):
    """The tasks and buying-group lists page through the shared class too."""
    from django.conf import settings

    assert settings.REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"] == "abm.paging.KeysetPagination"
    response = api_as(admin).get("/api/v1/tasks/", {"cursor": "bogus"})
    assert response.status_code == 400
