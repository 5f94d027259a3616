"""``/api/v1/opportunities/{id}/emails/``: the sales emails of a deal's contacts (the deal
lives in ``accounts``, whose API cannot name sales emails)."""

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


urlpatterns = [
    path(
        "opportunities/<int:pk>/emails/",
        OpportunityEmailsView.as_view(),
        name="opportunity-emails",
    ),
]
