"""API v1 of union-formation cases."""

from rest_framework import generics, serializers

from casework.api import staff_action_api
from formation import selectors, services
from formation.models import UnionFormationCase
from members.api import UnionRefSerializer
from members.models import Union
from members.permissions import IsUnionStaff


class UnionFormationCaseSerializer(serializers.ModelSerializer):
    union = UnionRefSerializer(source="reservoir")
    county = UnionRefSerializer()
    new_union = UnionRefSerializer(allow_null=True)

    class Meta:
        model = UnionFormationCase
        fields = [
            "id",
            "employer_name",
            "union",
            "county",
            "member_count",
            "state",
            "due_at",
            "opened_on",
            "notice_issued_on",
            "new_union",
            "established_on",
            "transferred_count",
        ]


class UnionFormationCaseListApi(generics.ListAPIView):
    api_summary = "单位建会督办案件"
    permission_classes = [IsUnionStaff]
    serializer_class = UnionFormationCaseSerializer

    def get_queryset(self):
        return selectors.union_formation_list(user=self.request.user)


class CaseStepIn(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class CaseEstablishIn(CaseStepIn):
    union = serializers.PrimaryKeyRelatedField(queryset=Union.objects.all())


# Case steps answer with the whole case.
CASE_STEP = {
    "id_field": "case_id",
    "output": UnionFormationCaseSerializer,
    "respond": lambda case: UnionFormationCaseSerializer(case).data,
    "required_perm": "formation.change_unionformationcase",
}

UnionFormationIssueNoticeApi = staff_action_api(
    name="UnionFormationIssueNotice",
    service=services.union_formation_issue_notice,
    input_serializer=CaseStepIn,
    summary="下发《工会组建通知书》",
    **CASE_STEP,
)


UnionFormationEstablishApi = staff_action_api(
    name="UnionFormationEstablish",
    service=services.union_formation_establish,
    input_serializer=CaseEstablishIn,
    codes=("invalid_union",),
    summary="登记单位已成立工会",
    **CASE_STEP,
)


UnionFormationTransferMembersApi = staff_action_api(
    name="UnionFormationTransferMembers",
    service=services.union_formation_transfer_members,
    input_serializer=CaseStepIn,
    summary="将该单位会员整体转入新工会",
    **CASE_STEP,
)
