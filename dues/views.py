"""Member pages of the dues ledger: the year grid, the pay page, the sandbox pay page, history, receipts."""

from decimal import Decimal
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dues import receipts, selectors, services
from dues.forms import PayForm
from dues.models import PayChannel, PaymentOrder
from dues.providers import NotificationRejected
from dues.providers import sandbox as sandbox_provider
from members import selectors as member_selectors
from members.models import DuesMode, MembershipStatus
from unionhub.lib import clock, pdf
from unionhub.lib.client_ip import client_ip
from unionhub.lib.errors import BusinessError


def _membership(request):
    person = getattr(request.user, "person", None)
    if person is None:
        raise Http404
    membership = member_selectors.membership_current(person)
    if membership is None:
        raise Http404
    return membership


def _year(request, default: int) -> int:
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if 1950 <= year <= 2200 else default


@login_required
def dues_home(request):
    membership = _membership(request)
    today = clock.today()
    year = _year(request, today.year)
    calendar = selectors.dues_calendar(membership, year, today)
    return render(
        request,
        "dues/home.html",
        {
            "membership": membership,
            "calendar": calendar,
            "year": year,
            "prev_year": year - 1,
            "next_year": year + 1 if year < today.year else None,
            "can_pay": membership.dues_mode == "self_pay" and membership.status == "active",
        },
    )


@login_required
def dues_pay(request):
    membership = _membership(request)
    today = clock.today()
    year = _year(request, today.year) if request.method == "GET" else _year_from_post(request, today.year)
    calendar = selectors.dues_calendar(membership, year, today)
    if calendar.payable is None:
        if calendar.blocked_by_year is not None:
            # guidance, not an error: the member is taken to the year to pay first
            messages.info(request, _("请先缴纳%(year)s年度所欠会费。") % {"year": calendar.blocked_by_year})
            return redirect(f"{request.path}?year={calendar.blocked_by_year}")
        messages.info(request, _("当前没有可以缴纳的会费。"))
        return redirect("dues-home")
    form = PayForm(
        request.POST or None,
        initial={"year": year},
        min_through=calendar.min_through,
        max_through=calendar.max_through,
    )
    # The channel follows the browser (SPEC §9): WeChat with a bound openid → JSAPI, a phone → H5, else Native QR.
    channel = selectors.pay_channel(
        requested=selectors.AUTO, user_agent=request.headers.get("User-Agent", ""), user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = services.dues_payment_create(
                membership=membership,
                year=year,
                through_month=form.cleaned_data["through_month"],
                extra_amount=form.cleaned_data["extra_amount"] or "0",
                actor=request.user,
                channel=channel,
                client_ip=client_ip(request),
                site_url=request.build_absolute_uri("/"),
            )
        except BusinessError as exc:
            form.add_business_error(exc)
        else:
            if order.provider == "sandbox":
                return redirect(order.provider_ref)
            # the order page opens WeChat Pay (a redirect straight to WeChat after a form post is refused by CSP)
            return redirect("dues-order", order_no=order.order_no)
    months_by_number = [{"month": c.month.month, "status": c.status} for c in calendar.months]
    return render(
        request,
        "dues/pay.html",
        {
            "membership": membership,
            "calendar": calendar,
            "form": form,
            "year": year,
            "months_data": months_by_number,
            "channel": channel,
            "wechat_bind_url": _wechat_bind_url(request) if channel.unbound_in_wechat else None,
        },
    )


def _wechat_bind_url(request) -> str | None:
    """The Official Account OAuth that binds this account's openid, returning to this page (when it exists)."""
    try:
        start = reverse("wechat-oauth-start")
    except NoReverseMatch:
        return None
    return f"{start}?{urlencode({'next': request.get_full_path()})}"


def _year_from_post(request, default: int) -> int:
    try:
        return int(request.POST.get("year", default))
    except ValueError:
        return default


def _own_order(request, order_no: str) -> PaymentOrder:
    membership = _membership(request)
    order = PaymentOrder.objects.filter(order_no=order_no, membership__person=membership.person).first()
    if order is None:
        raise Http404
    return order


@login_required
def dues_order(request, order_no: str):
    """The order and how to pay it: the Native QR code, a JSAPI payment in WeChat (static/js/dues-order.js calls
    WeixinJSBridge with the signed parameters), or the way to WeChat's H5 page. Back from paying (`?returned=1`)
    the page waits for the provider's notification and shows the result."""
    order = _own_order(request, order_no)
    pending = order.status == PaymentOrder.Status.PENDING
    online = order.provider == "wechatpay"
    qr = None
    if online and order.channel == PayChannel.NATIVE and order.provider_ref.startswith("weixin://"):
        qr = segno.make(order.provider_ref).svg_data_uri(scale=5)
    pay_data = None
    if online and pending:
        pay_data = {
            "order_no": order.order_no,
            "channel": order.channel,
            "returned": bool(request.GET.get("returned")),
            "poll_url": reverse("api-dues-payments"),
            "result_url": f"{reverse('dues-order', args=[order.order_no])}?returned=1",
        }
        if order.channel == PayChannel.H5:
            pay_data["h5_url"] = order.provider_ref
        if order.channel == PayChannel.JSAPI:
            pay_data["pay_params"] = order.pay_params
    response = render(
        request,
        "dues/order.html",
        {
            "order": order,
            "qr": qr,
            "pay_data": pay_data,
            "h5_url": order.provider_ref if online and order.channel == PayChannel.H5 else None,
            "returned": bool(request.GET.get("returned")),
        },
    )
    if pay_data and order.channel == PayChannel.H5:
        # WeChat's H5 page checks the Referer against the domain registered for H5 payment: send our origin
        response["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response


@login_required
def sandbox_pay(request, order_no: str):
    """The sandbox's stand-in for a bank page: 支付 sends the signed notification the server would receive."""
    order = _own_order(request, order_no)
    if order.provider != "sandbox" or settings.PAYMENT_PROVIDER != "sandbox":
        raise Http404  # a leftover sandbox order is never payable once a real provider is configured
    if request.method == "POST":
        if order.status != PaymentOrder.Status.PENDING:
            messages.error(request, _("该订单已失效，请重新发起缴费。"))
            return redirect("dues-home")
        body = sandbox_provider.notification_body(order)
        headers = {sandbox_provider.SIGNATURE_HEADER: sandbox_provider.sign(body)}
        try:
            services.payment_notification_handle(provider_name="sandbox", headers=headers, body=body)
        except NotificationRejected:
            messages.error(request, _("支付未能确认，请稍后重试。"))
            return redirect("dues-home")
        messages.success(request, _("支付成功。"))
        return redirect(f"/dues/?year={order.year}")
    return render(request, "dues/sandbox_pay.html", {"order": order})


@login_required
def dues_history(request):
    membership = _membership(request)
    return render(
        request,
        "dues/history.html",
        {
            "membership": membership,
            "orders": selectors.payment_history(membership),
            "payroll_months": selectors.payroll_months(membership)[:60],
        },
    )


@login_required
def dues_receipt(request, order_no: str):
    order = _own_order(request, order_no)
    if not order.receipt_no:
        raise Http404
    return pdf.pdf_response(receipts.receipt_pdf(order), f"会费收据-{order.receipt_no}.pdf")


@require_POST
@login_required
def dues_order_cancel(request, order_no: str):
    order = _own_order(request, order_no)
    PaymentOrder.objects.filter(pk=order.pk, status=PaymentOrder.Status.PENDING).update(
        status=PaymentOrder.Status.CANCELLED
    )
    return redirect("dues-home")


def home_section(request, person, membership):
    """The dues summary on the member home page: the months due and a pay button for a self-pay member; the dues
    mode, and no button, for a member whose dues are deducted from pay or paid by the unit."""
    if membership is None:
        return None
    today = clock.today()
    calendar = selectors.dues_calendar(membership, today.year, today)
    due = [c for c in calendar.months if c.status == selectors.MonthStatus.DUE]
    self_pay = membership.dues_mode == DuesMode.SELF_PAY
    active = membership.status == MembershipStatus.ACTIVE
    return "dues/home_section.html", {
        "dues_calendar": calendar,
        "dues_due_months": [c.month for c in due],
        "dues_due_count": len(due),
        "dues_due_amount": sum((c.amount for c in due), Decimal("0.00")),
        "dues_blocked_by_year": calendar.blocked_by_year,
        "dues_self_pay": self_pay,
        "dues_active": active,
        "dues_can_pay": self_pay and active and bool(calendar.payable or calendar.blocked_by_year),
        "dues_pay_year": calendar.blocked_by_year or today.year,
        "home_main_task": self_pay and active,
    }
