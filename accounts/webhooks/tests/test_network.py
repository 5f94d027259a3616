"""SSRF: no delivery to a private, loopback, link-local or reserved address."""

from __future__ import annotations

import socket

import pytest

from accounts.models import WebhookDelivery
from accounts.webhooks import network
from accounts.webhooks.network import DestinationRefused, destination_resolve, url_check_literal
from accounts.webhooks.sender import webhooks_send_round
from accounts.webhooks.services import webhooks_handle_events


def _resolves_to(monkeypatch, *addresses):
    """Make every host name resolve to ``addresses`` (as a DNS answer would)."""

    def fake(host, port, *args, **kwargs):
        found = []
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
            found.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
        return found

    monkeypatch.setattr(network.socket, "getaddrinfo", fake)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.8.9.10:8080/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.5/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://240.0.0.1/hook",
        "http://localhost:8000/hook",
    ],
)
def test_private_addresses_are_refused(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    with pytest.raises(DestinationRefused):
        url_check_literal(url)
    with pytest.raises(DestinationRefused):
        destination_resolve(url)


@pytest.mark.parametrize("address", ["10.0.0.7", "127.0.0.1", "::1", "169.254.169.254"])
def test_a_host_name_resolving_to_a_private_address_is_refused(monkeypatch, settings, address):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    _resolves_to(monkeypatch, address)
    url_check_literal("https://hooks.example.com/abm")  # a name: checked at delivery
    with pytest.raises(DestinationRefused, match="resolves to"):
        destination_resolve("https://hooks.example.com/abm")


def test_one_private_answer_among_public_ones_is_refused(monkeypatch, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    _resolves_to(monkeypatch, "93.184.216.34", "10.0.0.7")
    with pytest.raises(DestinationRefused, match="10.0.0.7"):
        destination_resolve("https://hooks.example.com/abm")


def test_a_public_host_is_pinned_to_the_checked_address(monkeypatch, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    _resolves_to(monkeypatch, "93.184.216.34")
    found = destination_resolve("https://hooks.example.com:8443/abm?x=1")
    assert found.url == "https://93.184.216.34:8443/abm?x=1"
    assert found.host_header == "hooks.example.com:8443"
    assert found.sni_hostname == "hooks.example.com"
    plain = destination_resolve("http://hooks.example.com/abm")
    assert (plain.url, plain.host_header, plain.sni_hostname) == (
        "http://93.184.216.34:80/abm",
        "hooks.example.com",
        None,
    )


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "file:///etc/passwd", "http:///nohost", "http://u:p@example.com/"],
)
def test_only_http_urls_with_a_host_and_no_credentials(url, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with pytest.raises(DestinationRefused):
        url_check_literal(url)


def test_the_setting_allows_private_addresses(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    url_check_literal("http://127.0.0.1:9/hook")
    assert destination_resolve("http://127.0.0.1:9/hook").address == "127.0.0.1"


@pytest.mark.django_db
def test_a_refused_delivery_is_a_failed_attempt_and_nothing_is_sent(
    monkeypatch, settings, receiver, make_subscription, make_event
):
    """A host that resolves to the receiver's loopback address: refused, never reached."""
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    subscription = make_subscription(url=f"http://receiver.example.com:{receiver.port}/hook")
    _resolves_to(monkeypatch, "127.0.0.1")
    webhooks_handle_events([make_event()])
    assert webhooks_send_round() == 1
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.status == WebhookDelivery.Status.RETRYING
    assert "resolves to 127.0.0.1" in delivery.last_error
    assert delivery.response_code is None
    assert receiver.requests == []
