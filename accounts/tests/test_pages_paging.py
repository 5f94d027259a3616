"""Keyset paging of the record lists (abm.paging): cursors, previous/next, bad cursors."""

import base64
import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db

ACCOUNTS = reverse("accounts:account_list")
DEALS = reverse("accounts:opportunity_list")


def _cursor(url: str) -> str:
    return parse_qs(urlsplit(url).query)["cursor"][0]


def _walk(client, url, params):
    pages = [client.get(url, params)]
    while pages[-1].context["page"].has_next:
        pages.append(client.get(pages[-1].context["page"].next_url))
    return pages


def _pks(response):
    return [row.pk for row in response.context["rows"]]


@pytest.fixture
def accounts_120():
    for i in range(120):
        AccountFactory(
            name=f"Company {i:03d}", fit_score=i % 4, employee_count=None if i % 5 else i
        )


def test_previous_from_page_three_returns_page_two_exactly(client, marketer, accounts_120):
    client.force_login(marketer)
    for sort in ("-fit", "employees", "-employees", "name"):
        pages = _walk(client, ACCOUNTS, {"sort": sort})
        assert len(pages) == 3, sort
        seen = [pk for page in pages for pk in _pks(page)]
        assert len(seen) == 120 and len(set(seen)) == 120, sort

        back = client.get(pages[2].context["page"].previous_url)
        assert back.status_code == 200
        assert _pks(back) == _pks(pages[1]), sort
        first = client.get(back.context["page"].previous_url)
        assert _pks(first) == _pks(pages[0]) and not first.context["page"].has_previous, sort
        assert _pks(client.get(back.context["page"].next_url)) == _pks(pages[2]), sort


def test_deals_without_a_close_date_sort_after_the_dated_ones(client, marketer):
    today = timezone.localdate()
    for i in range(5):
        OpportunityFactory(name=f"Close {i}", close_date=today + dt.timedelta(days=i))
    for i in range(4):
        OpportunityFactory(name=f"Open {i}", close_date=None)
    client.force_login(marketer)

    ascending = [d.name for d in client.get(DEALS, {"sort": "close"}).context["rows"]]
    descending = [d.name for d in client.get(DEALS, {"sort": "-close"}).context["rows"]]

    assert ascending[:5] == [f"Close {i}" for i in range(5)]
    assert descending == ascending[::-1]


def test_a_forged_cursor_is_a_400_page_not_a_500(client, marketer, accounts_120):
    client.force_login(marketer)
    forged = base64.urlsafe_b64encode(
        json.dumps({"v": ["company 050", 1], "d": "n"}).encode()
    ).decode()

    response = client.get(ACCOUNTS, {"cursor": forged})

    assert response.status_code == 400
    assert _pks(response) == _pks(client.get(ACCOUNTS))  # the first page, still usable


def test_a_tampered_position_is_a_400(client, marketer, accounts_120):
    client.force_login(marketer)
    cursor = _cursor(client.get(ACCOUNTS, {"sort": "-fit"}).context["page"].next_url)
    payload, signature = cursor.rsplit(":", 1)
    tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + ":" + signature

    response = client.get(ACCOUNTS, {"sort": "-fit", "cursor": tampered})

    assert response.status_code == 400
    assert "page link is not valid" in response.content.decode()


def test_a_cursor_made_for_another_sort_is_a_400(client, marketer, accounts_120):
    client.force_login(marketer)
    by_name = _cursor(client.get(ACCOUNTS, {"sort": "name"}).context["page"].next_url)

    for sort in ("-fit", "-name", "created"):
        response = client.get(ACCOUNTS, {"sort": sort, "cursor": by_name})
        assert response.status_code == 400, sort
        assert "another sort order" in response.content.decode()

    # The same cursor on the list and sort it was made for still works.
    assert client.get(ACCOUNTS, {"sort": "name", "cursor": by_name}).status_code == 200


def test_a_cursor_from_another_list_is_a_400(client, marketer, accounts_120):
    OpportunityFactory.create_batch(3)
    client.force_login(marketer)
    cursor = _cursor(client.get(ACCOUNTS, {"sort": "created"}).context["page"].next_url)

    assert client.get(DEALS, {"sort": "created", "cursor": cursor}).status_code == 400


def test_each_page_costs_the_same_queries(
    client, marketer, accounts_120, django_assert_max_num_queries
):
    client.force_login(marketer)
    first = client.get(ACCOUNTS, {"sort": "-employees"})
    with django_assert_max_num_queries(12):
        second = client.get(first.context["page"].next_url)
    with django_assert_max_num_queries(12):
        client.get(second.context["page"].next_url)


def test_target_accounts_page_answers_400_for_a_bad_or_foreign_cursor(client, api_as, marketer):
    from accounts.services.rollups import rollups_rebuild

    for i in range(5):
        AccountFactory(name=f"Target {i}", is_target=True)
    rollups_rebuild()
    index = reverse("targets:index")
    by_name = api_as(marketer).get("/api/v1/target-accounts/", {"page_size": 2}).json()["next"]
    cursor = _cursor(by_name)
    client.force_login(marketer)

    assert client.get(index, {"cursor": cursor}).status_code == 200  # made for this sort
    for params in ({"cursor": "forged"}, {"cursor": cursor, "sort": "-last_touch"}):
        response = client.get(index, params)
        assert response.status_code == 400, params
        assert len(response.context["rows"]) == 5  # the first page, with the reason
