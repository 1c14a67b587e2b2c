"""PDF receipts (收据) for paid orders, through the shared PDF helper."""

from django.utils import timezone

from dues.models import PaymentOrder
from unionhub.lib import pdf
from unionhub.lib.money import format_money


def receipt_pdf(order: PaymentOrder) -> bytes:
    membership = order.membership
    paid_at = timezone.localtime(order.paid_at).strftime("%Y-%m-%d %H:%M") if order.paid_at else ""
    return pdf.render(
        title="工会会费收据",
        rows=[
            ("收据号", order.receipt_no or ""),
            ("订单号", order.order_no),
            ("会员", membership.person.name),
            ("会员编号", membership.member_no),
            ("所属工会", membership.union.name),
            ("缴费月份", f"{order.period_label}（{order.months_count}个月）"),
            ("会费金额", f"¥{format_money(order.dues_amount)}"),
            ("自愿多交", f"¥{format_money(order.extra_amount)}"),
            ("合计", f"¥{format_money(order.total_amount)}"),
            (
                "支付方式",
                {"sandbox": "在线支付（测试）", "wechatpay": "微信支付", "unit": "单位统一缴纳"}.get(
                    order.provider, order.provider
                ),
            ),
            ("支付时间", paid_at),
        ],
        paragraphs=["感谢您按时缴纳工会会费。"],
        closing=[membership.union.name],
    )
