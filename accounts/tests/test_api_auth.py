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
    assert client.login(username="rep", password="pass-1234!")

    assert client.get("/api/v1/accounts/").status_code == 200


def test_password_guessing_is_throttled():
    UserFactory(username="tina")
    client = APIClient()
    attempts = [
        client.post(
            "/api/v1/auth/token/", {"username": "tina", "password": f"guess{i}"}, format="json"
        ).status_code
        for i in range(21)
    ]

    assert attempts[:20] == [400] * 20
    assert attempts[20] == 429
