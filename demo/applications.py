"""Demo city, part 2: join applications in every state on both routes, one of them overdue."""

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.models import JoinApplication
from casework import selectors as case_selectors
from casework import services as case_services
from casework.models import TransitionRecord
from demo.members import member
from members.models import DuesMode, EmploymentType
from unionhub.lib import clock, pdf


def _apply(
    ctx,
    key,
    name,
    *,
    born,
    male,
    unit,
    union=None,
    employment=EmploymentType.STAFF,
    hire_date=dt.date(2024, 9, 1),
    proof=None,
    **flags,
):
    person = member(
        ctx, key, name, born=born, male=male, unit=unit, employment=employment, hire_date=hire_date
    )
    return services.join_application_submit(
        user=person.user,
        union=ctx.unions[union] if union else None,
        unit_name=unit,
        employment_type=employment,
        hire_date=hire_date,
        statement="",
        proof=proof,
        **flags,
    )


def _dispatch(ctx, app, county):
    return services.join_application_dispatch(
        application_id=app.pk, actor=ctx.staff["city_admin"], county=ctx.unions[county]
    )


def _verify(ctx, app, county_admin, union=None, employer_name=""):
    return services.join_application_verify(
        application_id=app.pk,
        actor=ctx.staff[county_admin],
        union=ctx.unions[union] if union else None,
        employer_name=employer_name,
    )


def build(ctx) -> None:
    staff = ctx.staff
    # direct route (the applicant chose a union)
    _apply(
        ctx,
        "j_wangfang",
        "王芳",
        born=dt.date(1996, 4, 3),
        male=False,
        unit="宜昌电力设备有限公司",
        union="power_energy",
    )
    letter = pdf.render(
        title="委托入会证明",
        paragraphs=["兹有我单位劳务派遣职工陈晨申请加入工会，特此证明。"],
        closing=["宜昌电力设备有限公司（盖章）"],
    )
    _apply(
        ctx,
        "j_chenchen",
        "陈晨",
        born=dt.date(1994, 8, 21),
        male=True,
        unit="宜昌电力设备有限公司",
        union="power_workshop",
        employment=EmploymentType.DISPATCHED,
        proof=SimpleUploadedFile("委托入会证明.pdf", letter, content_type="application/pdf"),
    )
    app = _apply(
        ctx,
        "j_wumin",
        "吴敏",
        born=dt.date(1992, 12, 9),
        male=False,
        unit="伍家岗实验学校",
        union="school",
        hire_date=dt.date(clock.today().year, 1, 6),
    )
    services.join_application_approve(
        application_id=app.pk,
        actor=staff["school_staff"],
        dues_mode=DuesMode.PAYROLL,
        comment="经学校工会研究，同意入会",
    )
    app = _apply(
        ctx,
        "j_qianjin",
        "钱海生",
        born=dt.date(1964, 2, 2),
        male=True,
        unit="宜昌电力设备有限公司",
        union="power",
        declared_retired=True,
    )
    services.join_application_reject(
        application_id=app.pk, actor=staff["power_staff"], reason="本人已办理退休，不符合入会条件"
    )
    app = _apply(
        ctx,
        "j_fengxue",
        "冯雪",
        born=dt.date(1998, 6, 30),
        male=False,
        unit="宜昌电力设备有限公司",
        union="power_energy",
    )
    services.join_application_withdraw(
        application_id=app.pk, user=app.applicant.user, comment="单位信息填错，撤销重填"
    )

    # dispatch route (no union chosen: city → county → union)
    overdue = _apply(
        ctx,
        "j_zhaoqiang",
        "赵强",
        born=dt.date(1990, 10, 10),
        male=True,
        unit="宜昌快递物流有限公司",
        employment=EmploymentType.FLEXIBLE,
    )
    _make_overdue(overdue)
    app = _apply(ctx, "j_sunli", "孙丽", born=dt.date(1993, 3, 15), male=False, unit="西陵区某商贸公司")
    _dispatch(ctx, app, "xiling")
    app = _apply(ctx, "j_zhoujie", "周杰", born=dt.date(1991, 7, 7), male=True, unit="宜昌快递物流")
    _dispatch(ctx, app, "xiling")
    _verify(ctx, app, "xiling_admin", employer_name="宜昌快递物流有限公司")  # no union yet → reservoir
    app = _apply(ctx, "j_zhenghao", "郑浩", born=dt.date(1989, 1, 25), male=True, unit="快递物流公司")
    _dispatch(ctx, app, "xiling")
    _verify(ctx, app, "xiling_admin", employer_name="宜昌快递物流有限公司")
    services.join_application_approve(
        application_id=app.pk,
        actor=staff["xiling_reservoir_staff"],
        dues_mode=DuesMode.SELF_PAY,
        comment="同意，会籍暂存职工服务中心工会",
    )
    app = _apply(ctx, "j_hepeng", "何鹏", born=dt.date(1987, 5, 5), male=True, unit="电力设备公司")
    _dispatch(ctx, app, "xiling")
    _verify(ctx, app, "xiling_admin", union="power", employer_name="宜昌电力设备有限公司")
    services.join_application_approve(
        application_id=app.pk, actor=staff["power_staff"], dues_mode=DuesMode.PAYROLL
    )
    app = _apply(
        ctx,
        "j_luming",
        "陆明",
        born=dt.date(1980, 9, 9),
        male=True,
        unit="伍家岗某建材厂",
        legal_representative=True,
    )
    _dispatch(ctx, app, "wujia")
    services.join_application_reject(
        application_id=app.pk, actor=staff["wujia_admin"], reason="经核查为该单位法定代表人，不符合入会条件"
    )
    app = _apply(
        ctx,
        "j_tangyu",
        "唐雨",
        born=dt.date(2000, 2, 29),
        male=False,
        unit="西陵区某餐饮店",
        employment=EmploymentType.MIGRANT,
    )
    _dispatch(ctx, app, "xiling")
    services.join_application_withdraw(application_id=app.pk, user=app.applicant.user)


def _make_overdue(app: JoinApplication) -> None:
    """Backdate one undispatched application so the demo shows an overdue one (submitted a week ago)."""
    submitted = clock.today() - dt.timedelta(days=7)
    due = case_selectors.due_date(submitted, case_services.DUE_WORKING_DAYS)
    moved = clock.now() - dt.timedelta(days=7)
    JoinApplication.objects.filter(pk=app.pk).update(due_at=due, created_at=moved)
    TransitionRecord.objects.filter(
        object_id=app.pk, transition="submit", content_type__model="joinapplication"
    ).update(at=moved)
