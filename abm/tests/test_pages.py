"""The shared page helpers: the form base, query strings, the htmx finish, form_submit."""

import json

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.template import Context, Template
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from abm.exceptions import ApplicationError
from abm.forms import ServiceForm
from abm.pages import form_submit, htmx_finish, url_with_query


class NameForm(ServiceForm):
    name = forms.CharField()
    email = forms.CharField(required=False)


def _request(method="get", path="/x/", data=None, htmx=False):
    factory = RequestFactory()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    request = getattr(factory, method)(path, data or {}, **headers)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    request.htmx = HtmxDetails(request)
    return request


def test_application_error_lands_on_the_field_it_names():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    form.add_application_error(
        ApplicationError("Taken.", field="name", extra={"email": ["Bad."], "rows": [1]})
    )
    assert form.errors == {"name": ["Taken."], "email": ["Bad."]}


def test_application_error_without_a_known_field_is_a_form_error():
    form = NameForm({"name": "x"})
    assert form.is_valid()
    form.add_application_error(ApplicationError("No.", field="parent"))
    assert form.non_field_errors() == ["No."]


def test_url_with_query_changes_and_removes_parameters():
    request = _request(data={"q": "acme", "cursor": "abc", "sort": "name"})
    assert url_with_query(request, cursor=None, sort="-name") == "/x/?q=acme&sort=-name"
    assert url_with_query(_request(data={"cursor": "a"}), cursor=None) == "/x/"


def test_query_replace_tag():
    request = _request(data={"q": "a b", "cursor": "c"})
    html = Template("{% load hub %}{% query_replace cursor=None page=2 %}").render(
        Context({"request": request})
    )
    assert html == "?q=a+b&amp;page=2"


def test_htmx_finish_redirects_plainly_without_htmx():
    request = _request(method="post")
    response = htmx_finish(request, message="Saved.", redirect_to="/done/")
    assert response.status_code == 302 and response["Location"] == "/done/"
    assert [m.message for m in get_messages(request)] == ["Saved."]


def test_htmx_finish_uses_hx_redirect_or_hx_trigger():
    request = _request(method="post", htmx=True)
    response = htmx_finish(request, message="Saved.", redirect_to="/done/")
    assert response.status_code == 204 and response["HX-Redirect"] == "/done/"

    request = _request(method="post", htmx=True)
    response = htmx_finish(
        request, message="Added.", redirect_to="/done/", events={"closeModal": True}
    )
    trigger = json.loads(response["HX-Trigger"])
    assert response.status_code == 204
    assert trigger == {"flash": {"level": "success", "message": "Added."}, "closeModal": True}
    assert list(get_messages(request)) == []


@pytest.mark.parametrize("refusal", [ApplicationError("Taken.", field="name")])
def test_form_submit_puts_the_service_error_on_the_form(refusal):
    request = _request(method="post", data={"name": "x"})
    form = NameForm(request.POST)
    refreshed = []

    def save(form):
        raise refusal

    response = form_submit(
        request,
        form,
        save,
        message=lambda saved: "Saved.",
        redirect_to=lambda saved: "/done/",
        on_error=lambda: refreshed.append(True),
    )
    assert response is None and form.errors == {"name": ["Taken."]} and refreshed


def test_form_submit_redirects_after_a_save():
    request = _request(method="post", data={"name": "x"})
    response = form_submit(
        request,
        NameForm(request.POST),
        lambda form: form.cleaned_data["name"],
        message=lambda saved: f"Saved {saved}.",
        redirect_to=lambda saved: f"/{saved}/",
    )
    assert response.status_code == 302 and response["Location"] == "/x/"
    assert [m.message for m in get_messages(request)] == ["Saved x."]
