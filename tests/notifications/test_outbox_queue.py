"""The outbox drains on PostgreSQL: a backlog is marked queued once, concurrent workers send each message once,
only stale queued rows are queued again, failed sends back off and end failed, and nothing is lost."""

import threading
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from notifications import delivery, sms, tasks
from notifications.models import OutboxMessage
from tests.members import factories as f
from tests.notifications.sms_standin import StandIn
from unionhub.lib import clock

Status = OutboxMessage.Status


class CountingSmsBackend(sms.SmsBackend):
    """The project's backend interface, counting each phone it is asked to send to (slow enough to overlap)."""

    name = "counting"
    sent: list[str] = []
    lock = threading.Lock()

    def send(self, *, phone, template_code, params, param_names=(), kind=""):
        threading.Event().wait(0.002)
        with self.lock:
            self.sent.append(phone)
        return sms.SmsResult(provider=self.name, ok=True, code="OK")


def _messages(n: int, users: int = 3) -> list[int]:
    people = [f.person_user(name=f"收信{i}") for i in range(users)]
    rows = [
        OutboxMessage(
            recipient=people[i % users],
            channel=OutboxMessage.Channel.SMS,
            template="dues_reminder",
            subject="会费欠缴提醒",
            body="…",
            dedupe_key=f"q:{i}:sms",
        )
        for i in range(n)
    ]
    return [m.pk for m in OutboxMessage.objects.bulk_create(rows)]


@pytest.mark.django_db
def test_a_backlog_is_marked_queued_once_and_never_handed_out_twice(settings):
    settings.OUTBOX_QUEUE_LIMIT = 7
    ids = _messages(20)
    first = delivery.outbox_queue_pending()
    second = delivery.outbox_queue_pending()
    third = delivery.outbox_queue_pending()
    assert len(first) == len(second) == 7 and len(third) == 6
    assert sorted(first + second + third) == sorted(ids)
    assert delivery.outbox_queue_pending() == []  # the backlog is queued: nothing is handed out again
    assert set(OutboxMessage.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.QUEUED}


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_markers_never_take_the_same_rows(settings):
    ids = _messages(400)
    settings.OUTBOX_QUEUE_LIMIT = 50
    taken: list[list[int]] = []
    barrier = threading.Barrier(2)

    def marker():
        barrier.wait()
        try:
            while batch := delivery.outbox_queue_pending():
                taken.append(batch)
        finally:
            connection.close()

    threads = [threading.Thread(target=marker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [pk for batch in taken for pk in batch]
    assert sorted(flat) == sorted(ids) and len(flat) == len(set(flat))


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_ids_concurrently_send_each_message_once(settings):
    settings.NOTIFY_SMS_BACKEND = "tests.notifications.test_outbox_queue.CountingSmsBackend"
    CountingSmsBackend.sent = []
    ids = _messages(60)
    queued = delivery.outbox_queue_pending()
    assert sorted(queued) == sorted(ids)
    barrier = threading.Barrier(2)
    results = []

    def worker(order):
        barrier.wait()
        try:
            results.append(delivery.outbox_deliver_batch(message_ids=order, retry=lambda *a: None))
        finally:
            connections["default"].close()

    threads = [threading.Thread(target=worker, args=(o,)) for o in (queued, list(reversed(queued)))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(CountingSmsBackend.sent) == 60  # every message once, none twice
    assert sum(r["sent"] for r in results) == 60 and sum(r["skipped"] for r in results) == 60
    rows = OutboxMessage.objects.filter(pk__in=ids)
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}
    assert set(rows.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_only_a_stale_queued_row_is_queued_again(settings):
    settings.OUTBOX_STALE_SECONDS = 600
    stale, fresh, sending_lost, sent = _messages(4, users=1)
    now = clock.now()
    OutboxMessage.objects.filter(pk=stale).update(status=Status.QUEUED, queued_at=now - timedelta(minutes=11))
    OutboxMessage.objects.filter(pk=fresh).update(status=Status.QUEUED, queued_at=now - timedelta(minutes=9))
    OutboxMessage.objects.filter(pk=sending_lost).update(
        status=Status.SENDING, queued_at=now - timedelta(hours=1)
    )
    OutboxMessage.objects.filter(pk=sent).update(status=Status.SENT, queued_at=now - timedelta(hours=1))
    assert sorted(delivery.outbox_stale_ids()) == sorted([stale, sending_lost])
    assert delivery.outbox_stale_ids() == []  # re-queued rows are fresh again
    assert OutboxMessage.objects.get(pk=stale).queued_at >= now
    assert OutboxMessage.objects.get(pk=fresh).queued_at < now - timedelta(minutes=8)
    # the beat task hands the stale ones to the queue: delivered (eager in tests)
    OutboxMessage.objects.filter(pk__in=[stale, sending_lost]).update(queued_at=now - timedelta(hours=2))
    assert tasks.outbox_requeue_stale() == 2
    assert OutboxMessage.objects.get(pk=stale).status == Status.SENT
    assert OutboxMessage.objects.get(pk=fresh).status == Status.QUEUED


@pytest.mark.django_db
def test_a_failed_send_retries_with_growing_backoff_and_ends_failed_after_max_tries(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    [pk] = _messages(1, users=1)
    assert [delivery.retry_countdown(n) for n in (1, 2, 3)] == [30, 60, 120]
    with StandIn() as standin:
        settings.NOTIFY_SMS_BACKEND = "aliyun"
        settings.UNIONHUB_SMS_ALIYUN_ENDPOINT = f"127.0.0.1:{standin.port}"
        settings.UNIONHUB_SMS_ALIYUN_PROTOCOL = "http"
        settings.UNIONHUB_SMS_ALIYUN_ACCESS_KEY_ID = "id"
        settings.UNIONHUB_SMS_ALIYUN_ACCESS_KEY_SECRET = "secret"
        standin.answer = {"Code": "isp.SYSTEM_ERROR", "Message": "系统错误", "RequestId": "r-1"}
        for attempt, backoff in zip(range(1, 4), (30, 60, 120), strict=True):
            before = clock.now()
            with pytest.raises(sms.SmsProviderError):
                delivery.outbox_deliver(message_id=pk)
            after = clock.now()
            row = OutboxMessage.objects.get(pk=pk)
            assert row.status == Status.QUEUED and row.attempts == attempt
            # due again after the backoff
            assert before + timedelta(seconds=backoff) <= row.queued_at <= after + timedelta(seconds=backoff)
        with pytest.raises(sms.SmsProviderError):
            delivery.outbox_deliver(message_id=pk)
        row = OutboxMessage.objects.get(pk=pk)
        assert row.status == Status.FAILED and row.attempts == 4
        assert delivery.outbox_deliver(message_id=pk) == ""  # failed for good: never tried again
        assert len(standin.requests) == 4


@pytest.mark.django_db
def test_the_task_retries_a_failed_message_until_it_fails_for_good(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    [pk] = _messages(1, users=1)
    with StandIn() as standin:
        settings.NOTIFY_SMS_BACKEND = "aliyun"
        settings.UNIONHUB_SMS_ALIYUN_ENDPOINT = f"127.0.0.1:{standin.port}"
        settings.UNIONHUB_SMS_ALIYUN_PROTOCOL = "http"
        settings.UNIONHUB_SMS_ALIYUN_ACCESS_KEY_ID = "id"
        settings.UNIONHUB_SMS_ALIYUN_ACCESS_KEY_SECRET = "secret"
        standin.answer = {"Code": "isp.SYSTEM_ERROR", "Message": "系统错误", "RequestId": "r-1"}
        # each try asks the broker for a retry after the backoff (eager here: the Retry is raised to the caller)
        for countdown in (30, 60):
            with pytest.raises(Retry) as retried:
                tasks.outbox_deliver.delay(pk)
            assert retried.value.when == countdown
        assert tasks.outbox_deliver.delay(pk).get() == Status.FAILED  # the last try: no retry
        assert len(standin.requests) == 3
    row = OutboxMessage.objects.get(pk=pk)
    assert row.status == Status.FAILED and row.attempts == 3


@pytest.mark.django_db(transaction=True)
def test_nothing_is_lost_every_message_ends_sent_or_failed(settings):
    """Two workers drain a backlog while some sends fail; lost queue messages are found again by the stale
    sweep; at the end every message is sent or failed, and each sent one went out exactly once."""
    settings.NOTIFY_SMS_BACKEND = "tests.notifications.test_outbox_queue.FlakySmsBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_QUEUE_LIMIT = 25
    FlakySmsBackend.sent = []
    FlakySmsBackend.calls = 0
    ids = _messages(100)
    retries: list[int] = []
    lock = threading.Lock()

    def worker():
        try:
            while batch := delivery.outbox_queue_pending():
                if batch[0] % 4 == 0:
                    continue  # this queue message is lost
                delivery.outbox_deliver_batch(
                    message_ids=batch,
                    retry=lambda pk, _c: (lock.acquire(), retries.append(pk), lock.release()),
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # later: the lost batches are stale, the retries come due
    for _round in range(5):
        OutboxMessage.objects.filter(status=Status.QUEUED).update(queued_at=clock.now() - timedelta(hours=1))
        again = delivery.outbox_stale_ids()
        if not again:
            break
        delivery.outbox_deliver_batch(message_ids=again, retry=lambda *a: None)
    rows = OutboxMessage.objects.filter(pk__in=ids)
    states = dict(rows.values_list("pk", "status"))
    assert set(states.values()) <= {Status.SENT, Status.FAILED} and len(states) == 100
    sent = [pk for pk, state in states.items() if state == Status.SENT]
    assert len(FlakySmsBackend.sent) == len(sent)  # each sent message went out once, none twice
    assert any(state == Status.FAILED for state in states.values()) and len(sent) > 50


class FlakySmsBackend(sms.SmsBackend):
    """Refuses every third call (a provider's transient error); records every accepted send."""

    name = "flaky"
    sent: list[str] = []
    calls = 0
    lock = threading.Lock()

    def send(self, *, phone, template_code, params, param_names=(), kind=""):
        with self.lock:
            FlakySmsBackend.calls += 1
            refuse = FlakySmsBackend.calls % 3 == 0
        if refuse:
            raise sms.SmsProviderError(sms.SmsResult(provider=self.name, ok=False, code="isp.SYSTEM_ERROR"))
        with self.lock:
            FlakySmsBackend.sent.append(phone)
        return sms.SmsResult(provider=self.name, ok=True, code="OK")


class StoppingSmsBackend(sms.SmsBackend):
    """Accepts `limit` sends, each with its own request id, then the task's soft time limit strikes."""

    name = "stopping"
    limit = 0
    sent: list[str] = []

    def send(self, *, phone, template_code, params, param_names=(), kind=""):
        if len(self.sent) >= self.limit:
            from celery.exceptions import SoftTimeLimitExceeded

            raise SoftTimeLimitExceeded()
        self.sent.append(phone)
        return sms.SmsResult(provider=self.name, ok=True, code="OK", request_id=f"r{len(self.sent)}")


@pytest.mark.django_db
def test_a_batch_records_its_answers_a_group_at_a_time(settings):
    """Answers are written one statement per OUTBOX_RECORD_EVERY sends (one commit each, not one per message),
    each row with its own provider answer."""
    settings.NOTIFY_SMS_BACKEND = "tests.notifications.test_outbox_queue.StoppingSmsBackend"
    settings.OUTBOX_RECORD_EVERY = 10
    StoppingSmsBackend.limit, StoppingSmsBackend.sent = 1000, []
    ids = _messages(40, users=2)
    delivery.outbox_queue_pending()
    with CaptureQueriesContext(connection) as queries:
        counts = delivery.outbox_deliver_batch(message_ids=ids, retry=lambda *a: None)
    assert counts["sent"] == 40
    writes = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "sent_at" in q["sql"]
    ]
    assert len(writes) == 4  # 4 groups of 10, not 40 statements
    rows = OutboxMessage.objects.filter(pk__in=ids).order_by("pk")
    assert {r.status for r in rows} == {Status.SENT} and {r.attempts for r in rows} == {1}
    answers = [r.provider_answer["request_id"] for r in rows]
    assert sorted(answers, key=lambda a: int(a[1:])) == [f"r{i}" for i in range(1, 41)]
    assert all(r.sent_at for r in rows)


@pytest.mark.django_db
def test_a_batch_cut_short_records_what_it_sent_and_leaves_the_rest_to_the_stale_sweep(settings):
    settings.NOTIFY_SMS_BACKEND = "tests.notifications.test_outbox_queue.StoppingSmsBackend"
    settings.OUTBOX_RECORD_EVERY = 10
    StoppingSmsBackend.limit, StoppingSmsBackend.sent = 13, []
    ids = _messages(30, users=2)
    delivery.outbox_queue_pending()
    from celery.exceptions import SoftTimeLimitExceeded

    with pytest.raises(SoftTimeLimitExceeded):
        delivery.outbox_deliver_batch(message_ids=ids, retry=lambda *a: None)
    states = dict(OutboxMessage.objects.filter(pk__in=ids).values_list("pk", "status"))
    sent = sorted(pk for pk, s in states.items() if s == Status.SENT)
    assert sent == sorted(ids)[:13]  # the 13 that went out are recorded sent, none more
    assert {s for pk, s in states.items() if pk not in sent} == {Status.SENDING}  # claimed, not sent
    OutboxMessage.objects.filter(status=Status.SENDING).update(queued_at=clock.now() - timedelta(hours=1))
    StoppingSmsBackend.limit = 1000
    delivery.outbox_deliver_batch(message_ids=delivery.outbox_stale_ids(), retry=lambda *a: None)
    assert set(OutboxMessage.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.SENT}
    assert len(StoppingSmsBackend.sent) == 30  # each once
