"""The live feed: whose items, which kinds, cursors, unread counts, the polling answer,
the publisher and the asynchronous stream (the stream tests need Redis: CI has it)."""

from __future__ import annotations

import asyncio
import json

import pytest
import redis
from asgiref.sync import sync_to_async
from django.db import transaction
from django.urls import reverse

from accounts.models import HubEvent
from accounts.services.hub_events import HubEventInput, hub_events_emit_bulk
from accounts.tests.factories import AccountFactory, ContactFactory
from sales_actions.feed import publish, stream
from sales_actions.feed.models import FeedCursor
from sales_actions.feed.selectors import feed_unread_count

K = HubEvent.Kind
FEED_URL = "/api/v1/feed/"


def emit(contact, kind=K.SALES_EMAIL_OPENED, *, is_bot=False, **payload) -> HubEvent:
    with transaction.atomic():
        hub_events_emit_bulk(
            [
                HubEventInput(
                    kind=kind,
                    subject_type="contact",
                    subject_id=contact.pk,
                    contact_id=contact.pk,
                    account_id=contact.account_id,
                    is_bot=is_bot,
                    payload={"subject": "Pricing follow-up", **payload},
                )
            ]
        )
    return HubEvent.objects.order_by("-id").first()


@pytest.fixture
def people(sales_rep, other_rep):
    account = AccountFactory(name="Globex", owner=sales_rep)
    mine = ContactFactory(
        account=account, owner=sales_rep, first_name="Paula", last_name="Prospect",
        phone="+1 415 555 0100",
    )  # fmt: skip
    theirs = ContactFactory(owner=other_rep, first_name="Tom", last_name="Theirs")
    return mine, theirs


@pytest.mark.django_db
def test_items_are_the_owners_only_never_bots_and_only_feed_kinds(
    api_as, sales_rep, other_rep, people
):
    mine, theirs = people
    opened = emit(mine)
    emit(mine, is_bot=True)  # a scanner opening the email
    emit(mine, K.ACTIVITY_RECORDED)  # not a feed kind
    emit(mine, K.TARGET_ADDED)
    replied = emit(mine, K.SALES_EMAIL_REPLIED)
    emit(theirs)  # the other rep's person
    with transaction.atomic():
        hub_events_emit_bulk(
            [
                HubEventInput(
                    kind=K.LEAD_STATUS_CHANGED,
                    subject_type="lead",
                    subject_id=7,
                    contact_id=mine.pk,
                    payload={"lead": 7, "from": "new", "to": to},
                )  # fmt: skip
                for to in ("mql", "sal")
            ]
        )
    mql = HubEvent.objects.filter(payload__to="mql").get()

    answer = api_as(sales_rep).get(FEED_URL).json()

    assert [item["id"] for item in answer["results"]] == [mql.pk, replied.pk, opened.pk]
    top = answer["results"][0]
    assert top["kind_label"] == "Became MQL"
    assert top["text"] == "became a marketing-qualified lead"
    assert top["actions"]["open"] == reverse("accounts:lead_detail", args=[7])
    item = answer["results"][2]
    assert item["kind_label"] == "Sales email opened"
    assert item["text"] == "opened “Pricing follow-up”"
    assert item["person"]["name"] == "Paula Prospect"
    assert item["account"]["name"] == "Globex"
    assert item["actions"]["tel"] == "tel:+14155550100"
    assert item["actions"]["email"] == f"{reverse('sales_actions:send_dialog')}?contact={mine.pk}"
    assert item["actions"]["cadence"].endswith(f"?contact={mine.pk}")
    assert item["actions"]["call"].startswith(reverse("sales_actions:call_log_dialog"))
    assert answer["unread"] == 3

    other = api_as(other_rep).get(FEED_URL).json()["results"]
    assert [entry["person"]["name"] for entry in other] == ["Tom Theirs"]


@pytest.mark.django_db
def test_admins_and_marketers_get_their_own_feed_not_everybodys(api_as, admin, people):
    emit(people[0])
    assert api_as(admin).get(FEED_URL).json()["results"] == []


@pytest.mark.django_db
def test_cursor_paging_since_and_before(api_as, sales_rep, people):
    mine, _ = people
    ids = [emit(mine).pk for _ in range(5)]
    client = api_as(sales_rep)

    latest = client.get(FEED_URL, {"limit": 2}).json()
    assert [i["id"] for i in latest["results"]] == [ids[4], ids[3]]
    assert latest["has_more"] is True and latest["cursor"] == ids[4]

    older = client.get(FEED_URL, {"before": ids[3], "limit": 2}).json()
    assert [i["id"] for i in older["results"]] == [ids[2], ids[1]]
    assert older["has_more"] is True

    # since: the oldest `limit` after the cursor, then ask again from the new cursor.
    first = client.get(FEED_URL, {"since": ids[0], "limit": 3}).json()
    assert [i["id"] for i in first["results"]] == [ids[3], ids[2], ids[1]]
    assert first["has_more"] is True and first["cursor"] == ids[3]
    rest = client.get(FEED_URL, {"since": first["cursor"], "limit": 3}).json()
    assert [i["id"] for i in rest["results"]] == [ids[4]]
    assert rest["has_more"] is False and rest["cursor"] == ids[4]
    nothing = client.get(FEED_URL, {"since": ids[4]}).json()
    assert nothing["results"] == [] and nothing["cursor"] == ids[4]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query, field",
    [
        ({"since": "abc"}, "since"),
        ({"since": "-1"}, "since"),
        ({"limit": "0"}, "limit"),
        ({"limit": "5000"}, "limit"),
        ({"before": "99999999999999999999999"}, "before"),
        ({"since": "1", "before": "5"}, "before"),
    ],
)
def test_bad_cursors_are_a_400_naming_the_field(api_as, sales_rep, query, field):
    answer = api_as(sales_rep).get(FEED_URL, query)
    assert answer.status_code == 400
    assert field in answer.json()


@pytest.mark.django_db
def test_the_feed_needs_a_signed_in_user(api_client):
    assert api_client.get(FEED_URL).status_code in (401, 403)
    assert api_client.post("/api/v1/feed/read/", {}).status_code in (401, 403)


@pytest.mark.django_db
def test_unread_count_and_mark_read_never_backwards_nor_past_the_newest(
    api_as, sales_rep, people, django_assert_max_num_queries
):
    mine, theirs = people
    ids = [emit(mine).pk for _ in range(3)]
    emit(theirs)  # someone else's: neither counted nor markable
    client = api_as(sales_rep)
    assert client.get("/api/v1/feed/unread/").json() == {"unread": 3, "last_seen_id": 0}
    with django_assert_max_num_queries(2):
        assert feed_unread_count(user_id=sales_rep.pk) == 3

    answer = client.post("/api/v1/feed/read/", {"up_to": ids[1]}, format="json").json()
    assert answer == {"unread": 1, "last_seen_id": ids[1]}
    # An older tab's late request does not make read items unread again.
    client.post("/api/v1/feed/read/", {"up_to": ids[0]}, format="json")
    assert FeedCursor.objects.get(user=sales_rep).last_seen_id == ids[1]
    # A made-up id far ahead marks only what exists.
    answer = client.post("/api/v1/feed/read/", {"up_to": 10**12}, format="json").json()
    assert answer == {"unread": 0, "last_seen_id": ids[2]}
    newer = emit(mine)
    assert client.get("/api/v1/feed/unread/").json()["unread"] == 1
    # No body: everything up to the newest item.
    assert client.post("/api/v1/feed/read/", {}, format="json").json() == {
        "unread": 0,
        "last_seen_id": newer.pk,
    }
    bad = client.post("/api/v1/feed/read/", {"up_to": "x"}, format="json")
    assert bad.status_code == 400 and "up_to" in bad.json()


@pytest.mark.django_db
def test_unread_count_is_capped_on_pages(client, sales_rep, people):
    mine, _ = people
    for _ in range(101):
        emit(mine)
    client.force_login(sales_rep)
    page = client.get(reverse("accounts:contact_list")).content.decode()
    assert "data-feed-unread>99+</span>" in page


@pytest.mark.django_db
def test_without_redis_the_page_polls_and_the_stream_says_so(client, settings, sales_rep):
    settings.REDIS_URL = ""
    client.force_login(sales_rep)
    page = client.get(reverse("feed:page")).content.decode()
    assert f'data-api="{FEED_URL}"' in page
    assert "data-stream=" not in page
    assert 'data-poll-seconds="5"' in page
    assert 'id="feed-dock"' in page or "data-feed-toggle" in page

    refused = client.get(reverse("feed:stream"))
    assert refused.status_code == 503
    assert "poll" in refused.json()["detail"]


@pytest.mark.django_db
def test_with_redis_the_page_names_the_stream(client, settings, sales_rep):
    from django.test import AsyncRequestFactory

    from sales_actions.feed.context_processors import live_feed

    settings.REDIS_URL = "redis://127.0.0.1:6379/9"
    client.force_login(sales_rep)
    # Through WSGI (this test client, runserver) the stream refuses, so the page does not
    # name it and polls from the start (no failed request in the console).
    page = client.get(reverse("accounts:contact_list")).content.decode()
    assert "data-stream=" not in page
    assert client.get(reverse("feed:stream")).status_code == 503
    # A page served by the ASGI server offers the stream.
    request = AsyncRequestFactory().get(reverse("accounts:contact_list"))
    request.user = sales_rep
    assert live_feed(request)["live_feed"]["streaming"] is True


@pytest.mark.django_db
def test_the_publisher_wakes_owners_after_commit_only(
    monkeypatch, settings, django_capture_on_commit_callbacks, sales_rep, other_rep, people
):
    settings.REDIS_URL = "redis://127.0.0.1:6379/9"
    mine, theirs = people
    published: list[dict] = []
    monkeypatch.setattr(publish, "feed_publish", lambda newest: published.append(newest))
    events = [emit(mine), emit(mine), emit(mine, is_bot=True), emit(theirs, K.ACTIVITY_RECORDED)]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish.feed_events_handle(events)
    assert published == []  # nothing leaves the process inside the dispatch transaction
    for callback in callbacks:
        callback()
    assert published == [{sales_rep.pk: events[1].pk}]


@pytest.mark.django_db
def test_publishing_without_redis_answering_is_not_an_error(settings, sales_rep):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.REDIS_SOCKET_TIMEOUT = 0.5
    assert publish.feed_publish({sales_rep.pk: 1}) == 0


@pytest.mark.django_db
def test_the_dispatcher_hands_new_events_to_the_feed_consumer(
    monkeypatch, settings, django_capture_on_commit_callbacks, sales_rep, people
):
    from accounts.services.hub_events import hub_events_consumers, hub_events_dispatch

    assert hub_events_consumers()["feed"] is publish.feed_events_handle
    settings.REDIS_URL = "redis://127.0.0.1:6379/9"
    published: list[dict] = []
    monkeypatch.setattr(publish, "feed_publish", lambda newest: published.append(newest))
    event = emit(people[0])
    with django_capture_on_commit_callbacks(execute=True):
        hub_events_dispatch()
    assert {sales_rep.pk: event.pk} in published


# --- The asynchronous stream (Redis) ----------------------------------------------------


async def _next_event(chunks, *, kind: str, timeout: float = 10.0) -> str:
    """The next SSE block of ``event: kind`` (heartbeats and others skipped)."""

    async def find():
        async for chunk in chunks:
            text = chunk.decode() if isinstance(chunk, bytes) else chunk
            if f"event: {kind}\n" in text:
                return text
        raise AssertionError("the stream ended")

    return await asyncio.wait_for(find(), timeout)


@pytest.mark.django_db(transaction=True)
def test_the_stream_sends_an_event_published_through_redis_and_frees_everything_on_close(
    redis_url, settings, sales_rep, people
):
    settings.REDIS_URL = redis_url
    mine, theirs = people
    before = emit(mine)  # already there: the stream starts after it

    async def scenario():
        broker = stream.FeedBroker(redis_url, publish.feed_channel_prefix())
        chunks = stream.feed_event_stream(
            user_id=sales_rep.pk, since=before.pk, broker=broker, heartbeat=0.2
        )
        ready = await _next_event(chunks, kind="ready")
        assert json.loads(ready.split("data: ", 1)[1]) == {"cursor": before.pk}
        assert broker.running and broker.listener_count() == 1

        new = await sync_to_async(emit)(mine)
        await sync_to_async(emit)(theirs)  # another owner's: never on this stream
        assert await sync_to_async(publish.feed_publish)({sales_rep.pk: new.pk}) == 1

        block = await _next_event(chunks, kind="item")
        assert block.startswith(f"id: {new.pk}\n")
        item = json.loads(block.split("data: ", 1)[1])
        assert item["id"] == new.pk and item["person"]["name"] == "Paula Prospect"

        # A repeated message (a retried dispatch) sends nothing twice: only heartbeats.
        await sync_to_async(publish.feed_publish)({sales_rep.pk: new.pk})
        heartbeat = await asyncio.wait_for(chunks.__anext__(), 5)
        assert heartbeat == ": heartbeat\n\n"

        # The client goes away: Django closes the generator.
        await chunks.aclose()
        assert broker.listener_count() == 0
        assert not broker.running  # the Redis subscription is closed with the last stream
        names = [c["name"] for c in redis.Redis.from_url(redis_url).client_list()]
        assert stream.BROKER_CLIENT_NAME not in names

    asyncio.run(scenario())


class AsgiCall:
    """One request to ``abm.asgi.application`` as uvicorn makes it, which the test can
    read from and hang up on."""

    def __init__(self, path: str, *, query: str = "", headers: dict | None = None):
        from abm.asgi import application

        self.inbox: asyncio.Queue = asyncio.Queue()
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.inbox.put_nowait({"type": "http.request", "body": b"", "more_body": False})
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
            "query_string": query.encode(), "client": ("127.0.0.1", 5000),
            "server": ("localhost", 80),
            "headers": [(b"host", b"localhost")]
            + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        }  # fmt: skip
        self.task = asyncio.get_running_loop().create_task(
            application(scope, self.inbox.get, self.outbox.put)
        )

    async def start(self) -> dict:
        return await asyncio.wait_for(self.outbox.get(), 10)

    async def body(self):
        while True:
            message = await self.outbox.get()
            yield message.get("body", b"")
            if not message.get("more_body"):
                return

    async def hang_up(self) -> None:
        await self.inbox.put({"type": "http.disconnect"})
        await asyncio.wait_for(self.task, 10)


@pytest.mark.django_db(transaction=True)
def test_the_stream_view_under_asgi_resumes_from_last_event_id_and_hang_up_frees_it(
    client, redis_url, settings, sales_rep, people
):
    settings.REDIS_URL = redis_url
    mine, _ = people
    seen = emit(mine)
    missed = emit(mine)  # happened while the browser was reconnecting
    client.force_login(sales_rep)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario():
        call = AsgiCall("/feed/stream/", headers={"Cookie": cookie, "Last-Event-ID": str(seen.pk)})
        start = await call.start()
        assert start["status"] == 200
        headers = dict(start["headers"])
        assert headers[b"Content-Type"] == b"text/event-stream"
        assert headers[b"Cache-Control"] == b"no-cache"
        body = call.body()
        await _next_event(body, kind="ready")
        block = await _next_event(body, kind="item")
        assert block.startswith(f"id: {missed.pk}\n")
        broker = stream._BROKERS.get(asyncio.get_running_loop())
        assert broker.listener_count() == 1 and broker.running

        await call.hang_up()  # the browser tab closes
        assert broker.listener_count() == 0
        assert not broker.running

        bad = AsgiCall("/feed/stream/", query="since=x", headers={"Cookie": cookie})
        assert (await bad.start())["status"] == 400
        anonymous = AsgiCall("/feed/stream/")
        assert (await anonymous.start())["status"] == 401

    asyncio.run(scenario())


@pytest.mark.django_db(transaction=True)
def test_the_stream_ends_with_a_fallback_when_redis_goes_away(redis_url, settings, sales_rep):
    settings.REDIS_URL = redis_url

    async def scenario():
        broker = stream.FeedBroker(redis_url, publish.feed_channel_prefix())
        chunks = stream.feed_event_stream(user_id=sales_rep.pk, since=0, broker=broker, heartbeat=5)
        await _next_event(chunks, kind="ready")
        # Redis drops the subscriber (as a restart would).
        admin = redis.asyncio.Redis.from_url(redis_url)
        for client in await admin.client_list():
            if client.get("name") == stream.BROKER_CLIENT_NAME:
                await admin.client_kill_filter(_id=client["id"])
        await admin.aclose()
        await _next_event(chunks, kind="fallback")
        with pytest.raises(StopAsyncIteration):
            await chunks.__anext__()
        assert broker.listener_count() == 0

    asyncio.run(scenario())
