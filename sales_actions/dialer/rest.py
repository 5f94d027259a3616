"""A Twilio-style REST telephony backend.

- place a call: ``POST {API_URL}/Accounts/{SID}/Calls.json`` (form fields ``To``, ``From``,
  ``Url`` or ``Twiml`` — what happens once the callee answers: the TwiML at
  ``DIALER_ANSWER_URL``, else a ``<Dial>`` bridging them to ``DIALER_AGENT_NUMBER`` —,
  ``StatusCallback``, ``Record``, ``MachineDetection`` …, HTTP Basic ``SID:token``); the
  answer's ``sid`` is the provider call id;
- local presence: ``From`` is the pool number (``DIALER_CALLER_NUMBERS``) sharing the most
  leading digits with the callee (area code, else country);
- voicemail drop: ``POST {API_URL}/Accounts/{SID}/Calls/{sid}.json`` with TwiML that plays
  a pre-recorded message (``DIALER_VOICEMAIL_URLS``) and hangs up;
- status callbacks: form posts signed like Twilio's ``X-Twilio-Signature`` (base64 of the
  HMAC-SHA1, keyed with the auth token, of the callback URL followed by each parameter's
  name and value in name order), read into a ``CallUpdate``.

Only the standard library talks HTTP (the hub has no HTTP client dependency).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from abm.exceptions import ApplicationError, ForbiddenError
from sales_actions.dialer.base import (
    CallUpdate,
    DialerError,
    DialerProvider,
    PlacedCall,
    VoicemailMessage,
    local_presence_choose,
)

# The provider's call states, in the hub's words. "completed" answered by a machine is a
# voicemail (see ``_status``); the states before the end change nothing final.
PROVIDER_STATUS = {
    "queued": "dialling",
    "initiated": "dialling",
    "ringing": "dialling",
    "in-progress": "dialling",
    "completed": "connected",
    "busy": "busy",
    "no-answer": "no_answer",
    "canceled": "no_answer",
    "failed": "failed",
}


def signature_compute(*, url: str, params: dict, token: str) -> str:
    """Twilio's request signature: base64(HMAC-SHA1(token, url + name1 + value1 + …))."""
    payload = url + "".join(
        f"{name}{value}"
        for name in sorted(params)
        for value in (params[name] if isinstance(params[name], list) else [params[name]])
    )
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class RestDialerConfig:
    api_url: str
    account_sid: str
    auth_token: str
    caller_numbers: tuple[str, ...] = ()
    voicemail_messages: tuple[VoicemailMessage, ...] = ()
    callback_url: str = ""
    timeout: float = 10.0
    # What the provider does once the callee answers: fetch TwiML from answer_url, or
    # bridge the callee to the rep's own line (agent_number: a phone, SIP or client URI).
    answer_url: str = ""
    agent_number: str = ""


class RestDialer(DialerProvider):
    name = "rest"
    reports_status = True
    supports_voicemail_drop = True

    def __init__(self, config: RestDialerConfig):
        self.config = config

    # --- HTTP -----------------------------------------------------------------------

    def _post(self, path: str, fields: list[tuple[str, str]]) -> dict:
        cfg = self.config
        url = f"{cfg.api_url.rstrip('/')}/Accounts/{urllib.parse.quote(cfg.account_sid)}/{path}"
        body = urllib.parse.urlencode(fields).encode()
        auth = base64.b64encode(f"{cfg.account_sid}:{cfg.auth_token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the configured provider
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Basic {auth}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=cfg.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            detail = _read_error(exc)
            raise DialerError(
                _("The telephony provider refused the request (%(status)s): %(detail)s")
                % {"status": exc.code, "detail": detail},
                field="provider",
                code="provider_refused",
            ) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DialerError(
                _("The telephony provider could not be reached; try again."),
                field="provider",
                code="provider_unreachable",
            ) from exc
        try:
            return json.loads(raw or b"{}")
        except ValueError as exc:
            raise DialerError(
                _("The telephony provider answered something that is not JSON."),
                field="provider",
                code="provider_bad_answer",
            ) from exc

    # --- The interface ------------------------------------------------------------------

    def caller_number_for(self, to_number: str) -> str:
        return local_presence_choose(list(self.config.caller_numbers), to_number)

    def _answer_instructions(self, caller: str) -> tuple[str, str]:
        """``Url`` (DIALER_ANSWER_URL) or ``Twiml`` that bridges the answered call to the
        rep's line (DIALER_AGENT_NUMBER): the provider refuses a call with neither."""
        cfg = self.config
        if cfg.answer_url:
            return ("Url", cfg.answer_url)
        if cfg.agent_number:
            twiml = (
                f'<Response><Dial callerId="{escape(caller)}" record="record-from-answer">'
                f"{escape(cfg.agent_number)}</Dial></Response>"
            )
            return ("Twiml", twiml)
        raise ApplicationError(
            _(
                "The dialer does not know where to connect an answered call: set "
                "DIALER_AGENT_NUMBER (the reps' line) or DIALER_ANSWER_URL."
            ),
            field="provider",
            code="dialer_not_configured",
        )

    def place_call(self, *, from_number: str, to_number: str, call_ref: str = "") -> PlacedCall:
        caller = from_number or self.caller_number_for(to_number)
        if not caller:
            raise ApplicationError(
                _("No caller number is configured (DIALER_CALLER_NUMBERS)."),
                field="from_number",
                code="no_caller_number",
            )
        fields = [("To", to_number), ("From", caller), ("Record", "true")]
        fields.append(self._answer_instructions(caller))
        fields.append(("MachineDetection", "Enable"))
        callback = self.config.callback_url
        if callback:
            if call_ref:  # the hub's call id: a callback finds its call before the sid is stored
                callback += ("&" if "?" in callback else "?") + urllib.parse.urlencode(
                    {"call": call_ref}
                )
            events = ("initiated", "ringing", "answered", "completed")
            fields += [
                ("StatusCallback", callback),
                ("StatusCallbackMethod", "POST"),
                *[("StatusCallbackEvent", event) for event in events],
                ("RecordingStatusCallback", callback),
            ]
        answer = self._post("Calls.json", fields)
        sid = str(answer.get("sid") or "")
        if not sid:
            raise DialerError(
                _("The telephony provider answered without a call id."),
                field="provider",
                code="provider_bad_answer",
            )
        return PlacedCall(
            provider=self.name,
            caller_number=caller,
            status=PROVIDER_STATUS.get(str(answer.get("status") or "queued"), "dialling"),
            provider_call_id=sid[:64],
        )

    def handle_status_callback(self, *, url: str, params: dict, signature: str) -> CallUpdate:
        expected = signature_compute(url=url, params=params, token=self.config.auth_token)
        if not signature or not hmac.compare_digest(expected.encode(), signature.encode()):
            raise ForbiddenError(
                _("The callback's signature does not match."),
                field="signature",
                code="bad_signature",
            )
        sid = _one(params, "CallSid")
        if not sid:
            raise ApplicationError(_("CallSid is required."), field="CallSid")
        duration = _one(params, "CallDuration") or _one(params, "RecordingDuration")
        try:
            seconds = int(duration) if duration else None
        except ValueError as exc:
            raise ApplicationError(
                _("CallDuration must be a whole number of seconds."), field="CallDuration"
            ) from exc
        if seconds is not None and seconds < 0:
            raise ApplicationError(
                _("CallDuration must be a whole number of seconds."), field="CallDuration"
            )
        recording = _one(params, "RecordingUrl")
        if recording and not recording.startswith(("https://", "http://")):
            raise ApplicationError(_("RecordingUrl must be an http(s) URL."), field="RecordingUrl")
        return CallUpdate(
            provider_call_id=sid[:64],
            status=_status(params),
            duration_seconds=seconds if _one(params, "CallDuration") else None,
            recording_url=recording,
            raw={k: _one(params, k) for k in params},
        )

    def voicemail_drop(self, *, call, message: VoicemailMessage) -> None:
        if not call.provider_call_id or call.provider != self.name:
            raise ApplicationError(
                _("Only a call this dialer placed can get a voicemail drop."), field="call"
            )
        twiml = f"<Response><Play>{escape(message.url)}</Play><Hangup/></Response>"
        self._post(f"Calls/{urllib.parse.quote(call.provider_call_id)}.json", [("Twiml", twiml)])

    def voicemail_messages(self) -> list[VoicemailMessage]:
        return list(self.config.voicemail_messages)


def _one(params: dict, name: str) -> str:
    value = params.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value)


def _status(params: dict) -> str | None:
    state = _one(params, "CallStatus")
    if not state:
        return None
    if state not in PROVIDER_STATUS:
        raise ApplicationError(
            _("CallStatus '%(state)s' is not a call state.") % {"state": state[:40]},
            field="CallStatus",
        )
    status = PROVIDER_STATUS[state]
    if status == "connected" and _one(params, "AnsweredBy").startswith("machine"):
        return "voicemail"
    return status


def _read_error(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read() or b"{}")
    except (ValueError, OSError):
        return str(exc.reason)
    return str(body.get("message") or body.get("detail") or exc.reason)[:200]
