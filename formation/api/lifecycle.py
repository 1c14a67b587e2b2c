"""API v1 of founding, term renewal and dissolution: lists in scope, the opening requests and the steps."""

from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api import staff_action_api
from formation import selectors, services
from formation.api.cases import CaseStepIn
from formation.models import Dissolution, DissolutionReason, Founding, FoundingDocumentKind, TermRenewal
from members.api import UnionRefSerializer
from members.models import Union
from members.permissions import IsUnionStaff
from members.roles import HoldsRequiredPermission
from unionhub.lib import clock
from unionhub.lib.api import error_codes
from unionhub.lib.errors import NotInScope


def _require(request, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(gettext("您的角色没有办理此项工作的权限。"))


class _ProcedureListApi(generics.ListAPIView):
    """A lifecycle procedure's list (the staff member's union and those below it) and its POST, which starts
    one: `create_service(actor=…, **input)`, allowed with `create_perm`, answered with `serializer_class`."""

    permission_classes = [IsUnionStaff]
    list_selector = None  # staticmethod: (user=) -> QuerySet
    input_serializer: type[serializers.Serializer]
    create_service = None  # staticmethod: (actor=, **validated_data) -> the new object
    create_perm = ""

    def get_queryset(self):
        return self.list_selector(user=self.request.user)

    def post(self, request):
        _require(request, self.create_perm)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = self.create_service(actor=request.user, **data.validated_data)
        return Response(self.serializer_class(created).data, status=status.HTTP_201_CREATED)


def _procedure_post_schema(input_serializer, output_serializer):
    return extend_schema_view(
        post=extend_schema(request=input_serializer, responses={201: output_serializer})
    )


class PersonIn(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    position = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class CommitteeMemberIn(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    gender = serializers.ChoiceField(choices=["M", "F"])
    position = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class CommitteesIn(serializers.Serializer):
    union = CommitteeMemberIn(many=True)
    audit = CommitteeMemberIn(many=True)
    women = CommitteeMemberIn(many=True, required=False, default=list)


# --- founding ----------------------------------------------------------------------------------------------


class FoundingSerializer(serializers.ModelSerializer):
    parent = UnionRefSerializer()
    union = UnionRefSerializer(allow_null=True)
    documents = serializers.SerializerMethodField()

    class Meta:
        model = Founding
        fields = [
            "id",
            "employer_name",
            "union_name",
            "parent",
            "formation_case",
            "state",
            "due_at",
            "contact_name",
            "member_count",
            "has_women_members",
            "congress_on",
            "election_form",
            "candidates",
            "elected",
            "approved_on",
            "approval_no",
            "union",
            "documents",
        ]

    def get_documents(self, obj) -> list[str]:
        return sorted(d.kind for d in obj.documents.all())


class FoundingOpenIn(serializers.Serializer):
    parent = serializers.PrimaryKeyRelatedField(queryset=Union.objects.all())
    employer_name = serializers.CharField(max_length=200)
    union_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(max_length=50)
    contact_phone = serializers.CharField(max_length=40)
    group_members = PersonIn(many=True, required=False, default=list)


@error_codes("invalid_parent", "employer_has_union", "founding_exists")
@_procedure_post_schema(FoundingOpenIn, FoundingSerializer)
class FoundingListApi(_ProcedureListApi):
    api_summary = {"get": "建会（本级及下级）", "post": "成立筹备组（开始建会）"}
    serializer_class = FoundingSerializer
    list_selector = staticmethod(selectors.founding_list)
    input_serializer = FoundingOpenIn
    create_service = staticmethod(services.founding_open)
    create_perm = "formation.add_founding"


class FoundingFromCaseIn(CaseStepIn):
    union_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(max_length=50)
    contact_phone = serializers.CharField(max_length=40)
    group_members = PersonIn(many=True, required=False, default=list)


UnionFormationOpenFoundingApi = staff_action_api(
    name="UnionFormationOpenFounding",
    service=services.founding_open_from_case,
    input_serializer=FoundingFromCaseIn,
    id_field="case_id",
    output=FoundingSerializer,
    respond=lambda founding: FoundingSerializer(founding).data,
    required_perm="formation.add_founding",
    visible=lambda user: selectors.union_formation_list(user=user),
    codes=("invalid_parent", "employer_has_union", "founding_exists"),
    summary="督促建会案件：成立筹备组",
)

FOUNDING_STEP = {
    "id_field": "founding_id",
    "output": FoundingSerializer,
    "respond": lambda founding: FoundingSerializer(founding).data,
    "required_perm": "formation.change_founding",
    "visible": lambda user: selectors.founding_list(user=user),
}


class FoundingApplyIn(CaseStepIn):
    member_count = serializers.IntegerField(min_value=1)
    has_women_members = serializers.BooleanField(default=False)


class FoundingCongressIn(CaseStepIn):
    congress_on = serializers.DateField()
    election_form = serializers.ChoiceField(choices=["direct", "indirect"])
    candidates = CommitteesIn()


class FoundingElectionIn(CaseStepIn):
    elected = CommitteesIn()


class FoundingApproveIn(CaseStepIn):
    code = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class ReasonIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


FoundingApplyApi = staff_action_api(
    name="FoundingApply",
    service=services.founding_apply,
    input_serializer=FoundingApplyIn,
    codes=("invalid_member_count",),
    summary="申请建会（《关于建立工会组织的请示》）",
    **FOUNDING_STEP,
)
FoundingRequestCongressApi = staff_action_api(
    name="FoundingRequestCongress",
    service=services.founding_request_congress,
    input_serializer=FoundingCongressIn,
    codes=("invalid_committees", "invalid_election_form"),
    summary="请示召开第一次会员（代表）大会（日期、委员候选人）",
    **FOUNDING_STEP,
)
FoundingReportElectionApi = staff_action_api(
    name="FoundingReportElection",
    service=services.founding_report_election,
    input_serializer=FoundingElectionIn,
    codes=("invalid_committees",),
    summary="报告第一次会员（代表）大会选举结果",
    **FOUNDING_STEP,
)
FoundingApproveApi = staff_action_api(
    name="FoundingApprove",
    service=services.founding_approve,
    input_serializer=FoundingApproveIn,
    codes=("scans_missing", "code_taken", "invalid_parent", "reservoir_exists", "invalid_union"),
    summary="上级工会批准成立（生成工会、委员会和批复文号）",
    **FOUNDING_STEP,
)
FoundingAbandonApi = staff_action_api(
    name="FoundingAbandon",
    service=services.founding_abandon,
    input_serializer=ReasonIn,
    codes=("reason_required",),
    summary="终止建会",
    **FOUNDING_STEP,
)


class FoundingScanIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FoundingDocumentKind.choices)
    scan = serializers.FileField()


class FoundingScanOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


@error_codes("invalid_transition", "invalid_document", "scan_invalid")
class FoundingScanUploadApi(APIView):
    api_summary = "上传建会文件的签章扫描件"
    permission_classes = [IsUnionStaff, HoldsRequiredPermission]
    required_perm = "formation.change_founding"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": FoundingScanIn}, responses={201: FoundingScanOut})
    def post(self, request, pk: int):
        if not selectors.founding_list(user=request.user).filter(pk=pk).exists():
            raise NotInScope()
        data = FoundingScanIn(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.founding_scan_upload(founding_id=pk, actor=request.user, **data.validated_data)
        return Response(FoundingScanOut(document).data, status=status.HTTP_201_CREATED)


# --- term renewal ------------------------------------------------------------------------------------------


class TermRenewalSerializer(serializers.ModelSerializer):
    union = UnionRefSerializer()

    class Meta:
        model = TermRenewal
        fields = [
            "id",
            "union",
            "session_no",
            "election_form",
            "elected_on",
            "committees",
            "state",
            "due_at",
            "approval_no",
            "reason",
        ]


class TermRenewalIn(serializers.Serializer):
    union = serializers.PrimaryKeyRelatedField(queryset=Union.objects.all())
    elected_on = serializers.DateField()
    election_form = serializers.ChoiceField(choices=["direct", "indirect"])
    committees = CommitteesIn()


@error_codes("invalid_union", "invalid_election_form", "invalid_committees", "renewal_exists")
@_procedure_post_schema(TermRenewalIn, TermRenewalSerializer)
class TermRenewalListApi(_ProcedureListApi):
    api_summary = {"get": "换届（本级及下级）", "post": "申报换届选举结果"}
    serializer_class = TermRenewalSerializer
    list_selector = staticmethod(selectors.term_renewal_list)
    input_serializer = TermRenewalIn
    create_service = staticmethod(services.term_renewal_submit)
    create_perm = "formation.add_termrenewal"


RENEWAL_STEP = {
    "id_field": "renewal_id",
    "output": TermRenewalSerializer,
    "respond": lambda renewal: TermRenewalSerializer(renewal).data,
    "required_perm": "formation.change_termrenewal",
    "visible": lambda user: selectors.term_renewal_list(user=user),
}
TermRenewalApproveApi = staff_action_api(
    name="TermRenewalApprove",
    service=services.term_renewal_approve,
    input_serializer=CaseStepIn,
    summary="上级工会批准换届（届数加一，新一届委员会）",
    **RENEWAL_STEP,
)
TermRenewalRejectApi = staff_action_api(
    name="TermRenewalReject",
    service=services.term_renewal_reject,
    input_serializer=ReasonIn,
    codes=("reason_required",),
    summary="驳回换届",
    **RENEWAL_STEP,
)


class TermDueSerializer(serializers.ModelSerializer):
    parent = UnionRefSerializer(allow_null=True)
    term_ends_on = serializers.DateField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Union
        fields = [
            "id",
            "name",
            "parent",
            "session_no",
            "term_years",
            "term_started_on",
            "term_ends_on",
            "overdue",
        ]

    def get_overdue(self, obj) -> bool:
        return obj.term_ends_on < clock.today()


class TermDueListApi(generics.ListAPIView):
    api_summary = "90天内届满及已超期未换届的工会"
    permission_classes = [IsUnionStaff]
    serializer_class = TermDueSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.term_due_list(user=self.request.user, today=clock.today())


# --- dissolution -------------------------------------------------------------------------------------------


class DissolutionSerializer(serializers.ModelSerializer):
    union = UnionRefSerializer()
    target = UnionRefSerializer(allow_null=True)

    class Meta:
        model = Dissolution
        fields = [
            "id",
            "union",
            "reason",
            "note",
            "by_parent",
            "state",
            "due_at",
            "target",
            "moved_count",
            "approval_no",
            "decision",
        ]


class DissolutionIn(serializers.Serializer):
    union = serializers.PrimaryKeyRelatedField(queryset=Union.objects.all())
    reason = serializers.ChoiceField(choices=DissolutionReason.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


@error_codes("invalid_union", "invalid_dissolution_reason", "dissolution_exists")
@_procedure_post_schema(DissolutionIn, DissolutionSerializer)
class DissolutionListApi(_ProcedureListApi):
    api_summary = {"get": "撤销工会（本级及下级）", "post": "申请撤销工会"}
    serializer_class = DissolutionSerializer
    list_selector = staticmethod(selectors.dissolution_list)
    input_serializer = DissolutionIn
    create_service = staticmethod(services.dissolution_request)
    create_perm = "formation.add_dissolution"


class DissolutionApproveIn(CaseStepIn):
    target = serializers.PrimaryKeyRelatedField(
        queryset=Union.objects.all(), allow_null=True, required=False, default=None
    )


DISSOLUTION_STEP = {
    "id_field": "dissolution_id",
    "output": DissolutionSerializer,
    "respond": lambda dissolution: DissolutionSerializer(dissolution).data,
    "required_perm": "formation.change_dissolution",
    "visible": lambda user: selectors.dissolution_list(user=user),
}
DissolutionApproveApi = staff_action_api(
    name="DissolutionApprove",
    service=services.dissolution_approve,
    input_serializer=DissolutionApproveIn,
    codes=("has_children", "has_open_applications", "invalid_target"),
    summary="上级工会批准撤销（全部会员整体转出）",
    **DISSOLUTION_STEP,
)
DissolutionRejectApi = staff_action_api(
    name="DissolutionReject",
    service=services.dissolution_reject,
    input_serializer=ReasonIn,
    codes=("reason_required",),
    summary="驳回撤销申请",
    **DISSOLUTION_STEP,
)
