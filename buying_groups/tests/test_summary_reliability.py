"""The account summary with big deals, its error state, polling without a task per poll,
and an LLM client that follows no redirect and sends its key only over https."""

import json
from http.server import BaseHTTPRequestHandler
from unittest import mock

import pytest
from django.urls import reverse

from accounts.tests.factories import ContactFactory, OpportunityFactory
from buying_groups.models import Summary
from buying_groups.services import summaries
from buying_groups.services.summaries import summary_generate
from buying_groups.summarizers import ChatCompletionsSummarizer, InsecureEndpointError
from buying_groups.tests.factories import BuyingGroupFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    group = BuyingGroupFactory(name="Acme CDP")
    ContactFactory(account=group.account)
    OpportunityFactory(account=group.account, amount=12500)
    OpportunityFactory(account=group.account, amount=1000)
    return group.account


def test_account_summary_with_open_deals_of_1000_or_more(account):
    summary = summary_generate(subject="account", object_id=account.pk)

    assert summary.backend == "builtin"
    assert "2 open opportunities worth USD 13,500." in summary.text


def _poll(client, account, capture=None, **params):
    """GET the summary block; with ``capture``, its after-commit callbacks run before
    the next poll, as they do outside a test's transaction."""
    url = reverse("buying_groups:summary", args=["account", account.pk])
    if capture is None:
        return client.get(url, params)
    with capture(execute=True):
        return client.get(url, params)


def test_a_stale_summary_polled_five_times_queues_one_task(
    client, admin, account, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with mock.patch.object(summaries, "enqueue", return_value=True) as enqueue:
        responses = [
            _poll(client, account, django_capture_on_commit_callbacks, n=i) for i in range(5)
        ]

    assert [r.status_code for r in responses] == [200] * 5
    assert enqueue.call_count == 1
    assert enqueue.call_args.args[1:] == ("account", account.pk)
    assert "Writing the summary" in responses[-1].content.decode()


def test_a_queue_the_broker_refused_is_tried_again_on_the_next_poll(
    client, admin, account, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with mock.patch.object(summaries, "enqueue", return_value=False) as enqueue:
        _poll(client, account, django_capture_on_commit_callbacks)
        _poll(client, account, django_capture_on_commit_callbacks, n=1)

    assert enqueue.call_count == 2


def test_a_failed_generation_shows_an_error_and_stops_polling(
    client, admin, account, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    capture = django_capture_on_commit_callbacks
    with mock.patch.object(summaries, "summarize", side_effect=RuntimeError("model exploded")):
        first = _poll(client, account, capture)  # queues; the eager task fails and says so
        after = _poll(client, account, capture, n=1)

    assert first.status_code == after.status_code == 200
    page = after.content.decode()
    assert "could not be updated" in page and "model exploded" in page
    assert "delay:2s" not in page  # no more polling
    assert "retry=1" in page
    assert not Summary.objects.filter(subject="account", object_id=account.pk).exists()

    # "Try again" clears the error and writes it (the summarizer works now).
    _poll(client, account, capture, retry=1)
    assert Summary.objects.filter(subject="account", object_id=account.pk).exists()
    assert "could not be updated" not in _poll(client, account).content.decode()


def test_polling_gives_up_with_a_message_rather_than_spinning(
    client, admin, account, django_capture_on_commit_callbacks
):
    client.force_login(admin)
    with mock.patch.object(summaries, "enqueue", return_value=True):
        page = _poll(client, account, django_capture_on_commit_callbacks, n=30).content.decode()

    assert "taking longer than expected" in page
    assert "Writing the summary" not in page and "delay:2s" not in page


# --- The LLM client ---------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        if self.path.startswith("/moved"):
            self.send_response(307)
            self.send_header("Location", "/elsewhere/chat/completions")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"choices": [{"message": {"content": "Fine."}}]}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def llm_server(http_server):
    _Handler.seen = []
    return f"http://127.0.0.1:{http_server(_Handler).server_address[1]}"


def test_the_llm_client_follows_no_redirect(account, llm_server, settings):
    settings.LLM_API_URL = f"{llm_server}/moved"
    settings.LLM_API_KEY = "sk-secret"

    summary = summary_generate(subject="account", object_id=account.pk)

    assert summary.backend == "builtin-fallback" and "redirect" in summary.note
    assert [path for path, _auth in _Handler.seen] == ["/moved/chat/completions"]


def test_the_key_goes_to_a_local_http_server(account, llm_server, settings):
    settings.LLM_API_URL = f"{llm_server}/v1"
    settings.LLM_API_KEY = "sk-secret"

    summary = summary_generate(subject="account", object_id=account.pk)

    assert summary.backend.startswith("llm:")
    assert _Handler.seen == [("/v1/chat/completions", "Bearer sk-secret")]


@pytest.mark.parametrize("url", ["http://llm.example.com/v1", "http://10.0.0.7:8080/v1"])
def test_the_key_is_never_sent_over_plain_http_to_another_host(account, settings, url):
    settings.LLM_API_URL = url
    settings.LLM_API_KEY = "sk-secret"
    with mock.patch("buying_groups.summarizers._opener.open") as opened:
        summary = summary_generate(subject="account", object_id=account.pk)

    opened.assert_not_called()
    assert summary.backend == "builtin-fallback" and "https" in summary.note
    with pytest.raises(InsecureEndpointError):
        ChatCompletionsSummarizer(url=url, key="sk-secret").summarize({"kind": "account"})


def test_an_https_url_gets_the_key(settings):
    client = ChatCompletionsSummarizer(url="https://llm.example.com/v1", key="sk-secret")
    with mock.patch("buying_groups.summarizers._opener.open") as opened:
        opened.return_value.__enter__.return_value.read.return_value = json.dumps(
            {"choices": [{"message": {"content": "Fine."}}]}
        ).encode()
        result = client.summarize({"kind": "account"})

    request = opened.call_args.args[0]
    assert request.full_url == "https://llm.example.com/v1/chat/completions"
    assert request.get_header("Authorization") == "Bearer sk-secret"
    assert result.text == "Fine."
