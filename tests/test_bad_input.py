"""Bad input is a 4xx naming what is wrong, never a 500: API and pages, SQLite and
PostgreSQL (where NUL characters and odd time-zone offsets used to fail in the database).

Run on PostgreSQL with
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/abm_rules pytest tests/test_bad_input.py``.
"""

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Account, Activity, Contact
from accounts.tests.factories import AccountFactory, ActivityFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(admin):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(admin)
    return client


@pytest.fixture
def page(admin):
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    return client


def _post_raw(api, url, text: str):
    """POST a JSON text exactly as given (escapes such as \\ud800 included)."""
    return api.generic("POST", url, text.encode(), content_type="application/json")


def _assert_4xx(response, status=400, *, names=None):
    assert response.status_code == status, (response.status_code, response.content[:300])
    if names is not None:
        body = response.json()
        assert names in body, body
        return body
    return None


# --- JSON bodies ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/accounts/", '{"name": "Acme\\u0000"}', "name"),
        ("/api/v1/contacts/", '{"email": "a@b.example", "title": "CEO\\u0000"}', "title"),
        ("/api/v1/accounts/", '{"name": "Acme \\ud800"}', "name"),
        ("/api/v1/contacts/", '{"email": "a@b.example", "first_name": "\\udc00x"}', "first_name"),
        ("/api/v1/products/", '{"name": "P", "keywords": ["ok", "bad\\u0000"]}', "keywords"),
    ],
)
def test_unstorable_text_in_json_is_a_400_naming_the_field(api, url, body, field):
    body = _assert_4xx(_post_raw(api, url, body), names=field)

    assert "NUL" in body["detail"] or "surrogate" in body["detail"]
    assert not Account.objects.exists() and not Contact.objects.exists()


def test_nul_and_surrogates_in_metadata_are_a_400_naming_metadata(api):
    contact = ContactFactory()
    for value in ('"a\\u0000"', '"\\ud83d"', '{"deep": {"x\\u0000": 1}}'):
        text = f'{{"contact": {contact.pk}, "type": "web_visit", "metadata": {{"k": {value}}}}}'
        body = _assert_4xx(_post_raw(api, "/api/v1/activities/", text), names="metadata")
        assert "metadata.k" in body["detail"]
    assert not Activity.objects.exists()


def test_a_valid_surrogate_pair_is_fine(api):
    contact = ContactFactory()
    text = f'{{"contact": {contact.pk}, "type": "call", "subject": "Hi \\ud83d\\ude00"}}'

    response = _post_raw(api, "/api/v1/activities/", text)

    assert response.status_code == 201, response.content
    assert Activity.objects.get().subject == "Hi \U0001f600"


@pytest.mark.parametrize("depth", [65, 5_000, 100_000])
def test_deep_json_is_a_400(api, depth):
    text = "[" * depth + "]" * depth

    response = _post_raw(api, "/api/v1/activities/bulk/", text)

    _assert_4xx(response)
    assert "nested deeper than 64" in response.json()["detail"]


def test_deep_metadata_names_the_field(api):
    contact = ContactFactory()
    nested = "{}"
    for _ in range(70):
        nested = '{"a": ' + nested + "}"
    text = f'{{"contact": {contact.pk}, "type": "call", "metadata": {nested}}}'

    _assert_4xx(_post_raw(api, "/api/v1/activities/", text), names="metadata")


def test_invalid_utf8_and_broken_json_are_a_400(api):
    bad_bytes = api.generic(
        "POST", "/api/v1/accounts/", b'{"name": "\xff\xfe"}', content_type="application/json"
    )
    broken = _post_raw(api, "/api/v1/accounts/", '{"name": ')

    _assert_4xx(bad_bytes)
    _assert_4xx(broken)


def test_targeting_rule_values_with_nul_are_a_400(api):
    text = json.dumps(
        {"name": "R", "conditions": [{"field": "country", "op": "eq", "value": "DE\x00"}]}
    )

    _assert_4xx(_post_raw(api, "/api/v1/targeting-rules/", text), names="conditions")
    preview = _post_raw(
        api,
        "/api/v1/targeting-rules/preview/",
        json.dumps({"conditions": [{"field": "country", "op": "eq", "value": "\x00"}]}),
    )
    _assert_4xx(preview, names="conditions")


def test_form_encoded_api_bodies_are_refused(api):
    response = api.post(
        "/api/v1/accounts/", "name=Acme", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415


def test_multipart_field_with_nul_is_a_400(api):
    response = api.post("/api/v1/accounts/", {"name": "Acme\x00"}, format="multipart")

    _assert_4xx(response, names="name")


# --- Query parameters -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/accounts/?q=%00", "q"),
        ("/api/v1/accounts/?search=ac%00me", "search"),
        ("/api/v1/contacts/?email=%00", "email"),
        ("/api/v1/target-accounts/?q=%00", "q"),
        ("/api/v1/activities/?x%00=1", "x\\u0000"),
    ],
)
def test_nul_in_query_parameters_is_a_400_naming_them(api, url, name):
    _assert_4xx(api.get(url), names=name)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/activities/?occurred_after=2026-01-01T00:00:00-17:00", "occurred_after"),
        ("/api/v1/activities/?occurred_before=2026-01-01T00:00:00%2B16:00", "occurred_before"),
        ("/api/v1/activities/?occurred_after=9999-12-31T23:00:00-05:00", "occurred_after"),
        ("/api/v1/activities/?occurred_after=yesterday", "occurred_after"),
        ("/api/v1/email-templates/?kind=nonsense", "kind"),
        ("/api/v1/users/?is_active=maybe", "is_active"),
        ("/api/v1/contacts/?allow_email=perhaps", "allow_email"),
        ("/api/v1/accounts/?is_target=2", "is_target"),
        ("/api/v1/activities/?is_bot=yes%20please", "is_bot"),
        ("/api/v1/opportunities/?is_open=x", "is_open"),
        ("/api/v1/activities/?type=telepathy", "type"),
        ("/api/v1/accounts/?owner=abc", "owner"),
        ("/api/v1/buying-groups/?engagement_min=lots", "engagement_min"),
        ("/api/v1/sales-emails/?status=lost", "status"),
        ("/api/v1/accounts/?page_size=false", "page_size"),
    ],
)
def test_invalid_filter_values_are_a_400_naming_the_filter(api, url, name):
    _assert_4xx(api.get(url), names=name)


@pytest.mark.parametrize(
    "query",
    [
        "occurred_after=2026-01-01T00:00:00-15:59",
        "occurred_after=2026-01-01T00:00:00%2B14:00",
        "occurred_after=2026-01-01T00:00:00Z",
        "is_bot=false",
        "is_bot=true",
        "is_bot=",
    ],
)
def test_valid_filter_values_still_work(api, query):
    ActivityFactory()

    response = api.get(f"/api/v1/activities/?{query}")

    assert response.status_code == 200, response.content


def test_offset_filter_compares_the_right_instant(api):
    ActivityFactory(occurred_at="2026-01-01T20:00:00Z")

    def count(value):
        return len(api.get("/api/v1/activities/", {"occurred_after": value}).json()["results"])

    assert count("2026-01-01T05:01:00-15:00") == 0  # 20:01 UTC
    assert count("2026-01-01T04:59:00-15:00") == 1  # 19:59 UTC


# --- Ids on routes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/buying-group-jobs/abc/",
        "/api/v1/accounts/abc/",
        "/api/v1/accounts/1.5/",
        "/api/v1/accounts/99999999999999999999999/",
        "/api/v1/contacts/-1/",
        "/api/v1/buying-groups/abc/members/",
        "/api/v1/email-templates/x/",
        "/api/v1/sales-emails/%00/",
        "/api/v1/target-accounts/abc/",
    ],
)
def test_non_numeric_or_huge_ids_are_a_json_404(api, url):
    response = api.get(url)

    assert response.status_code == 404, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")


def test_huge_id_on_delete_is_a_404(api):
    assert api.delete("/api/v1/accounts/99999999999999999999999/").status_code == 404


# --- Pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/?q=%00",
        "/contacts/?q=a%00b",
        "/targets/?q=%00",
        "/buying-groups/?q=%00",
        "/leads/?q=%00",
    ],
)
def test_nul_in_a_page_query_is_a_400(page, url):
    response = page.get(url)

    assert response.status_code == 400, response.status_code


def test_nul_in_a_page_form_is_a_400_and_saves_nothing(page):
    response = page.post("/accounts/new/", {"name": "Acme\x00", "fit_score": 1})

    assert response.status_code == 400
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["/accounts/abc/", "/contacts/1x/edit/", "/accounts/99999999999999999999999/"],
)
def test_non_numeric_or_huge_ids_on_pages_are_a_404(page, url):
    assert page.get(url).status_code == 404


@pytest.mark.parametrize(
    "query",
    ["is_target=maybe", "owner=abc", "industry=nonsense", "fit_score_min=lots"],
)
def test_invalid_page_filters_never_500(page, query):
    AccountFactory()

    response = page.get(f"/accounts/?{query}")

    assert response.status_code in (200, 400), response.status_code


HUGE = 99_999_999_999_999_999_999


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/activities/", {"contact": HUGE, "type": "call"}, "contact"),
        ("/api/v1/activities/bulk/", [{"contact": HUGE, "type": "call"}], "errors"),
        ("/api/v1/activities/bulk/", [{"contact": 1, "type": "call", "user": HUGE}], "errors"),
        ("/api/v1/target-accounts/", {"account_ids": [HUGE]}, "account_ids"),
        ("/api/v1/accounts/", {"name": "A", "parent": HUGE}, "parent"),
        ("/api/v1/accounts/", {"name": "A", "employee_count": HUGE}, "employee_count"),
        ("/api/v1/buying-groups/", {"account": HUGE}, "account"),
    ],
)
def test_ids_no_database_holds_are_a_400(api, url, body, field):
    _assert_4xx(api.post(url, body, format="json"), names=field)


def test_a_number_too_large_for_json_columns_is_a_400(api):
    contact = ContactFactory()
    text = f'{{"contact": {contact.pk}, "type": "call", "metadata": {{"score": 1e999}}}}'

    body = _assert_4xx(_post_raw(api, "/api/v1/activities/", text), names="metadata")

    assert "too large" in body["detail"]
    assert not Activity.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/contacts/new/?account=%C2%B3",
        "/opportunities/new/?account=%C2%B3",
        "/leads/new/?contact=%C2%B3&account=%C2%B3",
        "/tasks/new/?account=%C2%B3",
        "/buying-groups/new/?account=%C2%B3",
    ],
)
def test_digits_int_refuses_in_page_parameters_are_not_a_500(client, admin, path):
    """str.isdigit() admits "³", which int() refuses: the pages check with isdecimal()."""
    client.force_login(admin)

    assert client.get(path).status_code < 500
