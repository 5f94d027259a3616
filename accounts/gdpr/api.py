"""GDPR in the API (admins):

- ``GET /api/v1/contacts/{id}/export/``: everything about the person as JSON;
- ``POST /api/v1/contacts/{id}/erase/``: erase the person (irreversible). 201 with the
  erasure record the first time; 200 with the same record afterwards (idempotent).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from abm.permissions import MayHandlePersonalData
from accounts.gdpr import services
from accounts.models import Contact, ErasureRecord


class ErasureRecordSerializer(serializers.ModelSerializer):
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Rows changed, by model or step."
    )

    class Meta:
        model = ErasureRecord
        fields = ["id", "contact_id", "erased_by", "erased_at", "counts"]
        read_only_fields = fields


class ContactExportView(APIView):
    permission_classes = [MayHandlePersonalData]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        summary="Export a person",
        description="The contact and every row about them (``records`` keyed "
        "``app_label.model``), with ``counts``.",
    )
    def get(self, request, pk: int):
        contact = get_object_or_404(Contact, pk=pk)
        return Response(services.person_export(user=request.user, contact=contact))


class ContactEraseView(APIView):
    permission_classes = [MayHandlePersonalData]

    @extend_schema(
        request=None,
        responses={201: ErasureRecordSerializer, 200: ErasureRecordSerializer},
        summary="Erase a person",
    )
    def post(self, request, pk: int):
        contact = get_object_or_404(Contact, pk=pk)
        record, created = services.person_erase(user=request.user, contact=contact)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ErasureRecordSerializer(record).data, status=code)


urlpatterns = [
    path("contacts/<int:pk>/export/", ContactExportView.as_view(), name="contact-export"),
    path("contacts/<int:pk>/erase/", ContactEraseView.as_view(), name="contact-erase"),
]
