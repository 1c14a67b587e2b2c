"""API v1 for join applications (SPEC §8): the applicant's side under me/, the staff side in scope."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from applications import selectors, services
from applications.models import STATEMENT, JoinApplication
from casework import selectors as case_selectors
from casework.api import ApproveOut, DispatchIn, RejectIn, TimelineSerializer, VerifyIn, staff_action_api
from casework.models import ApplicationState
from members.api import IsUnionStaff, UnionRefSerializer
from members.models import DuesMode, EmploymentType, Union
from members.permissions import member_person
from unionhub.lib import clock
from unionhub.lib.api import StateOut, error_codes
from unionhub.lib.paginators import CappedPagination


def _person(request):
    return member_person(request.user)


class MyJoinApplicationSerializer(serializers.ModelSerializer):
    union = UnionRefSerializer(allow_null=True)
    state_display = serializers.CharField(source="get_state_display")

    class Meta:
        model = JoinApplication
        fields = ["id", "state", "state_display", "union", "reason", "created_at", "due_at"]


class JoinApplicationIn(serializers.Serializer):
    union = serializers.PrimaryKeyRelatedField(
        queryset=Union.objects.all(), allow_null=True, required=False, default=None
    )
    unit_name = serializers.CharField(max_length=200)
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices)
    hire_date = serializers.DateField(required=False, allow_null=True, default=None)
    statement = serializers.CharField(required=False, allow_blank=True, default=STATEMENT)
    proof = serializers.FileField(required=False, allow_null=True, default=None)
    wants_card = serializers.BooleanField(required=False, default=False)
    declared_retired = serializers.BooleanField(required=False, default=False)
    legal_representative = serializers.BooleanField(required=False, default=False)


class JoinApplicationCreatedOut(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    due_at = serializers.DateField()


class MyJoinApplicationListCreateApi(APIView):
    """GET: my join applications; POST: apply (multipart when a proof is attached)."""

    api_summary = {"get": "我的入会申请", "post": "提交入会申请"}

    @extend_schema(responses=MyJoinApplicationSerializer(many=True))
    @error_codes("not_a_member_account")
    def get(self, request):
        apps = JoinApplication.objects.filter(applicant=_person(request)).select_related("union")
        return Response(MyJoinApplicationSerializer(apps, many=True).data)

    @extend_schema(
        request=JoinApplicationIn,
        responses={201: JoinApplicationCreatedOut},
        examples=[
            OpenApiExample(
                "申请入会（在职职工，直接选择基层工会）",
                request_only=True,
                value={
                    "union": 12,
                    "unit_name": "宜昌电力设备有限公司",
                    "employment_type": "staff",
                    "hire_date": "2025-02-10",
                    "wants_card": True,
                },
            ),
            OpenApiExample(
                "已提交",
                response_only=True,
                status_codes=["201"],
                value={"id": 7, "state": "submitted", "due_at": "2025-04-18"},
            ),
            OpenApiExample(
                "未满18周岁",
                response_only=True,
                status_codes=["400"],
                value={"code": "underage", "detail": "未满18周岁，暂不能申请入会。"},
            ),
            OpenApiExample(
                "劳务派遣须上传证明",
                response_only=True,
                status_codes=["400"],
                value={
                    "code": "proof_required",
                    "detail": "劳务派遣人员须上传加盖用工单位公章的委托入会证明。",
                },
            ),
        ],
    )
    @error_codes(
        "not_a_member_account",
        "underage",
        "already_member",
        "open_application_exists",
        "invalid_employment_type",
        "proof_required",
        "union_not_accepting",
        "invalid_hire_date",
        "proof_invalid_type",
        "proof_too_large",
    )
    def post(self, request):
        _person(request)
        data = JoinApplicationIn(data=request.data)
        data.is_valid(raise_exception=True)
        app = services.join_application_submit(user=request.user, **data.validated_data)
        return Response(JoinApplicationCreatedOut(app).data, status=status.HTTP_201_CREATED)


class MyJoinApplicationDetailSerializer(MyJoinApplicationSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(MyJoinApplicationSerializer.Meta):
        fields = [*MyJoinApplicationSerializer.Meta.fields, "unit_name", "employment_type", "timeline"]

    def get_timeline(self, obj) -> list[dict]:
        return TimelineSerializer(case_selectors.timeline(obj), many=True).data


class MyJoinApplicationDetailApi(APIView):
    api_summary = "我的一份入会申请及办理进度"

    @extend_schema(responses=MyJoinApplicationDetailSerializer)
    def get(self, request, pk: int):
        # one application is either the caller's own or not found (a staff account has none)
        app = selectors.join_application_for_applicant(person=request.user.person, pk=pk)
        return Response(MyJoinApplicationDetailSerializer(app).data)


class MyJoinApplicationWithdrawApi(APIView):
    api_summary = "撤销我的入会申请"

    @extend_schema(request=None, responses=StateOut)
    @error_codes("invalid_transition")
    def post(self, request, pk: int):
        app = services.join_application_withdraw(application_id=pk, user=request.user)
        return Response({"id": app.pk, "state": app.state})


class StaffJoinApplicationSerializer(serializers.ModelSerializer):
    applicant_name = serializers.CharField(source="applicant.name")
    id_number_masked = serializers.CharField(source="applicant.id_number_masked")
    union = UnionRefSerializer(allow_null=True)
    county = UnionRefSerializer(allow_null=True)
    overdue = serializers.SerializerMethodField()
    flags = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = JoinApplication
        fields = [
            "id",
            "state",
            "applicant_name",
            "id_number_masked",
            "unit_name",
            "employer_name",
            "employment_type",
            "hire_date",
            "union",
            "county",
            "due_at",
            "overdue",
            "flags",
            "reason",
            "created_at",
        ]

    def get_overdue(self, obj) -> bool:
        return obj.is_open and obj.due_at < clock.today()


class JoinApplicationListApi(generics.ListAPIView):
    """Staff: applications in scope; ?state=, ?queue=1 (waiting for my role), ?overdue=1."""

    api_summary = "本级及下级工会的入会申请"
    permission_classes = [IsUnionStaff]
    serializer_class = StaffJoinApplicationSerializer
    pagination_class = CappedPagination

    def get_queryset(self):
        params = self.request.query_params
        state = params.get("state") or None
        if state and state not in ApplicationState.values:
            return JoinApplication.objects.none()
        qs = selectors.join_application_list(
            user=self.request.user, state=state, queue=params.get("queue") in ("1", "true")
        )
        if params.get("overdue") in ("1", "true"):
            qs = qs.filter(case_selectors.overdue_q(clock.today()))
        return qs


class StaffJoinApplicationDetailSerializer(StaffJoinApplicationSerializer):
    timeline = serializers.SerializerMethodField()

    class Meta(StaffJoinApplicationSerializer.Meta):
        fields = [
            *StaffJoinApplicationSerializer.Meta.fields,
            "statement",
            "wants_card",
            "dues_mode",
            "membership",
            "timeline",
        ]

    def get_timeline(self, obj) -> list[dict]:
        return TimelineSerializer(case_selectors.timeline(obj), many=True).data


class JoinApplicationDetailApi(APIView):
    """Staff: one application in scope with its trace."""

    api_summary = "一份入会申请及其办理痕迹"
    permission_classes = [IsUnionStaff]

    @extend_schema(responses=StaffJoinApplicationDetailSerializer)
    def get(self, request, pk: int):
        app = selectors.join_application_get(user=request.user, pk=pk)
        return Response(StaffJoinApplicationDetailSerializer(app).data)


class ApproveIn(serializers.Serializer):
    dues_mode = serializers.ChoiceField(choices=DuesMode.choices)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    id_card_checked = serializers.BooleanField(
        required=False,
        default=False,
        help_text="申请人身份尚未核验（identity_verified_by 为空）时必须为 true：审批人已核对身份证原件",
    )


JoinApplicationDispatchApi = staff_action_api(
    name="JoinApplicationDispatch",
    service=services.join_application_dispatch,
    input_serializer=DispatchIn,
    codes=("invalid_county",),
    summary="分派入会申请到县区总工会（市总工会）",
)
JoinApplicationVerifyApi = staff_action_api(
    name="JoinApplicationVerify",
    service=services.join_application_verify,
    input_serializer=VerifyIn,
    codes=("invalid_union", "same_union"),
    summary="校核入会申请并确定接收工会（县区总工会）",
)
JoinApplicationApproveApi = staff_action_api(
    name="JoinApplicationApprove",
    service=services.join_application_approve,
    input_serializer=ApproveIn,
    output=ApproveOut,
    output_extra=lambda app: {"membership_id": app.membership_id},
    codes=("invalid_dues_mode", "union_not_accepting", "already_member", "identity_unverified"),
    summary="批准入会申请",
)
JoinApplicationRejectApi = staff_action_api(
    name="JoinApplicationReject",
    service=services.join_application_reject,
    input_serializer=RejectIn,
    codes=("reason_required",),
    summary="驳回入会申请",
)
