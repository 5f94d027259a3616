"""Idempotent API writes: the same ``Idempotency-Key`` answers as the first request did.

The key is stored with its user and a fingerprint of the request in the same
transaction as the write it guards, so a retry after a lost answer (timeout, broker
outage, dropped connection) stores nothing twice. On PostgreSQL a concurrent retry
waits on the key's unique index until the first request commits, then replays it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError
from accounts.models import IdempotencyKey, User

KEY_MAX_LENGTH = 80


@dataclass(frozen=True)
class IdempotentAnswer:
    status_code: int
    body: Any
    replayed: bool


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    """SHA-256 of the request as the client meant it (key order does not matter)."""
    canonical = json.dumps(
        {"method": method.upper(), "path": path, "body": body},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _clean_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable() or not key.isascii():
        raise ApplicationError(
            _("The Idempotency-Key header must be 1 to %(max)s printable ASCII characters.")
            % {"max": KEY_MAX_LENGTH},
            field="idempotency_key",
        )
    return key


def _ttl() -> timedelta:
    return timedelta(hours=getattr(settings, "IDEMPOTENCY_KEY_TTL_HOURS", 24))


def idempotent_call(
    *, user: User, key: str, fingerprint: str, call: Callable[[], tuple[int, Any]]
) -> IdempotentAnswer:
    """Run ``call`` (returning status and JSON body) once per user and key.

    A retry with the same body gets the first answer back; the same key with another
    body is refused (422). When ``call`` fails, nothing is kept and a retry runs again.
    """
    key = _clean_key(key)
    now = timezone.now()
    with transaction.atomic():
        IdempotencyKey.objects.filter(user=user, created_at__lt=now - _ttl()).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=user, key=key, fingerprint=fingerprint, status_code=0, created_at=now
                )
        except IntegrityError:
            record = None
        if record is None:
            first = IdempotencyKey.objects.get(user=user, key=key)
            if first.fingerprint != fingerprint:
                raise ApplicationError(
                    _(
                        "This Idempotency-Key was used for a different request; "
                        "use a new key for a new request."
                    ),
                    field="idempotency_key",
                    code="idempotency_key_reused",
                    status_code=422,
                )
            return IdempotentAnswer(first.status_code, first.response, replayed=True)
        status_code, body = call()
        record.status_code, record.response = status_code, body
        record.save(update_fields=["status_code", "response"])
    return IdempotentAnswer(status_code, body, replayed=False)
