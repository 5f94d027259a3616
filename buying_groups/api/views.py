"""API of buying groups: role templates, groups, members, intent, summaries, generation."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from abm.exceptions import ApplicationError
from buying_groups import selectors
from buying_groups.api import serializers as s
from buying_groups.filters import BuyingGroupFilter, RoleTemplateFilter
from buying_groups.models import GenerationJob
from buying_groups.services import generation, groups, summaries, templates


def _roles_payload(data) -> list:
    return [dict(r) for r in data]


class RoleTemplateViewSet(viewsets.ModelViewSet):
    serializer_class = s.RoleTemplateSerializer
    filterset_class = RoleTemplateFilter
    ordering = "-id"
    # 409: a name in use, roles removed while groups use them, a template groups use.
    schema_error_statuses = {a: (409,) for a in ("create", "update", "partial_update", "destroy")}

    def get_queryset(self):
        return selectors.role_template_list()

    def _data(self, serializer) -> dict:
        data = dict(serializer.validated_data)
        if "roles" in data:
            data["roles"] = _roles_payload(data["roles"])
        return data

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        template = templates.role_template_create(user=request.user, data=self._data(serializer))
        out = self.get_serializer(selectors.role_template_list().get(pk=template.pk))
        return Response(out.data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        template = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(template, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        templates.role_template_update(
            user=request.user, template=template, data=self._data(serializer)
        )
        return Response(
            self.get_serializer(selectors.role_template_list().get(pk=template.pk)).data
        )

    def destroy(self, request, *args, **kwargs):
        templates.role_template_delete(user=request.user, template=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class BuyingGroupViewSet(viewsets.ModelViewSet):
    serializer_class = s.BuyingGroupSerializer
    filterset_class = BuyingGroupFilter
    ordering = "-id"
    # 409: a group for this account and template exists, a member added meanwhile.
    schema_error_statuses = {
        a: (409,) for a in ("create", "update", "partial_update", "members.post")
    }
    search_fields = ["name", "account__name"]

    def get_queryset(self):
        return selectors.buying_group_list()

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return s.BuyingGroupWriteSerializer
        return s.BuyingGroupSerializer

    def _out(self, group, code=status.HTTP_200_OK):
        group = selectors.buying_group_list().get(pk=group.pk)
        return Response(s.BuyingGroupSerializer(group).data, status=code)

    @extend_schema(request=s.BuyingGroupWriteSerializer, responses=s.BuyingGroupSerializer)
    def create(self, request, *args, **kwargs):
        serializer = s.BuyingGroupWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        group = groups.buying_group_create(user=request.user, data=serializer.validated_data)
        return self._out(group, status.HTTP_201_CREATED)

    @extend_schema(request=s.BuyingGroupWriteSerializer, responses=s.BuyingGroupSerializer)
    def update(self, request, *args, **kwargs):
        group = self.get_object()
        serializer = s.BuyingGroupWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        groups.buying_group_update(user=request.user, group=group, data=serializer.validated_data)
        return self._out(group)

    def destroy(self, request, *args, **kwargs):
        groups.buying_group_delete(user=request.user, group=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _members_response(self, group):
        return Response(s.MemberSerializer(selectors.group_members(group), many=True).data)

    @extend_schema(methods=["GET"], request=None, responses=s.MemberSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={
            "application/json": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/MemberPairRequest"},
                "minItems": 1,
            }
        },
        responses={201: s.MemberSerializer(many=True)},
        description="Add up to 50 contacts of the account with a role each; all or nothing.",
    )
    @action(detail=True, methods=["get", "post"])
    def members(self, request, pk=None):
        group = self.get_object()
        if request.method == "GET":
            return self._members_response(group)
        if not isinstance(request.data, list):
            raise ApplicationError(
                'Send a list: [{"contact": id, "role": id}, ...].', field="members"
            )
        body = s.MembersAddSerializer(data={"members": request.data})
        body.is_valid(raise_exception=True)
        items = [dict(item) for item in body.validated_data["members"]]
        groups.buying_group_members_assign(user=request.user, group=group, items=items)
        response = self._members_response(group)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=s.MembersRemoveSerializer, responses=s.MemberSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="members/remove")
    def members_remove(self, request, pk=None):
        group = self.get_object()
        body = s.MembersRemoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        groups.buying_group_members_remove(
            user=request.user, group=group, contact_ids=body.validated_data["contact_ids"]
        )
        return self._members_response(group)

    @extend_schema(request=s.MembersRolesSerializer, responses=s.MemberSerializer(many=True))
    @action(detail=True, methods=["post"], url_path="members/roles")
    def members_roles(self, request, pk=None):
        group = self.get_object()
        body = s.MembersRolesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        items = [dict(item) for item in body.validated_data["members"]]
        groups.buying_group_members_set_roles(user=request.user, group=group, items=items)
        return self._members_response(group)

    @extend_schema(request=None, responses=s.IntentSerializer(many=True))
    @action(detail=True, methods=["get"])
    def intent(self, request, pk=None):
        return Response(selectors.group_intent(self.get_object()))

    @extend_schema(request=None, responses=s.SummarySerializer)
    @action(detail=True, methods=["get"])
    def summary(self, request, pk=None):
        group = self.get_object()
        summary, current = summaries.summary_request("group", group.pk)
        return Response(
            {
                "text": summary.text if summary else None,
                "backend": summary.backend if summary else None,
                "note": summary.note if summary else "",
                "generated_at": summary.generated_at if summary else None,
                "data_version": summary.data_version if summary else None,
                "current": current,
            }
        )

    @extend_schema(request=s.GenerateSerializer, responses={202: s.GenerationJobSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request):
        serializer = s.GenerateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        template = data["role_template"]
        product = data.get("solution_interest") or template.solution_interest
        if product is None:
            raise ApplicationError(
                "Choose a solution interest (the template has none).", field="solution_interest"
            )
        job = generation.generation_job_start(
            user=request.user,
            role_template=template,
            solution_interest=product,
            all_targets=data["all_targets"],
            account_ids=data.get("account_ids"),
            account_filter=data.get("account_filter"),
        )
        job.refresh_from_db()
        return Response(s.GenerationJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class GenerationJobViewSet(
    mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.GenerationJobSerializer
    queryset = GenerationJob.objects.all()
    ordering = "-id"

    def get_object(self):
        return get_object_or_404(GenerationJob, pk=self.kwargs["pk"])
