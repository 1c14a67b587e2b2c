"""API of the member's own corner: messages (消息), profile upkeep, the card."""

from django.conf import settings
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from members import selectors
from members.api import UnionRefSerializer
from members.identity import identity_verified_by
from members.models import Education, HouseholdType, IdentityMethod, PoliticalStatus
from members.permissions import member_person
from members.profile import person_profile_update
from notifications import inbox
from notifications.models import OutboxMessage
from portal import card
from unionhub.lib import months
from unionhub.lib.api import error_codes


def _person(request):
    return member_person(request.user)


class MembershipBriefSerializer(serializers.Serializer):
    union = UnionRefSerializer()
    status = serializers.CharField()
    dues_mode = serializers.CharField()
    member_no = serializers.CharField()
    dues_start = serializers.SerializerMethodField()

    def get_dues_start(self, obj) -> str:
        return months.format_month(obj.dues_start)


class MeApi(APIView):
    api_summary = "本人信息与会籍"

    class OutputSerializer(serializers.Serializer):
        name = serializers.CharField()
        id_number_masked = serializers.CharField()
        phone_masked = serializers.CharField()
        membership = MembershipBriefSerializer(allow_null=True)
        identity_verified_by = serializers.ListField(
            child=serializers.ChoiceField(choices=IdentityMethod.values),
            help_text="身份核验方式（手机验证码、微信、统一身份认证、工作人员核验证件）；空表示未核验",
        )

    @extend_schema(responses=OutputSerializer)
    @error_codes("not_a_member_account")
    def get(self, request):
        person = member_person(request.user)
        membership = selectors.membership_current(person)
        return Response(
            self.OutputSerializer(
                {
                    "name": person.name,
                    "id_number_masked": person.id_number_masked,
                    "phone_masked": person.phone_masked,
                    "membership": membership,
                    "identity_verified_by": identity_verified_by(request.user),
                }
            ).data
        )


class MessageOutSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField()

    class Meta:
        model = OutboxMessage
        fields = ["id", "template", "subject", "body", "created_at", "read_at", "unread"]

    def get_unread(self, obj) -> bool:
        return obj.read_at is None


class MeMessageListApi(generics.ListAPIView):
    """The caller's in-site messages, newest first; the page also tells the unread count."""

    api_summary = "我的站内消息"
    serializer_class = MessageOutSerializer

    def get_queryset(self):
        return inbox.inbox_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        response.data["unread_count"] = inbox.inbox_unread_count(user=request.user)
        return response


class MeMessageReadApi(APIView):
    api_summary = "标记一条消息已读"

    @extend_schema(request=None, responses=MessageOutSerializer)
    def post(self, request, pk: int):
        message = inbox.inbox_message_read(user=request.user, message_id=pk)
        return Response(MessageOutSerializer(message).data)


class MeMessageReadAllApi(APIView):
    api_summary = "全部消息标记已读"

    @extend_schema(
        request=None, responses=inline_serializer("ReadAllOut", {"marked": serializers.IntegerField()})
    )
    def post(self, request):
        return Response({"marked": inbox.inbox_read_all(user=request.user)})


class ProfileOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    id_number_masked = serializers.CharField()
    phone_masked = serializers.CharField()
    address = serializers.CharField()
    education = serializers.CharField()
    political_status = serializers.CharField()
    household_type = serializers.CharField()
    ethnicity = serializers.CharField()
    unit_name = serializers.CharField()


class ProfileUpdateInSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False)
    password = serializers.CharField(required=False, write_only=True)
    address = serializers.CharField(required=False, allow_blank=True)
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True)
    political_status = serializers.ChoiceField(
        choices=PoliticalStatus.choices, required=False, allow_blank=True
    )
    household_type = serializers.ChoiceField(choices=HouseholdType.choices, required=False, allow_blank=True)
    ethnicity = serializers.CharField(required=False, allow_blank=True)
    unit_name = serializers.CharField(required=False, allow_blank=True)


class MeProfileApi(APIView):
    """GET the member's own record (ID number and phone masked); PATCH the fields a member may change.

    Name and ID number are refused (400 `staff_only_field`), any other unknown field too
    (400 `field_not_changeable`). A new phone needs `password` (400 `password_required`).
    """

    api_summary = {"get": "我的资料（证件号码、手机号码已脱敏）", "patch": "修改我的资料"}

    @extend_schema(responses=ProfileOutSerializer)
    @error_codes("not_a_member_account")
    def get(self, request):
        return Response(ProfileOutSerializer(_person(request)).data)

    @extend_schema(request=ProfileUpdateInSerializer, responses=ProfileOutSerializer)
    @error_codes(
        "not_a_member_account",
        "staff_only_field",
        "field_not_changeable",
        "password_required",
        "phone_taken",
        "invalid",
    )
    def patch(self, request):
        person = _person(request)
        # Every key goes to the service, which refuses what a member may not change (no silent dropping).
        changes = {key: value for key, value in request.data.items() if key != "password"}
        person_profile_update(
            person_id=person.pk,
            actor=request.user,
            changes=changes,
            password=request.data.get("password", ""),
        )
        person.refresh_from_db()
        return Response(ProfileOutSerializer(person).data)


class MeCardApi(APIView):
    """The member's electronic card: its facts and the verification link its QR code carries."""

    api_summary = "我的电子会员卡"

    @extend_schema(
        responses=inline_serializer(
            "CardOut",
            {
                "available": serializers.BooleanField(),
                "member_no": serializers.CharField(allow_null=True),
                "union": serializers.CharField(allow_null=True),
                "status": serializers.CharField(allow_null=True),
                "joined_on": serializers.DateField(allow_null=True),
                "verify_url": serializers.CharField(allow_null=True),
                "expires_in": serializers.IntegerField(),
            },
        )
    )
    @error_codes("not_a_member_account")
    def get(self, request):
        membership, available = card.member_card(_person(request))
        return Response(
            {
                "available": available,
                "member_no": membership.member_no if available else None,
                "union": membership.union.name if available else None,
                "status": membership.status if membership else None,
                "joined_on": membership.joined_on if available else None,
                "verify_url": card.card_verify_url(membership, request) if available else None,
                "expires_in": settings.CARD_LINK_MAX_AGE_SECONDS,
            }
        )
