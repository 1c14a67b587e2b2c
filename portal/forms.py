from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Education, HouseholdType, PoliticalStatus
from members.profile import STAFF_ONLY_FIELDS
from unionhub.lib import phone


def _with_blank(choices):
    return [("", "—")] + list(choices)


class ProfileForm(forms.Form):
    phone = forms.CharField(label=_("新手机号码（登录用）"), max_length=20, required=False)
    password = forms.CharField(
        label=_("登录密码"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("仅更换手机号码时需要填写。"),
    )
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    education = forms.ChoiceField(label=_("学历"), choices=_with_blank(Education.choices), required=False)
    political_status = forms.ChoiceField(
        label=_("政治面貌"), choices=_with_blank(PoliticalStatus.choices), required=False
    )
    household_type = forms.ChoiceField(
        label=_("户籍类型"), choices=_with_blank(HouseholdType.choices), required=False
    )
    ethnicity = forms.CharField(label=_("民族"), max_length=20, required=False)
    unit_name = forms.CharField(label=_("所属单位"), max_length=200, required=False)

    def __init__(self, *args, person, **kwargs):
        self.person = person
        # The phone is never shown in clear, not even to its owner: the field starts empty.
        initial = {
            name: getattr(person, name) for name in self.base_fields if name not in ("phone", "password")
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["phone"].help_text = _("当前：%(masked)s。不更换请留空。") % {
            "masked": person.phone_masked
        }
        self.fields["phone"].widget.attrs.update(inputmode="tel", autocomplete="tel")

    def clean_phone(self):
        value = self.cleaned_data["phone"]
        return phone.validate(value) if value else ""

    def clean(self):
        data = super().clean()
        if any(name in self.data for name in STAFF_ONLY_FIELDS):
            raise forms.ValidationError(
                _("姓名和身份证号码只能由工会工作人员修改。"), code="staff_only_field"
            )
        return data

    def changes(self) -> dict[str, str]:
        """Only the fields the member actually changed."""
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "password" and name in self.changed_data and (name != "phone" or value)
        }
