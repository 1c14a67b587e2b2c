"""POST auth/sms-codes/ (SPEC §9): ask for a one-time code. 202 {resend_after} whether or not the phone is known."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from security import sms_codes
from security.models import SmsCodePurpose
from unionhub.lib import phone as phones
from unionhub.lib.api import error_codes
from unionhub.lib.client_ip import client_ip


class SmsCodeThrottle(AnonRateThrottle):
    scope = "sms-codes"
    rate = "30/min"

    def get_ident(self, request):
        return client_ip(request)


@error_codes("too_many_codes")
class SmsCodeApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [SmsCodeThrottle]
    api_summary = "获取短信验证码"

    class InputSerializer(serializers.Serializer):
        phone = serializers.CharField(max_length=20, help_text="11位手机号码")
        purpose = serializers.ChoiceField(
            choices=SmsCodePurpose.choices, help_text="register、login、reset、activate、bind 或 claim"
        )

        def validate_phone(self, value):
            try:
                return phones.validate(value)
            except Exception as exc:
                raise serializers.ValidationError(list(getattr(exc, "messages", [str(exc)]))) from exc

    class OutputSerializer(serializers.Serializer):
        resend_after = serializers.IntegerField(help_text="多少秒后可再次获取")

    @extend_schema(
        request=InputSerializer,
        responses={202: OutputSerializer},
        summary="获取短信验证码",
        description="无论手机号码是否已登记，回答都相同（202）。发送过于频繁时回答429 too_many_codes，并给出 resend_after（秒）。",
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            resend_after = sms_codes.sms_code_send(
                purpose=data.validated_data["purpose"],
                phone=data.validated_data["phone"],
                ip=client_ip(request),
            )
        except sms_codes.TooManyCodes as exc:
            return Response(
                {"code": exc.code, "detail": exc.detail, "resend_after": exc.resend_after},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        return Response({"resend_after": resend_after}, status=status.HTTP_202_ACCEPTED)
