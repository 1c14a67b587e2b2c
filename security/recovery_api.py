"""POST auth/password-reset/ and POST auth/sms-login/ (SPEC §9)."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from security import recovery
from security.sms_codes_api import SmsCodeThrottle
from unionhub.lib.api import error_codes


class _CodeIn(serializers.Serializer):
    phone = serializers.CharField(max_length=20, help_text="绑定的11位手机号码")
    sms_code = serializers.RegexField(r"^\d{6}$", help_text="短信验证码（6位数字）")


@error_codes("sms_code_invalid")
class PasswordResetApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [SmsCodeThrottle]
    api_summary = "用短信验证码重置密码"

    class InputSerializer(_CodeIn):
        new_password = serializers.CharField(style={"input_type": "password"}, max_length=128)

    @extend_schema(request=InputSerializer, responses={200: None}, summary="用短信验证码重置密码")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            recovery.password_reset_by_code(
                phone=data.validated_data["phone"],
                code=data.validated_data["sms_code"],
                new_password=data.validated_data["new_password"],
            )
        except ValidationError as exc:
            raise serializers.ValidationError({"new_password": exc.messages}) from exc
        return Response({})


@error_codes("sms_code_invalid")
class SmsLoginApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [SmsCodeThrottle]
    api_summary = "短信验证码登录"

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=_CodeIn, responses={200: OutputSerializer}, summary="短信验证码登录")
    def post(self, request):
        data = _CodeIn(data=request.data)
        data.is_valid(raise_exception=True)
        token = recovery.login_by_code(
            phone=data.validated_data["phone"], code=data.validated_data["sms_code"]
        )
        return Response({"token": token.key})
