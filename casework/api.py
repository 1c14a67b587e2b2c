"""API pieces join and transfer applications (and union-formation cases) share: the step view factory, step
inputs and outputs, the timeline."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from members.models import Union
from members.permissions import IsUnionStaff
from members.roles import HoldsRequiredPermission
from unionhub.lib.api import StateOut, error_codes
from unionhub.lib.errors import NotInScope


class TimelineSerializer(serializers.Serializer):
    transition = serializers.CharField()
    source = serializers.CharField()
    target = serializers.CharField()
    target_display = serializers.CharField(source="get_target_display")
    comment = serializers.CharField()
    at = serializers.DateTimeField()


class DispatchIn(serializers.Serializer):
    county = serializers.PrimaryKeyRelatedField(queryset=Union.objects.all())
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class VerifyIn(serializers.Serializer):
    union = serializers.PrimaryKeyRelatedField(
        queryset=Union.objects.all(), allow_null=True, required=False, default=None
    )
    employer_name = serializers.CharField(required=False, allow_blank=True, default="")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class RejectIn(serializers.Serializer):
    reason = serializers.CharField()


class ApproveOut(StateOut):
    membership_id = serializers.IntegerField(allow_null=True)


def staff_action_api(
    *,
    name: str,
    service,
    input_serializer,
    output=StateOut,
    output_extra=None,
    id_field: str = "application_id",
    respond=None,
    required_perm="applications.change_joinapplication",
    codes: tuple[str, ...] = (),
    summary: str = "",
    visible=None,
):
    """One APIView class per staff step of an application or a case: validate the body, call the service with the
    row's id (as `id_field`) and the actor; answer {id, state} plus `output_extra(row)`, or `respond(row)`.
    Only a role holding `required_perm` (审批员) may take the step; `codes`: the error codes the step may answer
    besides `invalid_transition`. `visible(user)`: the queryset of rows the actor may see; a row outside it answers
    404 before its input is looked at (an outsider learns nothing from a 400)."""

    @error_codes("invalid_transition", *codes)
    class ActionApi(APIView):
        permission_classes = [IsUnionStaff, HoldsRequiredPermission]

        @extend_schema(request=input_serializer, responses=output)
        def post(self, request, pk: int):
            if visible is not None and not visible(request.user).filter(pk=pk).exists():
                raise NotInScope()
            data = input_serializer(data=request.data)
            data.is_valid(raise_exception=True)
            app = service(**{id_field: pk}, actor=request.user, **data.validated_data)
            if respond is not None:
                return Response(respond(app))
            body = {"id": app.pk, "state": app.state}
            if output_extra:
                body.update(output_extra(app))
            return Response(body)

    ActionApi.required_perm = required_perm
    ActionApi.__name__ = ActionApi.__qualname__ = f"{name}Api"
    ActionApi.api_summary = summary
    return ActionApi
