"""A local receiver (http.server in a thread) and subscription helpers for webhook tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from accounts.models import HubEvent, WebhookSubscription
from accounts.tests.factories import UserFactory
from accounts.webhooks.signing import secret_generate


class Receiver:
    """Records every POST; answers ``status`` (settable, or a list consumed in order)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.status: int | list[int] = 200
        self.decide = None  # fn(parsed body) -> status, instead of ``status``
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver.lock:
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    status = receiver.status
                    if receiver.decide is not None:
                        status = receiver.decide(json.loads(body))
                    elif isinstance(status, list):
                        status = status.pop(0) if len(status) > 1 else status[0]
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    found = Receiver()
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


@pytest.fixture
def hook_admin(db):
    return UserFactory(username="hookadmin", role="admin", email="hookadmin@hub.example")


@pytest.fixture
def make_subscription(hook_admin):
    def make(url="https://hooks.example.com/abm", kinds=None, **extra):
        return WebhookSubscription.objects.create(
            url=url,
            event_types=kinds or [HubEvent.Kind.ACTIVITY_RECORDED.value],
            owner=extra.pop("owner", hook_admin),
            secret=extra.pop("secret", secret_generate()),
            **extra,
        )

    return make


@pytest.fixture
def make_event():
    def make(kind=HubEvent.Kind.ACTIVITY_RECORDED.value, subject=("contact", 1), **extra):
        return HubEvent.objects.create(
            kind=kind,
            subject_type=subject[0],
            subject_id=subject[1],
            occurred_at=extra.pop("occurred_at", timezone.now()),
            payload=extra.pop("payload", {"activity": 7}),
            **extra,
        )

    return make
