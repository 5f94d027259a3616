"""abm.paging: the one keyset paging module, below the pages and the API."""

import datetime as dt

import pytest
from django.core import signing
from django.core.exceptions import BadRequest
from django.db.models.functions import Lower
from django.http import HttpResponse

from abm.exceptions import ApplicationError
from abm.paging import (
    InvalidCursor,
    InvalidPageSize,
    Key,
    page_size_parse,
    paginate,
)
from accounts.models import Account, Opportunity
from accounts.tests.factories import AccountFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


def _walk(queryset, ordering, size):
    """Every page forward, then every page back from the last one."""
    forward = [paginate(queryset, ordering=ordering, size=size)]
    while forward[-1].has_next:
        forward.append(
            paginate(queryset, ordering=ordering, cursor=forward[-1].next_cursor, size=size)
        )
    backward = [forward[-1]]
    while backward[-1].previous_cursor:
        backward.append(
            paginate(queryset, ordering=ordering, cursor=backward[-1].previous_cursor, size=size)
        )
    return forward, backward[::-1]


def _ids(pages):
    return [[row.pk for row in page.items] for page in pages]


@pytest.fixture
def deals():
    today = dt.date(2030, 1, 1)
    for i in range(7):
        OpportunityFactory(name=f"D{i}", close_date=today + dt.timedelta(days=i % 3), amount=i)
    for i in range(4):
        OpportunityFactory(name=f"N{i}", close_date=None, amount=i)
    return Opportunity.objects.all()


@pytest.mark.parametrize("nulls", ["high", "low", "first", "last"])
@pytest.mark.parametrize("descending", [False, True])
def test_nullable_keys_page_forward_and_back_without_gaps(deals, nulls, descending):
    ordering = [Key("close_date", descending=descending, nulls=nulls)]
    whole = [row.pk for row in paginate(deals, ordering=ordering, size=100).items]
    undated = set(deals.filter(close_date=None).values_list("pk", flat=True))
    nulls_last = {"high": not descending, "low": descending, "first": False, "last": True}[nulls]
    expected_tail = whole[-4:] if nulls_last else whole[:4]
    assert set(expected_tail) == undated

    forward, backward = _walk(deals, ordering, size=3)

    assert [pk for page in _ids(forward) for pk in page] == whole
    assert _ids(backward) == _ids(forward)
    assert not forward[0].has_previous and not forward[-1].has_next


def test_expressions_and_several_keys_tie_break_on_id():
    for i in range(9):
        AccountFactory(name=f"{'ab'[i % 2]}cme", fit_score=i % 3)
    ordering = [Key(Lower("name")), "-fit_score"]
    whole = list(
        Account.objects.order_by(Lower("name"), "-fit_score", "-id").values_list("pk", flat=True)
    )

    forward, backward = _walk(Account.objects.all(), ordering, size=2)

    assert [pk for page in _ids(forward) for pk in page] == whole
    assert _ids(backward) == _ids(forward)


def _signed_like(page, values):
    """A cursor signed with the server's key whose values are not what the sort holds."""
    payload = signing.loads(page.next_cursor, salt="abm.paging")
    payload["v"] = values
    return signing.dumps(payload, salt="abm.paging", compress=True)


@pytest.mark.parametrize(
    "values",
    [
        ["not a date", 1],
        ["2030-01-01", "1"],
        ["2030-01-01", True],
        ["2030-01-01"],
        [None, None],
        [{"x": 1}, 1],
        "2030-01-01",
    ],
)
def test_values_are_checked_against_the_column_types_even_when_signed(deals, values):
    ordering = ["close_date"]
    page = paginate(deals, ordering=ordering, size=2)

    with pytest.raises(InvalidCursor):
        paginate(deals, ordering=ordering, cursor=_signed_like(page, values), size=2)


def test_text_values_with_a_nul_byte_are_refused():
    AccountFactory.create_batch(3)
    page = paginate(Account.objects.all(), ordering=["name"], size=1)

    with pytest.raises(InvalidCursor):
        paginate(
            Account.objects.all(),
            ordering=["name"],
            cursor=_signed_like(page, ["a\x00b", 1]),
            size=1,
        )


@pytest.mark.parametrize("cursor", ["x", "x:y", "a" * 5000, "%%%", "eyJ2IjpbMV19"])
def test_garbage_is_an_invalid_cursor(deals, cursor):
    with pytest.raises(InvalidCursor) as caught:
        paginate(deals, ordering=["-amount"], cursor=cursor)
    # An ApplicationError for the API (400 naming ``cursor``), a BadRequest for pages.
    assert isinstance(caught.value, ApplicationError) and isinstance(caught.value, BadRequest)
    assert caught.value.field == "cursor"


def test_page_size_bounds():
    assert page_size_parse(None) == 50
    assert page_size_parse("7") == 7
    assert page_size_parse("100000", maximum=200) == 200
    for bad in ("0", "-3", "false", "1.5", " "):
        with pytest.raises(InvalidPageSize):
            page_size_parse(bad)


def test_one_query_per_page(deals, django_assert_num_queries):
    first = paginate(deals, ordering=["close_date"], size=4)
    with django_assert_num_queries(1):
        paginate(deals, ordering=["close_date"], cursor=first.next_cursor, size=4)


def test_a_page_view_that_lets_a_bad_cursor_through_answers_400(rf):
    from django.core.handlers.exception import convert_exception_to_response

    from abm.paging import paginate_request

    def view(request):
        page = paginate_request(request, Account.objects.all(), ordering=["name"])
        return HttpResponse(str(len(page)))

    handler = convert_exception_to_response(view)

    assert handler(rf.get("/x/")).status_code == 200
    assert handler(rf.get("/x/", {"cursor": "forged"})).status_code == 400
