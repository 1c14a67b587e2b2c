"""Demo city, data work: an imported member list, committees and employer data, the half-yearly review."""

import datetime as dt
import io

from datawork import imports, review, roster, services
from members.models import CommitteeMember, EmployerUnit
from unionhub.lib import idnumber


def _roster_file(count: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("会员清单")
    sheet.append(roster.TEMPLATE_HEADERS)
    units = ["宜昌电力设备有限公司"]
    for n in range(count):
        male = n % 3 != 0
        born = dt.date(1975 + n % 25, 1 + n % 12, 1 + n % 27)
        sheet.append(
            [
                str(n + 1),
                f"{'赵钱孙李周吴郑王'[n % 8]}{'建国秀英志强丽华海燕'[n % 10]}{n + 1}",
                "男" if male else "女",
                idnumber.make("420503", born, 500 + n * 2 + (1 if male else 0)),
                "中国",
                ["大学本科", "大学专科", "中专/高中", "研究生"][n % 4],
                f"1370000{n:04d}",
                ["城镇", "农村"][n % 2],
                units[0],
                ["在编/合同", "劳务派遣"][n % 2],
                "",
                "2019-03-01",
                "2019-06-01",
                "工资代扣",
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def build(ctx) -> None:
    power = ctx.unions["power"]
    power_staff = ctx.staff["power_staff"]
    job = services.import_job_create(
        union=ctx.unions["power_energy"],
        actor=power_staff,
        file_name="能源与动力工程系会员清单.xlsx",
        data=_roster_file(24),
    )
    imports.member_import_run(job_id=job.pk)  # a no-op when eager Celery has already run it
    for committee, name, gender, position in [
        ("union", "李主席", "M", "主席"),
        ("union", "陈晓红", "F", "副主席"),
        ("union", "周强", "M", "委员"),
        ("audit", "吴敏", "F", "主任"),
        ("women", "陈晓红", "F", "主任"),
    ]:
        CommitteeMember.objects.create(
            union=power,
            committee=committee,
            name=name,
            gender=gender,
            position=position,
            term_start=dt.date(2023, 3, 1),
            term_end=dt.date(2028, 2, 28),
        )
    power.phone, power.address, power.term = "0717-6220000", "西陵区发展大道 88 号", "第三届"
    power.save()
    EmployerUnit.objects.filter(pk=power.employer_id).update(address="西陵区发展大道 88 号", nature="股份制")
    # the power company's union has confirmed this half-year; the others are reminded
    review.union_review_confirm(union_id=power.pk, actor=power_staff)
    review.union_review_remind()
