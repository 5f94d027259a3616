"""API authentication: tokens, sessions, and nothing without either."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

THROTTLE_KEY = "throttle_token_127.0.0.1"


@pytest.fixture(autouse=True)
def _fresh_token_throttle():
    # Only the throttle's own key: the cache may share Redis with other users.
    cache.delete(THROTTLE_KEY)
    yield
    cache.delete(THROTTLE_KEY)


RESOURCES = [
    "accounts",
    "contacts",
    "leads",
    "opportunities",
    "activities",
    "campaigns",
    "products",
    "notes",
    "tasks",
    "teams",
    "users",
]


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_resource_requires_authentication(resource):
    response = APIClient().get(f"/api/v1/{resource}/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_token_flow_gives_a_token_that_authenticates_later_requests():
    UserFactory(username="tina", role="sales_rep")
    client = APIClient()

    response = client.post(
        "/api/v1/auth/token/", {"username": "tina", "password": "pass-1234!"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/accounts/").status_code == 200
    # Asking again returns the same token rather than piling up new ones.
    again = APIClient().post(
        "/api/v1/auth/token/", {"username": "tina", "password": "pass-1234!"}, format="json"
    )
    assert again.json()["token"] == token


def test_bad_credentials_are_a_clear_400():
    UserFactory(username="tina")

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "tina", "password": "wrong"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["detail"] == "Unable to sign in with this username and password."
    assert "token" not in response.json()


def test_token_request_without_password_names_the_field():
    response = APIClient().post("/api/v1/auth/token/", {"username": "tina"}, format="json")

    assert response.status_code == 400
    assert "password" in response.json()


def test_inactive_user_gets_no_token():
    UserFactory(username="gone", is_active=False)

    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "gone", "password": "pass-1234!"}, format="json"
    )

    assert response.status_code == 400


def test_wrong_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    assert client.get("/api/v1/accounts/").status_code == 401


def test_session_authentication_works_too(sales_rep):
    client = APIClient()
    client.force_login(sales_rep)

    assert client.get("/api/v1/accounts/").status_code == 200


def _token(client, username, password, **extra):
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


def test_password_guessing_is_throttled_per_username():
    """django-axes locks the username at the AXES_FAILURE_LIMIT-th failure (429, JSON),
    and then refuses even the right password."""
    UserFactory(username="tina", password="right-pass-123!")
    client = APIClient()
    answers = [_token(client, "tina", f"guess{i}") for i in range(10)]

    assert [a.status_code for a in answers[:9]] == [400] * 9
    assert answers[9].status_code == 429
    assert answers[9].json()["code"] == "locked_out"
    assert _token(client, "tina", "right-pass-123!").status_code == 429


def test_a_forwarded_for_header_does_not_reset_the_count():
    """With no trusted proxy, X-Forwarded-For is the client's word and is ignored."""
    UserFactory(username="tina")
    client = APIClient()
    codes = [
        _token(client, f"user{i}", "nope", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code
        for i in range(11)
    ]

    assert codes[:9] == [400] * 9
    assert codes[9:] == [429, 429]


def test_trusted_proxy_count_reads_the_address_our_proxy_appended(settings):
    from django.test import RequestFactory

    from abm.security import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2"
    )
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"


def test_the_login_page_is_throttled_too(client):
    UserFactory(username="tina")
    codes = [
        client.post("/login/", {"username": "tina", "password": f"guess{i}"}).status_code
        for i in range(10)
    ]

    assert codes[:9] == [200] * 9  # the form again, with its error
    assert codes[9] == 429
    page = client.post("/login/", {"username": "tina", "password": "x"})
    assert page.status_code == 429
    assert b"Too many failed sign-in attempts" in page.content
