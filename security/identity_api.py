"""POST auth/register/, auth/activate/ and auth/claims/ (SPEC §9): registration and activation prove the phone by
a code; an ID number already bound is answered id_number_bound (after the code) and may be claimed."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from members.api import AuthThrottle
from security import claims, registration
from unionhub.lib.api import error_codes
from unionhub.lib.parsers import SafeMultiPartParser

ID_CODES = ("id_format", "id_checksum", "id_address_code", "id_birth_date", "phone_format", "invalid")


class RegisterApi(APIView):
    api_summary = "会员实名注册（短信验证码核验手机号码）"
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=50)
        id_number = serializers.CharField(max_length=18)
        phone = serializers.CharField(max_length=20)
        sms_code = serializers.RegexField(r"^\d{6}$", help_text="注册验证码（purpose=register，6位数字）")
        password = serializers.CharField(write_only=True, style={"input_type": "password"}, max_length=128)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        token = serializers.CharField()

    @extend_schema(
        request=InputSerializer,
        responses={201: OutputSerializer},
        description="先用 auth/sms-codes/（purpose=register）获取验证码。身份证号码已绑定其他账号时，核验验证码后回答"
        " 400 id_number_bound（detail 中给出该账号的脱敏手机号码，claim: true 表示可通过 auth/claims/ 认领）。"
        "已绑定账号的手机号码收不到注册验证码，只会得到 sms_code_invalid。",
        examples=[
            OpenApiExample(
                "实名注册",
                request_only=True,
                value={
                    "name": "张三",
                    "id_number": "11010519491231002X",
                    "phone": "13800138000",
                    "sms_code": "123456",
                    "password": "Gonghui-2025",
                },
            ),
            OpenApiExample(
                "注册成功",
                response_only=True,
                status_codes=["201"],
                value={"id": 42, "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
            ),
            OpenApiExample(
                "身份证号码已绑定",
                response_only=True,
                status_codes=["400"],
                value={
                    "code": "id_number_bound",
                    "detail": "该身份证号码已绑定手机号码为 138****1234 的账号。如果您是本人，请提出认领申请。",
                    "claim": True,
                    "phone_masked": "138****1234",
                },
            ),
        ],
    )
    @error_codes("sms_code_invalid", "id_number_bound", *ID_CODES)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, token = registration.member_register_by_code(**data.validated_data)
        return Response({"id": user.pk, "token": token}, status=status.HTTP_201_CREATED)


class ActivateApi(APIView):
    api_summary = "激活会员账号（工会已登记的会员）"
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]

    class InputSerializer(serializers.Serializer):
        id_number = serializers.CharField(max_length=18)
        phone = serializers.CharField(max_length=20, help_text="工会登记的手机号码")
        sms_code = serializers.RegexField(r"^\d{6}$", help_text="激活验证码（purpose=activate，6位数字）")
        password = serializers.CharField(write_only=True, style={"input_type": "password"}, max_length=128)

    @extend_schema(
        request=InputSerializer,
        responses={201: RegisterApi.OutputSerializer},
        description="验证码只发送到工会登记信息中、尚未开通账号的手机号码。验证码正确但身份证号码与该手机号码的登记"
        "信息不符（或已开通账号）时回答 not_on_record。",
    )
    @error_codes("not_on_record", "sms_code_invalid", *ID_CODES)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, token = registration.member_activate(**data.validated_data)
        return Response({"id": user.pk, "token": token}, status=status.HTTP_201_CREATED)


class ClaimFileApi(APIView):
    api_summary = "认领被他人绑定的身份证号码（上传身份证照片，由工会审核）"
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]
    parser_classes = [SafeMultiPartParser]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=50)
        id_number = serializers.CharField(max_length=18)
        phone = serializers.CharField(max_length=20, help_text="认领人本人的手机号码")
        sms_code = serializers.RegexField(r"^\d{6}$", help_text="认领验证码（purpose=claim，6位数字）")
        id_card = serializers.FileField(help_text="身份证人像面照片（JPG/PNG，≤5 MB）")

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        state = serializers.CharField()

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={201: OutputSerializer},
        description="由该人员会籍所在工会（无会籍时为市总工会）的工作人员核对身份证后批准或驳回；批准后身份证号码"
        "绑定到认领人的手机号码，原账号停用并在所有设备上退出登录，双方都会收到通知。",
    )
    @error_codes("sms_code_invalid", "nothing_to_claim", "claim_open", "id_card_invalid", *ID_CODES)
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = claims.identity_claim_file(**data.validated_data)
        return Response({"id": claim.pk, "state": claim.state}, status=status.HTTP_201_CREATED)
