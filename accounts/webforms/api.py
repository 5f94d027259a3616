"""``/api/v1/webforms/``: hosted forms (CRUD), their submissions and prefill links.

Marketers and admins only, reads included: submissions hold what visitors typed. Writes
go through ``accounts.webforms.services``. Visitors submit on the public page itself
(``public_url``, a form-encoded POST); the API does not take submissions.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from abm.permissions import may_manage_webforms, predicate_permission
from abm.routers import HubRouter
from abm.schema import paginated_action
from accounts.api.related import _paged
from accounts.api.views import ERROR_RESPONSES, ServiceViewSet, _write_schema
from accounts.models import Campaign, Contact, Product, User, WebForm, WebFormSubmission
from accounts.webforms import selectors, services
from accounts.webforms.catalog import FIELD_CATALOG

MayManageWebforms = predicate_permission(
    may_manage_webforms,
    _("Only marketers and admins can see and build forms."),
    name="MayManageWebforms",
)


class WebFormFieldSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=list(FIELD_CATALOG))
    label = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    required = serializers.BooleanField(required=False, default=False)


class WebFormSerializer(serializers.ModelSerializer):
    campaign = serializers.PrimaryKeyRelatedField(
        queryset=Campaign.objects.all(), required=False, allow_null=True
    )
    lead_product = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(), required=False, allow_null=True
    )
    record_owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    public_url = serializers.SerializerMethodField()
    spam_dropped = serializers.SerializerMethodField()

    class Meta:
        model = WebForm
        fields = [
            "id",
            "name",
            "fields",
            "intro",
            "submit_label",
            "thank_you_message",
            "campaign",
            "lead_topic",
            "lead_product",
            "record_owner",
            "is_active",
            "double_opt_in",
            "embed_origins",
            "public_key",
            "public_url",
            "spam_dropped",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["public_key", "created_by", "created_at", "updated_at"]

    def get_fields(self):
        # "fields" is also the name of the serializer's own property: declared here.
        declared = super().get_fields()
        declared["fields"] = WebFormFieldSerializer(
            many=True,
            required=False,
            help_text="Ordered fields; email is always asked and required (added when missing).",
        )
        return declared

    def get_public_url(self, obj) -> str:
        path = reverse("webforms_public:form", args=[obj.public_key])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_spam_dropped(self, obj) -> dict[str, int]:
        return {
            "honeypot": obj.spam_honeypot,
            "too_fast": obj.spam_too_fast,
            "rate_limited": obj.spam_rate_limited,
        }


class WebFormSubmissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebFormSubmission
        fields = [
            "id",
            "form",
            "contact",
            "lead",
            "activity",
            "data",
            "contact_created",
            "prefilled",
            "opt_in_status",
            "opt_in_fields",
            "opt_in_sent_at",
            "opt_in_confirmed_at",
            "submitted_at",
        ]
        read_only_fields = fields


class PrefillLinkRequestSerializer(serializers.Serializer):
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.all())


@_write_schema(WebFormSerializer)
class WebFormViewSet(ServiceViewSet):
    """Hosted marketing forms; each submission creates or updates the contact, creates a
    lead and records a ``form_submitted`` activity."""

    permission_classes = [MayManageWebforms]
    queryset = WebForm.objects.all()
    serializer_class = WebFormSerializer
    filterset_fields = ["is_active", "campaign"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "updated_at", "id"]
    ordering = ["name", "id"]
    create_service = services.webform_create
    update_service = services.webform_update
    delete_service = services.webform_delete
    instance_arg = "webform"

    @extend_schema(
        responses={200: WebFormSubmissionSerializer(many=True), **ERROR_RESPONSES},
        summary="The form's stored submissions, newest first",
    )
    @paginated_action
    @action(detail=True, methods=["get"], filter_backends=[])
    def submissions(self, request, pk=None):
        queryset = selectors.webform_submissions(self.get_object())
        return _paged(self, request, queryset, WebFormSubmissionSerializer, "-submitted_at", "-id")

    @extend_schema(
        request=PrefillLinkRequestSerializer,
        responses={
            200: inline_serializer("PrefillLink", {"url": serializers.CharField()}),
            **ERROR_RESPONSES,
        },
        summary="A signed prefill link of the form for one contact",
    )
    @action(detail=True, methods=["post"], url_path="prefill-link", filter_backends=[])
    def prefill_link(self, request, pk=None):
        webform = self.get_object()
        serializer = PrefillLinkRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            {"url": services.prefill_url(webform, serializer.validated_data["contact"], request)}
        )


router = HubRouter()
router.register("webforms", WebFormViewSet, basename="webform")
urlpatterns = router.urls
