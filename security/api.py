"""API login: a token for a username (staff) or a phone or ID number (members), after the second factor."""

from django.contrib.auth import authenticate
from django.utils.translation import gettext
from django_otp import match_token
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from members.api import AuthThrottle
from security import otp
from security.models import VerifiedToken
from unionhub.lib.api import error_codes
from unionhub.lib.client_ip import blocked_message
from unionhub.lib.errors import BusinessError


class TokenApi(APIView):
    api_summary = "登录取得令牌（工作人员用户名，或会员的手机号码、身份证号码）"
    api_audience = ("member", "staff")
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]

    class InputSerializer(serializers.Serializer):
        # Bounded here, before the lockout library stores the attempted username (a 255-character column).
        username = serializers.CharField(max_length=150, help_text="员工用户名，或会员的手机号码/身份证号码")
        password = serializers.CharField(max_length=4096, style={"input_type": "password"})
        otp_token = serializers.RegexField(
            r"^\d{6}$", required=False, help_text="开启两步验证的账号：身份验证器中的6位验证码"
        )

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    @error_codes("invalid_credentials", "otp_required", "locked_out", "address_locked_out")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        otp_token = data.validated_data.pop("otp_token", "")
        user = authenticate(request, **data.validated_data)
        if getattr(request, "address_blocked", False):
            return Response(
                {"code": "address_locked_out", "detail": blocked_message()},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if getattr(request, "axes_locked_out", False):
            return Response(
                {"code": "locked_out", "detail": "登录失败次数过多，请30分钟后再试。"},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
        if user is None:
            raise BusinessError("invalid_credentials", gettext("用户名或密码不正确。"))
        if otp.otp_required(user):
            if not otp_token or match_token(user, otp_token) is None:
                raise BusinessError(
                    "otp_required", gettext("该账号已开启两步验证，请填写身份验证器中的6位验证码。")
                )
            token = Token.objects.filter(user=user).first()
            if (
                token is not None
                and not VerifiedToken.objects.filter(digest=otp.token_digest(token), user=user).exists()
            ):
                token.delete()  # issued without the second factor: replaced, never promoted
                token = None
            if token is None:
                token = Token.objects.create(user=user)
            otp.token_mark_verified(token, user)
            return Response({"token": token.key})
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
