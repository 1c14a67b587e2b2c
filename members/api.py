from django.db.models import Q
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from members import roles as staff_roles
from members import selectors, services
from members.models import EmploymentType, Membership, MembershipStatus, RetainReason, Union, UnionLevel
from members.permissions import IsUnionStaff, staff_request
from unionhub.lib.api import error_codes
from unionhub.lib.client_ip import ClientIpThrottleMixin
from unionhub.lib.errors import BusinessError


class AuthThrottle(ClientIpThrottleMixin, AnonRateThrottle):
    rate = "30/min"


class UnionRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UnionOutSerializer(serializers.ModelSerializer):
    class Meta:
        model = Union
        fields = ["id", "name", "code", "level", "parent", "accepts_members", "is_reservoir"]


class UnionListApi(generics.ListAPIView):
    """Search unions by name or code (members pick a union when applying; staff see the tree)."""

    api_summary = {"get": "查找工会（会员选择入会工会；工作人员查看本级及下级）", "post": "创建下级工会"}
    serializer_class = UnionOutSerializer
    api_audience = {"get": ("member", "staff"), "post": ("staff",)}

    def get_queryset(self):
        user = self.request.user
        if staff_request(self.request):
            qs = selectors.union_scope(user).order_by("path")
        else:  # members pick among the unions that accept members
            qs = Union.objects.filter(accepts_members=True, dissolved_on__isnull=True).order_by("path")
        search = self.request.query_params.get("search", "").strip()
        if search:
            qs = qs.filter(Q(name__icontains=search) | Q(code__iexact=search))
        return qs

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        code = serializers.CharField(max_length=40)
        level = serializers.ChoiceField(choices=UnionLevel.choices)
        parent = serializers.PrimaryKeyRelatedField(queryset=Union.objects.all(), allow_null=True)
        accepts_members = serializers.BooleanField(default=False)
        is_reservoir = serializers.BooleanField(default=False)

    @extend_schema(request=InputSerializer, responses={201: UnionOutSerializer})
    @error_codes("invalid_level", "invalid_parent", "code_taken", "reservoir_exists")
    def post(self, request):
        if not IsUnionStaff().has_permission(request, self):
            raise PermissionDenied(gettext("仅工会工作人员可以创建工会。"))
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        union = services.union_create(actor=request.user, **data.validated_data)
        return Response(UnionOutSerializer(union).data, status=status.HTTP_201_CREATED)


class StaffCreateApi(APIView):
    api_summary = "为下级工会创建工作人员账号"
    permission_classes = [IsUnionStaff]

    class InputSerializer(serializers.Serializer):
        username = serializers.RegexField(r"^[A-Za-z][A-Za-z0-9_.-]{2,39}$")
        password = serializers.CharField(style={"input_type": "password"})
        union = serializers.PrimaryKeyRelatedField(queryset=Union.objects.all())
        is_union_admin = serializers.BooleanField(default=False)
        roles = serializers.ListField(
            child=serializers.ChoiceField(choices=[r.key for r in staff_roles.GRANTABLE]),
            required=False,
            help_text="角色（approver 审批员、finance 财务、data_manager 资料管理员、reveal 查看明文）；"
            "省略时为审批员、财务、资料管理员。",
        )

    @extend_schema(request=InputSerializer, responses={201: UnionRefSerializer})
    @error_codes("not_union_admin", "not_below", "username_taken", "unknown_role", "invalid")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.staff_create(actor=request.user, **data.validated_data)
        return Response({"id": user.pk}, status=status.HTTP_201_CREATED)


class MembershipOutSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name")
    id_number_masked = serializers.CharField(source="person.id_number_masked")
    union = UnionRefSerializer()

    class Meta:
        model = Membership
        fields = ["id", "person_name", "id_number_masked", "union", "status", "dues_mode", "member_no"]


class MembershipListApi(generics.ListAPIView):
    api_summary = "本级及下级工会的会籍列表"
    permission_classes = [IsUnionStaff]
    serializer_class = MembershipOutSerializer

    def get_queryset(self):
        qs = (
            Membership.objects.filter(selectors.scope_filter(self.request.user))
            .select_related("person", "union")
            .order_by("pk")
        )
        params = self.request.query_params
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("union"):
            try:
                union = selectors.union_scope(self.request.user).get(pk=int(params["union"]))
            except (Union.DoesNotExist, ValueError):
                return qs.none()
            qs = qs.filter(union__path__startswith=union.path)
        return qs


class MembershipStateOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    union = UnionRefSerializer()


class MembershipActionApi(APIView):
    """POST memberships/{id}/{action}/ — lifecycle transitions by staff in scope."""

    permission_classes = [IsUnionStaff, staff_roles.HoldsRequiredPermission]
    required_perm = "members.change_membership"
    action_name = ""

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=MembershipStateOut)
    @error_codes(
        "invalid_transition",
        "invalid_reason",
        "reason_required",
        "already_member",
        "no_reservoir",
        "already_in_reservoir",
    )
    def post(self, request, pk: int):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data["reason"]
        membership = selectors.get_in_scope(Membership.objects.all(), request.user, pk)
        actor = request.user
        if self.action_name == "retain":
            if reason not in RetainReason.values:
                raise BusinessError(
                    "invalid_reason", gettext("保留会籍原因应为 retired、unemployed、military 或 other。")
                )
            membership = services.membership_retain(membership_id=membership.pk, actor=actor, reason=reason)
        elif self.action_name == "restore":
            membership = services.membership_restore(membership_id=membership.pk, actor=actor, reason=reason)
        elif self.action_name == "withdraw":
            membership = services.membership_withdraw(membership_id=membership.pk, actor=actor, reason=reason)
        elif self.action_name == "expel":
            membership = services.membership_expel(membership_id=membership.pk, actor=actor, reason=reason)
        elif self.action_name == "reinstate":
            membership = services.membership_reinstate(
                membership_id=membership.pk, actor=actor, reason=reason
            )
        elif self.action_name == "move-out":
            membership = services.membership_move_out(membership_id=membership.pk, actor=actor, reason=reason)
        return Response(
            MembershipStateOut(
                {"id": membership.pk, "status": membership.status, "union": membership.union}
            ).data
        )


MEMBERSHIP_ACTION_SUMMARIES = {
    "retain": "保留会籍",
    "restore": "恢复正常会籍",
    "withdraw": "退会（经谈话后决定）",
    "expel": "开除会籍",
    "reinstate": "恢复会籍（自动退会后）",
    "move-out": "迁出到职工服务中心工会",
}


def membership_action_view(name: str):
    return type(
        f"Membership{name.title().replace('-', '')}Api",
        (MembershipActionApi,),
        {"action_name": name, "api_summary": MEMBERSHIP_ACTION_SUMMARIES[name]},
    ).as_view()


__all__ = ["EmploymentType", "MembershipStatus"]
