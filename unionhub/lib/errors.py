"""Errors raised by services; the API turns them into SPEC §8 answers.

`ERROR_CODES` is the one registry of the codes the system answers with: each code's HTTP status, its Chinese
message (the detail used when a raise gives none, and the text the OpenAPI schema shows beside the code) and
where it is declared in the schema (`unionhub.schema`). A `BusinessError` with a code missing here fails when it
is raised under DEBUG and in tests (`UNIONHUB_STRICT_ERROR_CODES`), and `tests/test_contract.py` finds every
code raised in the source tree and requires it here.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

# Where the schema declares a code (see unionhub.lib.schema.AutoSchema):
VIEW = "view"  # on the operations whose view lists it (`@error_codes(...)` or an `error_codes` attribute)
ALL = "all"  # on every operation
AUTH = "auth"  # on every operation that needs a logged-in caller
BODY = "body"  # on every operation that takes a request body
THROTTLED = "throttled"  # on every operation with a rate limit
PAGES = "pages"  # not an API answer: member pages and the admin only
UNDECLARED = (
    "undeclared"  # an answer no operation promises (a fault of the server itself), still in the same body
)


@dataclass(frozen=True)
class ErrorCode:
    status: int
    message: str
    where: str = VIEW


ERROR_CODES: dict[str, ErrorCode] = {
    # --- the framework's answers, in the same {"code", "detail"} body -------------------------------------------
    "parse_error": ErrorCode(400, _("请求内容格式不正确。"), BODY),
    "invalid_characters": ErrorCode(400, _("请求内容含有不允许的字符（空字符或无效的 Unicode 字符）。"), ALL),
    "invalid": ErrorCode(400, _("请求内容不正确，请按字段提示修改。")),
    "not_authenticated": ErrorCode(401, _("请先登录。"), AUTH),
    "authentication_failed": ErrorCode(401, _("登录凭证无效或已失效，请重新登录。"), AUTH),
    "permission_denied": ErrorCode(403, _("没有权限执行此操作。"), AUTH),
    "not_found": ErrorCode(404, _("未找到。"), ALL),
    "throttled": ErrorCode(429, _("请求过于频繁，请稍后再试。"), THROTTLED),
    "unavailable": ErrorCode(503, _("服务暂时不可用，请稍后重试。"), ALL),
    "server_error": ErrorCode(500, _("服务器内部错误，请稍后重试。"), UNDECLARED),
    "unknown_role": ErrorCode(400, _("未知的角色。")),
    "uscc_length": ErrorCode(400, _("统一社会信用代码应为18位。"), PAGES),
    "uscc_format": ErrorCode(400, _("统一社会信用代码含有不允许的字符。"), PAGES),
    "uscc_checksum": ErrorCode(400, _("统一社会信用代码校验位不正确。"), PAGES),
    "too_many_rows": ErrorCode(400, _("文件行数超过上限，请分成几个文件导入。"), PAGES),
    "not_retryable": ErrorCode(400, _("该导入不能重新提交，请重新上传文件。"), PAGES),
    "too_many_codes": ErrorCode(429, _("验证码发送过于频繁，请稍后再试。")),
    "sms_code_invalid": ErrorCode(400, _("验证码不正确或已失效，请重新获取。")),
    "id_number_bound": ErrorCode(400, _("该身份证号码已绑定其他账号，可提出认领申请。")),
    "not_on_record": ErrorCode(400, _("工会登记信息中没有与该身份证号码和手机号码相符、尚未激活的会员。")),
    "claim_open": ErrorCode(400, _("该身份证号码已有一份正在审核的认领申请，请等待处理结果。")),
    "id_card_invalid": ErrorCode(400, _("身份证照片只能是 JPG 或 PNG 图片，且不超过 5 MB。")),
    "nothing_to_claim": ErrorCode(400, _("该身份证号码没有被其他账号绑定，请直接注册。")),
    "identity_unverified": ErrorCode(
        400, _("申请人的身份尚未核验，请核对身份证原件后勾选确认（id_card_checked）。")
    ),
    "locked_out": ErrorCode(429, _("登录失败次数过多，请30分钟后再试。")),
    "address_locked_out": ErrorCode(429, _("来自您所在网络地址的登录失败次数过多，请15分钟后再试。")),
    "password_change_required": ErrorCode(403, _("密码已被管理员重置，请先登录管理后台修改密码。"), AUTH),
    # --- accounts and login -------------------------------------------------------------------------------------
    "invalid_credentials": ErrorCode(400, _("用户名或密码不正确。")),
    "otp_required": ErrorCode(400, _("该账号已开启两步验证，请填写身份验证器中的6位验证码。")),
    "not_a_member_account": ErrorCode(400, _("该账号不是会员账号。")),
    "person_exists": ErrorCode(400, _("该身份证号码已登记。"), PAGES),  # staff entry and imports only
    "phone_taken": ErrorCode(400, _("该手机号码已被使用。")),
    "id_format": ErrorCode(400, _("身份证号码应为18位，最后一位可为数字或X。")),
    "id_checksum": ErrorCode(400, _("身份证号码校验位不正确。")),
    "id_address_code": ErrorCode(400, _("身份证号码前六位不是有效的行政区划代码。")),
    "id_birth_date": ErrorCode(400, _("身份证号码中的出生日期不存在。")),
    "id_birth_mismatch": ErrorCode(400, _("出生日期与身份证号码不一致。"), PAGES),
    "id_gender_mismatch": ErrorCode(400, _("性别与身份证号码不一致。"), PAGES),
    "phone_format": ErrorCode(400, _("请输入11位手机号码。")),
    "not_union_admin": ErrorCode(400, _("只有工会管理员可以创建下级工会账号。")),
    "not_below": ErrorCode(400, _("只能为下级工会创建账号。")),
    "username_taken": ErrorCode(400, _("用户名已存在。")),
    # --- WeChat login and binding (SPEC §9) ---------------------------------------------------------------------
    "wechat_code_invalid": ErrorCode(400, _("微信登录凭证无效或已使用，请重新进入小程序。")),
    "wechat_rate_limited": ErrorCode(429, _("微信接口调用过于频繁，请稍后再试。")),
    "wechat_unavailable": ErrorCode(503, _("微信服务暂时不可用，请稍后再试。")),
    "wechat_not_configured": ErrorCode(400, _("本系统尚未开通微信登录。")),
    "wechat_not_allowed": ErrorCode(400, _("微信登录只适用于未开启两步验证的会员账号。")),
    "bind_ticket_invalid": ErrorCode(400, _("绑定凭证无效或已过期，请重新进入小程序。")),
    "wechat_openid_bound": ErrorCode(409, _("该微信已绑定其他账号，请先在原账号解除绑定。")),
    "wechat_account_bound": ErrorCode(409, _("该账号已绑定另一个微信，请先解除绑定。")),
    # --- unions and memberships ---------------------------------------------------------------------------------
    "invalid_level": ErrorCode(400, _("层级不正确。")),
    "invalid_parent": ErrorCode(400, _("上级工会的层级与本工会层级不匹配。")),
    "code_taken": ErrorCode(400, _("工会代码已存在。")),
    "reservoir_exists": ErrorCode(400, _("该上级工会已有职工服务中心工会。")),
    "invalid_transition": ErrorCode(409, _("当前状态不允许此操作。")),
    "invalid_reason": ErrorCode(400, _("保留会籍原因应为 retired、unemployed、military 或 other。")),
    "reason_required": ErrorCode(400, _("请填写原因。")),
    "invalid_dues_mode": ErrorCode(400, _("缴费方式应为 self_pay、payroll 或 unit_paid。")),
    "already_member": ErrorCode(400, _("您已是工会会员，工作单位变动请申请转会。")),
    "union_not_accepting": ErrorCode(400, _("该工会不直接接收会员，请选择基层工会或分工会。")),
    "no_reservoir": ErrorCode(400, _("所属县区总工会没有职工服务中心工会。")),
    "already_in_reservoir": ErrorCode(400, _("该会员已在职工服务中心工会。")),
    "invalid_field": ErrorCode(400, _("只能查看身份证号码或手机号码。"), PAGES),
    "not_allowed": ErrorCode(400, _("没有查看完整个人信息的权限。"), PAGES),
    # --- the member's profile and card --------------------------------------------------------------------------
    "staff_only_field": ErrorCode(400, _("姓名和身份证号码只能由工会工作人员修改。")),
    "field_not_changeable": ErrorCode(400, _("这些资料不能自行修改。")),
    "password_required": ErrorCode(400, _("修改手机号码需要输入正确的登录密码。")),
    "not_your_membership": ErrorCode(400, _("只能开通本人的会员卡。"), PAGES),
    "id_number_mismatch": ErrorCode(400, _("身份证号码与登记信息不一致。"), PAGES),
    # --- join and transfer applications -------------------------------------------------------------------------
    "underage": ErrorCode(400, _("未满18周岁，暂不能申请入会。")),
    "open_application_exists": ErrorCode(400, _("您已有一份正在办理的申请，请等待处理结果或先撤销。")),
    "invalid_employment_type": ErrorCode(400, _("就业状况不正确。")),
    "proof_required": ErrorCode(400, _("劳务派遣人员须上传加盖用工单位公章的委托入会证明。")),
    "proof_invalid_type": ErrorCode(400, _("证明材料只能是 PDF、JPG 或 PNG 文件。")),
    "proof_too_large": ErrorCode(400, _("证明材料不能超过 5 MB。")),
    "invalid_hire_date": ErrorCode(400, _("入职日期不能晚于今天。")),
    "invalid_county": ErrorCode(400, _("请选择本市的县区总工会。")),
    "invalid_union": ErrorCode(400, _("请选择本县区内接收会员的工会（单位未建会时选择职工服务中心工会）。")),
    "same_union": ErrorCode(400, _("转入工会与原所在工会相同。")),
    "secondment_too_short": ErrorCode(400, _("借调六个月以上方可转接会员关系。")),
    # --- union lifecycle: founding, renewal, dissolution ---------------------------------------------------------
    "employer_has_union": ErrorCode(400, _("该单位已建立工会。")),
    "founding_exists": ErrorCode(409, _("该单位已有正在办理的建会。")),
    "invalid_member_count": ErrorCode(400, _("请填写已发展的会员人数。")),
    "invalid_committees": ErrorCode(400, _("委员会名单格式不正确，或缺少须有的委员会人选。")),
    "invalid_election_form": ErrorCode(400, _("选举形式应为直接选举或间接选举。")),
    "invalid_document": ErrorCode(400, _("文件类型不正确。")),
    "scan_invalid": ErrorCode(400, _("扫描件只能是不超过 10 MB 的 PDF、JPG 或 PNG 文件。")),
    "scans_missing": ErrorCode(400, _("四份建会文件的签章扫描件尚未上传齐全。")),
    "renewal_exists": ErrorCode(409, _("该工会已有待审批的换届。")),
    "dissolution_exists": ErrorCode(409, _("该工会已有待审批的撤销申请。")),
    "invalid_dissolution_reason": ErrorCode(400, _("撤销原因应为 closed、bankrupt、merged 或 other。")),
    "has_children": ErrorCode(400, _("该工会下还有未撤销的分工会，请先撤销。")),
    "has_open_applications": ErrorCode(400, _("该工会还有未办结的入会或转会申请，请先办结。")),
    "invalid_target": ErrorCode(400, _("请选择接收会员的工会（默认转入县区职工服务中心工会）。")),
    # --- dues ---------------------------------------------------------------------------------------------------
    "not_a_member": ErrorCode(400, _("尚未入会。")),
    "invalid_year": ErrorCode(400, _("年度不正确。")),
    "membership_inactive": ErrorCode(400, _("会籍状态不是正常，不能缴费。")),
    "not_self_pay": ErrorCode(400, _("您的会费由工资代扣或单位统一缴纳，无需自行缴费。")),
    "invalid_extra": ErrorCode(400, _("自愿多交金额应为不小于0、最多两位小数的金额。")),
    "previous_year_arrears": ErrorCode(400, _("请先缴纳前一年度所欠会费。")),
    "nothing_payable": ErrorCode(400, _("该年度没有需要缴纳的会费。")),
    "below_minimum": ErrorCode(400, _("本次缴费须至少缴至当月（含全部待缴月份）；往年欠费须一次缴清。")),
    "beyond_window": ErrorCode(400, _("最多可预缴至本年度当月起5个月，且不允许跨年度缴费。")),
    "notification_rejected": ErrorCode(400, _("支付通知签名或金额不正确，未入账。")),
    "payment_unavailable": ErrorCode(503, _("支付服务暂时不可用，请稍后再试。")),
    "wechat_not_bound": ErrorCode(400, _("该支付方式需要先绑定本账号的微信。")),
    "not_refund_pending": ErrorCode(400, _("该订单不在待退款状态。"), PAGES),
    "invalid_members": ErrorCode(400, _("所选人员须为本单位范围内、单位统一缴纳方式的会员。"), PAGES),
    # --- imports (admin) ----------------------------------------------------------------------------------------
    "file_type": ErrorCode(400, _("请上传 .xlsx 或 .csv 文件。"), PAGES),
    "file_too_large": ErrorCode(400, _("文件过大（上限 30 MB）。"), PAGES),
    "file_encoding": ErrorCode(400, _("无法识别 CSV 文件的编码（请用 UTF-8 或 GB18030）。"), PAGES),
    "file_unreadable": ErrorCode(400, _("无法读取该 Excel 文件，请使用导入模板（.xlsx）。"), PAGES),
    "missing_columns": ErrorCode(400, _("缺少列，请使用导入模板。"), PAGES),
    "no_header": ErrorCode(400, _("找不到表头（应含“姓名”“身份证号码”等列），请使用导入模板。"), PAGES),
    "empty": ErrorCode(400, _("文件中没有会员数据。"), PAGES),
}


class UnregisteredErrorCode(LookupError):
    """A code raised or declared that ERROR_CODES does not hold."""

    def __init__(self, code: str, where: str = "", message: str = ""):
        super().__init__(registration_hint(code, where, message))
        self.code = code


def registration_hint(code: str, where: str = "", message: str = "") -> str:
    found = f" ({where})" if where else ""
    return (
        f"error code {code!r}{found} is not registered: add it to ERROR_CODES in unionhub/errors.py, e.g. "
        f'"{code}": ErrorCode(400, _("{message or "<its Chinese message>"}")),  — with its HTTP status, and '
        f"declare it on the views that answer it (@error_codes in unionhub.lib.api); see README, API contract."
    )


def strict_error_codes() -> bool:
    return bool(getattr(settings, "UNIONHUB_STRICT_ERROR_CODES", settings.DEBUG))


def error_code_get(code: str, where: str = "", message: str = "") -> ErrorCode | None:
    """The registry entry; an unknown code fails under DEBUG and in tests, and is logged in production."""
    entry = ERROR_CODES.get(code)
    if entry is None:
        if strict_error_codes():
            raise UnregisteredErrorCode(code, where, message)
        log.error("unregistered error code %s", code)
    return entry


class BusinessError(Exception):
    """A rule refused the request: {"code", "detail"} with the code's registered status (400 mostly)."""

    status_code = 400

    def __init__(self, code: str, detail: str = "", **extra):
        entry = error_code_get(code, message=str(detail))
        if entry is not None:
            self.status_code = entry.status
            detail = detail or entry.message
        super().__init__(str(detail or code))
        self.code = code
        self.detail = str(detail or code)
        self.extra = extra  # more fields of the answer beside code and detail (id_number_bound: claim)


class InvalidTransition(BusinessError):
    """A transition not allowed from the current state (or not by this actor): 409."""

    status_code = 409

    def __init__(self, state: str, transition: str):
        super().__init__("invalid_transition", f"'{transition}' is not allowed from state '{state}'")
        self.state = state
        self.transition = transition


class NotInScope(Exception):
    """The object exists but lies outside the caller's scope: answered exactly like a missing object (404)."""


class MalformedBody(BusinessError):
    """A request body that cannot be taken as the API's input: not JSON, nested too deep, or not an object."""

    def __init__(self, detail: str = ""):
        from django.utils.translation import gettext

        super().__init__("parse_error", detail or gettext("请求内容格式不正确。"))


class InvalidCharacters(BusinessError):
    """Text holding characters no field may hold (NUL, lone UTF-16 surrogates), in the body or the query."""

    def __init__(self, where: str = ""):
        from django.utils.translation import gettext

        detail = gettext("请求内容含有不允许的字符（空字符或无效的 Unicode 字符）。")
        if where:
            detail = f"{detail} ({where})"
        super().__init__("invalid_characters", detail)
