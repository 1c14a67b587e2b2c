"""REST API v1 of the dues ledger (SPEC §8)."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dues import selectors, services
from dues.models import PayChannel, PaymentNotification, PaymentOrder
from dues.providers import NotificationRejected
from dues.services.payments import NOTIFICATION_BODY_CAP
from members import selectors as member_selectors
from members.permissions import member_person
from unionhub.lib import clock
from unionhub.lib.api import error_codes
from unionhub.lib.client_ip import client_ip
from unionhub.lib.errors import BusinessError
from unionhub.lib.money import format_money


def _membership_of(request):
    return member_selectors.membership_current(member_person(request.user))


# SPEC §5, Tsinghua example 1 (today 2025-04-15, Jan–Mar paid): the year's page, and paying Apr–Aug + ¥2 → ¥52.
TSINGHUA_EXAMPLE_1_CALENDAR = OpenApiExample(
    "清华示例1：1—3月已缴，当前为2025年4月",
    response_only=True,
    value={
        "year": 2025,
        "monthly_amount": "10.00",
        "months": [
            {
                "month": m,
                "status": "paid" if m <= 3 else "due" if m == 4 else "payable" if m <= 9 else "not_open",
                "amount": "10.00",
            }
            for m in range(1, 13)
        ],
        "payable": {"min_through": 4, "max_through": 9},
        "blocked_by_year": None,
    },
)
PAYMENT_EXAMPLES = [
    OpenApiExample(
        "清华示例1：缴4—8月并自愿多交2元",
        request_only=True,
        value={"year": 2025, "through_month": 8, "extra_amount": "2.00"},
    ),
    OpenApiExample(
        "清华示例1：订单52.00元",
        response_only=True,
        status_codes=["201"],
        value={
            "order_no": "DU20250415A1B2C3D4E5F6",
            "year": 2025,
            "months": 5,
            "month_list": ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08"],
            "amount": "52.00",
            "extra_amount": "2.00",
            "status": "pending",
            "pay_url": "/dues/sandbox/pay/DU20250415A1B2C3D4E5F6/",
            "channel": "native",
            "pay_params": None,
        },
    ),
    OpenApiExample(
        "小程序支付：wx.requestPayment 的参数",
        response_only=True,
        status_codes=["201"],
        value={
            "order_no": "DU20250415A1B2C3D4E5F6",
            "year": 2025,
            "months": 5,
            "month_list": ["2025-04", "2025-05", "2025-06", "2025-07", "2025-08"],
            "amount": "52.00",
            "extra_amount": "2.00",
            "status": "pending",
            "pay_url": "/dues/orders/DU20250415A1B2C3D4E5F6/",
            "channel": "miniprogram",
            "pay_params": {
                "appId": "wxd678efh567hg6787",
                "timeStamp": "1744682400",
                "nonceStr": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
                "package": "prepay_id=wx201410272009395522657a690389285100",
                "signType": "RSA",
                "paySign": "oR9d8PuhnIc+YZ8cBHFCwfgpaK9gd7vaRvkYD7rthRAZ...",
            },
        },
    ),
    OpenApiExample(
        "小程序支付：未绑定微信",
        response_only=True,
        status_codes=["400"],
        value={"code": "wechat_not_bound", "detail": "小程序支付需要先在小程序中绑定本账号的微信。"},
    ),
    OpenApiExample(
        "清华示例2：2—3月未缴，只缴到3月",
        response_only=True,
        status_codes=["400"],
        value={"code": "below_minimum", "detail": "本次缴费至少应缴至4月（含全部待缴月份）。"},
    ),
    OpenApiExample(
        "清华示例3：2024年11—12月未缴，先缴2025年",
        response_only=True,
        status_codes=["400"],
        value={"code": "previous_year_arrears", "detail": "请先缴纳2024年度所欠会费。"},
    ),
    OpenApiExample(
        "超出可缴范围",
        response_only=True,
        status_codes=["400"],
        value={"code": "beyond_window", "detail": "本次缴费最多可缴至9月。"},
    ),
]


class DuesMonthOut(serializers.Serializer):
    month = serializers.IntegerField()
    status = serializers.ChoiceField(choices=list(selectors.STATUS_LABELS.items()))
    amount = serializers.CharField(allow_null=True)


class DuesPayableOut(serializers.Serializer):
    min_through = serializers.IntegerField()
    max_through = serializers.IntegerField()


class DuesYearOut(serializers.Serializer):
    year = serializers.IntegerField()
    monthly_amount = serializers.CharField()
    months = DuesMonthOut(many=True)
    payable = DuesPayableOut(allow_null=True)
    blocked_by_year = serializers.IntegerField(allow_null=True)


def calendar_data(calendar) -> dict:
    return {
        "year": calendar.year,
        "monthly_amount": format_money(calendar.monthly_amount),
        "months": [
            {
                "month": c.month.month,
                "status": c.status,
                "amount": format_money(c.amount) if c.amount is not None else None,
            }
            for c in calendar.months
        ],
        "payable": calendar.payable,
        "blocked_by_year": calendar.blocked_by_year,
    }


class DuesYearApi(APIView):
    api_summary = "我某一年度的会费（逐月状态与可缴范围）"

    @extend_schema(responses={200: DuesYearOut}, examples=[TSINGHUA_EXAMPLE_1_CALENDAR])
    @error_codes("not_a_member_account", "not_a_member", "invalid_year")
    def get(self, request, year: int):
        membership = _membership_of(request)
        if membership is None:
            raise BusinessError("not_a_member", gettext("尚未入会。"))
        if not 1950 <= year <= 2200:
            raise BusinessError("invalid_year", gettext("年度不正确。"))
        calendar = selectors.dues_calendar(membership, year, clock.today())
        # calendar_data is already DuesYearOut's shape and types (tests/dues/test_calendar_queries.py): answered
        # as it is, without a serializer pass on every request
        return Response(calendar_data(calendar))


class DuesOrderOut(serializers.ModelSerializer):
    months = serializers.IntegerField(source="months_count")
    month_list = serializers.ListField(child=serializers.CharField())
    amount = serializers.SerializerMethodField()
    extra_amount = serializers.SerializerMethodField()

    class Meta:
        model = PaymentOrder
        fields = [
            "order_no",
            "year",
            "months",
            "month_list",
            "amount",
            "extra_amount",
            "status",
            "paid_at",
            "receipt_no",
        ]

    def get_amount(self, obj) -> str:
        return format_money(obj.total_amount)

    def get_extra_amount(self, obj) -> str:
        return format_money(obj.extra_amount)


class PayParamsOut(serializers.Serializer):
    """What `wx.requestPayment` (mini-program) or `WeixinJSBridge` getBrandWCPayRequest (jsapi) takes."""

    appId = serializers.CharField()  # noqa: N815 (WeChat's own names)
    timeStamp = serializers.CharField()  # noqa: N815
    nonceStr = serializers.CharField()  # noqa: N815
    package = serializers.CharField()
    signType = serializers.CharField()  # noqa: N815
    paySign = serializers.CharField()  # noqa: N815


class DuesOrderCreatedOut(DuesOrderOut):
    pay_url = serializers.SerializerMethodField()
    channel = serializers.ChoiceField(choices=PayChannel.choices)
    pay_params = serializers.SerializerMethodField()

    class Meta(DuesOrderOut.Meta):
        fields = [
            "order_no",
            "year",
            "months",
            "month_list",
            "amount",
            "extra_amount",
            "status",
            "pay_url",
            "channel",
            "pay_params",
        ]

    def get_pay_url(self, obj) -> str:
        """The sandbox page, the native code_url or the h5_url; the order page for jsapi / miniprogram."""
        return obj.provider_ref or reverse("dues-order", args=[obj.order_no])

    @extend_schema_field(PayParamsOut(allow_null=True))
    def get_pay_params(self, obj):
        """jsapi / miniprogram with WeChat Pay: the signed parameters; null otherwise (the sandbox: open pay_url)."""
        if obj.channel in (PayChannel.JSAPI, PayChannel.MINIPROGRAM) and obj.pay_params:
            return obj.pay_params
        return None


class DuesPaymentIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=1950, max_value=2200)
    through_month = serializers.IntegerField(min_value=1, max_value=12)
    extra_amount = serializers.CharField(required=False, allow_blank=True, default="0", max_length=20)
    channel = serializers.ChoiceField(
        choices=[selectors.AUTO, *PayChannel.values], required=False, default=selectors.AUTO
    )


def _invalid_input(request) -> Response | None:
    """A body that is not valid JSON or not a valid payment: 400 in the API's error format, with the fields."""
    try:
        data = DuesPaymentIn(data=request.data)
    except ParseError:
        return Response(
            {"code": "parse_error", "detail": "请求内容格式不正确。"}, status=status.HTTP_400_BAD_REQUEST
        )
    if data.is_valid():
        request.dues_payment = data.validated_data
        return None
    fields = {name: [str(e) for e in errors] for name, errors in data.errors.items()}
    detail = "；".join(f"{name}: {' '.join(errors)}" for name, errors in fields.items())
    return Response(
        {"code": "invalid", "detail": detail, "fields": fields}, status=status.HTTP_400_BAD_REQUEST
    )


class DuesPaymentApi(APIView):
    api_summary = {"get": "我的缴费记录", "post": "缴纳会费（创建支付订单）"}

    @extend_schema(responses={200: DuesOrderOut(many=True)})
    @error_codes("not_a_member_account")
    def get(self, request):
        membership = _membership_of(request)
        orders = selectors.payment_history(membership) if membership else PaymentOrder.objects.none()
        return Response(DuesOrderOut(orders, many=True).data)

    @extend_schema(request=DuesPaymentIn, responses={201: DuesOrderCreatedOut}, examples=PAYMENT_EXAMPLES)
    @error_codes(
        "invalid",
        "not_a_member_account",
        "membership_inactive",
        "not_self_pay",
        "invalid_extra",
        "previous_year_arrears",
        "below_minimum",
        "beyond_window",
        "nothing_payable",
        "payment_unavailable",
        "wechat_not_bound",
    )
    def post(self, request):
        invalid = _invalid_input(request)
        if invalid is not None:
            return invalid
        data = dict(request.dues_payment)
        channel = selectors.pay_channel(
            requested=data.pop("channel"), user_agent=request.headers.get("User-Agent", ""), user=request.user
        )
        order = services.dues_payment_create(
            membership=_membership_of(request),
            actor=request.user,
            channel=channel,
            client_ip=client_ip(request),
            site_url=request.build_absolute_uri("/"),
            **data,
        )
        return Response(DuesOrderCreatedOut(order).data, status=status.HTTP_201_CREATED)


NotifyOk = inline_serializer("SandboxNotifyOk", {"result": serializers.CharField()})
WeChatFail = inline_serializer(
    "WeChatPayNotifyFail", {"code": serializers.CharField(), "message": serializers.CharField()}
)


class SandboxNotifyApi(APIView):
    """The sandbox provider's server-to-server notification (signed with HMAC-SHA256, SPEC §8)."""

    api_summary = "沙箱支付通知（HMAC-SHA256 签名）"
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request={"application/json": dict}, responses={200: NotifyOk})
    @error_codes("notification_rejected")
    def post(self, request):
        if settings.PAYMENT_PROVIDER != "sandbox":
            raise Http404  # signed with a test secret: never accepted once a real provider is configured
        return notify_response("sandbox", request)


class WeChatPayNotifyApi(APIView):
    """WeChat Pay API v3 payment notification (the notify_url)."""

    api_summary = "微信支付 API v3 支付通知"
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request={"application/json": dict}, responses={204: None, 400: WeChatFail})
    def post(self, request):
        return notify_response("wechatpay", request)


def _refused(provider_name: str, reason: str) -> Response:
    """The provider's own refusal format: it resends later."""
    if provider_name == "wechatpay":
        return Response({"code": "FAIL", "message": reason}, status=400)
    return Response({"code": "notification_rejected", "detail": reason}, status=400)


def notify_response(provider_name: str, request) -> Response:
    headers = dict(request.headers)
    try:
        body = request.body
    except RequestDataTooBig:  # kept (capped) all the same, and refused
        body = request._request.read(NOTIFICATION_BODY_CAP)
        services.notification_record(
            provider=provider_name,
            headers=headers,
            body=body,
            outcome=PaymentNotification.Outcome.REJECTED,
            reason="body too large",
        )
        return _refused(provider_name, "body too large")
    try:
        services.payment_notification_handle(provider_name=provider_name, headers=headers, body=body)
    except NotificationRejected as exc:
        return _refused(provider_name, exc.reason)
    if provider_name == "wechatpay":
        return Response(status=204)
    return Response({"result": "ok"})
