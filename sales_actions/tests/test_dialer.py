"""The dialer: local presence, and the Twilio-style REST backend against a local HTTP server
that imitates the provider (each request it gets is recorded and asserted). No live network."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

import pytest
from django.urls import reverse

from accounts.models import Activity
from accounts.tests.factories import ContactFactory
from sales_actions.calls.models import Call
from sales_actions.dialer import (
    ManualDialer,
    callback_url,
    dialer_get,
    local_presence_choose,
    signature_compute,
    tel_uri,
    voicemail_messages_parse,
)

pytestmark = pytest.mark.django_db

SID, TOKEN = "AC0123456789", "s3cret-token"
POOL = ["+1 212 555 0100", "+1 415 555 0199", "+44 20 7123 0000"]
CALLBACK = "https://hub.example.com/api/v1/calls/status-callback/"
CALLBACK_PATH = "/api/v1/calls/status-callback/"


# --- Local presence and the built-in dialer ------------------------------------------------


@pytest.mark.parametrize(
    ("callee", "chosen"),
    [
        ("+1 (415) 555-0100", "+1 415 555 0199"),  # same area code
        ("+1 212 777 0000", "+1 212 555 0100"),
        ("+1 650 555 0000", "+1 212 555 0100"),  # same country, no area match: first of it
        ("+44 161 496 0000", "+44 20 7123 0000"),  # same country
        ("+81 3 1234 5678", "+1 212 555 0100"),  # nothing shared: the first of the pool
    ],
)
def test_local_presence_picks_the_closest_pool_number(callee, chosen):
    assert local_presence_choose(POOL, callee) == chosen


def test_local_presence_with_an_empty_pool():
    assert local_presence_choose([], "+1 415 555 0100") == ""


def test_the_built_in_dialer_answers_a_tel_uri():
    placed = ManualDialer().place_call(from_number="", to_number="+1 (415) 555-0100")
    assert placed.dial_uri == "tel:+14155550100" and placed.provider_call_id == ""
    assert tel_uri("020 7123 0000") == "tel:02071230000"
    assert isinstance(dialer_get(), ManualDialer)  # the default


def test_voicemail_messages_parse():
    messages = voicemail_messages_parse(
        ["Intro=https://media.example/vm/intro.mp3", "https://media.example/vm/late.mp3?x=1"]
    )
    assert [(m.key, m.label) for m in messages] == [("1", "Intro"), ("2", "late.mp3?x=1")]
    assert messages[1].url == "https://media.example/vm/late.mp3?x=1"


def test_signature_matches_twilios_documented_example():
    # The worked example of Twilio's webhook-security page: URL, parameters, token.
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert (
        signature_compute(url=url, params=params, token="12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


# --- The REST backend against a local imitation of the provider -------------------------------


class FakeProvider:
    """A tiny Twilio-like API: records each request; answers a call id, or a failure."""

    def __init__(self):
        self.requests: list[dict] = []
        self.fail_with: int | None = None
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                outer.requests.append(
                    {
                        "path": self.path,
                        "auth": self.headers.get("Authorization", ""),
                        "type": self.headers.get("Content-Type", ""),
                        "form": parse_qs(body),
                    }
                )
                if outer.fail_with:
                    self._answer(outer.fail_with, {"message": "Account suspended"})
                elif self.path.endswith("/Calls.json"):
                    self._answer(201, {"sid": f"CA{len(outer.requests):032d}", "status": "queued"})
                else:
                    self._answer(
                        200, {"sid": self.path.rsplit("/", 1)[-1][:-5], "status": "in-progress"}
                    )

            def _answer(self, status, body):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/2010-04-01"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider(settings):
    fake = FakeProvider()
    settings.DIALER_PROVIDER = "rest"
    settings.DIALER_API_URL = fake.url
    settings.DIALER_ACCOUNT_SID = SID
    settings.DIALER_AUTH_TOKEN = TOKEN
    settings.DIALER_CALLER_NUMBERS = POOL
    settings.DIALER_VOICEMAIL_URLS = ["Intro=https://media.example.com/vm/intro.mp3"]
    settings.DIALER_CALLBACK_URL = CALLBACK
    settings.DIALER_TIMEOUT = 5
    settings.DIALER_AGENT_NUMBER = "+1 415 555 0123"
    settings.DIALER_ANSWER_URL = ""
    yield fake
    fake.close()


@pytest.fixture
def contact():
    return ContactFactory(first_name="Paula", last_name="Prospect", phone="+1 415 555 0100")


def _place(api, contact) -> dict:
    answer = api.post("/api/v1/calls/place/", {"contact": contact.pk}, format="json")
    assert answer.status_code == 201, answer.json()
    return answer.json()


def _callback(client, call_id: int, params: dict, *, signature: str | None = None):
    query = f"call={call_id}"
    if signature is None:
        signature = signature_compute(url=f"{CALLBACK}?{query}", params=params, token=TOKEN)
    return client.post(
        f"{CALLBACK_PATH}?{query}",
        data=urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )


def test_placing_a_call_posts_to_the_provider_with_a_local_caller_number(
    provider, api_as, sales_rep, contact
):
    body = _place(api_as(sales_rep), contact)
    call = Call.objects.get()
    assert body["call"]["id"] == call.pk
    assert body["caller_number"] == "+1 415 555 0199"  # local presence: 415 for a 415 callee
    assert (call.status, call.provider, call.user) == ("dialling", "rest", sales_rep)
    assert call.provider_call_id == "CA" + "1".zfill(32)

    [request] = provider.requests
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Calls.json"
    assert request["type"] == "application/x-www-form-urlencoded"
    assert base64.b64decode(request["auth"].split()[1]).decode() == f"{SID}:{TOKEN}"
    form = request["form"]
    assert form["To"] == ["+1 415 555 0100"] and form["From"] == ["+1 415 555 0199"]
    assert form["StatusCallback"] == [f"{CALLBACK}?call={call.pk}"]
    assert form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    assert form["Record"] == ["true"] and form["MachineDetection"] == ["Enable"]
    # Once the callee answers, the provider bridges them to the rep's line.
    assert form["Twiml"] == [
        '<Response><Dial callerId="+1 415 555 0199" record="record-from-answer">'
        "+1 415 555 0123</Dial></Response>"
    ]
    assert not Activity.objects.exists()  # not before the call has ended


def test_a_uk_callee_gets_the_uk_number(provider, api_as, sales_rep):
    uk = ContactFactory(phone="+44 161 496 0000")
    assert _place(api_as(sales_rep), uk)["caller_number"] == "+44 20 7123 0000"


def test_status_callbacks_complete_the_call_and_write_one_activity(
    provider, api_as, client, sales_rep, contact
):
    call_id = _place(api_as(sales_rep), contact)["call"]["id"]
    sid = Call.objects.get().provider_call_id
    assert _callback(client, call_id, {"CallSid": sid, "CallStatus": "ringing"}).status_code == 200
    assert Call.objects.get().status == "dialling" and not Activity.objects.exists()

    final = {
        "CallSid": sid,
        "CallStatus": "completed",
        "CallDuration": "42",
        "AnsweredBy": "human",
        "RecordingUrl": "https://api.example.com/Recordings/RE1",
    }
    answer = _callback(client, call_id, final)
    assert answer.status_code == 200 and answer.json() == {"call": call_id, "status": "connected"}
    call = Call.objects.get()
    assert (call.status, call.duration_seconds) == ("connected", 42)
    assert call.recording_url == "https://api.example.com/Recordings/RE1"
    activity = Activity.objects.get(type=Activity.Type.CALL)
    assert (activity.contact, activity.user, activity.metadata["call"]) == (
        contact,
        sales_rep,
        call_id,
    )

    # Delivered again, and a late "ringing": still one activity, still connected.
    assert _callback(client, call_id, final).status_code == 200
    assert _callback(client, call_id, {"CallSid": sid, "CallStatus": "ringing"}).status_code == 200
    assert Activity.objects.filter(type=Activity.Type.CALL).count() == 1
    assert Call.objects.get().status == "connected"

    # The card shows the recording link.
    client.force_login(sales_rep)
    card = client.get(reverse("calls:call_card", args=[call_id])).content.decode()
    assert "https://api.example.com/Recordings/RE1" in card


def test_a_bad_or_missing_signature_is_refused(provider, api_as, client, sales_rep, contact):
    call_id = _place(api_as(sales_rep), contact)["call"]["id"]
    sid = Call.objects.get().provider_call_id
    params = {"CallSid": sid, "CallStatus": "completed", "CallDuration": "5"}
    assert _callback(client, call_id, params, signature="bm9wZQ==").status_code == 403
    assert _callback(client, call_id, params, signature="").status_code == 403
    # Signed for another call id (the query is part of what is signed).
    forged = signature_compute(url=f"{CALLBACK}?call=999", params=params, token=TOKEN)
    assert _callback(client, call_id, params, signature=forged).status_code == 403
    # Signed with another token.
    other = signature_compute(url=f"{CALLBACK}?call={call_id}", params=params, token="guess")
    assert _callback(client, call_id, params, signature=other).status_code == 403
    assert Call.objects.get().status == "dialling" and not Activity.objects.exists()


def test_callback_bad_fields_and_unknown_calls(provider, api_as, client, sales_rep, contact):
    call_id = _place(api_as(sales_rep), contact)["call"]["id"]
    sid = Call.objects.get().provider_call_id
    answer = _callback(client, call_id, {"CallSid": sid, "CallStatus": "exploded"})
    assert answer.status_code == 400 and "CallStatus" in answer.json()
    answer = _callback(client, call_id, {"CallSid": sid, "CallDuration": "long"})
    assert answer.status_code == 400 and "CallDuration" in answer.json()
    assert _callback(client, call_id, {"CallStatus": "busy"}).status_code == 400
    assert _callback(client, 0, {"CallSid": "CAnobody", "CallStatus": "busy"}).status_code == 404


def test_callbacks_404_with_the_built_in_dialer(client, settings):
    settings.DIALER_PROVIDER = "manual"
    answer = client.post(
        CALLBACK_PATH, data="CallSid=CA1", content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 404


def test_voicemail_drop_plays_the_recorded_message(provider, api_as, client, sales_rep, contact):
    api = api_as(sales_rep)
    assert api.get("/api/v1/calls/voicemail-messages/").json() == [
        {"key": "1", "label": "Intro", "url": "https://media.example.com/vm/intro.mp3"}
    ]
    call_id = _place(api, contact)["call"]["id"]
    sid = Call.objects.get().provider_call_id
    assert api.post(
        f"/api/v1/calls/{call_id}/voicemail-drop/", {"message": "9"}, format="json"
    ).json()["message"]
    dropped = api.post(f"/api/v1/calls/{call_id}/voicemail-drop/", {"message": "1"}, format="json")
    assert dropped.status_code == 200, dropped.json()
    request = provider.requests[-1]
    assert request["path"] == f"/2010-04-01/Accounts/{SID}/Calls/{sid}.json"
    assert request["form"]["Twiml"] == [
        "<Response><Play>https://media.example.com/vm/intro.mp3</Play><Hangup/></Response>"
    ]
    # The provider then reports the call completed: it was a voicemail.
    _callback(client, call_id, {"CallSid": sid, "CallStatus": "completed", "CallDuration": "31"})
    assert Call.objects.get().status == "voicemail"
    assert Activity.objects.get(type="call").metadata["status"] == "voicemail"
    # Another rep cannot drop a voicemail on my call.
    again = api.post(f"/api/v1/calls/{call_id}/voicemail-drop/", {"message": "1"}, format="json")
    assert again.status_code == 400  # the call has ended


def test_a_provider_refusal_is_a_502_and_keeps_no_call(provider, api_as, sales_rep, contact):
    provider.fail_with = 403
    answer = api_as(sales_rep).post("/api/v1/calls/place/", {"contact": contact.pk}, format="json")
    assert answer.status_code == 502
    assert "Account suspended" in answer.json()["detail"]
    assert not Call.objects.exists()


def test_an_unreachable_provider_is_a_502(provider, settings, api_as, sales_rep, contact):
    settings.DIALER_API_URL = "http://127.0.0.1:9/nothing"  # the discard port: refused
    answer = api_as(sales_rep).post("/api/v1/calls/place/", {"contact": contact.pk}, format="json")
    assert answer.status_code == 502
    assert not Call.objects.exists()


def test_the_dialog_dials_through_the_backend_and_shows_the_card(
    provider, client, sales_rep, contact
):
    client.force_login(sales_rep)
    dialog = client.get(reverse("calls:call_log_dialog"), {"contact": contact.pk})
    assert "Call through the dialer" in dialog.content.decode()
    card = client.post(
        reverse("calls:call_place") + f"?contact={contact.pk}", HTTP_HX_REQUEST="true"
    )
    assert card.status_code == 200
    body = card.content.decode()
    assert "Dialling" in body and "+1 415 555 0199" in body and "Intro" in body
    call = Call.objects.get()
    dropped = client.post(
        reverse("calls:call_voicemail", args=[call.pk]), {"message": "1"}, HTTP_HX_REQUEST="true"
    )
    assert dropped.status_code == 204
    assert Call.objects.get().voicemail_dropped_at is not None


def test_callback_url_defaults_to_the_site(settings):
    settings.DIALER_CALLBACK_URL = ""
    settings.SITE_URL = "https://hub.example.org/"
    assert callback_url() == "https://hub.example.org/api/v1/calls/status-callback/"


def test_the_answer_instructions_come_from_the_settings(provider, settings, sales_rep, contact,
                                                        api_as):  # fmt: skip
    settings.DIALER_ANSWER_URL = "https://hub.example.com/twiml/answer.xml"
    answer = api_as(sales_rep).post("/api/v1/calls/place/", {"contact": contact.pk}, format="json")
    assert answer.status_code in (200, 201), answer.content
    form = provider.requests[-1]["form"]
    assert form["Url"] == ["https://hub.example.com/twiml/answer.xml"] and "Twiml" not in form
    settings.DIALER_ANSWER_URL = ""
    settings.DIALER_AGENT_NUMBER = ""
    refused = api_as(sales_rep).post("/api/v1/calls/place/", {"contact": contact.pk}, format="json")
    assert refused.status_code == 400 and "DIALER_AGENT_NUMBER" in refused.content.decode()
    assert Call.objects.count() == 1  # the refused call was not kept
