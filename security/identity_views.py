"""Phone-first member pages (SPEC §9): register with a code, claim an ID number, activate a record, forgot
password, log in by code. Each form has a "获取验证码" button posting the same form (no script needed; the
countdown of static/js/sms-code.js only disables the button while a resend is not allowed)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from security import claims, recovery, registration
from security.forms import ActivateForm, ClaimForm, PasswordForgotForm, RegisterByCodeForm, SmsLoginForm
from security.models import SmsCodePurpose
from security.sms_codes import TooManyCodes, sms_code_send
from unionhub.lib.client_ip import client_ip
from unionhub.lib.errors import BusinessError

BACKEND = "members.backends.PhoneIdOrUsernameBackend"


def _send_code(request, form, purpose: str) -> int | None:
    """The "获取验证码" button: only the phone is checked (other fields keep what was typed, without errors)."""
    form.is_valid()
    for name in list(form.errors):
        if name != "phone":
            del form.errors[name]
    if "phone" in form.errors:
        return None
    try:
        resend = sms_code_send(purpose=purpose, phone=form.cleaned_data["phone"], ip=client_ip(request))
    except TooManyCodes as exc:
        form.add_error("phone", exc.detail)
        return exc.resend_after
    messages.info(request, _("验证码已发送，5分钟内有效。"))
    return resend


def _show_error(form, exc: Exception) -> None:
    if isinstance(exc, BusinessError):
        form.add_error(None, exc.detail)
        return
    for field, errors in exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]:
        form.add_error(field if field in form.fields else None, errors)


def _code_page(request, *, form_class, purpose: str, template: str, title: str, run, files: bool = False):
    form = (
        form_class(request.POST or None, request.FILES or None) if files else form_class(request.POST or None)
    )
    context = {"form": form, "title": title, "resend_after": 0}
    if request.method == "POST":
        if "send_code" in request.POST:
            context["resend_after"] = _send_code(request, form, purpose) or 0
        elif form.is_valid():
            try:
                return run(form.cleaned_data, context)
            except (BusinessError, ValidationError) as exc:
                _show_error(form, exc)
                if isinstance(exc, BusinessError) and exc.code == "id_number_bound":
                    context["claim_offer"] = True
    return render(request, template, context)


@never_cache
@sensitive_post_parameters("password", "password2", "sms_code")
def register(request):
    def run(data, context):
        user, _token = registration.member_register_by_code(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            sms_code=data["sms_code"],
            password=data["password"],
        )
        login(request, user, backend=BACKEND)
        messages.success(request, _("注册成功。"))
        return redirect("member-home")

    return _code_page(
        request,
        form_class=RegisterByCodeForm,
        purpose=SmsCodePurpose.REGISTER,
        template="security/register.html",
        title=_("实名注册"),
        run=run,
    )


@never_cache
@sensitive_post_parameters("password", "password2", "sms_code")
def activate(request):
    def run(data, context):
        user, _token = registration.member_activate(
            id_number=data["id_number"],
            phone=data["phone"],
            sms_code=data["sms_code"],
            password=data["password"],
        )
        login(request, user, backend=BACKEND)
        messages.success(request, _("会员账号已激活。"))
        return redirect("member-home")

    return _code_page(
        request,
        form_class=ActivateForm,
        purpose=SmsCodePurpose.ACTIVATE,
        template="security/code_form.html",
        title=_("激活会员账号"),
        run=run,
    )


@never_cache
@sensitive_post_parameters("sms_code")
def claim(request):
    def run(data, context):
        filed = claims.identity_claim_file(
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            sms_code=data["sms_code"],
            id_card=data["id_card"],
        )
        return render(request, "security/claim_done.html", {"claim": filed, "title": _("认领申请已提交")})

    return _code_page(
        request,
        form_class=ClaimForm,
        purpose=SmsCodePurpose.CLAIM,
        template="security/code_form.html",
        title=_("认领身份证号码"),
        run=run,
        files=True,
    )


@never_cache
@sensitive_post_parameters("new_password", "password2", "sms_code")
def password_forgot(request):
    def run(data, context):
        recovery.password_reset_by_code(
            phone=data["phone"], code=data["sms_code"], new_password=data["new_password"]
        )
        messages.success(request, _("密码已重置，请用新密码登录。"))
        return redirect("member-login")

    return _code_page(
        request,
        form_class=PasswordForgotForm,
        purpose=SmsCodePurpose.RESET,
        template="security/code_form.html",
        title=_("忘记密码"),
        run=run,
    )


@never_cache
@sensitive_post_parameters("sms_code")
def sms_login(request):
    def run(data, context):
        token = recovery.login_by_code(phone=data["phone"], code=data["sms_code"])
        login(request, token.user, backend=BACKEND)
        return redirect("member-home")

    return _code_page(
        request,
        form_class=SmsLoginForm,
        purpose=SmsCodePurpose.LOGIN,
        template="security/code_form.html",
        title=_("验证码登录"),
        run=run,
    )
