from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from unionhub.lib import idnumber, phone


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(label=_("身份证号码"), max_length=18, min_length=18)
    phone = forms.CharField(label=_("手机号码"), max_length=20)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput, min_length=8)
    password2 = forms.CharField(label=_("确认密码"), widget=forms.PasswordInput)

    def clean_id_number(self):
        return idnumber.validate(self.cleaned_data["id_number"])

    def clean_phone(self):
        return phone.validate(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password2"):
            self.add_error("password2", _("两次输入的密码不一致。"))
        return data


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("手机号码或身份证号码"), max_length=40)
