from django import forms
from django.utils.translation import gettext_lazy as _

from unionhub.lib import idnumber
from unionhub.lib import phone as phones


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("验证码"),
        regex=r"^\d{6}$",
        max_length=6,
        help_text=_("身份验证器应用中显示的6位数字。"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device_check=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device_check = device_check
        self.device = None

    def clean_token(self):
        token = self.cleaned_data["token"]
        self.device = self.device_check(token) if self.device_check else None
        if self.device is None:
            raise forms.ValidationError(_("验证码不正确或已过期，请重新输入。"), code="otp_invalid")
        return token


def _code_field():
    return forms.RegexField(
        label=_("短信验证码"),
        regex=r"^\d{6}$",
        max_length=6,
        help_text=_("点击“获取验证码”，短信中的6位数字，5分钟内有效。"),
        error_messages={"invalid": _("请输入短信中的6位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class _PhoneCodeForm(forms.Form):
    """A form that proves a phone: the phone first, then the code the "获取验证码" button sends to it."""

    phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "numeric"}),
    )
    sms_code = _code_field()

    def clean_phone(self):
        return phones.validate(self.cleaned_data["phone"])


class _PasswordPairMixin:
    password_field = "password"

    def clean(self):
        data = super().clean()
        first = data.get(self.password_field)
        if first and first != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class RegisterByCodeForm(_PasswordPairMixin, _PhoneCodeForm):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, min_length=18)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    field_order = ["name", "id_number", "phone", "sms_code", "password", "password2"]

    def clean_id_number(self):
        return idnumber.validate(self.cleaned_data["id_number"])


class ActivateForm(_PasswordPairMixin, _PhoneCodeForm):
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, min_length=18)
    password = forms.CharField(label=_("设置密码"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    field_order = ["id_number", "phone", "sms_code", "password", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = _("工会登记的手机号码。")

    def clean_id_number(self):
        return idnumber.validate(self.cleaned_data["id_number"])


class ClaimForm(_PhoneCodeForm):
    name = forms.CharField(label=_("姓名"), max_length=50, help_text=_("与身份证一致。"))
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, min_length=18)
    id_card = forms.FileField(
        label=_("身份证人像面照片"),
        help_text=_("JPG 或 PNG，不超过 5 MB，仅供工会工作人员核对。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )

    field_order = ["name", "id_number", "phone", "sms_code", "id_card"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = _("您本人的手机号码。")

    def clean_id_number(self):
        return idnumber.validate(self.cleaned_data["id_number"])


class PasswordForgotForm(_PasswordPairMixin, _PhoneCodeForm):
    password_field = "new_password"
    new_password = forms.CharField(label=_("新密码"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=_("确认新密码"), widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = _("账号绑定的手机号码。")


class SmsLoginForm(_PhoneCodeForm):
    pass
