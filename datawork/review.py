"""Writes of the data work: the half-yearly review of unions' data (半年更新) and the union upkeep record."""

import datetime as dt

from django.db import transaction

from members import selectors
from members.models import Union, User
from notifications.services import notify
from unionhub.audit import audit_record
from unionhub.lib import clock
from unionhub.lib.errors import NotInScope


def half_year_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 1 if day.month <= 6 else 7, 1)


def half_year_label(day: dt.date) -> str:
    return f"{day.year}年{'上' if day.month <= 6 else '下'}半年"


def union_review_due(union: Union, today: dt.date) -> bool:
    """Not yet confirmed in this half-year."""
    if union.reviewed_at is None:
        return True
    return union.reviewed_at.astimezone(clock.SHANGHAI).date() < half_year_start(today)


@transaction.atomic
def union_review_confirm(*, union_id: int, actor: User) -> Union:
    """确认资料无误: the union's staff (or a parent's) confirm its data for this half-year."""
    union = Union.objects.select_for_update().get(pk=union_id)
    if not selectors.union_in_scope(actor, union):
        raise NotInScope()
    union.reviewed_at = clock.now()
    union.save(update_fields=["reviewed_at"])
    audit_record(
        actor=actor, action="union_review_confirm", obj=union, half_year=half_year_label(clock.today())
    )
    return union


def union_review_remind() -> int:
    """Each January and July: remind the staff of every union not yet confirmed this half-year (once each).

    Returns the number of staff reminded."""
    today = clock.today()
    period = f"{today.year}H{1 if today.month <= 6 else 2}"
    label = half_year_label(today)
    sent = 0
    staff = (
        User.objects.filter(is_active=True, is_staff=True, union__isnull=False)
        .select_related("union")
        .order_by("union_id", "pk")
    )
    for user in staff:
        union = user.union
        if not union_review_due(union, today):
            continue
        messages = notify(
            recipient=user,
            template="union_review_remind",
            subject=f"请核对{union.name}的工会和会员资料（{label}）",
            body=(
                f"按照实名制管理要求，每年1月、7月更新一次数据。请核对{union.name}的工会基本信息、"
                "三个委员会成员和会员名单，确认无误后在管理后台“半年资料确认”中点击“确认资料无误”。"
            ),
            dedupe_key=f"union-review:{union.pk}:{period}:{user.pk}",
            channels=("inbox", "email"),
        )
        sent += bool(messages)
    return sent
