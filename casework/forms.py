"""Staff step forms join and transfer applications share, and how many unions a member's picker shows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Union, UnionLevel

UNION_CHOICES_SHOWN = 20


class DispatchForm(forms.Form):
    county = forms.ModelChoiceField(label=_("分派到"), queryset=Union.objects.filter(level=UnionLevel.COUNTY))
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class VerifyForm(forms.Form):
    union = forms.ModelChoiceField(
        label=_("审批工会"),
        queryset=Union.objects.filter(accepts_members=True),
        required=False,
        help_text=_("单位已建会时选择单位工会；留空则交由本县区职工服务中心工会。"),
    )
    employer_name = forms.CharField(label=_("校核后的单位名称"), required=False, max_length=200)
    comment = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("驳回原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
