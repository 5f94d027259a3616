import base64
import binascii
import hmac

from django.conf import settings
from django.db.models import ProtectedError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from abm.exceptions import ApplicationError, ConflictError, ForbiddenError
from abm.filters import MAX_ID
from abm.permissions import may_edit_email_template, may_manage_workspaces
from accounts.models import User
from sales_actions import selectors, services
from sales_actions.api.serializers import (
    EmailTemplateApproveSerializer,
    EmailTemplateSerializer,
    SalesEmailSendSerializer,
    SalesEmailSerializer,
    SendResultSerializer,
    WorkspaceSerializer,
)
from sales_actions.filters import EmailTemplateFilter, SalesEmailFilter
from sales_actions.models import EmailTemplate, SalesEmail, Workspace
from sales_actions.services.sending import Attachment


class WorkspaceViewSet(viewsets.ModelViewSet):
    """Workspaces group templates; users limited to some see only those."""

    serializer_class = WorkspaceSerializer
    permission_classes = [IsAuthenticated]
    schema_error_statuses = {"destroy": (409,)}  # the workspace still holds templates
    filterset_fields: list = []
    search_fields = ["name"]
    ordering_fields = ["name", "id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Workspace.objects.none()
        return selectors.workspace_list(user=self.request.user).order_by("name")

    def perform_create(self, serializer):
        serializer.instance = services.workspace_create(
            user=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.workspace_update(
            user=self.request.user, workspace=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        request=inline_serializer(
            "WorkspaceAccessIn",
            {"workspaces": serializers.ListField(child=serializers.IntegerField())},
        ),
        responses=inline_serializer(
            "WorkspaceAccess",
            {
                "user": serializers.IntegerField(),
                "limited": serializers.BooleanField(),
                "workspaces": serializers.ListField(child=serializers.IntegerField()),
            },
        ),
    )
    @action(detail=False, methods=["get", "put"], url_path="access/<int:user_id>")
    def access(self, request, user_id=None):
        """The workspaces a user is limited to (PUT an empty list to lift the limit; admins)."""
        target = get_object_or_404(User, pk=user_id)
        if request.method == "PUT":
            # A body that is not an object, or ids no primary key holds, is a 400 (not a 500).
            body = request.data if isinstance(request.data, dict) else {}
            ids = body.get("workspaces")
            if not isinstance(ids, list) or not all(
                type(i) is int and 1 <= i <= MAX_ID for i in ids
            ):
                raise ApplicationError("workspaces must be a list of ids.", field="workspaces")
            found = list(Workspace.objects.filter(pk__in=ids))
            if len(found) != len(set(ids)):
                raise ApplicationError("Some workspaces do not exist.", field="workspaces")
            services.workspace_access_set(user=request.user, target=target, workspaces=found)
        limited = selectors.workspace_ids_limited(target)
        return Response(
            {
                "user": target.pk,
                "limited": limited is not None,
                "workspaces": sorted(limited or []),
            }
        )

    def perform_destroy(self, instance):
        if not may_manage_workspaces(self.request.user):
            raise ForbiddenError("Only marketers and admins can delete workspaces.")
        try:
            instance.delete()
        except ProtectedError as exc:
            raise ConflictError("The workspace still holds templates.", field="workspace") from exc


_NEW_VERSION = {
    200: EmailTemplateSerializer,
    201: OpenApiResponse(EmailTemplateSerializer, description="The edit made a new draft version."),
}


@extend_schema_view(
    update=extend_schema(responses=_NEW_VERSION),
    partial_update=extend_schema(responses=_NEW_VERSION),
)
class EmailTemplateViewSet(viewsets.ModelViewSet):
    """Email templates. Editing a submitted or approved version creates a new draft version."""

    serializer_class = EmailTemplateSerializer
    permission_classes = [IsAuthenticated]
    # 409: the template is not in the state the change needs, or changed meanwhile.
    schema_error_statuses = {
        a: (409,) for a in ("update", "partial_update", "destroy", "submit", "approve", "archive")
    }
    filterset_class = EmailTemplateFilter
    search_fields = ["name", "subject"]
    ordering_fields = ["name", "id", "updated_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EmailTemplate.objects.none()
        return selectors.email_template_list(user=self.request.user).order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = services.email_template_create(
            user=self.request.user, **serializer.validated_data
        )

    def update(self, request, *args, **kwargs):
        template = self.get_object()
        serializer = self.get_serializer(template, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        saved = services.email_template_update(
            user=request.user, template=template, **serializer.validated_data
        )
        code = status.HTTP_201_CREATED if saved.pk != template.pk else status.HTTP_200_OK
        return Response(self.get_serializer(saved).data, status=code)

    def perform_destroy(self, instance):
        if not may_edit_email_template(self.request.user, instance):
            raise ForbiddenError("Only the author or a marketer can delete a template.")
        if instance.status != instance.Status.DRAFT or instance.emails.exists():
            raise ConflictError(
                "Only unsent drafts can be deleted; archive the template instead.",
                field="status",
            )
        instance.delete()

    def _transition(self, fn):
        template = fn(user=self.request.user, template=self.get_object())
        return Response(self.get_serializer(template).data)

    @extend_schema(request=None, responses=EmailTemplateSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._transition(services.email_template_submit)

    @extend_schema(request=EmailTemplateApproveSerializer, responses=EmailTemplateSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the version you reviewed (409 if it is not the current submitted one)."""
        data = EmailTemplateApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.email_template_approve(
            user=request.user, template=self.get_object(), version=data.validated_data["version"]
        )
        return Response(self.get_serializer(template).data)

    @extend_schema(request=None, responses=EmailTemplateSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        return self._transition(services.email_template_archive)

    @extend_schema(
        responses=inline_serializer(
            "TemplateReport",
            {
                "templates": serializers.ListField(child=serializers.DictField()),
                "senders": serializers.ListField(child=serializers.DictField()),
            },
        )
    )
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        template = self.get_object()
        return Response(
            {
                "templates": selectors.template_report(template_ids=[template.pk]),
                "senders": selectors.sender_report(template_ids=[template.pk]),
            }
        )


class SalesEmailViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Sent sales emails (the outbox) with tracking; POST sends a template."""

    serializer_class = SalesEmailSerializer
    permission_classes = [IsAuthenticated]
    schema_error_statuses = {"create": (409,)}  # an Idempotency-Key reused for another send
    filterset_class = SalesEmailFilter
    search_fields: list = []
    ordering_fields = ["id", "queued_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SalesEmail.objects.none()
        # A user limited to some workspaces reads only their emails (others are 404).
        return selectors.sales_email_list(user=self.request.user)

    @extend_schema(request=SalesEmailSendSerializer, responses={201: SendResultSerializer})
    def create(self, request, *args, **kwargs):
        data = SalesEmailSendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        files = []
        for item in v["attachments"]:
            try:
                content = base64.b64decode(item["content_base64"], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ApplicationError(
                    f"{item['filename']}: content_base64 is not base64.", field="attachments"
                ) from exc
            files.append(Attachment(filename=item["filename"], content=content))
        result = services.sales_email_send(
            user=request.user,
            template_id=v["template"],
            contact_ids=v.get("contact_ids"),
            account_id=v.get("account"),
            opportunity_id=v.get("opportunity"),
            cc=v["cc"],
            bcc=v["bcc"],
            attachments=files,
            personal_note=v["personal_note"],
            include_signature=v["include_signature"],
            idempotency_key=v.get("idempotency_key") or request.headers.get("Idempotency-Key"),
            dry_run=v["dry_run"],
            subscription_list_id=v.get("subscription_list"),
        )
        body = {
            "batch": result.batch.key if result.batch else None,
            "template": result.template.pk,
            "queued": len(result.queued),
            "skipped": len(result.skipped),
            "dry_run": v["dry_run"],
            "recipients": result.recipients,
        }
        code = status.HTTP_200_OK if v["dry_run"] else status.HTTP_201_CREATED
        return Response(body, status=code)


class InboundEmailView(APIView):
    """A raw RFC 822 message from the mail gateway: a reply, auto-reply or unsubscribe."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    schema_error_statuses = {"post": (403,)}  # a wrong or missing X-Inbound-Secret

    @extend_schema(
        request={"message/rfc822": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter("X-Inbound-Secret", str, OpenApiParameter.HEADER, required=True)
        ],
        responses=inline_serializer(
            "InboundResult",
            {
                "matched": serializers.BooleanField(),
                "kind": serializers.CharField(allow_null=True),
                "sales_email": serializers.IntegerField(allow_null=True),
            },
        ),
    )
    def post(self, request):
        secret = settings.SALES_EMAIL_INBOUND_SECRET
        given = request.headers.get("X-Inbound-Secret", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return Response({"detail": "Wrong or missing inbound secret."}, status=403)
        raw = request.body
        if not raw.strip():
            raise ApplicationError("The body must be a raw RFC 822 message.", field="message")
        return Response(services.email_inbound_record(raw=raw))
