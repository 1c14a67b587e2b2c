"""API v1 for transfers (SPEC §8) and union-formation cases."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from applications.api import ApproveOut, DispatchIn, RejectIn, TimelineSerializer, VerifyIn, staff_action_api
from casework.models import ApplicationState
from casework.selectors import timeline
from members.api import IsUnionStaff, UnionRefSerializer
from members.models import DuesMode, Union
from members.permissions import member_person
from transfers import selectors, services
from transfers.models import TransferApplication
from unionhub.lib import clock
from unionhub.lib.api import StateOut, error_codes


def _person(request):
    return member_person(request.user)


class TransferApplicationIn(serializers.Serializer):
    union = serializers.PrimaryKeyRelatedField(
        queryset=Union.objects.all(), allow_null=True, required=False, default=None
    )
    unit_name = serializers.CharField(max_length=200)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    secondment_until = serializers.DateField(required=False, allow_null=True, default=None)


class TransferApplicationCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    kind = serializers.ChoiceField(choices=["transfer", "join"])
    due_at = serializers.DateField()
    detail = serializers.CharField(required=False)


class MyTransferApplicationSerializer(serializers.ModelSerializer):
    union = UnionRefSerializer(allow_null=True)
    from_union = UnionRefSerializer()
    state_display = serializers.CharField(source="get_state_display")
    timeline = serializers.SerializerMethodField()

    class Meta:
        model = TransferApplication
        fields = [
            "id",
            "state",
            "state_display",
            "union",
            "from_union",
            "unit_name",
            "transfer_reason",
            "secondment_until",
            "reason",
            "created_at",
            "due_at",
            "timeline",
        ]

    def get_timeline(self, obj) -> list[dict]:
        return TimelineSerializer(timeline(obj), many=True).data


class MyTransferApplicationListCreateApi(APIView):
    """GET: my transfer applications; POST: ask to move (a non-member gets a join application instead)."""

    api_summary = {"get": "我的转会申请", "post": "提交转会申请（非本市会员转为入会申请）"}

    @extend_schema(responses=MyTransferApplicationSerializer(many=True))
    @error_codes("not_a_member_account")
    def get(self, request):
        apps = (
            TransferApplication.objects.filter(applicant=_person(request))
            .select_related("union", "from_union")
            .order_by("-created_at", "-pk")
        )
        return Response(MyTransferApplicationSerializer(apps, many=True).data)

    @extend_schema(request=TransferApplicationIn, responses={201: TransferApplicationCreatedOut})
    # someone not known as a member gets a join application: its pre-screening codes too
    @error_codes(
        "not_a_member_account",
        "open_application_exists",
        "same_union",
        "union_not_accepting",
        "secondment_too_short",
        "underage",
        "invalid_employment_type",
        "proof_required",
        "invalid_hire_date",
    )
    def post(self, request):
        _person(request)
        data = TransferApplicationIn(data=request.data)
        data.is_valid(raise_exception=True)
        app, kind = services.transfer_application_submit(user=request.user, **data.validated_data)
        body = {"id": app.pk, "state": app.state, "kind": kind, "due_at": app.due_at}
        if kind == "join":
            body["detail"] = "系统中未查询到您的会员信息（例如会员关系在市外），已为您转为入会申请。"
        return Response(TransferApplicationCreatedOut(body).data, status=status.HTTP_201_CREATED)


class MyTransferApplicationWithdrawApi(APIView):
    api_summary = "撤销我的转会申请"

    @extend_schema(request=None, responses=StateOut)
    @error_codes("invalid_transition")
    def post(self, request, pk: int):
        app = services.transfer_application_withdraw(application_id=pk, user=request.user)
        return Response({"id": app.pk, "state": app.state})


class StaffTransferApplicationSerializer(serializers.ModelSerializer):
    applicant_name = serializers.CharField(source="applicant.name")
    id_number_masked = serializers.CharField(source="applicant.id_number_masked")
    member_no = serializers.CharField(source="membership.member_no")
    union = UnionRefSerializer(allow_null=True)
    county = UnionRefSerializer(allow_null=True)
    from_union = UnionRefSerializer()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = TransferApplication
        fields = [
            "id",
            "state",
            "applicant_name",
            "id_number_masked",
            "member_no",
            "from_union",
            "union",
            "county",
            "unit_name",
            "employer_name",
            "transfer_reason",
            "secondment_until",
            "due_at",
            "overdue",
            "reason",
            "created_at",
        ]

    def get_overdue(self, obj) -> bool:
        return obj.is_open and obj.due_at < clock.today()


class TransferApplicationListApi(generics.ListAPIView):
    api_summary = "本级及下级工会的转会申请"
    permission_classes = [IsUnionStaff]
    serializer_class = StaffTransferApplicationSerializer

    def get_queryset(self):
        state = self.request.query_params.get("state") or None
        if state and state not in ApplicationState.values:
            return TransferApplication.objects.none()
        return selectors.transfer_application_list(user=self.request.user, state=state)


class TransferApproveIn(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    dues_mode = serializers.ChoiceField(
        choices=DuesMode.choices, required=False, allow_blank=True, default=""
    )


TRANSFER_PERM = "transfers.change_transferapplication"
TransferApplicationDispatchApi = staff_action_api(
    name="TransferApplicationDispatch",
    required_perm=TRANSFER_PERM,
    service=services.transfer_application_dispatch,
    input_serializer=DispatchIn,
    codes=("invalid_county",),
    summary="分派转会申请到县区总工会（市总工会）",
)
TransferApplicationVerifyApi = staff_action_api(
    name="TransferApplicationVerify",
    required_perm=TRANSFER_PERM,
    service=services.transfer_application_verify,
    input_serializer=VerifyIn,
    codes=("invalid_union", "same_union"),
    summary="校核转会申请并确定转入工会（县区总工会）",
)
TransferApplicationApproveApi = staff_action_api(
    name="TransferApplicationApprove",
    required_perm=TRANSFER_PERM,
    service=services.transfer_application_approve,
    input_serializer=TransferApproveIn,
    output=ApproveOut,
    output_extra=lambda app: {"membership_id": app.membership_id},
    codes=("invalid_dues_mode", "membership_inactive"),
    summary="批准转会申请（会员组织关系转入）",
)
TransferApplicationRejectApi = staff_action_api(
    name="TransferApplicationReject",
    required_perm=TRANSFER_PERM,
    service=services.transfer_application_reject,
    input_serializer=RejectIn,
    codes=("reason_required",),
    summary="驳回转会申请",
)
