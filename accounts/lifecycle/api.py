"""The lead lifecycle in the API.

- ``POST /api/v1/leads/{id}/accept/`` ``{reason?}`` → the lead;
- ``POST /api/v1/leads/{id}/convert/`` ``{name?, contact?, role?, amount?, currency?,
  close_date?, reason?}`` → 201 ``{lead, opportunity}`` (a second call: 409);
- ``POST /api/v1/leads/{id}/return/`` ``{reason}`` → the lead (back to nurturing);
- ``POST /api/v1/leads/{id}/disqualify/`` ``{disqualify_reason, reason?}`` → the lead;
- ``GET /api/v1/leads/{id}/history/`` → every status change, newest first;
- ``GET /api/v1/leads/pipeline/?owner=&product=&days=`` → counts, conversion, time;
- ``/api/v1/disqualify-reasons/``: everybody reads, admins write.

A move the lead's current status does not allow is a 409 naming ``status``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from abm.paging import KeysetPagination
from abm.permissions import is_signed_in, may_manage_disqualify_reasons
from abm.routers import HubRouter
from accounts.lifecycle import selectors, services
from accounts.lifecycle.services import REASON_MAX, ConversionInput
from accounts.models import BuyingRole, Contact, DisqualifyReason, Lead, LeadStatusChange

API = services.Source.API


# --- Serializers ----------------------------------------------------------------------


class LeadStatusChangeSerializer(serializers.ModelSerializer):
    changed_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    changed_by_name = serializers.SerializerMethodField()
    disqualify_reason_name = serializers.CharField(
        source="disqualify_reason.name", read_only=True, default=None, allow_null=True
    )
    from_status = serializers.ChoiceField(
        choices=Lead.Status.choices, allow_blank=True, help_text="Blank for the lead's creation."
    )

    class Meta:
        model = LeadStatusChange
        fields = [
            "id",
            "from_status",
            "to_status",
            "changed_at",
            "changed_by",
            "changed_by_name",
            "source",
            "reason",
            "disqualify_reason",
            "disqualify_reason_name",
            "opportunity",
        ]
        read_only_fields = fields

    def get_changed_by_name(self, obj) -> str | None:
        return obj.changed_by.display_name if obj.changed_by_id else None


class LeadReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX, help_text="Kept in the history."
    )


class LeadReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text="Why the lead goes back to marketing (required)."
    )


class LeadDisqualifySerializer(serializers.Serializer):
    disqualify_reason = serializers.PrimaryKeyRelatedField(
        queryset=DisqualifyReason.objects.all(),
        help_text="An id from /api/v1/disqualify-reasons/ (an offered one).",
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=REASON_MAX, help_text="A note."
    )


class LeadConvertSerializer(serializers.Serializer):
    name = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="The opportunity's name; default: the lead's topic or product.",
    )
    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.all(),
        required=False,
        allow_null=True,
        help_text="The contact in a role on the deal (of the lead's account); default: the "
        "lead's contact, else the account's primary contact.",
    )
    role = serializers.ChoiceField(choices=BuyingRole.choices, required=False, allow_blank=True)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    currency = serializers.RegexField(
        r"^[A-Z]{3}$", required=False, allow_blank=True, help_text="ISO 4217, e.g. USD."
    )
    close_date = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX)

    def conversion(self) -> ConversionInput:
        data = self.validated_data
        contact = data.get("contact")
        return ConversionInput(
            name=data.get("name") or "",
            amount=data.get("amount"),
            currency=data.get("currency") or "",
            close_date=data.get("close_date"),
            contact_id=contact.pk if contact else None,
            role=data.get("role") or "",
            note=data.get("reason") or "",
        )


class LeadConversionSerializer(serializers.Serializer):
    lead = serializers.IntegerField()
    status = serializers.CharField()
    opportunity = serializers.IntegerField()


class PipelineStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Lead.Status.choices)
    label = serializers.CharField()
    count = serializers.IntegerField()
    median_days_in_status = serializers.FloatField(
        allow_null=True, help_text="Median of completed stays in the status (history)."
    )
    completed_stays = serializers.IntegerField()
    median_days_current = serializers.FloatField(
        allow_null=True, help_text="Median time open leads have been in it so far."
    )


class PipelineStepSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Lead.Status.choices)
    label = serializers.CharField()
    reached = serializers.IntegerField(help_text="Leads that reached this step or a later one.")
    next_status = serializers.CharField(allow_null=True)
    conversion = serializers.FloatField(
        allow_null=True, help_text="Share (0–1) of those that reached the next step."
    )


class PipelineSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    days = serializers.IntegerField(allow_null=True)
    statuses = PipelineStatusSerializer(many=True)
    steps = PipelineStepSerializer(many=True)
    conversion_overall = serializers.FloatField(allow_null=True)
    disqualified = serializers.IntegerField()
    note = serializers.CharField()


class DisqualifyReasonSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisqualifyReason
        fields = ["id", "name", "position", "is_active"]


# --- Views ----------------------------------------------------------------------------

_LEAD = "The lead, after the change."


def _lead_answer(view, lead: Lead) -> Response:
    from accounts.api.serializers import LeadSerializer

    lead.refresh_from_db()
    return Response(LeadSerializer(lead, context=view.get_serializer_context()).data)


class LeadLifecycleMixin:
    """The lifecycle actions on ``LeadViewSet``. Roles are checked by the services
    (``abm.permissions.may_work_lead``): marketing works any lead, a sales rep their own."""

    schema_error_statuses = {
        "accept": (409,),
        "convert": (409,),
        "return_to_marketing": (409,),
        "disqualify": (409,),
    }

    def _lifecycle_lead(self) -> Lead:
        # Any signed-in user may read the lead; the service decides who may act on it.
        return self.get_object()

    @extend_schema(request=LeadReasonSerializer, summary="Accept the lead (sales-accepted)")
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        filter_backends=[],
        pagination_class=None,
    )
    def accept(self, request, pk=None):
        lead = self._lifecycle_lead()
        body = LeadReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.lead_accept(
            user=request.user, lead=lead, reason=body.validated_data.get("reason", ""), source=API
        )
        return _lead_answer(self, lead)

    @extend_schema(request=LeadReturnSerializer, summary="Return the lead to marketing")
    @action(
        detail=True,
        methods=["post"],
        url_path="return",
        url_name="return",
        permission_classes=[permissions.IsAuthenticated],
        filter_backends=[],
        pagination_class=None,
    )
    def return_to_marketing(self, request, pk=None):
        lead = self._lifecycle_lead()
        body = LeadReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.lead_return(
            user=request.user, lead=lead, reason=body.validated_data["reason"], source=API
        )
        return _lead_answer(self, lead)

    @extend_schema(request=LeadDisqualifySerializer, summary="Disqualify the lead")
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        filter_backends=[],
        pagination_class=None,
    )
    def disqualify(self, request, pk=None):
        lead = self._lifecycle_lead()
        body = LeadDisqualifySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.lead_disqualify(
            user=request.user,
            lead=lead,
            disqualify_reason=body.validated_data["disqualify_reason"],
            note=body.validated_data.get("reason", ""),
            source=API,
        )
        return _lead_answer(self, lead)

    @extend_schema(
        request=LeadConvertSerializer,
        responses={201: LeadConversionSerializer},
        summary="Convert the lead to an opportunity",
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated],
        filter_backends=[],
        pagination_class=None,
    )
    def convert(self, request, pk=None):
        """Creates the opportunity on the lead's account with a contact in a role and links
        it; exactly once (a repeat or concurrent call answers 409 naming ``status``)."""
        lead = self._lifecycle_lead()
        body = LeadConvertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        opportunity = services.lead_convert(
            user=request.user, lead=lead, data=body.conversion(), source=API
        )
        return Response(
            {"lead": lead.pk, "status": lead.status, "opportunity": opportunity.pk},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses={200: LeadStatusChangeSerializer(many=True)},
        summary="The lead's status history",
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def history(self, request, pk=None):
        """Every status change of the lead, newest first (read-only)."""
        rows = selectors.lead_history(lead=self.get_object())
        return Response(LeadStatusChangeSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("owner", int, description="Leads of this user."),
            OpenApiParameter("product", int, description="Leads for this product."),
            OpenApiParameter("days", int, description="Leads created in the last N days (1–3650)."),
        ],
        responses={200: PipelineSerializer},
        summary="The leads pipeline",
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def pipeline(self, request):
        """Leads per status, the share moving on from each step of new → nurturing → MQL →
        sales-accepted → converted, and the median days in each status."""
        data = selectors.lead_pipeline(**selectors.pipeline_params(request.query_params))
        return Response(PipelineSerializer(data).data)


class ReasonWritePermission(permissions.BasePermission):
    message = "Only admins can edit the disqualify reasons."

    def has_permission(self, request, view):
        if not is_signed_in(request.user):
            return False
        return request.method in permissions.SAFE_METHODS or may_manage_disqualify_reasons(
            request.user
        )


class DisqualifyReasonViewSet(viewsets.ModelViewSet):
    """The reasons a lead can be disqualified for: everybody reads, admins write. A reason
    leads were disqualified for cannot be deleted (409): set ``is_active`` false."""

    serializer_class = DisqualifyReasonSerializer
    permission_classes = [ReasonWritePermission]
    pagination_class = KeysetPagination
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    filterset_fields = ["is_active"]
    ordering_fields = ["position", "name", "id"]
    ordering = ["position", "name", "id"]
    schema_error_statuses = {"destroy": (409,)}

    def get_queryset(self):
        return DisqualifyReason.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.disqualify_reason_save(
            user=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        serializer.instance = services.disqualify_reason_save(
            user=self.request.user,
            reason=serializer.instance,
            data=dict(serializer.validated_data),
        )

    def perform_destroy(self, instance):
        services.disqualify_reason_delete(user=self.request.user, reason=instance)


router = HubRouter()
router.register("disqualify-reasons", DisqualifyReasonViewSet, basename="disqualify-reason")
urlpatterns = router.urls
