import json
from http.server import BaseHTTPRequestHandler

import pytest

from accounts.tests.factories import ActivityFactory, ContactFactory
from buying_groups.services.summaries import summary_generate, summary_state
from buying_groups.tests.factories import BuyingGroupFactory, MemberFactory, TemplateRoleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    group = BuyingGroupFactory(name="Acme CDP")
    dm = TemplateRoleFactory(template=group.role_template, name="Decision maker", required=True)
    TemplateRoleFactory(template=group.role_template, name="Champion")
    person = ContactFactory(account=group.account, first_name="Ana", last_name="Lee")
    MemberFactory(
        group=group,
        contact=person,
        role=TemplateRoleFactory(template=group.role_template, name="User"),
    )
    ActivityFactory(contact=person, type="email_replied", subject="Re: pricing")
    assert dm
    return group


class _Handler(BaseHTTPRequestHandler):
    replies: list = []
    seen: list = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append((self.path, self.headers.get("Authorization"), body))
        status, payload = type(self).replies.pop(0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(payload).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def llm_server(http_server):
    _Handler.replies, _Handler.seen = [], []
    return http_server(_Handler)


def test_builtin_summary_is_factual_and_versioned(group):
    summary = summary_generate(subject="group", object_id=group.pk)
    assert summary.backend == "builtin"
    assert "Acme CDP is a buying group" in summary.text
    assert "email replied (1)" in summary.text
    assert "Missing required roles: Decision maker." in summary.text
    assert summary_state("group", group.pk) == (summary, True)
    # New data makes it stale; regenerating writes a new version.
    ActivityFactory(contact=group.members.first().contact, type="meeting")
    assert summary_state("group", group.pk)[1] is False
    again = summary_generate(subject="group", object_id=group.pk)
    assert again.data_version != summary.data_version and "meeting (1)" in again.text


def test_llm_backend_used_when_configured(group, llm_server, settings):
    port = llm_server.server_address[1]
    settings.LLM_API_URL = f"http://127.0.0.1:{port}/v1"
    settings.LLM_API_KEY = "sk-test"
    settings.LLM_MODEL = "tiny"
    _Handler.replies = [
        (200, {"choices": [{"message": {"content": "Ana replied about pricing."}}]})
    ]
    summary = summary_generate(subject="group", object_id=group.pk)
    assert (summary.text, summary.backend, summary.note) == (
        "Ana replied about pricing.",
        "llm:tiny",
        "",
    )
    path, auth, body = _Handler.seen[0]
    assert path == "/v1/chat/completions" and auth == "Bearer sk-test"
    assert body["model"] == "tiny" and '"Acme CDP"' in body["messages"][1]["content"]


def test_llm_failure_falls_back_to_builtin_and_says_so(group, llm_server, settings):
    settings.LLM_API_URL = f"http://127.0.0.1:{llm_server.server_address[1]}"
    _Handler.replies = [(500, {"error": "boom"})]
    summary = summary_generate(subject="contact", object_id=group.members.first().contact_id)
    assert summary.backend == "builtin-fallback"
    assert "AI service failed" in summary.note
    assert "Ana Lee" in summary.text


def test_llm_unreachable_falls_back(group, settings):
    settings.LLM_API_URL = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    settings.LLM_TIMEOUT = 2
    summary = summary_generate(subject="account", object_id=group.account_id)
    assert summary.backend == "builtin-fallback" and group.account.name in summary.text
