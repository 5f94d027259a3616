"""CSV import API under ``/api/v1/``: upload a file, then read the job's status.

``POST /imports/`` (multipart: ``kind``, ``file``) answers 201 with the job — done
for small files, ``pending`` for large ones that a worker imports — or 400 with
``errors``: one ``{"row", "column", "message"}`` per problem; nothing is written then.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import ngettext
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import ImportJob
from accounts.services.imports import import_check_role, import_start, import_upload_read


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Row number; the header is row 1.")
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(
        source="created_by.username", default=None, allow_null=True, read_only=True
    )
    progress_percent = serializers.IntegerField(read_only=True)
    errors = ImportErrorSerializer(many=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "filename",
            "total_rows",
            "processed_rows",
            "progress_percent",
            "created_count",
            "updated_count",
            "errors",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportJob.Kind.choices)
    file = serializers.FileField(help_text="A UTF-8 CSV file with a header row.")


REJECTED = OpenApiResponse(
    inline_serializer(
        "ImportRejected",
        {
            "detail": serializers.CharField(),
            # Absent when the upload itself is invalid (no file, unknown kind).
            "errors": ImportErrorSerializer(many=True, required=False),
        },
    ),
    description="The file was rejected (``errors``) or the upload is invalid; nothing was "
    "imported.",
)
TOO_LARGE = OpenApiResponse(
    inline_serializer(
        "ImportTooLarge",
        {
            "detail": serializers.CharField(),
            "code": serializers.CharField(),
            # Absent when the whole request is over REQUEST_MAX_BYTES (refused unread).
            "file": serializers.ListField(child=serializers.CharField(), required=False),
        },
    ),
    description="The file is larger than the import limit (CSV_IMPORT_MAX_BYTES), or the "
    "request larger than REQUEST_MAX_BYTES.",
)


class ImportListCreateView(APIView):
    parser_classes = [MultiPartParser]  # an upload: multipart only

    @extend_schema(
        operation_id="imports_create",
        summary="Import accounts or contacts from a CSV file",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            201: ImportJobSerializer,
            400: REJECTED,
            403: OpenApiResponse(),
            413: TOO_LARGE,
        },
        tags=["imports"],
    )
    def post(self, request):
        import_check_role(request.user)
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        job = import_start(
            user=request.user,
            kind=upload.validated_data["kind"],
            raw=import_upload_read(file),
            filename=file.name,
        )
        data = ImportJobSerializer(job).data
        if job.status == ImportJob.Status.FAILED:
            count = len(job.errors)
            detail = ngettext(
                "The file was rejected with %(count)s error; nothing was imported.",
                "The file was rejected with %(count)s errors; nothing was imported.",
                count,
            ) % {"count": count}
            return Response(
                {"detail": detail, **data},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(data, status=status.HTTP_201_CREATED)


class ImportDetailView(APIView):
    @extend_schema(
        operation_id="imports_retrieve",
        summary="An import job's status, counts and errors",
        responses={200: ImportJobSerializer, 403: OpenApiResponse(), 404: OpenApiResponse()},
        tags=["imports"],
    )
    def get(self, request, pk: int):
        import_check_role(request.user)
        job = get_object_or_404(
            ImportJob.objects.select_related("created_by").defer("content"), pk=pk
        )
        return Response(ImportJobSerializer(job).data)


urlpatterns = [
    path("imports/", ImportListCreateView.as_view(), name="import-create"),
    path("imports/<int:pk>/", ImportDetailView.as_view(), name="import-detail"),
]
