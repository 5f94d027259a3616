"""Signatures: what a receiver checks (the README's snippet does the same)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.webhooks import services
from accounts.webhooks.sender import body_bytes
from accounts.webhooks.signing import (
    SignatureError,
    secret_generate,
    signature_header,
    signature_verify,
)

BODY = body_bytes({"id": 1, "type": "activity.recorded", "data": {"contact_id": 3}})


def _readme_snippet():
    """The receiver snippet of the README ("Webhooks"), run as written."""
    text = (Path(settings.BASE_DIR) / "README.md").read_text()
    block = text.split("def abm_signature_ok", 1)[1].split("```", 1)[0]
    code = text.split("def abm_signature_ok", 1)[0].rsplit("```python", 1)[1] + (
        "def abm_signature_ok" + block
    )
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own README
    return scope["abm_signature_ok"]


def readme_verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    return _readme_snippet()(secret, header, body, tolerance)


def test_a_good_signature_verifies():
    secret = secret_generate()
    now = int(time.time())
    header = signature_header([secret], now, BODY)
    assert header.startswith(f"t={now},v1=")
    assert signature_verify(secret, header, BODY) == now
    assert readme_verify(secret, header, BODY)


def test_a_tampered_body_fails():
    secret = secret_generate()
    header = signature_header([secret], int(time.time()), BODY)
    tampered = json.dumps({"id": 1, "type": "activity.recorded", "data": {"contact_id": 4}})
    with pytest.raises(SignatureError, match="no signature matches"):
        signature_verify(secret, header, tampered.encode())
    assert not readme_verify(secret, header, tampered.encode())


def test_another_secret_fails():
    header = signature_header([secret_generate()], int(time.time()), BODY)
    with pytest.raises(SignatureError):
        signature_verify(secret_generate(), header, BODY)


def test_an_old_timestamp_beyond_the_tolerance_fails():
    secret = secret_generate()
    old = int(time.time()) - 301
    header = signature_header([secret], old, BODY)
    with pytest.raises(SignatureError, match="tolerance"):
        signature_verify(secret, header, BODY)
    assert not readme_verify(secret, header, BODY)
    # Inside the tolerance it passes; a wider tolerance is the receiver's choice.
    assert signature_verify(secret, header, BODY, tolerance=600) == old


def test_a_malformed_header_fails():
    for header in ("", "t=abc,v1=00", "v1=00", "t=1700000000"):
        with pytest.raises(SignatureError, match="malformed"):
            signature_verify("whsec_x", header, BODY)


@pytest.mark.django_db
def test_after_a_rotation_both_secrets_verify_during_the_grace_period(
    make_subscription, hook_admin
):
    subscription = make_subscription()
    old_secret = subscription.secret
    rotated_at = timezone.now()
    new_secret = services.subscription_rotate_secret(
        user=hook_admin, subscription=subscription, now=rotated_at
    )
    assert new_secret != old_secret and new_secret.startswith("whsec_")
    subscription.refresh_from_db()
    assert subscription.previous_secret_expires_at == rotated_at + timedelta(hours=24)

    during = services.subscription_secrets(subscription, rotated_at + timedelta(hours=23))
    assert during == [new_secret, old_secret]
    header = signature_header(during, int(time.time()), BODY)
    assert header.count("v1=") == 2
    assert signature_verify(new_secret, header, BODY)
    assert signature_verify(old_secret, header, BODY)

    after = services.subscription_secrets(subscription, rotated_at + timedelta(hours=24, seconds=1))
    assert after == [new_secret]
    header = signature_header(after, int(time.time()), BODY)
    assert signature_verify(new_secret, header, BODY)
    with pytest.raises(SignatureError):
        signature_verify(old_secret, header, BODY)
