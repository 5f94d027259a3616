"""``/api/v1/opportunities/{id}/emails/`` and ``calls/``: a deal's sales emails and calls
(the deal lives in ``accounts``, whose API cannot name what ``sales_actions`` keeps)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import IsAuthenticated

from abm.paging import KeysetPagination
from accounts.models import Opportunity
from sales_actions import selectors
from sales_actions.api.serializers import SalesEmailSerializer
from sales_actions.calls.api.serializers import CallSerializer
from sales_actions.calls.models import Call
from sales_actions.calls.selectors import call_list, calls_of_opportunity
from sales_actions.models import SalesEmail


class _NewestFirst(KeysetPagination):
    def get_ordering(self, request, queryset, view):
        return ("-queued_at", "-id")


@extend_schema(summary="The deal's sales emails", tags=["opportunities"])
class OpportunityEmailsView(generics.ListAPIView):
    """Sales emails to the contacts with a role on the deal, at its account, newest first;
    only emails of workspaces the user may use."""

    serializer_class = SalesEmailSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = _NewestFirst
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SalesEmail.objects.none()
        deal = get_object_or_404(Opportunity, pk=self.kwargs["pk"])
        return selectors.sales_email_list(user=self.request.user).filter(
            contact_id__in=deal.contact_roles.values("contact_id"),
            account_id=deal.account_id,
        )


class _LatestCallFirst(KeysetPagination):
    def get_ordering(self, request, queryset, view):
        return ("-started_at", "-id")


@extend_schema(summary="The deal's calls", tags=["opportunities"])
class OpportunityCallsView(generics.ListAPIView):
    """Calls made for the deal and calls with its people, latest first."""

    serializer_class = CallSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = _LatestCallFirst
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Call.objects.none()
        deal = get_object_or_404(Opportunity, pk=self.kwargs["pk"])
        return calls_of_opportunity(call_list(user=self.request.user), opportunity=deal)


urlpatterns = [
    path(
        "opportunities/<int:pk>/emails/",
        OpportunityEmailsView.as_view(),
        name="opportunity-emails",
    ),
    path(
        "opportunities/<int:pk>/calls/",
        OpportunityCallsView.as_view(),
        name="opportunity-calls",
    ),
]
