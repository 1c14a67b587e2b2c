from django import forms
from django.utils.translation import gettext_lazy as _


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
