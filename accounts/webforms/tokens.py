"""Hosted forms' tokens and spam protection: the signed links and stamps, the rate limit.

One salt per purpose (prefill link, fill-time stamp, double opt-in link), so a token made
for one can never be replayed as another; a forged or expired token reads as None (or as
spam for the stamp), never as an error.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse

from accounts.models import Contact, WebForm, WebFormSubmission
from accounts.webforms.catalog import CONSENT_KEYS, CONTACT_KEYS

log = logging.getLogger(__name__)

# One salt per purpose.
PREFILL_SALT = "accounts.webforms.prefill"
STAMP_SALT = "accounts.webforms.stamp"
OPT_IN_SALT = "accounts.webforms.opt_in"


def _setting(name: str, default):
    return getattr(settings, name, default)


def min_fill_seconds() -> float:
    """A person needs at least this long between opening a form and sending it."""
    return float(_setting("WEBFORM_MIN_FILL_SECONDS", 3))


def stamp_max_age() -> int:
    """A form page left open longer than this is shown again (fresh stamp), not spam."""
    return int(_setting("WEBFORM_STAMP_MAX_AGE", 24 * 3600))


def rate_limit() -> tuple[int, int]:
    """(submissions, seconds) one client address may send before it is dropped."""
    return int(_setting("WEBFORM_RATE_LIMIT", 10)), int(_setting("WEBFORM_RATE_WINDOW", 600))


def prefill_max_age() -> int:
    return int(_setting("WEBFORM_PREFILL_MAX_AGE", 90 * 24 * 3600))


def opt_in_max_age() -> int:
    return int(_setting("WEBFORM_OPT_IN_MAX_AGE", 7 * 24 * 3600))


def prefill_token(contact: Contact) -> str:
    return signing.dumps({"c": contact.pk}, salt=PREFILL_SALT, compress=True)


def prefill_contact(token: str | None) -> Contact | None:
    """The contact a prefill link names; None when forged, expired or gone."""
    if not token or len(token) > 500:
        return None
    try:
        value = signing.loads(token, salt=PREFILL_SALT, max_age=prefill_max_age())
    except signing.BadSignature:
        return None
    pk = value.get("c") if isinstance(value, dict) else None
    if not isinstance(pk, int):
        return None
    return Contact.objects.select_related("account").filter(pk=pk).first()


def prefill_path(webform: WebForm, contact: Contact) -> str:
    path = reverse("webforms_public:form", args=[webform.public_key])
    return f"{path}?c={prefill_token(contact)}"


def prefill_url(webform: WebForm, contact: Contact, request=None) -> str:
    """The prefill link: on the host the request came to, else on SITE_URL (emails)."""
    path = prefill_path(webform, contact)
    if request is not None:
        return request.build_absolute_uri(path)
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def prefill_initial(webform: WebForm, contact: Contact | None) -> dict:
    """What a known contact sees filled in — only when they allow prefill."""
    if contact is None or not contact.allow_prefill:
        return {}
    keys = {spec["key"] for spec in webform.fields}
    initial: dict = {"email": contact.email}
    for key in CONTACT_KEYS:
        if key in keys:
            initial[key] = getattr(contact, key)
    account = contact.account
    if account is not None:
        if "company" in keys:
            initial["company"] = account.name
        if "country" in keys:
            initial["country"] = account.country
    for key in CONSENT_KEYS:
        if key in keys:
            initial[key] = getattr(contact, key)
    return initial


def stamp_make(webform: WebForm) -> str:
    """The signed time the form was shown: the minimum fill time is measured from it."""
    return signing.dumps({"f": webform.pk, "t": round(time.time(), 3)}, salt=STAMP_SALT)


def stamp_check(webform: WebForm, token: str | None) -> str:
    """ "ok", "too_fast" (also: missing or forged — a bot), or "expired" (show it again)."""
    if not token or len(token) > 200:
        return "too_fast"
    try:
        value = signing.loads(token, salt=STAMP_SALT)
    except signing.BadSignature:
        return "too_fast"
    if not isinstance(value, dict) or value.get("f") != webform.pk:
        return "too_fast"
    shown = value.get("t")
    if not isinstance(shown, int | float):
        return "too_fast"
    age = time.time() - shown
    if age < min_fill_seconds():
        return "too_fast"
    if age > stamp_max_age():
        return "expired"
    return "ok"


def rate_limited(ip: str | None) -> bool:
    """Count one submission from ``ip``; True when it is over the limit of its window.

    The cache holds the counter; a cache that is down lets submissions through.
    """
    if not ip:
        return False
    limit, window = rate_limit()
    key = f"webforms:rate:{ip}"
    try:
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    except ValueError:  # the key expired (or the cache dropped it) between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def spam_count(webform: WebForm, reason: str) -> None:
    """Count a dropped submission on its form ("honeypot", "too_fast", "rate_limited")."""
    column = {
        "honeypot": "spam_honeypot",
        "too_fast": "spam_too_fast",
        "rate_limited": "spam_rate_limited",
    }[reason]
    WebForm.objects.filter(pk=webform.pk).update(**{column: F(column) + 1})
    log.info("webform %s: dropped a submission (%s)", webform.pk, reason)


def opt_in_token(submission: WebFormSubmission) -> str:
    return signing.dumps({"s": submission.pk}, salt=OPT_IN_SALT)


def opt_in_submission(token: str | None) -> WebFormSubmission | None:
    """The submission a confirmation link names; None when forged or expired."""
    if not token or len(token) > 200:
        return None
    try:
        value = signing.loads(token, salt=OPT_IN_SALT, max_age=opt_in_max_age())
    except signing.BadSignature:
        return None
    pk = value.get("s") if isinstance(value, dict) else None
    if not isinstance(pk, int):
        return None
    return WebFormSubmission.objects.select_related("form", "contact").filter(pk=pk).first()
