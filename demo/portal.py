"""Demo city: the member's own corner — cards on and off, a retained and a withdrawn member, messages, profile
changes (runs after the other builders, so their messages are in the inboxes too)."""

import datetime as dt

from demo.members import member
from members import selectors, services
from members.models import DuesMode
from members.profile import person_profile_update
from notifications.services import notify
from portal import card


def build(ctx) -> None:
    zhang = ctx.people.get("zhang")
    if zhang is None:  # the members builder did not run
        return
    workshop = selectors.membership_open(zhang).union
    # 张伟: card on (shown on the card page with its QR code), a few messages, one read.
    card.membership_card_activate(
        membership_id=selectors.membership_open(zhang).pk, actor=zhang.user, id_number=zhang.id_number
    )
    for key, subject, body in [
        (
            "welcome",
            "欢迎使用工会会员服务",
            "您可以在“会员卡”页出示电子会员卡，在“我的资料”中更新联系方式和学历等信息。",
        ),
        ("review", "请核对个人资料（半年更新）", "每年1月、7月请核对个人资料，如有变化请及时更新。"),
        ("card", "电子会员卡已开通", "您的电子会员卡（惠工卡）已开通，可凭卡享受工会公益服务和优惠服务。"),
    ]:
        notify(
            recipient=zhang.user,
            template=f"demo_{key}",
            subject=subject,
            body=body,
            dedupe_key=f"demo:{key}:{zhang.pk}",
            channels=("inbox",),
        )
    zhang.user.messages.filter(template="demo_welcome").update(read_at=zhang.created_at)

    # 李娜: card not yet on (the home page offers activation); she updated her own profile.
    li = ctx.people["li"]
    person_profile_update(
        person_id=li.pk,
        actor=li.user,
        changes={
            "education": "postgraduate",
            "political_status": "cpc",
            "address": "宜昌市伍家岗区城东大道88号",
        },
    )

    # 赵敏: retired, membership retained — her card says 保留会籍.
    zhao = member(
        ctx,
        "zhao",
        "赵敏",
        born=dt.date(1964, 2, 20),
        male=False,
        hire_date=dt.date(1990, 7, 1),
        unit="宜昌电力设备有限公司",
        union=workshop,
        dues_mode=DuesMode.PAYROLL,
        joined_on=dt.date(1991, 3, 1),
    )
    zhao_membership = selectors.membership_open(zhao)
    card.membership_card_activate(membership_id=zhao_membership.pk, actor=zhao.user, id_number=zhao.id_number)
    services.membership_retain(membership_id=zhao_membership.pk, actor=None, reason="retired", note="退休")

    # 钱进: withdrew after a talk with the union — no valid card, any old QR link reports invalid.
    qian = member(
        ctx,
        "qian",
        "钱进",
        born=dt.date(1988, 8, 8),
        male=True,
        hire_date=dt.date(2012, 4, 1),
        unit="宜昌电力设备有限公司",
        union=workshop,
        joined_on=dt.date(2012, 6, 1),
    )
    qian_membership = selectors.membership_open(qian)
    card.membership_card_activate(membership_id=qian_membership.pk, actor=qian.user, id_number=qian.id_number)
    services.membership_withdraw(
        membership_id=qian_membership.pk,
        actor=ctx.staff.get("power_staff"),
        reason="本人申请，经谈话后决定退会",
    )
