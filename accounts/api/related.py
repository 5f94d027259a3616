"""Task actions and an opportunity's related lists in the API (mixed into the viewsets of
``accounts.api.views``): ``/api/v1/tasks/{id}/reopen/``, ``snooze/``, PATCH ``owner`` (the
reassign rule), and ``/api/v1/opportunities/{id}/contacts/``, ``tasks/``, ``activities/``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from abm.exceptions import ApplicationError
from abm.paging import KeysetPagination
from abm.schema import paginated_action
from accounts.api import serializers as s
from accounts.models import Task, User
from accounts.selectors.opportunities import opportunity_activities, opportunity_contact_roles
from accounts.services.tasks import SNOOZE_CHOICES, task_reassign, task_reopen, task_snooze


class TaskSnoozeSerializer(serializers.Serializer):
    until = serializers.CharField(
        max_length=40,
        help_text="1d, 3d, next_week (Monday 09:00 in your time zone), a date (09:00 that "
        "day in your time zone) or an ISO date-time; it must lie in the future.",
    )

    def validate_until(self, value: str) -> str | date | datetime:
        value = value.strip()
        if value in SNOOZE_CHOICES:
            return value
        try:
            parsed = parse_datetime(value) or parse_date(value)
        except ValueError:
            parsed = None
        if parsed is None:
            raise serializers.ValidationError(
                "Give 1d, 3d, next_week, a date (YYYY-MM-DD) or an ISO date-time."
            )
        return parsed


class TaskOwnerSerializer(serializers.Serializer):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        help_text="The new owner: yourself, or anybody when your role may choose owners.",
    )


class OpportunityContactSerializer(serializers.Serializer):
    contact = serializers.IntegerField(source="contact_id")
    name = serializers.CharField(source="contact.full_name")
    email = serializers.EmailField(source="contact.email")
    title = serializers.CharField(source="contact.title")
    phone = serializers.CharField(source="contact.phone")
    role = serializers.CharField(help_text="The contact's buying role on the deal (may be blank).")
    is_primary = serializers.BooleanField()


class _FixedOrder(KeysetPagination):
    """Keyset paging in one fixed order (a related list has no ?ordering=)."""

    def __init__(self, *ordering: str):
        self._ordering = ordering

    def get_ordering(self, request, queryset, view):
        return self._ordering


def _paged(view, request, queryset, serializer_class, *ordering: str):
    paginator = _FixedOrder(*ordering)
    rows = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(rows, many=True, context=view.get_serializer_context()).data
    return paginator.get_paginated_response(data)


class TaskActionsMixin:
    """reopen, snooze and PATCH ``owner`` on ``TaskViewSet``."""

    def _answer(self, task: Task) -> Response:
        return Response(s.TaskSerializer(task, context=self.get_serializer_context()).data)

    @extend_schema(
        request=None, responses={200: s.TaskSerializer}, summary="Open a done task again"
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        """Open a done task again; its completion activity stays. Idempotent."""
        return self._answer(task_reopen(user=request.user, task=self.get_object()))

    @extend_schema(
        request=TaskSnoozeSerializer,
        responses={200: s.TaskSerializer},
        summary="Push an open task's due time",
    )
    @action(detail=True, methods=["post"])
    def snooze(self, request, pk=None):
        """Move the due time of an open task to ``until`` (a later time)."""
        task = self.get_object()
        body = TaskSnoozeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(
            task_snooze(user=request.user, task=task, until=body.validated_data["until"])
        )

    @extend_schema(
        request=TaskOwnerSerializer,
        responses={200: s.TaskSerializer},
        summary="Reassign a task (only owner may change)",
    )
    def partial_update(self, request, *args, **kwargs):
        """Give the task to another user. Only ``owner`` may be sent: a sales rep keeps
        their own tasks; roles that may choose owners give theirs to anybody (403 else)."""
        task = self.get_object()
        data = request.data if isinstance(request.data, dict) else {}
        others = sorted(set(data) - {"owner"})
        if others:
            raise ApplicationError(
                f"Only owner can be changed on a task; '{others[0]}' cannot.", field=others[0]
            )
        body = TaskOwnerSerializer(data=data)
        body.is_valid(raise_exception=True)
        return self._answer(
            task_reassign(user=request.user, task=task, owner=body.validated_data["owner"])
        )


class OpportunityRelatedMixin:
    """The deal's related lists on ``OpportunityViewSet`` (emails and calls live in
    ``sales_actions``' API under the same path)."""

    @extend_schema(
        responses={200: OpportunityContactSerializer(many=True)},
        summary="The deal's contacts with their roles",
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def contacts(self, request, pk=None):
        """Every contact with a role on the deal, the primary first (at most 1,000)."""
        rows = opportunity_contact_roles(opportunity=self.get_object())[:1000]
        return Response(OpportunityContactSerializer(rows, many=True).data)

    @extend_schema(responses={200: s.TaskSerializer(many=True)}, summary="The deal's tasks")
    @paginated_action
    @action(detail=True, methods=["get"], filter_backends=[])
    def tasks(self, request, pk=None):
        """Tasks at the deal's account on its contacts or on nobody in particular, newest
        first."""
        deal = self.get_object()
        queryset = Task.objects.filter(account_id=deal.account_id).filter(
            Q(contact__isnull=True) | Q(contact_id__in=deal.contact_roles.values("contact_id"))
        )
        return _paged(self, request, queryset, s.TaskSerializer, "-created_at", "-id")

    @extend_schema(
        responses={200: s.ActivitySerializer(many=True), 404: OpenApiResponse()},
        summary="The deal's activity timeline",
    )
    @paginated_action
    @action(detail=True, methods=["get"], filter_backends=[])
    def activities(self, request, pk=None):
        """Activities of the deal's contacts at its account and the deal's own, newest
        first."""
        queryset = opportunity_activities(opportunity=self.get_object())
        return _paged(self, request, queryset, s.ActivitySerializer, "-occurred_at", "-id")
