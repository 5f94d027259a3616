"""What every dialer backend offers: place a call, read its status callbacks, drop a
voicemail, link its recording. ``sales_actions.calls.services`` calls only these."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from abm.exceptions import ApplicationError


class DialerError(ApplicationError):
    """The telephony provider refused or could not be reached (a 502 in the API)."""

    status_code = 502


@dataclass(frozen=True)
class PlacedCall:
    """What ``place_call`` answers: how to dial, and the provider's id when it dials."""

    provider: str
    caller_number: str
    status: str  # a Call.Status value: "dialling" for a backend, "" when the rep dials
    provider_call_id: str = ""
    dial_uri: str = ""  # ``tel:`` URI the rep's own phone opens (built-in dialer)


@dataclass(frozen=True)
class CallUpdate:
    """A status callback, read: the provider's call id and what it says now."""

    provider_call_id: str
    status: str | None = None  # a Call.Status value, None when the callback changes none
    duration_seconds: int | None = None
    recording_url: str = ""
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class VoicemailMessage:
    key: str
    label: str
    url: str


def digits(number: str) -> str:
    """The digits of a phone number (``+1 (415) 555-0100`` -> ``14155550100``)."""
    return re.sub(r"\D", "", number or "")


def tel_uri(number: str) -> str:
    """``tel:+14155550100``: the number's digits, with its leading ``+`` when it has one."""
    text = (number or "").strip()
    return "tel:" + ("+" if text.startswith("+") else "") + digits(text)


def local_presence_choose(pool: list[str], callee: str) -> str:
    """The pool number that looks most local to the callee: the longest run of leading
    digits shared in international form (same area code beats same country beats none);
    ties and no match go to the first of the pool. Empty pool: ''."""
    if not pool:
        return ""
    target = digits(callee)
    best, best_len = pool[0], 0
    for number in pool:
        own = digits(number)
        shared = 0
        for a, b in zip(own, target, strict=False):
            if a != b:
                break
            shared += 1
        if shared > best_len:
            best, best_len = number, shared
    return best


class DialerProvider:
    """The interface. ``name`` is stored on each call as its provider."""

    name = "base"
    # Does the provider report status by callback (so the rep does not log a status)?
    reports_status = False
    supports_voicemail_drop = False

    def place_call(self, *, from_number: str, to_number: str, call_ref: str = "") -> PlacedCall:
        """Start a call to ``to_number`` (from ``from_number``, or a pool number when '')."""
        raise NotImplementedError

    def handle_status_callback(self, *, url: str, params: dict, signature: str) -> CallUpdate:
        """Check a status callback's signature and read it; ApplicationError when refused."""
        raise ApplicationError(
            _("This dialer sends no status callbacks."), field="provider", code="unsupported"
        )

    def voicemail_drop(self, *, call, message: VoicemailMessage) -> None:
        """Play a pre-recorded message into the call's voicemail and hang up."""
        raise ApplicationError(
            _("This dialer cannot drop a voicemail: leave the message yourself."),
            field="message",
            code="unsupported",
        )

    def voicemail_messages(self) -> list[VoicemailMessage]:
        return []

    def recording_link(self, *, call) -> str:
        """Where the call's recording can be played ('' when there is none)."""
        return call.recording_url or ""
