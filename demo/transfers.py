"""Demo city, part 3: transfers on both routes, a secondment, a move-out, a transfer from outside the city that
became a join, and a union-formation case for a reservoir employer with 25+ members."""

import datetime as dt

from dateutil.relativedelta import relativedelta

from demo.members import member
from formation import services as formation_services
from members import services as member_services
from members.models import DuesMode, Membership
from transfers import services
from unionhub.lib import clock

EXPRESS = "宜昌快递物流有限公司"


def _membership(ctx, key):
    return Membership.objects.get(person=ctx.people[key], status="active")


def build(ctx) -> None:
    staff, unions = ctx.staff, ctx.unions
    today = clock.today()
    # direct route, approved: 张伟 moves from the workshop branch to the energy department branch
    zhang = ctx.people["zhang"]
    app, _k = services.transfer_application_submit(
        user=zhang.user, union=unions["power_energy"], unit_name="宜昌电力设备有限公司", reason="内部岗位调整"
    )
    services.transfer_application_approve(
        application_id=app.pk, actor=staff["energy_staff"], comment="同意转入"
    )
    # dispatch route, waiting for the county: 李娜 goes to a company she cannot find
    li = ctx.people["li"]
    app, _k = services.transfer_application_submit(
        user=li.user, union=None, unit_name="西陵区某培训学校", reason="调动到新单位"
    )
    services.transfer_application_dispatch(
        application_id=app.pk, actor=staff["city_admin"], county=unions["xiling"]
    )
    # a secondment of a year, approved
    member(
        ctx,
        "t_gaofei",
        "高飞",
        born=dt.date(1988, 4, 4),
        male=True,
        unit="伍家岗实验学校",
        union=unions["school"],
        dues_mode=DuesMode.UNIT_PAID,
        joined_on=dt.date(2019, 9, 1),
    )
    gao = ctx.people["t_gaofei"]
    app, _k = services.transfer_application_submit(
        user=gao.user,
        union=unions["power"],
        unit_name="宜昌电力设备有限公司",
        reason="借调一年",
        secondment_until=today + relativedelta(years=1),
    )
    services.transfer_application_approve(application_id=app.pk, actor=staff["power_staff"])
    # a member who left without applying is moved out to the reservoir
    member(
        ctx,
        "t_majun",
        "马骏",
        born=dt.date(1986, 8, 8),
        male=True,
        unit="宜昌电力设备有限公司",
        union=unions["power_workshop"],
        joined_on=dt.date(2017, 3, 1),
    )
    member_services.membership_move_out(
        membership_id=_membership(ctx, "t_majun").pk, actor=staff["power_staff"], reason="已离职，未办理转会"
    )
    # from outside the city: the transfer request became a join application
    member(ctx, "t_outside", "欧阳雪", born=dt.date(1995, 1, 15), male=False, unit="伍家岗实验学校")
    services.transfer_application_submit(
        user=ctx.people["t_outside"].user,
        union=unions["school"],
        unit_name="伍家岗实验学校",
        reason="由外市调入",
    )
    # union formation: 25+ reservoir members of one employer without a union
    for i in range(24):
        member(
            ctx,
            f"t_express{i}",
            f"快递员{i + 1:02d}",
            born=dt.date(1990 + i % 10, 1 + i % 12, 1 + i),
            male=i % 3 != 0,
            unit=EXPRESS,
            union=unions["xiling_reservoir"],
            login=False,
        )
    formation_services.union_formation_check(reservoir=unions["xiling_reservoir"], employer_name=EXPRESS)
