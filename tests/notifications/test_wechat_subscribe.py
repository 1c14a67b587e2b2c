"""Mini-program subscribe messages through the outbox (SPEC §9), against the WeChat stand-in on loopback: only for
configured kinds and bound members, sent with the cached access token, WeChat's answer kept on the row."""

import pytest

from notifications.delivery import outbox_deliver
from notifications.models import OutboxMessage
from notifications.services import notify, notify_many
from security.models import WeChatBinding
from tests.members import factories as f
from tests.wechat_server import MINI_APPID

pytestmark = pytest.mark.django_db
WX = OutboxMessage.Channel.WECHAT_SUBSCRIBE


@pytest.fixture
def subscribe(settings, wechat_server):
    settings.UNIONHUB_WECHAT_SUBSCRIBE_TEMPLATES = {
        "join_rejected": "TPL-RESULT",
        "dues_reminder": {
            "template_id": "TPL-DUES",
            "data": {"thing1": "subject", "name2": "name", "date3": "date"},
            "page": "pages/dues/index",
        },
    }
    return wechat_server


def bound_member(openid="o-mini-1"):
    user = f.person_user()
    WeChatBinding.objects.create(user=user, app="miniprogram", app_id=MINI_APPID, openid=openid)
    return user


def test_result_goes_as_subscribe_message_with_the_cached_token(
    subscribe, django_capture_on_commit_callbacks
):
    user = bound_member()

    with django_capture_on_commit_callbacks(execute=True):
        notify(
            recipient=user,
            template="join_rejected",
            subject="入会申请未通过",
            body="您的入会申请未通过审核，原因：材料不全。请补充材料后重新申请，详情请登录查看。",
            dedupe_key="join:1:reject",
        )
        notify(
            recipient=user,
            template="join_rejected",
            subject="入会申请未通过",
            body="第二次",
            dedupe_key="join:2:reject",
        )

    rows = OutboxMessage.objects.filter(recipient=user, channel=WX).order_by("pk")
    assert [r.status for r in rows] == ["sent", "sent"]
    assert subscribe.token_fetches == 1  # the second message used the cached token
    first = subscribe.sent[0]
    assert first["access_token"] == subscribe.tokens[0] == subscribe.sent[1]["access_token"]
    assert first["body"]["touser"] == "o-mini-1" and first["body"]["template_id"] == "TPL-RESULT"
    data = first["body"]["data"]
    assert data["thing1"] == {"value": "入会申请未通过"}
    assert len(data["thing2"]["value"]) == 20 and data["thing2"]["value"].endswith("…")
    assert set(data) == {"thing1", "thing2", "time3"}
    answer = rows[0].provider_answer
    assert (
        answer["provider"] == "wechat_subscribe" and answer["ok"] is True and answer["message_id"] == "3001"
    )


def test_no_subscribe_message_without_binding_or_template(
    subscribe, django_capture_on_commit_callbacks, settings
):
    unbound, bound = f.person_user(), bound_member()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=unbound, template="join_rejected", subject="s", body="b", dedupe_key="k1")
        notify(recipient=bound, template="transfer_rejected", subject="s", body="b", dedupe_key="k2")
        notify(
            recipient=bound,
            template="join_rejected",
            subject="s",
            body="b",
            dedupe_key="k3",
            channels=("inbox",),
        )
        settings.UNIONHUB_WECHAT_MINIPROGRAM_SECRET = (
            ""  # the mini-program is not configured: the channel is off
        )
        notify(recipient=bound, template="join_rejected", subject="s", body="b", dedupe_key="k4")

    assert not OutboxMessage.objects.filter(channel=WX).exists()
    assert subscribe.sent == []


def test_arrears_reminders_in_bulk_add_subscribe_rows_for_bound_members(subscribe):
    bound, unbound = bound_member(), f.person_user()
    items = [
        {
            "recipient_id": user.pk,
            "template": "dues_reminder",
            "subject": "会费欠缴提醒",
            "body": "您已连续3个月未缴纳工会会费，请及时补缴。",
            "dedupe_key": f"dues-reminder:{user.pk}:2025-04",
        }
        for user in (bound, unbound)
    ]

    assert notify_many(items) == 2
    assert notify_many(items) == 0  # the same month's reminders are not queued again
    row = OutboxMessage.objects.get(channel=WX)
    assert row.recipient == bound and row.status == "pending"
    outbox_deliver(message_id=row.pk)

    row.refresh_from_db()
    assert row.status == "sent" and row.provider_answer["ok"] is True
    body = subscribe.sent[0]["body"]
    assert body["template_id"] == "TPL-DUES" and body["page"] == "pages/dues/index"
    assert body["data"]["thing1"] == {"value": "会费欠缴提醒"}
    assert body["data"]["name2"] == {"value": bound.person.name}


def test_refusal_is_kept_on_the_row_and_counted(subscribe):
    user = bound_member()
    notify(recipient=user, template="join_rejected", subject="s", body="b", dedupe_key="k")
    row = OutboxMessage.objects.get(channel=WX)
    subscribe.send_answers.append({"errcode": 43101, "errmsg": "user refuse to accept the msg"})

    with pytest.raises(Exception, match="43101"):
        outbox_deliver(message_id=row.pk)

    row.refresh_from_db()
    assert row.status == "queued" and row.attempts == 1  # tried again after the backoff
    assert row.provider_answer["code"] == "43101" and row.provider_answer["ok"] is False
    assert row.last_error.startswith("43101")


def test_an_invalid_cached_token_is_fetched_again_once(subscribe):
    user = bound_member()
    notify(recipient=user, template="join_rejected", subject="s", body="b", dedupe_key="k")
    row = OutboxMessage.objects.get(channel=WX)
    subscribe.send_answers.append({"errcode": 40001, "errmsg": "invalid credential"})

    outbox_deliver(message_id=row.pk)

    row.refresh_from_db()
    assert row.status == "sent"
    assert subscribe.token_fetches == 2
    assert [s["access_token"] for s in subscribe.sent] == subscribe.tokens
