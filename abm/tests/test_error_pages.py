"""403, 404, 500 and 400 are styled pages with the navigation and a way back; /api/ is JSON."""

import pytest
from django.template import loader
from django.test import Client, override_settings

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls("abm.tests.urls_errors"),
]


@pytest.fixture
def browser():
    """A client that answers with the error page instead of re-raising the exception."""
    return Client(raise_request_exception=False)


def _assert_styled(response, status: int):
    body = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    assert 'href="/static/css/hub.css"' in body or "hub.css" in body
    assert "Go to the start page" in body
    return body


@override_settings(DEBUG=False)
def test_404_is_a_styled_page_with_the_navigation(browser, marketer):
    browser.force_login(marketer)
    body = _assert_styled(browser.get("/nowhere/", HTTP_REFERER="http://testserver/accounts/"), 404)
    assert 'class="mainnav"' in body and "Buying groups" in body
    assert 'href="http://testserver/accounts/"' in body  # the way back
    assert "Page not found" in body


@override_settings(DEBUG=False)
def test_404_back_link_never_points_off_site(browser, marketer):
    browser.force_login(marketer)
    body = _assert_styled(browser.get("/nowhere/", HTTP_REFERER="https://evil.example/"), 404)
    assert "evil.example" not in body


@override_settings(DEBUG=False)
def test_404_for_a_missing_record_is_styled(browser, marketer):
    browser.force_login(marketer)
    _assert_styled(browser.get("/buying-groups/999999/"), 404)


@override_settings(DEBUG=False)
def test_403_is_styled_and_says_why(browser, sales_rep):
    browser.force_login(sales_rep)
    body = _assert_styled(browser.get("/test-errors/denied/"), 403)
    assert "Only admins open the vault." in body and 'class="mainnav"' in body


@override_settings(DEBUG=False)
def test_500_is_styled(browser, marketer):
    browser.force_login(marketer)
    body = _assert_styled(browser.get("/test-errors/boom/"), 500)
    assert "Something went wrong" in body and "boom" not in body


@override_settings(DEBUG=False)
def test_500_renders_when_the_request_context_fails(browser, marketer, monkeypatch):
    """The page is still served when rendering with the request breaks (database gone)."""
    from abm import context_processors

    def broken(request):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(context_processors.permissions, "UserPermissions", broken)
    browser.force_login(marketer)
    body = _assert_styled(browser.get("/test-errors/boom/"), 500)
    assert "Something went wrong" in body


def test_500_template_renders_without_any_context():
    body = loader.render_to_string("500.html")
    assert "Something went wrong" in body and "Go to the start page" in body


@override_settings(DEBUG=False)
def test_400_is_styled(browser, marketer):
    browser.force_login(marketer)
    _assert_styled(browser.get("/test-errors/suspicious/"), 400)


@override_settings(DEBUG=False)
def test_api_404_is_json(browser, marketer):
    browser.force_login(marketer)
    for url in ("/api/v1/nowhere/", "/api/v1/accounts/999999/", "/api/nowhere"):
        response = browser.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert response.json() == {"detail": "Not found."}


@override_settings(DEBUG=False)
def test_api_500_is_json(browser):
    response = browser.get("/api/v1/test-errors/boom/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Server error."}


@override_settings(DEBUG=False)
def test_api_400_is_json(browser):
    response = browser.get("/api/v1/test-errors/suspicious/")
    assert response.status_code == 400
    assert response.json() == {"detail": "Bad request."}


def test_error_response_shows_a_given_message_on_the_page(rf, marketer):
    from abm.views import error_response

    request = rf.get("/somewhere/")
    request.user = marketer
    message = "The parameter q holds a NUL character."
    response = error_response(request, 400, message, {"exception": message})
    assert response.status_code == 400 and message in response.content.decode()
    api = error_response(rf.get("/api/v1/x/"), 400, message)
    assert api.status_code == 400 and api["Content-Type"] == "application/json"


@override_settings(DEBUG=False)
def test_a_stale_csrf_token_gets_the_styled_403(marketer):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(marketer)
    response = browser.post("/emails/templates/new/", {"name": "x"})
    body = response.content.decode()
    assert response.status_code == 403 and "Reload the page" in body and "mainnav" in body


@override_settings(DEBUG=False)
def test_unstorable_input_on_a_page_gets_the_styled_400_naming_the_parameter(browser, marketer):
    browser.force_login(marketer)
    response = browser.get("/buying-groups/", {"q": "a\x00b"})
    body = _assert_styled(response, 400)
    assert "The parameter q" in body


@override_settings(DEBUG=False)
def test_a_service_refusal_a_page_did_not_catch_is_a_4xx_page_not_a_500(browser, marketer):
    browser.force_login(marketer)
    refused = _assert_styled(browser.get("/test-errors/refused/"), 403)
    assert "Only marketers may do that." in refused
    invalid = _assert_styled(browser.get("/test-errors/invalid/"), 400)
    assert "The name is taken." in invalid
