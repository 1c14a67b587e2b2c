"""Demo city, union lifecycle: a founding under way in Xiling (applied, congress to request) and the school union
whose term ends within 90 days (it shows in the 换届 filter and `term-renewals/due/`)."""

import datetime as dt

from formation import services as formation_services
from members.models import Union
from unionhub.lib import clock


def build(ctx) -> None:
    xiling = ctx.unions["xiling"]
    Union.objects.filter(pk=xiling.pk).update(doc_number_format="西工发〔{year}〕{seq}号")
    xiling.refresh_from_db()
    founding = formation_services.founding_open(
        actor=ctx.staff["xiling_admin"],
        parent=xiling,
        employer_name="宜昌绿源食品有限公司",
        union_name="宜昌绿源食品有限公司工会委员会",
        contact_name="郑晓燕",
        contact_phone="0717-6335577",
        group_members=[{"name": "郑晓燕", "position": "组长"}, {"name": "吴刚", "position": "成员"}],
    )
    formation_services.founding_apply(
        founding_id=founding.pk, actor=ctx.staff["xiling_admin"], member_count=32, has_women_members=True
    )
    today = clock.today()
    start = dt.date(today.year - 5, today.month, 1) + dt.timedelta(days=60)
    Union.objects.filter(pk=ctx.unions["school"].pk).update(
        term_started_on=start, term_years=5, session_no=2, term="第2届", election_form="direct"
    )
