"""Webhook pages and API: admins only; the secret shown once; CRUD, rotate, ping, replay."""

from __future__ import annotations

import pytest

from accounts.models import HubEvent, WebhookDelivery, WebhookSubscription
from accounts.webhooks.services import webhooks_handle_events

pytestmark = pytest.mark.django_db
K = HubEvent.Kind


@pytest.mark.parametrize("role", ["marketer", "sales_rep"])
def test_only_admins_open_the_pages(client, request, role, make_subscription):
    user = request.getfixturevalue(role)
    subscription = make_subscription()
    client.force_login(user)
    assert b"/webhooks/" not in client.get("/contacts/").content  # not in their navigation
    for url in ("/webhooks/", "/webhooks/new/", f"/webhooks/{subscription.pk}/"):
        assert client.get(url).status_code == 403
    for url in (f"/webhooks/{subscription.pk}/rotate/", f"/webhooks/{subscription.pk}/delete/"):
        assert client.post(url).status_code == 403
    assert WebhookSubscription.objects.filter(
        pk=subscription.pk, secret=subscription.secret
    ).exists()


@pytest.mark.parametrize("role", ["marketer", "sales_rep"])
def test_only_admins_use_the_api(api_as, request, role, make_subscription):
    api = api_as(request.getfixturevalue(role))
    subscription = make_subscription()
    assert api.get("/api/v1/webhooks/").status_code == 403
    assert (
        api.post("/api/v1/webhooks/", {"url": "https://x.example.com/"}, format="json").status_code
        == 403
    )
    assert api.post(f"/api/v1/webhooks/{subscription.pk}/rotate/").status_code == 403
    assert api.get(f"/api/v1/webhooks/{subscription.pk}/deliveries/").status_code == 403


def test_admin_pages_create_show_the_secret_once_edit_rotate_delete(client, admin):
    client.force_login(admin)
    assert b'href="/webhooks/"' in client.get("/contacts/").content
    bad = client.post(
        "/webhooks/new/",
        {"url": "http://10.0.0.1/hook", "owner": admin.pk, "event_types": [K.CADENCE_ADDED]},
    )
    assert bad.status_code == 400 and b"private" in bad.content
    response = client.post(
        "/webhooks/new/",
        {
            "url": "https://hooks.example.com/abm",
            "description": "CRM sync",
            "event_types": [K.SALES_EMAIL_REPLIED, K.CADENCE_ADDED],
            "owner": admin.pk,
            "is_active": "on",
        },
    )
    subscription = WebhookSubscription.objects.get()
    assert response.status_code == 302 and response.url == f"/webhooks/{subscription.pk}/"
    assert subscription.event_types == [K.SALES_EMAIL_REPLIED, K.CADENCE_ADDED]
    page = client.get(response.url)
    assert subscription.secret.encode() in page.content
    assert subscription.secret.encode() not in client.get(response.url).content  # once
    assert b"CRM sync" in client.get("/webhooks/").content

    edit = client.post(
        f"/webhooks/{subscription.pk}/edit/",
        {"url": "https://hooks.example.com/v2", "event_types": [K.TARGET_ADDED], "owner": admin.pk},
    )
    assert edit.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.url, subscription.event_types, subscription.is_active) == (
        "https://hooks.example.com/v2",
        [K.TARGET_ADDED],
        False,
    )
    old = subscription.secret
    assert client.post(f"/webhooks/{subscription.pk}/rotate/").status_code == 302
    subscription.refresh_from_db()
    assert subscription.previous_secret == old and subscription.secret != old
    assert subscription.secret.encode() in client.get(f"/webhooks/{subscription.pk}/").content
    assert client.post(f"/webhooks/{subscription.pk}/delete/").status_code == 302
    assert not WebhookSubscription.objects.exists()


def test_delivery_log_filters_replay_and_ping_pages(
    client, admin, receiver, make_subscription, make_event
):
    subscription = make_subscription(url=receiver.url, owner=admin)
    webhooks_handle_events([make_event(), make_event(subject=("contact", 2))])
    delivery = WebhookDelivery.objects.order_by("id").first()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempts=3, last_error="HTTP 502"
    )
    client.force_login(admin)
    page = client.get(f"/webhooks/{subscription.pk}/?status=failed")
    assert page.status_code == 200 and b"HTTP 502" in page.content
    assert page.context["total"] == 1
    assert client.get(f"/webhooks/{subscription.pk}/?status=nope").status_code == 400
    assert client.get(f"/webhooks/{subscription.pk}/deliveries/{delivery.pk}/").status_code == 200
    replay = client.post(f"/webhooks/{subscription.pk}/deliveries/{delivery.pk}/replay/")
    assert replay.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.next_attempt_at is not None
    ping = client.post(f"/webhooks/{subscription.pk}/ping/", follow=True)
    assert b"Ping delivered" in ping.content
    assert receiver.bodies()[-1]["type"] == "ping"


def test_api_crud_rotate_ping_deliveries_replay(api_as, admin, sales_rep, receiver, make_event):
    api = api_as(admin)
    bad = api.post(
        "/api/v1/webhooks/", {"url": receiver.url, "event_types": ["nope"]}, format="json"
    )
    assert bad.status_code == 400 and "event_types" in bad.json()
    bad = api.post(
        "/api/v1/webhooks/", {"url": "gopher://x", "event_types": [K.TARGET_ADDED]}, format="json"
    )
    assert bad.status_code == 400 and "url" in bad.json()
    bad = api.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "event_types": [K.TARGET_ADDED], "owner": sales_rep.pk},
        format="json",
    )
    assert bad.status_code == 400 and "owner" in bad.json()
    created = api.post(
        "/api/v1/webhooks/",
        {"url": receiver.url, "event_types": [K.ACTIVITY_RECORDED], "description": "ERP"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["owner"] == admin.pk
    pk = body["id"]
    read = api.get(f"/api/v1/webhooks/{pk}/").json()
    assert "secret" not in read and read["description"] == "ERP"
    assert [w["id"] for w in api.get("/api/v1/webhooks/").json()["results"]] == [pk]
    patched = api.patch(f"/api/v1/webhooks/{pk}/", {"description": "ERP 2"}, format="json")
    assert patched.status_code == 200 and patched.json()["description"] == "ERP 2"

    rotated = api.post(f"/api/v1/webhooks/{pk}/rotate/").json()
    assert rotated["secret"] != body["secret"] and rotated["previous_secret_expires_at"]

    ping = api.post(f"/api/v1/webhooks/{pk}/ping/")
    assert ping.status_code == 200 and ping.json()["status"] == "succeeded"
    assert ping.json()["response_code"] == 200

    webhooks_handle_events([make_event()])
    listed = api.get(f"/api/v1/webhooks/{pk}/deliveries/?event_type=activity.recorded").json()
    assert [d["event_type"] for d in listed["results"]] == ["activity.recorded"]
    delivery_id = listed["results"][0]["id"]
    assert api.get(f"/api/v1/webhooks/{pk}/deliveries/?status=bogus").status_code == 400
    assert api.get(f"/api/v1/webhooks/{pk}/deliveries/{delivery_id}/").json()["status"] == "pending"
    replayed = api.post(f"/api/v1/webhooks/{pk}/deliveries/{delivery_id}/replay/")
    assert replayed.status_code == 202
    assert api.get("/api/v1/webhooks/999999/deliveries/").status_code == 404

    api.patch(f"/api/v1/webhooks/{pk}/", {"is_active": False}, format="json")
    refused = api.post(f"/api/v1/webhooks/{pk}/deliveries/{delivery_id}/replay/")
    assert refused.status_code == 409 and "subscription" in refused.json()

    assert api.delete(f"/api/v1/webhooks/{pk}/").status_code == 204
    assert not WebhookDelivery.objects.exists()
