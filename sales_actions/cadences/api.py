"""``/api/v1/cadences/``: cadences with their steps, and the people in each (enrolments),
added, removed, paused and resumed in bulk (up to 1,000 per call, all or nothing with
per-item errors). Lists are scoped to the cadences the caller may see."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from abm.exceptions import ApplicationError
from abm.schema import paginated_action
from sales_actions.cadences import enrolment as people
from sales_actions.cadences import selectors, services
from sales_actions.cadences.models import Cadence, CadenceStep, Enrolment

MAX_ID = 2**63 - 1


class CadenceStepSerializer(serializers.ModelSerializer):
    template = serializers.IntegerField(
        source="template_id", required=False, allow_null=True, min_value=1, max_value=MAX_ID
    )

    class Meta:
        model = CadenceStep
        fields = ["id", "position", "kind", "day_offset", "send_time", "template", "title",
                  "instructions"]  # fmt: skip
        read_only_fields = ["id", "position"]
        extra_kwargs = {"day_offset": {"min_value": 0, "max_value": 365}}


class CadenceSerializer(serializers.ModelSerializer):
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    steps = CadenceStepSerializer(many=True, read_only=True)

    class Meta:
        model = Cadence
        fields = ["id", "name", "description", "owner", "visibility", "status", "skip_weekends",
                  "end_on_reply", "business_hours_start", "business_hours_end", "steps",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "owner", "steps", "created_at", "updated_at"]


class EnrolmentSerializer(serializers.ModelSerializer):
    contact = serializers.IntegerField(source="contact_id", read_only=True)
    step = serializers.IntegerField(source="step_id", read_only=True, allow_null=True)

    class Meta:
        model = Enrolment
        fields = ["id", "contact", "status", "step", "next_due_at", "enrolled_at", "ended_at",
                  "end_reason"]  # fmt: skip
        read_only_fields = fields


class EnrolmentsAddSerializer(serializers.Serializer):
    contacts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=people.MAX_ENROL,
    )
    leads = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=people.MAX_ENROL,
    )
    account = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    opportunity = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)

    def validate(self, attrs):
        given = [k for k in ("contacts", "leads", "account", "opportunity") if attrs.get(k)]
        if not given:
            raise serializers.ValidationError(
                {"contacts": "Give contacts, leads, an account or an opportunity."}
            )
        if ("account" in given or "opportunity" in given) and len(given) > 1:
            raise serializers.ValidationError(
                {given[0]: "An account or an opportunity is given alone."}
            )
        return attrs


class EnrolmentsChangeSerializer(serializers.Serializer):
    contacts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=people.MAX_ENROL,
    )


EnrolmentsResult = inline_serializer(
    "CadenceEnrolmentsResult",
    {
        "enrolled": serializers.IntegerField(),
        "enrolments": EnrolmentSerializer(many=True),
    },
)
ChangeResult = inline_serializer(
    "CadenceEnrolmentsChanged", {"changed": serializers.IntegerField()}
)
ReorderIn = inline_serializer(
    "CadenceStepsReorder", {"steps": serializers.ListField(child=serializers.IntegerField())}
)


class CadenceViewSet(viewsets.ModelViewSet):
    """Cadences the caller may see (their own, their team's shared ones; admins and
    marketers every one). Only the owner (or an admin) changes a cadence and its steps;
    whoever may see a cadence enrols, removes, pauses and resumes people in it."""

    serializer_class = CadenceSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields: list = []
    search_fields = ["name"]
    ordering_fields = ["name", "id"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Deleting a cadence people are still in is refused (409).
    schema_error_statuses = {"destroy": (409,)}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Cadence.objects.none()
        if self.action == "list":
            scope = self.request.query_params.get("scope") or "usable"
            if scope not in (*selectors.SCOPES, "usable"):
                raise ApplicationError("scope: choose mine, team, all or usable.", field="scope")
            qs = selectors.cadence_list(user=self.request.user, scope=scope)
        else:
            qs = selectors.cadence_visible(user=self.request.user)
        return qs.prefetch_related("steps")

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "scope",
                str,
                enum=["usable", "mine", "team", "all"],
                description="usable (default): every cadence you may see.",
            )  # fmt: skip
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = {k: v for k, v in serializer.validated_data.items() if k != "status"}
        serializer.instance = services.cadence_create(user=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.cadence_update(
            user=self.request.user, cadence=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.cadence_delete(user=self.request.user, cadence=instance)

    # --- Steps ---

    @extend_schema(methods=["GET"], request=None, responses=CadenceStepSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=CadenceStepSerializer, responses={201: CadenceStepSerializer}
    )
    @action(detail=True, methods=["get", "post"], url_path="steps")
    def steps(self, request, pk=None):
        """The steps in order; POST appends one (an automatic email needs an approved
        template)."""
        cadence = self.get_object()
        if request.method == "POST":
            serializer = CadenceStepSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = dict(serializer.validated_data)
            if "kind" not in data:
                raise ApplicationError("kind: this field is required.", field="kind")
            data["template_id"] = data.pop("template_id", None)
            step = services.cadence_step_add(user=request.user, cadence=cadence, **data)
            return Response(CadenceStepSerializer(step).data, status=status.HTTP_201_CREATED)
        steps = selectors.cadence_steps(cadence=cadence)
        return Response(CadenceStepSerializer(steps, many=True).data)

    @extend_schema(request=CadenceStepSerializer, responses=CadenceStepSerializer)
    @action(detail=True, methods=["patch", "delete"], url_path="steps/<int:step_id>")
    def step(self, request, pk=None, step_id=None):
        """Change a step (PATCH) or delete it (people due for it go on to the next)."""
        cadence = self.get_object()
        step = get_object_or_404(CadenceStep, pk=step_id, cadence=cadence)
        if request.method == "DELETE":
            services.cadence_step_delete(user=request.user, step=step)
            return Response(status=status.HTTP_204_NO_CONTENT)
        serializer = CadenceStepSerializer(step, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        step = services.cadence_step_update(
            user=request.user, step=step, **dict(serializer.validated_data)
        )
        return Response(CadenceStepSerializer(step).data)

    @extend_schema(request=ReorderIn, responses=CadenceStepSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="steps/reorder")
    def steps_reorder(self, request, pk=None):
        """Put the steps in this order: every step id of the cadence, once."""
        cadence = self.get_object()
        ids = request.data.get("steps") if isinstance(request.data, dict) else None
        if not isinstance(ids, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids
        ):
            raise ApplicationError("steps must be a list of step ids.", field="steps")
        services.cadence_steps_reorder(user=request.user, cadence=cadence, step_ids=ids)
        steps = selectors.cadence_steps(cadence=cadence)
        return Response(CadenceStepSerializer(steps, many=True).data)

    # --- People ---

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=EnrolmentSerializer(many=True),
        parameters=[OpenApiParameter("status", str, enum=[*Enrolment.Status.values])],
    )
    @extend_schema(
        methods=["POST"], request=EnrolmentsAddSerializer, responses={201: EnrolmentsResult}
    )
    @paginated_action
    @action(detail=True, methods=["get", "post"], url_path="enrolments")
    def enrolments(self, request, pk=None):
        """GET: the people in the cadence (``?status=``). POST: enrol contacts, leads' contacts,
        or every contact of an account or opportunity — all of them or (with per-item
        errors: already enrolled, no consent, no email) none."""
        cadence = self.get_object()
        if request.method == "POST":
            serializer = EnrolmentsAddSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            contacts = people.people_resolve(
                contact_ids=data.get("contacts"), lead_ids=data.get("leads"),
                account_id=data.get("account"), opportunity_id=data.get("opportunity"),
            )  # fmt: skip
            if not contacts:
                raise ApplicationError("Nobody to enrol.", field="contacts")
            plan = people.enrolments_add(
                user=request.user, cadence=cadence, contacts=contacts, strict=True
            )
            rows = cadence.enrolments.filter(
                contact_id__in=[p["contact_id"] for p in plan.enrol],
                status=Enrolment.Status.ACTIVE,
            ).order_by("pk")
            body = {
                "enrolled": len(plan.enrol),
                "enrolments": EnrolmentSerializer(rows, many=True).data,
            }
            return Response(body, status=status.HTTP_201_CREATED)
        state = request.query_params.get("status") or None
        if state and state not in Enrolment.Status.values:
            raise ApplicationError("status: not an enrolment status.", field="status")
        qs = selectors.enrolment_list(cadence=cadence, status=state)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(EnrolmentSerializer(page, many=True).data)

    def _change(self, request, action_name: str):
        cadence = self.get_object()
        serializer = EnrolmentsChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changed = people.enrolments_change(
            user=request.user, cadence=cadence, action=action_name,
            contact_ids=serializer.validated_data["contacts"], strict=True,
        )  # fmt: skip
        return Response({"changed": changed})

    @extend_schema(request=EnrolmentsChangeSerializer, responses=ChangeResult)
    @action(detail=True, methods=["post"], url_path="enrolments/remove")
    def enrolments_remove(self, request, pk=None):
        """Remove these people (each must be in the cadence, else nothing changes)."""
        return self._change(request, "remove")

    @extend_schema(request=EnrolmentsChangeSerializer, responses=ChangeResult)
    @action(detail=True, methods=["post"], url_path="enrolments/pause")
    def enrolments_pause(self, request, pk=None):
        """Pause these people: their next step waits until they are resumed."""
        return self._change(request, "pause")

    @extend_schema(request=EnrolmentsChangeSerializer, responses=ChangeResult)
    @action(detail=True, methods=["post"], url_path="enrolments/resume")
    def enrolments_resume(self, request, pk=None):
        """Resume these people: a step missed while paused runs at the next business time."""
        return self._change(request, "resume")
