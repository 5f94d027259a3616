"""Dialer providers: the interface (``base``), the built-in "your phone + log it" dialer
(``manual``) and a Twilio-style REST backend (``rest``), chosen by ``DIALER_PROVIDER``.

    dialer = dialer_get()
    placed = dialer.place_call(from_number="", to_number=contact.phone)

Settings (environment variables, see ``.env.example``): ``DIALER_PROVIDER`` (``manual`` or
``rest``), ``DIALER_API_URL``, ``DIALER_ACCOUNT_SID``, ``DIALER_AUTH_TOKEN``,
``DIALER_CALLER_NUMBERS`` (the local-presence pool), ``DIALER_VOICEMAIL_URLS`` (``Label=URL``
entries), ``DIALER_CALLBACK_URL`` (the public status-callback URL; default
``SITE_URL`` + ``/api/v1/calls/status-callback/``), ``DIALER_TIMEOUT``.
"""

from __future__ import annotations

from django.conf import settings

from sales_actions.dialer.base import (
    CallUpdate,
    DialerError,
    DialerProvider,
    PlacedCall,
    VoicemailMessage,
    local_presence_choose,
    tel_uri,
)
from sales_actions.dialer.manual import ManualDialer
from sales_actions.dialer.rest import RestDialer, RestDialerConfig, signature_compute

CALLBACK_PATH = "/api/v1/calls/status-callback/"

__all__ = [
    "CALLBACK_PATH",
    "CallUpdate",
    "DialerError",
    "DialerProvider",
    "ManualDialer",
    "PlacedCall",
    "RestDialer",
    "RestDialerConfig",
    "VoicemailMessage",
    "callback_url",
    "dialer_get",
    "local_presence_choose",
    "signature_compute",
    "tel_uri",
    "voicemail_messages_parse",
]


def voicemail_messages_parse(entries) -> list[VoicemailMessage]:
    """``["Intro=https://…/intro.mp3", "https://…/follow-up.mp3"]`` -> messages keyed 1, 2 …
    (an entry without a label is named by its file)."""
    messages = []
    for index, entry in enumerate(entries or [], start=1):
        text = str(entry).strip()
        if not text:
            continue
        label, sep, url = text.partition("=")
        if not sep or "/" in label:
            label, url = "", text
        label = label.strip() or url.rstrip("/").rsplit("/", 1)[-1]
        messages.append(VoicemailMessage(key=str(index), label=label, url=url.strip()))
    return messages


def callback_url() -> str:
    """The status-callback URL the provider is given (and signatures are checked against)."""
    configured = getattr(settings, "DIALER_CALLBACK_URL", "")
    return configured or settings.SITE_URL.rstrip("/") + CALLBACK_PATH


def dialer_get() -> DialerProvider:
    """The configured dialer (settings are read on every call, so tests may override)."""
    name = getattr(settings, "DIALER_PROVIDER", "manual") or "manual"
    if name == "rest":
        return RestDialer(
            RestDialerConfig(
                api_url=settings.DIALER_API_URL,
                account_sid=settings.DIALER_ACCOUNT_SID,
                auth_token=settings.DIALER_AUTH_TOKEN,
                caller_numbers=tuple(getattr(settings, "DIALER_CALLER_NUMBERS", ()) or ()),
                voicemail_messages=tuple(
                    voicemail_messages_parse(getattr(settings, "DIALER_VOICEMAIL_URLS", ()))
                ),
                callback_url=callback_url(),
                timeout=float(getattr(settings, "DIALER_TIMEOUT", 10)),
                answer_url=getattr(settings, "DIALER_ANSWER_URL", "") or "",
                agent_number=getattr(settings, "DIALER_AGENT_NUMBER", "") or "",
            )
        )
    return ManualDialer()
