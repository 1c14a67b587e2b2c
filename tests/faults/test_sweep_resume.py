"""An arrears sweep interrupted after some batches (a worker killed) is completed by the next run for the same
business date, with no membership event or notice doubled, and the arrears list is there from the start."""

import datetime as dt

import pytest
from django.utils import timezone

from dues import services
from dues.models import ArrearsEntry, SweepRun
from dues.services import arrears
from members import services as member_services
from members.models import MembershipEvent, MembershipStatus
from notifications.models import OutboxMessage
from tests.conftest import postgres_only
from tests.dues.conftest import credit

pytestmark = [postgres_only(), pytest.mark.django_db(transaction=True)]


class WorkerKilled(BaseException):
    """The process dies in the middle of a batch: that batch's transaction never commits."""


def test_an_interrupted_sweep_is_completed_by_the_next_run_with_nothing_doubled(
    april, make_member, monkeypatch, settings
):
    settings.DUES_SWEEP_HOUR = 0
    monkeypatch.setattr(arrears, "WITHDRAW_BATCH", 5)
    behind = []
    for _ in range(12):  # 7 unpaid months: withdrawn, in 3 batches of 5, 5, 2
        _u, m = make_member(joined_on=dt.date(2024, 1, 10))
        credit(m, "2024-01", "2024-08")
        behind.append(m.pk)
    _u, reminded = make_member(joined_on=dt.date(2024, 1, 10))
    credit(reminded, "2024-01", "2024-12")  # 3 unpaid months: a reminder

    real = member_services.membership_auto_withdraw_many
    calls = []

    def dies_in_the_third_batch(**kwargs):
        calls.append(len(kwargs["items"]))
        if len(calls) == 3:
            raise WorkerKilled
        return real(**kwargs)

    monkeypatch.setattr(member_services, "membership_auto_withdraw_many", dies_in_the_third_batch)
    with pytest.raises(WorkerKilled):
        services.dues_sweep(today=april)
    run = SweepRun.objects.get(business_date=april)
    assert run.status == SweepRun.Status.RUNNING and run.batches_done == 2 and run.batches_total == 3
    assert MembershipEvent.objects.filter(kind="auto_withdraw").count() == 10
    # the arrears list was written before the withdrawals: staff see it while the sweep is unfinished
    assert ArrearsEntry.objects.filter(as_of=april).count() == 13

    # redelivered at once: the run still looks alive, so it is left alone
    assert services.dues_sweep(today=april) == {"skipped": "running"}
    monkeypatch.setattr(member_services, "membership_auto_withdraw_many", real)
    later = timezone.now() + dt.timedelta(seconds=settings.DUES_SWEEP_STALE_SECONDS + 60)
    counts = arrears.dues_sweep_check(now=later)  # the beat check, the same day
    assert counts["withdrawn"] == 12 and counts["in_arrears"] == 13

    run.refresh_from_db()
    assert run.status == SweepRun.Status.DONE and run.batches_done == 3 and run.attempts == 2
    events = MembershipEvent.objects.filter(kind="auto_withdraw")
    assert sorted(events.values_list("membership_id", flat=True)) == sorted(behind)  # once each
    from members.models import Membership

    assert set(Membership.objects.filter(pk__in=behind).values_list("status", flat=True)) == {
        MembershipStatus.WITHDRAWN
    }
    withdraw_notices = OutboxMessage.objects.filter(template="dues_auto_withdraw", channel="inbox")
    assert withdraw_notices.count() == 12
    assert OutboxMessage.objects.filter(template="dues_reminder", channel="inbox").count() == 1
    assert arrears.dues_sweep_check(now=later) == {"skipped": "done"}
