"""Mini-program subscribe messages (SPEC §9), an optional outbox channel: off unless
`UNIONHUB_WECHAT_SUBSCRIBE_TEMPLATES` names a template for the message kind and the mini-program is configured,
and only for recipients with a mini-program binding.

`UNIONHUB_WECHAT_SUBSCRIBE_TEMPLATES` maps a message kind to a template id, or to
`{"template_id": ..., "data": {template key: field}, "page": ...}` where a field is one of `subject`, `body`,
`name`, `date` (the message's day) or `time` (its minute). Without `data`: `thing1` subject, `thing2` body,
`time3` time. `thing` values are cut to WeChat's 20 characters.

The binding is read through the recipient's `wechat_bindings` (the access layer's model): messages sit below
the access layer and never import it.
"""

from django.conf import settings
from django.contrib.auth import get_user_model

from notifications.sms import SmsProviderError, SmsResult
from notifications.sms_templates import outbox_params
from unionhub.lib import clock, wechat

CHANNEL = "wechat_subscribe"
PROVIDER = "wechat_subscribe"
DEFAULT_DATA = {"thing1": "subject", "thing2": "body", "time3": "time"}
LIMITS = {"thing": 20, "phrase": 5, "name": 10}


def subscribe_template(kind: str) -> dict | None:
    """The template of a message kind ({"template_id", "data", "page"}), or None when the channel is off."""
    entry = (settings.UNIONHUB_WECHAT_SUBSCRIBE_TEMPLATES or {}).get(kind)
    if not entry or not wechat.configured(wechat.MINIPROGRAM):
        return None
    if isinstance(entry, str):
        entry = {"template_id": entry}
    return {
        "template_id": entry["template_id"],
        "data": entry.get("data") or DEFAULT_DATA,
        "page": entry.get("page", ""),
    }


def subscribed_recipients(user_ids) -> set[int]:
    """Which of these accounts have a mini-program binding of the configured app."""
    appid = wechat.credentials(wechat.MINIPROGRAM)[0]
    user_ids = list(user_ids)
    if not appid or not user_ids:
        return set()
    return set(
        get_user_model()
        .objects.filter(pk__in=user_ids, wechat_bindings__app_id=appid)
        .values_list("pk", flat=True)
    )


def subscribe_channels(*, channels: tuple[str, ...], template: str, recipient) -> tuple[str, ...]:
    """The channels of a member's message, with the subscribe channel added when it applies: the message goes by
    SMS (a member's notice, not a staff's), its kind has a template and the member has a binding."""
    if "sms" not in channels or CHANNEL in channels or subscribe_template(template) is None:
        return channels
    if recipient.pk not in subscribed_recipients([recipient.pk]):
        return channels
    return (*channels, CHANNEL)


def _value(key: str, field: str, message) -> str:
    local = (message.created_at or clock.now()).astimezone(clock.SHANGHAI)
    values = {
        "subject": message.subject,
        "body": message.body,
        "name": outbox_params(message)["name"],
        "date": f"{local:%Y-%m-%d}",
        "time": f"{local:%Y-%m-%d %H:%M}",
    }
    value = str(values.get(field, field))
    for prefix, limit in LIMITS.items():
        if key.startswith(prefix) and len(value) > limit:
            value = value[: limit - 1] + "…"
    return value


def subscribe_deliver(message) -> dict:
    """Send one outbox message as a subscribe message; WeChat's answer is returned to be kept on the row. A refusal
    raises SmsProviderError with the answer (kept like an SMS provider's); a busy or unreachable WeChat raises."""
    template = subscribe_template(message.template)
    appid = wechat.credentials(wechat.MINIPROGRAM)[0]
    openid = (
        message.recipient.wechat_bindings.filter(app_id=appid).values_list("openid", flat=True).first()
        if appid
        else None
    )
    if template is None or not openid:
        return SmsResult(
            provider=PROVIDER, ok=False, code="skipped", message="not configured or not bound"
        ).as_answer()
    try:
        answer = wechat.subscribe_message_send(
            touser=openid,
            template_id=template["template_id"],
            data={key: _value(key, field, message) for key, field in template["data"].items()},
            page=template["page"],
            miniprogram_state=settings.UNIONHUB_WECHAT_MINIPROGRAM_STATE,
        )
    except wechat.WeChatError as exc:
        if exc.retryable:
            raise
        raise SmsProviderError(
            SmsResult(provider=PROVIDER, ok=False, code=str(exc.errcode), message=exc.errmsg[:150])
        ) from exc
    return SmsResult(
        provider=PROVIDER,
        ok=True,
        code=str(answer.get("errcode", 0)),
        message=str(answer.get("errmsg", "ok")),
        message_id=str(answer.get("msgid", "")),
    ).as_answer()
