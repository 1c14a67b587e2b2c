"""REST API v1 of the dues ledger (SPEC §8)."""

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from dues import selectors, services
from dues.models import PaymentOrder
from dues.providers import NotificationRejected
from members import selectors as member_selectors
from unionhub import clock
from unionhub.api import ErrorOut
from unionhub.errors import BusinessError
from unionhub.money import format_money


def _membership_of(request):
    person = request.user.person
    if person is None:
        raise BusinessError("not_a_member_account", gettext("该账号不是会员账号。"))
    return member_selectors.membership_current(person)


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
    @extend_schema(responses={200: DuesYearOut, 400: ErrorOut})
    def get(self, request, year: int):
        membership = _membership_of(request)
        if membership is None:
            raise BusinessError("not_a_member", gettext("尚未入会。"))
        if not 1950 <= year <= 2200:
            raise BusinessError("invalid_year", gettext("年度不正确。"))
        calendar = selectors.dues_calendar(membership, year, clock.today())
        return Response(DuesYearOut(calendar_data(calendar)).data)


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


class DuesOrderCreatedOut(DuesOrderOut):
    pay_url = serializers.CharField(source="provider_ref")

    class Meta(DuesOrderOut.Meta):
        fields = ["order_no", "year", "months", "month_list", "amount", "extra_amount", "status", "pay_url"]


class DuesPaymentIn(serializers.Serializer):
    year = serializers.IntegerField(min_value=1950, max_value=2200)
    through_month = serializers.IntegerField(min_value=1, max_value=12)
    extra_amount = serializers.CharField(required=False, allow_blank=True, default="0", max_length=20)


class DuesPaymentErrorOut(ErrorOut):
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


def _invalid_input(request) -> Response | None:
    """A body that is not valid JSON or not a valid payment: 400 in the API's error format, with the fields."""
    try:
        data = DuesPaymentIn(data=request.data)
    except ParseError:
        return Response({"code": "parse_error", "detail": "请求内容格式不正确。"}, status=status.HTTP_400_BAD_REQUEST)
    if data.is_valid():
        request.dues_payment = data.validated_data
        return None
    fields = {name: [str(e) for e in errors] for name, errors in data.errors.items()}
    detail = "；".join(f"{name}: {' '.join(errors)}" for name, errors in fields.items())
    return Response({"code": "invalid", "detail": detail, "fields": fields}, status=status.HTTP_400_BAD_REQUEST)


class DuesPaymentApi(APIView):
    @extend_schema(responses={200: DuesOrderOut(many=True), 400: ErrorOut})
    def get(self, request):
        membership = _membership_of(request)
        orders = selectors.payment_history(membership) if membership else PaymentOrder.objects.none()
        return Response(DuesOrderOut(orders, many=True).data)

    @extend_schema(request=DuesPaymentIn, responses={201: DuesOrderCreatedOut, 400: DuesPaymentErrorOut})
    def post(self, request):
        invalid = _invalid_input(request)
        if invalid is not None:
            return invalid
        order = services.dues_payment_create(
            membership=_membership_of(request), actor=request.user, **request.dues_payment
        )
        return Response(DuesOrderCreatedOut(order).data, status=status.HTTP_201_CREATED)


NotifyOk = inline_serializer("SandboxNotifyOk", {"result": serializers.CharField()})
WeChatFail = inline_serializer(
    "WeChatPayNotifyFail", {"code": serializers.CharField(), "message": serializers.CharField()}
)


class SandboxNotifyApi(APIView):
    """The sandbox provider's server-to-server notification (signed with HMAC-SHA256, SPEC §8)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request={"application/json": dict}, responses={200: NotifyOk, 400: ErrorOut})
    def post(self, request):
        if settings.PAYMENT_PROVIDER != "sandbox":
            raise Http404  # signed with a test secret: never accepted once a real provider is configured
        return notify_response("sandbox", request)


class WeChatPayNotifyApi(APIView):
    """WeChat Pay API v3 payment notification (the notify_url)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request={"application/json": dict}, responses={204: None, 400: WeChatFail})
    def post(self, request):
        return notify_response("wechatpay", request)


def notify_response(provider_name: str, request) -> Response:
    try:
        services.payment_notification_handle(
            provider_name=provider_name, headers=dict(request.headers), body=request.body
        )
    except NotificationRejected as exc:
        if provider_name == "wechatpay":
            return Response({"code": "FAIL", "message": exc.reason}, status=400)
        return Response({"code": "notification_rejected", "detail": exc.reason}, status=400)
    if provider_name == "wechatpay":
        return Response(status=204)
    return Response({"result": "ok"})
