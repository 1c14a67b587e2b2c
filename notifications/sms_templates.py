"""Every kind of message the project sends by SMS, with its provider template and parameters.

A template's code (Aliyun `SMS_...`, Tencent Cloud a numeric template ID) comes from the environment:
`UNIONHUB_SMS_TEMPLATE_<KIND>` (for example `UNIONHUB_SMS_TEMPLATE_JOIN_APPROVED_UNION`). An outbox kind without
its own code uses `UNIONHUB_SMS_TEMPLATE_NOTICE`; a code kind without its own uses `UNIONHUB_SMS_TEMPLATE_CODE`.
The text registered with the provider is in `text` (what to submit for approval), its variables are `params`
(in this order for providers that take them by position).
"""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class SmsTemplate:
    kind: str
    params: tuple[str, ...]
    text: str
    fallback: str = "notice"

    def code(self) -> str:
        return (
            os.environ.get(f"UNIONHUB_SMS_TEMPLATE_{self.kind.upper()}")
            or os.environ.get(f"UNIONHUB_SMS_TEMPLATE_{self.fallback.upper()}")
            or self.kind
        )


CODE_PURPOSES = ("register", "login", "reset", "activate", "bind", "claim")

_CODE_TEXT = "您的验证码为${code}，5分钟内有效，请勿告诉他人。"
_NOTICE = ("name", "subject")

TEMPLATES: dict[str, SmsTemplate] = {
    t.kind: t
    for t in [
        *[
            SmsTemplate(f"code_{purpose}", ("code",), _CODE_TEXT, fallback="code")
            for purpose in CODE_PURPOSES
        ],
        SmsTemplate("notice", _NOTICE, "${name}您好，${subject}，详情请登录工会服务平台查看。"),
        # application results (join)
        SmsTemplate(
            "join_approved_union",
            _NOTICE,
            "${name}您好，您的入会申请已通过审核（${subject}），详情请登录查看。",
        ),
        SmsTemplate(
            "join_approved_reservoir",
            _NOTICE,
            "${name}您好，您的入会申请已通过审核（${subject}），会籍暂时保留，详情请登录查看。",
        ),
        SmsTemplate("join_rejected", _NOTICE, "${name}您好，${subject}，原因及联系方式请登录查看。"),
        # dispatch notices and overdue reminders to staff
        SmsTemplate("join_dispatched", _NOTICE, "${name}您好，您有新的${subject}，请及时登录处理。"),
        SmsTemplate("transfer_dispatched", _NOTICE, "${name}您好，您有新的${subject}，请及时登录处理。"),
        SmsTemplate("join_overdue", _NOTICE, "${name}您好，${subject}，请尽快登录处理。"),
        SmsTemplate("transfer_overdue", _NOTICE, "${name}您好，${subject}，请尽快登录处理。"),
        # dues
        SmsTemplate("dues_reminder", _NOTICE, "${name}您好，${subject}：您有未缴纳的工会会费，请及时补缴。"),
        SmsTemplate(
            "dues_final", _NOTICE, "${name}您好，${subject}：连续欠费超过6个月将视为自动退会，请尽快补缴。"
        ),
        # transfers
        SmsTemplate("transfer_approved", _NOTICE, "${name}您好，${subject}，详情请登录查看。"),
        SmsTemplate("transfer_rejected", _NOTICE, "${name}您好，${subject}，原因请登录查看。"),
        SmsTemplate("transfer_became_join", _NOTICE, "${name}您好，${subject}，详情请登录查看。"),
        SmsTemplate("transfer_out_notice", _NOTICE, "${name}您好，${subject}，详情请登录查看。"),
        SmsTemplate("secondment_ended", _NOTICE, "${name}您好，${subject}，请登录办理。"),
        SmsTemplate("secondment_ended_staff", _NOTICE, "${name}您好，${subject}，请登录查看。"),
        # memberships, union formation, data review, account
        SmsTemplate("membership_moved_out", _NOTICE, "${name}您好，${subject}，详情请登录查看。"),
        SmsTemplate("union_formation_opened", _NOTICE, "${name}您好，${subject}，请登录查看。"),
        SmsTemplate("union_formation_transferred", _NOTICE, "${name}您好，${subject}，详情请登录查看。"),
        SmsTemplate("union_review_remind", _NOTICE, "${name}您好，${subject}，请登录更新本单位工会数据。"),
        SmsTemplate(
            "profile_phone_changed", _NOTICE, "${name}您好，${subject}，如非本人操作请联系所在工会。"
        ),
        # claims of an ID number (认领)
        SmsTemplate(
            "claim_approved",
            _NOTICE,
            "${name}您好，${subject}，请用本手机号码通过验证码登录或找回密码后使用。",
        ),
        SmsTemplate("claim_rejected", _NOTICE, "${name}您好，${subject}，如有疑问请联系所在工会。"),
        SmsTemplate(
            "claim_account_released",
            _NOTICE,
            "${name}您好，${subject}，该账号已停用，如有疑问请联系所在工会。",
        ),
    ]
}


def sms_template(kind: str) -> SmsTemplate:
    """The template of a message kind; a kind not listed (e.g. the demo's) is sent as a general notice."""
    return TEMPLATES.get(kind) or SmsTemplate(kind, _NOTICE, TEMPLATES["notice"].text)


def outbox_params(message) -> dict:
    """The parameters of an outbox message: the recipient's name and the subject (the full text is in-site)."""
    person = getattr(message.recipient, "person", None)
    name = (
        (person.name if person else "")
        or message.recipient.get_full_name()
        or message.recipient.get_username()
    )
    return {"name": name, "subject": message.subject}
