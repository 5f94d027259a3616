"""``/api/v1/feed/``: the signed-in user's live feed for integrators and the polling page.

- ``GET /api/v1/feed/?since=<event id>&limit=`` — items after the cursor (the oldest
  ``limit`` of them, newest first in the answer; ``has_more`` says ask again from
  ``cursor``); ``?before=<event id>`` pages back; neither: the latest ``limit``.
- ``GET /api/v1/feed/unread/`` — the unread count (up to 99, then ``"99+"`` on pages).
- ``POST /api/v1/feed/read/`` ``{"up_to": <event id>}`` (optional) — mark read.

The push stream (``GET /feed/stream/``, ``text/event-stream``) lives outside ``/api/v1/``
and outside the OpenAPI schema: it is not a JSON operation; the README describes it.
"""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from sales_actions.feed import selectors
from sales_actions.feed.services import ID_MAX, feed_mark_read


class FeedQuerySerializer(serializers.Serializer):
    since = serializers.IntegerField(
        required=False, min_value=0, max_value=ID_MAX, help_text="Items after this event id."
    )
    before = serializers.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, help_text="Items before this event id."
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=selectors.LIMIT_MAX,
        default=selectors.LIMIT_DEFAULT,
    )

    def validate(self, attrs):
        if "since" in attrs and "before" in attrs:
            raise serializers.ValidationError({"before": ["Give since or before, not both."]})
        return attrs


class FeedPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()


class FeedAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.CharField()


class FeedActionsSerializer(serializers.Serializer):
    open = serializers.CharField(required=False, help_text="The record's page.")
    email = serializers.CharField(required=False, help_text="The send-email dialog.")
    cadence = serializers.CharField(required=False, help_text="The add-to-cadence dialog.")
    call = serializers.CharField(required=False, help_text="The call-log dialog.")
    tel = serializers.CharField(required=False, help_text="tel: link to dial the person.")


class FeedItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The hub event id (the cursor).")
    kind = serializers.CharField(help_text="The hub event type, e.g. sales_email.opened.")
    kind_label = serializers.CharField()
    text = serializers.CharField(help_text="What happened, in one line, without the person.")
    occurred_at = serializers.DateTimeField()
    person = FeedPersonSerializer(allow_null=True)
    account = FeedAccountSerializer(allow_null=True)
    actions = FeedActionsSerializer()


class FeedPageSerializer(serializers.Serializer):
    results = FeedItemSerializer(many=True)
    cursor = serializers.IntegerField(help_text="Ask again with since=cursor for what is new.")
    has_more = serializers.BooleanField()
    unread = serializers.IntegerField(help_text="Unread items, counted up to 100.")
    last_seen_id = serializers.IntegerField()


class FeedUnreadSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
    last_seen_id = serializers.IntegerField()


class FeedReadSerializer(serializers.Serializer):
    up_to = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=ID_MAX,
        help_text="Mark read up to this event id (default: the newest item).",
    )


def _unread(user_id: int) -> dict:
    return {
        "unread": selectors.feed_unread_count(user_id=user_id),
        "last_seen_id": selectors.feed_last_seen(user_id=user_id),
    }


class FeedView(APIView):
    """The signed-in user's live feed: sales events on their people and accounts."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[FeedQuerySerializer], responses=FeedPageSerializer, tags=["feed"])
    def get(self, request):
        query = FeedQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = selectors.feed_page(user_id=request.user.pk, **query.validated_data)
        return Response(
            {
                "results": page.items,
                "cursor": page.cursor,
                "has_more": page.has_more,
                **_unread(request.user.pk),
            }
        )


class FeedUnreadView(APIView):
    """How many feed items the user has not seen."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=FeedUnreadSerializer, tags=["feed"])
    def get(self, request):
        return Response(_unread(request.user.pk))


class FeedReadView(APIView):
    """Mark the feed read (never backwards, never past the newest item)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=FeedReadSerializer, responses=FeedUnreadSerializer, tags=["feed"])
    def post(self, request):
        body = FeedReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        feed_mark_read(user=request.user, up_to=body.validated_data.get("up_to"))
        return Response(_unread(request.user.pk))


urlpatterns = [
    path("feed/", FeedView.as_view(), name="feed"),
    path("feed/unread/", FeedUnreadView.as_view(), name="feed-unread"),
    path("feed/read/", FeedReadView.as_view(), name="feed-read"),
]
