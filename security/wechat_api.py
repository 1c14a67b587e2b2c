"""POST auth/wechat/miniprogram/, POST auth/wechat/bind/ and DELETE me/wechat/ (SPEC §9)."""

from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from members.api import AuthThrottle
from members.permissions import member_person
from security import wechat
from security.models import WeChatApp
from unionhub.lib.api import error_codes
from unionhub.lib.errors import BusinessError


class TokenOut(serializers.Serializer):
    token = serializers.CharField()


@error_codes(
    "wechat_code_invalid",
    "wechat_rate_limited",
    "wechat_unavailable",
    "wechat_not_configured",
    "wechat_not_allowed",
)
class WeChatMiniprogramLoginApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]
    api_summary = "微信小程序登录（wx.login 的 code）"

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=128, help_text="小程序 wx.login 返回的 code")

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(required=False, help_text="已绑定账号：登录令牌")
        bind_ticket = serializers.CharField(
            required=False, help_text="未绑定：绑定凭证，用于 auth/wechat/bind/"
        )
        expires_in = serializers.IntegerField(required=False, help_text="绑定凭证有效秒数")

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer}, summary="微信小程序登录")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(wechat.wechat_miniprogram_login(code=data.validated_data["code"]))


@error_codes(
    "bind_ticket_invalid",
    "sms_code_invalid",
    "invalid_credentials",
    "locked_out",
    "wechat_openid_bound",
    "wechat_account_bound",
    "wechat_not_allowed",
)
class WeChatBindApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [AuthThrottle]
    api_summary = "绑定微信（短信验证码或密码）并登录"

    class InputSerializer(serializers.Serializer):
        bind_ticket = serializers.CharField(
            max_length=2048, help_text="auth/wechat/miniprogram/ 返回的绑定凭证"
        )
        phone = serializers.CharField(
            max_length=20, help_text="绑定的手机号码（用密码绑定时也可填身份证号码）"
        )
        sms_code = serializers.RegexField(
            r"^\d{6}$", required=False, help_text="用途为 bind 的短信验证码（6位数字）"
        )
        password = serializers.CharField(
            max_length=4096,
            required=False,
            style={"input_type": "password"},
            help_text="登录密码（代替验证码）",
        )

        def validate(self, attrs):
            if bool(attrs.get("sms_code")) == bool(attrs.get("password")):
                raise serializers.ValidationError("请填写短信验证码或登录密码（二选一）。")
            return attrs

    @extend_schema(request=InputSerializer, responses={200: TokenOut}, summary="绑定微信并登录")
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("sms_code"):
            token = wechat.wechat_bind_by_code(
                bind_ticket=values["bind_ticket"], phone=values["phone"], code=values["sms_code"]
            )
        else:
            try:
                token = wechat.wechat_bind_by_password(
                    request=request,
                    bind_ticket=values["bind_ticket"],
                    username=values["phone"],
                    password=values["password"],
                )
            except BusinessError:
                if getattr(request, "axes_locked_out", False):
                    return Response(
                        {"code": "locked_out", "detail": "登录失败次数过多，请30分钟后再试。"},
                        status=status.HTTP_429_TOO_MANY_REQUESTS,
                    )
                raise
        return Response({"token": token.key})


class MeWeChatApi(APIView):
    api_summary = "解除微信绑定"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "app",
                OpenApiTypes.STR,
                enum=WeChatApp.values,
                required=False,
                description="只解除该应用的绑定（miniprogram 小程序、official 公众号）；不填解除全部",
            )
        ],
        responses={204: None},
        summary="解除微信绑定",
    )
    @error_codes("not_a_member_account", "invalid")
    def delete(self, request):
        member_person(request.user)
        app = request.query_params.get("app") or None
        if app is not None and app not in WeChatApp.values:
            raise BusinessError("invalid", gettext("app 应为 miniprogram 或 official。"))
        wechat.wechat_unbind(user=request.user, app=app)
        return Response(status=status.HTTP_204_NO_CONTENT)
